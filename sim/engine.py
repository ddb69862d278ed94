"""The engine beneath the rules: how a rule of the model runs, not what it says.

A rule is written once, as readable numpy, in the module of the stage it belongs to (its
`statement`); a compiled loop with the same parameters is its fast implementation (its
`kernel`, in `sim.kernels`). Stages apply rules through the engine, by keyword:

    engine.run(help_cases, cases=cases, severity=h.severity, ...)

The engine, made once per model, decides the rest: the compiled kernel, split over two
threads at county scale (households, services or noticing's agencies in parts, each
writing only its own part of the outputs); buffers reused from week to week
(`scratch`); and work drawn ahead of the week on a thread of its own (`ahead`, `take`).
Stages never see any of it.

Modes: "fast" runs the kernels; "plain" runs the statements (slow: the rules as written,
for reading and debugging); "check" runs both on copies of the same state and raises if
they disagree in any output, which is how tests hold the kernels to the rules.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .kernels import BLOCK
from .threads import in_background, run_parts, split, split_by_cost, threads_for

Mode = Literal["fast", "plain", "check"]


@dataclass(frozen=True)
class Rule:
    """A rule: its readable `statement`, its compiled `kernel` (the same parameters, plus
    `first` and `last` when the engine may split it), and how it may be split: `over`
    "households", "agencies", "services" or "noticing" (the engine's parts of each; see
    `Engine.parts`), or "each:<arg>"
    (the items of that argument, evenly). `used(arguments, result)` picks out what the
    rule's outputs mean, where buffers hold more than that (for "check" mode, which
    compares these in place of the buffers, and every other argument as it is)."""

    statement: Callable
    kernel: Callable
    over: str | None = None
    used: Callable[[dict, Any], dict[str, Any]] | None = None

    @property
    def name(self) -> str:
        return self.statement.__name__


def rule(kernel: Callable, over: str | None = None, used: Callable | None = None) -> Callable[[Callable], Rule]:
    """Declare the function below as a rule, implemented fast by `kernel`."""
    def declare(statement: Callable) -> Rule:
        return Rule(statement, kernel, over, used)
    return declare


class RulesDisagree(AssertionError):
    """In "check" mode: a kernel's outputs differ from its rule's statement."""


class Engine:
    def __init__(self, n_households: int, n_agencies: int, noticing_costs: list[int], *,
                 threads: int | None = None, mode: Mode = "fast"):
        self.threads = threads_for(n_households) if threads is None else threads
        self.mode = mode
        # the kernels' blocks of households: a rule that counts per block has a row each
        self.blocks = (n_households + BLOCK - 1) // BLOCK
        self.parts = {
            "households": split(n_households, self.threads),
            "agencies": split(n_agencies, self.threads, align=1),
            "services": split(n_agencies + 1, self.threads, align=1),  # the agencies, then the key-worker team
            "noticing": split_by_cost(noticing_costs, self.threads),
        }
        self._scratch: dict[str, np.ndarray] = {}
        self._ahead: dict[str, tuple[Any, Future]] = {}

    # --- rules ------------------------------------------------------------------------------
    def run(self, rule: Rule, /, **arguments: Any) -> Any:
        """Apply `rule` to its arguments, given by keyword (outputs are written in place)."""
        if self.mode == "plain":
            return rule.statement(**arguments)
        if self.mode == "check":
            return self._checked(rule, arguments)
        return self._fast(rule, arguments)

    def _fast(self, rule: Rule, arguments: dict) -> Any:
        parts = self._parts(rule.over, arguments)
        if parts is None:
            return rule.kernel(**arguments)
        run_parts(lambda first, last: rule.kernel(**arguments, first=first, last=last), parts)
        return None

    def _parts(self, over: str | None, arguments: dict) -> list[tuple[int, int]] | None:
        if over is None:
            return None
        if over.startswith("each:"):
            return split(len(arguments[over.removeprefix("each:")]), self.threads, align=1)
        return self.parts[over]

    def _checked(self, rule: Rule, arguments: dict) -> Any:
        twin = copy.deepcopy(arguments)
        expected = rule.statement(**twin)
        result = self._fast(rule, arguments)
        if rule.over is None and rule.used is None:
            expected_out, actual_out = {"result": expected, **twin}, {"result": result, **arguments}
        else:  # every argument (a kernel must not write its inputs), with what its outputs mean
            expected_out = {**twin, **rule.used(twin, expected)} if rule.used else twin
            actual_out = {**arguments, **rule.used(arguments, result)} if rule.used else arguments
        for name, want in expected_out.items():
            if not _same(want, actual_out[name]):
                raise RulesDisagree(f"rule {rule.name}: the kernel's {name} differs from the statement's")
        return result

    # --- buffers and work ahead -----------------------------------------------------------
    def scratch(self, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        """A buffer kept from call to call under `name` (its contents are whatever was
        last written; made afresh if the shape or type asked for changes)."""
        buffer = self._scratch.get(name)
        if buffer is None or buffer.shape != tuple(shape) or buffer.dtype != dtype:
            buffer = self._scratch[name] = np.zeros(shape, dtype)
        return buffer

    def ahead(self, key: str, when: Any, task: Callable, *args: Any) -> None:
        """With a spare thread, start `task(*args)` now in the background, to be taken
        for `when` (it must touch nothing the week's stages touch)."""
        if self.threads > 1:
            self._ahead[key] = (when, in_background(task, *args))

    def take(self, key: str, when: Any, task: Callable, *args: Any) -> Any:
        """What `task(*args)` gives: drawn ahead for `when` if it was, else now."""
        drawn = self._ahead.pop(key, None)
        if drawn is None:
            return task(*args)
        drawn_for, future = drawn
        if drawn_for != when:
            raise RuntimeError(f"{key} was drawn ahead for {drawn_for!r}, not {when!r}")
        return future.result()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b or (a != a and b != b)  # noqa: PLR0124 -- NaN equals NaN here
