"""Scenario discovery: which ranges of the levers make a condition on the outcomes hold
(for example "crises < baseline and over_spend <= 0")?

PRIM (the Patient Rule Induction Method of Friedman and Fisher, 1999, as the EMA Workbench
uses it): start with a box holding every run, repeatedly peel off the thin slice of one
lever's range (a share `alpha` of the runs in the box) that most raises the share of runs
in the box meeting the condition (density), until the box holds too few runs; pick the
box on that trajectory with the highest density among those keeping enough of the runs
that meet it (coverage). Then set those runs aside and look for the next box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from parameters.loader import ScenarioError

from .runner import run
from .store import Store
from .sweep import SweepSpec, plan_runs

COMPARISON = re.compile(r"(\w+)\s*(<=|>=|<|>|==|!=)\s*baseline\b")


@dataclass
class Box:
    limits: dict[str, tuple[float, float]]  # lever -> (low, high), only levers the box restricts
    coverage: float  # share of all runs meeting the condition that the box holds
    density: float  # share of the runs in the box that meet the condition
    mass: float  # share of all runs in the box
    runs: int


def peel_trajectory(X: pd.DataFrame, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05) -> list[Box]:
    """Every box on PRIM's peeling path, from all runs down to `min_mass` of them."""
    total, interesting = len(y), y.sum()
    inside = np.ones(total, bool)
    limits = {c: (float(X[c].min()), float(X[c].max())) for c in X}
    path = [_box(limits, inside, y, total, interesting, X)]
    while inside.sum() / total > min_mass:
        best = None
        for lever in X:
            values = X[lever].to_numpy()[inside]
            for side in ("low", "high"):
                cut = _peel(values, side, alpha)
                if cut is None:
                    continue
                keep = inside & ((X[lever].to_numpy() >= cut) if side == "low" else (X[lever].to_numpy() <= cut))
                if keep.sum() == 0 or keep.sum() == inside.sum():
                    continue
                density = y[keep].mean()
                if best is None or density > best[0]:
                    best = (density, lever, side, cut, keep)
        if best is None:
            break
        _, lever, side, cut, keep = best
        low, high = limits[lever]
        limits[lever] = (float(cut), high) if side == "low" else (low, float(cut))
        inside = keep
        path.append(_box(limits, inside, y, total, interesting, X))
    return path


def _peel(values: np.ndarray, side: str, alpha: float) -> float | None:
    """Where to cut to drop about `alpha` of the box's runs from one side (a whole value
    at a time when the lever takes only a few values)."""
    distinct = np.unique(values)
    if distinct.size < 2:
        return None
    if side == "low":
        cut = np.quantile(values, alpha, method="higher")
        return float(cut if cut > distinct[0] else distinct[1])
    cut = np.quantile(values, 1 - alpha, method="lower")
    return float(cut if cut < distinct[-1] else distinct[-2])


def _box(limits, inside, y, total, interesting, X) -> Box:
    restricted = {k: v for k, v in limits.items() if v != (float(X[k].min()), float(X[k].max()))}
    held = y[inside].sum()
    return Box(dict(restricted), coverage=float(held / interesting) if interesting else 0.0,
               density=float(y[inside].mean()) if inside.any() else 0.0, mass=float(inside.mean()), runs=int(inside.sum()))


def prim(X: pd.DataFrame, y: np.ndarray, min_coverage: float = 0.5, min_density: float = 0.5, max_boxes: int = 3,
         **peeling) -> list[Box]:
    """Boxes where the condition holds, each the densest on its peeling path that keeps at
    least `min_coverage` of the runs meeting the condition that were left to explain; a
    box where it holds in fewer than `min_density` of the runs is not reported."""
    y = np.asarray(y, bool)
    boxes, remaining = [], np.ones(len(y), bool)
    total_interesting = y.sum()
    while len(boxes) < max_boxes and y[remaining].sum() > 0:
        path = peel_trajectory(X[remaining].reset_index(drop=True), y[remaining], **peeling)
        candidates = [b for b in path if b.coverage >= min_coverage] or path[:1]
        box = max(candidates, key=lambda b: (b.density, b.coverage))
        if box.density < min_density or not box.limits:
            break  # it does not usually hold in any range of the levers left to find
        within = np.ones(len(y), bool)
        for lever, (low, high) in box.limits.items():
            within &= (X[lever].to_numpy() >= low) & (X[lever].to_numpy() <= high)
        held = remaining & within
        boxes.append(Box(box.limits, coverage=float(y[held].sum() / total_interesting), density=float(y[held].mean()),
                         mass=float(held.mean()), runs=int(held.sum())))
        remaining &= ~within
    return boxes


def condition_holds(outcomes: pd.DataFrame, where: str, baseline: dict[str, float]) -> np.ndarray:
    """Evaluate a condition such as "crises < baseline and over_spend <= 0" per run."""
    expression = where.replace("overspend", "over_spend")
    expression = COMPARISON.sub(lambda m: f"{m.group(1)} {m.group(2)} __baseline_{m.group(1)}", expression)
    frame = outcomes.copy()
    for name, value in baseline.items():
        frame[f"__baseline_{name}"] = value
    try:
        return frame.eval(expression).to_numpy(dtype=bool)
    except Exception as error:  # noqa: BLE001 - any bad expression becomes a named error
        known = ", ".join(c for c in outcomes.columns if not c.startswith("__"))
        raise ScenarioError(f"cannot evaluate --where '{where}' ({error}); outcomes you can use: {known}, and 'baseline'") from None


def baseline_outcomes(folder: str | Path, spec: SweepSpec) -> dict[str, float]:
    """Mean outcomes of the scenario with no lever changed, on the sweep's seeds (cached)."""
    cache = Path(folder) / "baseline.parquet"
    if cache.exists():
        return pd.read_parquet(cache).mean(numeric_only=True).to_dict()
    seeds = sorted({r.seed for r in plan_runs(spec)})
    rows = [run(spec.sweep.scenario, {**spec.set, "run.years": spec.sweep.years, "run.seed": seed}).outcomes() for seed in seeds]
    frame = pd.DataFrame(rows)
    frame.to_parquet(cache, index=False)
    return frame.mean(numeric_only=True).to_dict()


def discover(folder: str | Path, where: str, min_coverage: float = 0.5) -> tuple[list[Box], int, int]:
    """Boxes of lever ranges where `where` holds across a finished sweep's runs."""
    store = Store(folder)
    spec = SweepSpec.model_validate(store.spec())
    summary = store.frame("summary")
    if summary.empty:
        raise ScenarioError(f"'{folder}' holds no finished runs yet; run 'locality sweep' first")
    baseline = baseline_outcomes(folder, spec) if "baseline" in where else {}
    holds = condition_holds(summary, where, baseline)
    levers = summary[list(spec.levers)].astype(float)
    return prim(levers, holds, min_coverage=min_coverage), int(holds.sum()), len(holds)
