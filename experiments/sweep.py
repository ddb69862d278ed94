"""Parameter sweeps: a TOML spec names a base scenario, the levers to vary and a design;
every (point, replication) is one run with a stable id, written to the results store as
it finishes, so a killed sweep resumes where it stopped.

    [sweep]
    scenario = "sherwood"        # built-in name or a scenario file
    years = 5
    reps = 3                     # replications per point, seeds from the master seed
    seed = 1                     # master seed
    design = "grid"              # grid, lhs, sobol or morris
    samples = 16                 # points (lhs), base samples (sobol), trajectories (morris)
    keep = ["steps", "ledger"]   # frames stored per run (default: steps, agencies, ledger);
                                 # a one-row summary of outcomes is always kept
    posterior = "../parameters/scenarios/_calibrated.posterior.csv"   # optional: replication r of
                                 # every point runs on the same draw of this calibration posterior

    [set]                        # fixed overrides for every run
    "population.households" = 1000
    "run.record_every" = "month" # rows of the stored steps and agencies: week (default), month, year

    [levers]                     # lists (grid) or ranges { low, high } (any design)
    "budget.cut" = [0.0, 0.2, 0.4]
    "keyworkers.caseload" = { low = 3, high = 9, steps = 3 }
    recovery = { low = 0.8, high = 1.2 }   # a group (below): one factor on all its keys

    [groups]                     # a lever named here scales every key it lists by one factor
    recovery = ["needs.recovery.*"]   # a * stands for one name; the store's column is the factor
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from locality.parameters.loader import (
    ScenarioError,
    load_scenario,
    read_raw,
    read_toml,
    scaled_figures,
    schema_at,
    split_sources,
)
from locality.parameters.messages import merged

from .defaults import MAX_RUNS, SPECS_DIR
from .provenance import provenance
from .posterior import pick_draws, read_posterior
from .replications import seeds_for

Design = Literal["grid", "lhs", "sobol", "morris"]


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid")
    low: float
    high: float
    steps: int | None = Field(None, ge=2, description="values on a grid, at least 2")

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        return self


class SweepSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: str = "thanet"
    years: int = Field(5, ge=1, le=25)
    reps: int = Field(1, ge=1, le=1000)
    seed: int = Field(1, ge=0)
    design: Design = "grid"
    samples: int = Field(16, ge=1, le=100_000)
    keep: list[Literal["steps", "agencies", "ledger"]] = Field(
        ["steps", "agencies", "ledger"], description="frames stored per run; a one-row summary of outcomes is always kept")
    posterior: str | None = Field(None, description="a calibration's posterior draws (a CSV beside its scenario): "
                                  "replication r of every point runs on draw r, picked from the master seed by weight")


Lever = Annotated[list[Any], Field(min_length=1)] | Range


class SweepSpec(BaseModel):
    """A validated sweep: checked in full, lever keys included, before any run starts."""

    model_config = ConfigDict(extra="forbid")
    sweep: SweepSection = SweepSection()
    set: dict[str, Any] = {}
    levers: dict[str, Lever] = Field(min_length=1)
    groups: dict[str, Annotated[list[str], Field(min_length=1)]] = Field(
        {}, description="a lever named here is one factor scaling every key listed (a * stands for one name)")

    @model_validator(mode="after")
    def _groups_are_levers(self) -> SweepSpec:
        for name in self.groups:
            if "." in name:
                raise ValueError(f"group '{name}': name a group without dots (a dotted name reads as a scenario key)")
            if name not in self.levers:
                raise ValueError(f"group '{name}' is not varied: give it a range under [levers] (a factor, e.g. "
                                 f"{name} = {{ low = 0.8, high = 1.2 }}) or remove it")
            if name in self.set:
                raise ValueError(f"group '{name}' is also under [set]; scale it as a lever or set its keys one by one")
        return self

    @model_validator(mode="after")
    def _designs_need_ranges(self) -> SweepSpec:
        if self.sweep.design != "grid":
            numeric_lists = [key for key, lever in self.levers.items() if not isinstance(lever, Range)
                             and any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in lever)]
            if numeric_lists:
                raise ValueError(f"design '{self.sweep.design}' samples ranges: give {', '.join(numeric_lists)} as "
                                 "{ low = ..., high = ... } (a list of names, such as regime.kind's, is sampled as categories)")
        else:
            open_ranges = [key for key, lever in self.levers.items() if isinstance(lever, Range) and lever.steps is None]
            if open_ranges:
                raise ValueError(f"a grid needs values: give {', '.join(open_ranges)} a list or {{ low, high, steps }}")
        return self

    def digest(self) -> str:
        """A fingerprint of everything that decides the runs (see `identity`)."""
        return identity(self)["digest"]


def identity(spec: SweepSpec) -> dict:
    """What a sweep's results depend on, and its fingerprint: the spec without the paths
    it was given by (so it resumes from any directory), the content of the scenario it
    runs (every file it resolves through `extends`, as values), and the posterior's
    content. A store resumed after any of them changed is refused, not mixed."""
    decided = spec.model_dump(mode="json")
    decided["sweep"] = {key: value for key, value in decided["sweep"].items() if key not in ("scenario", "posterior")}
    posterior = None
    if spec.sweep.posterior is not None and Path(spec.sweep.posterior).is_file():
        posterior = hashlib.sha256(Path(spec.sweep.posterior).read_bytes()).hexdigest()
    scenario = scenario_content(spec.sweep.scenario)
    whole = {"spec": decided, "scenario": scenario, "posterior_sha256": posterior}
    digest = hashlib.sha256(json.dumps(whole, sort_keys=True).encode()).hexdigest()[:16]
    return {"digest": digest, "spec": spec.model_dump(mode="json"), "scenario": scenario, "posterior_sha256": posterior,
            "made_by": provenance()}  # (who made it is recorded, not fingerprinted: a resume on a newer version is allowed)


def scenario_content(scenario: str) -> dict[str, Any]:
    """The scenario a sweep runs, as dotted keys and values (its files followed through
    `extends`, sources peeled off)."""
    values, _ = split_sources(read_raw(scenario))
    flat: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        else:
            flat[prefix] = node

    walk(values, "")
    return flat


def describe_change(held: dict, now: dict, most: int = 4) -> str:
    """In words, what differs between the sweep that made a store and this one."""
    parts = []
    was, is_ = held.get("scenario"), now["scenario"]
    if isinstance(was, dict) and was != is_:
        keys = sorted(set(was) | set(is_))
        changed = [f"{key} {was.get(key, '(unset)')!r} -> {is_.get(key, '(unset)')!r}" for key in keys if was.get(key) != is_.get(key)]
        more = f" and {len(changed) - most} more" if len(changed) > most else ""
        parts.append(f"the scenario changed since it started: {'; '.join(changed[:most])}{more}")
    old_spec, new_spec = held.get("spec", {}), now["spec"]
    for section in ("sweep", "set", "levers"):
        old, new = dict(old_spec.get(section, {})), dict(new_spec.get(section, {}))
        if section == "sweep":
            for path_key in ("scenario", "posterior"):  # paths may differ; their contents are compared
                old.pop(path_key, None)
                new.pop(path_key, None)
        if old != new:
            parts.append(f"the spec's [{section}] differs")
    if held.get("posterior_sha256") != now["posterior_sha256"]:
        parts.append("the posterior file's content differs")
    return "; ".join(parts) or "it was made by an earlier version of Locality"


@dataclass(frozen=True)
class Run:
    """One run of a sweep: a point of the design, a replication seed and, when the sweep
    draws from a posterior, the replication's draw (its row, and the values it sets)."""

    run_id: str
    point: int
    rep: int
    seed: int
    params: dict[str, Any]
    draw: int | None = None
    drawn: dict[str, Any] = field(default_factory=dict)

    def overrides(self, spec: SweepSpec, base: str | dict | None = None) -> dict[str, Any]:
        """What the run sets: its draw of the posterior, then the fixed settings, its years
        and seed, and its point of the design (a value the spec sets, under [set] or as a
        lever, wins over a drawn one). A group lever becomes its keys, each scaled from its
        value in `base` (the scenario, default the spec's) after the draw and [set]."""
        fixed = {**self.drawn, **spec.set, "run.years": spec.sweep.years, "run.seed": self.seed}
        return {**fixed, **with_groups(spec.sweep.scenario if base is None else base, spec.groups, self.params, fixed)}


def with_groups(scenario: str | dict, groups: dict[str, list[str]], params: dict[str, Any],
                fixed: dict[str, Any]) -> dict[str, Any]:
    """`params` with each group's factor replaced by the keys the group scales (their values
    in `scenario` with `fixed` applied, times the factor); other settings as they are."""
    if not any(name in groups for name in params):
        return dict(params)
    dump = load_scenario(scenario, fixed).model_dump()
    expanded: dict[str, Any] = {}
    for name, value in params.items():
        if name in groups:
            try:
                expanded |= scaled_figures(dump, groups[name], value)
            except ScenarioError as error:
                raise ScenarioError(f"groups.{name}: {error}") from None
        else:
            expanded[name] = value
    return expanded




def planned_count(spec: SweepSpec) -> int:
    """How many runs the spec plans, counted without planning them."""
    k = len(spec.levers)
    if spec.sweep.design == "grid":
        points = 1
        for lever in spec.levers.values():
            points *= len(lever) if isinstance(lever, list) else lever.steps
    else:
        points = spec.sweep.samples * {"lhs": 1, "sobol": k + 2, "morris": k + 1}[spec.sweep.design]
    return points * spec.sweep.reps


def load_spec(path: str | Path, max_runs: int = MAX_RUNS) -> SweepSpec:
    """Read and check a sweep spec; every lever key is tried on the base scenario, and a
    spec that plans more than `max_runs` runs is refused before anything is planned.
    `path` is a file, or the name of an example installed with Locality (`examples()`)."""
    path = spec_file(path)
    raw = read_toml(path, what="sweep spec")
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        lines = [f"Invalid sweep spec ({path.name}):"]
        for error in merged(exc.errors()):
            where = ".".join(error["loc"]) or "spec"
            message = "unknown key; a spec has [sweep], [set], [levers] and [groups]" if error["type"] == "extra_forbidden" else error["msg"]
            lines.append(f"  {where}: {message}")
        raise ScenarioError("\n".join(lines)) from None
    if not Path(spec.sweep.scenario).is_absolute() and (path.parent / spec.sweep.scenario).is_file():
        spec.sweep.scenario = str((path.parent / spec.sweep.scenario).resolve())
    elif Path(spec.sweep.scenario).is_file():
        spec.sweep.scenario = str(Path(spec.sweep.scenario).resolve())  # workers elsewhere (Dask) see the same file
    if spec.sweep.posterior is not None:
        posterior = Path(spec.sweep.posterior)
        if not posterior.is_absolute() and (path.parent / posterior).is_file():
            posterior = path.parent / posterior
        if not posterior.is_file():
            raise ScenarioError(f"{path}: sweep.posterior: no file {spec.sweep.posterior} (give a posterior CSV that "
                                "`locality calibrate` wrote, relative to the spec or absolute)")
        spec.sweep.posterior = str(posterior.resolve())
    planned = planned_count(spec)
    if planned > max_runs:
        raise ScenarioError(f"{path}: the spec plans {planned:,} runs, more than the limit of {max_runs:,}; give fewer "
                            "values or steps, fewer samples or replications, or raise the limit with --max-runs")
    check_levers(spec)
    for run_ in plan_runs(spec)[:spec.sweep.reps]:  # every draw the sweep will use must load
        load_scenario(spec.sweep.scenario, run_.overrides(spec))
    return spec


def examples() -> dict[str, Path]:
    """The example sweep specs installed with Locality, by name."""
    return {path.stem: path for path in sorted(SPECS_DIR.glob("*.toml"))}


def spec_file(given: str | Path) -> Path:
    """The spec's file: `given` if it exists, else the installed example it names (by its
    name, or by its path in the source tree, experiments/specs/NAME.toml)."""
    path = Path(given)
    if path.exists():
        return path
    name = path.stem if path.suffix == ".toml" else path.name
    if name in examples() and path.parent in (Path("."), Path("experiments/specs")):
        return examples()[name]
    raise ScenarioError(f"no sweep spec {given}; give a TOML file or the name of an example: {', '.join(examples())}")


def check_levers(spec: SweepSpec) -> None:
    """Every lever value at its extremes must make a valid scenario (names the key if not)."""
    fixed = {**spec.set, "run.years": spec.sweep.years}
    for key, lever in spec.levers.items():
        values = lever if isinstance(lever, list) else [lever.low, lever.high]
        for value in values:
            load_scenario(spec.sweep.scenario, {**fixed, **with_groups(spec.sweep.scenario, spec.groups,
                                                                         {key: _typed(spec, key, value)}, fixed)})


def plan_runs(spec: SweepSpec) -> list[Run]:
    """Every run of the sweep, in a stable order with stable ids."""
    points = design_points(spec)
    seeds = seeds_for(spec.sweep.seed, spec.sweep.reps)
    draws: list[int | None] = [None] * len(seeds)
    drawn: list[dict[str, Any]] = [{} for _ in seeds]
    if spec.sweep.posterior is not None:
        draws, drawn = pick_draws(read_posterior(spec.sweep.posterior), spec.sweep.seed, spec.sweep.reps)
    runs = []
    earlier: dict[str, int] = {}  # a sampled design can give two points the same values (a categorical lever
    for p, params in enumerate(points):  # swapped to the same name in a Sobol matrix): each is a run of its own
        key = json.dumps(params, sort_keys=True)
        copy, earlier[key] = earlier.get(key, 0), earlier.get(key, 0) + 1
        for r, seed in enumerate(seeds):
            identity = {"params": params, "seed": seed} | ({"drawn": drawn[r]} if draws[r] is not None else {})
            identity |= {"copy": copy} if copy else {}
            run_id = hashlib.sha1(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
            runs.append(Run(run_id, p, r, seed, params, draws[r], drawn[r]))
    return runs


def design_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The lever settings the design asks for (sampled designs use SALib)."""
    keys = list(spec.levers)
    if spec.sweep.design == "grid":
        axes = [lever if isinstance(lever, list) else list(np.linspace(lever.low, lever.high, lever.steps)) for lever in spec.levers.values()]
        rows = list(itertools.product(*axes))
    else:
        from SALib.sample import latin, morris, sobol

        problem = salib_problem(spec)
        n, seed = spec.sweep.samples, spec.sweep.seed
        if spec.sweep.design == "lhs":
            matrix = latin.sample(problem, n, seed=seed)
        elif spec.sweep.design == "sobol":
            matrix = sobol.sample(problem, n, calc_second_order=False, seed=seed)
        else:
            crowded = [key for key, lever in spec.levers.items() if not isinstance(lever, Range) and len(lever) > 2]
            if crowded:  # Morris steps over 4 levels of [0, n): more than 2 categories are sampled unevenly or not at all
                raise ScenarioError(f"a morris design takes at most 2 categories per list lever; {', '.join(crowded)} has more "
                                    "(use lhs or sobol, or a grid)")
            matrix = morris.sample(problem, n, num_levels=4, seed=seed)
        rows = [tuple(_category(spec.levers[key], value) for key, value in zip(keys, row)) for row in matrix]
    points = [{key: _typed(spec, key, value) for key, value in zip(keys, row)} for row in rows]
    for key in keys:  # one type across a lever's values, so a column has one type in every run's file
        values = [point[key] for point in points]
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        if numbers and any(isinstance(v, float) for v in values):
            for point in points:
                point[key] = float(point[key])
        elif not numbers and len({type(v) for v in values}) > 1 and not any(isinstance(v, (list, dict)) for v in values):
            for point in points:  # mixed ('auto' beside 4): as text, which the loader reads back as the setting's type
                point[key] = str(point[key])
    if spec.sweep.design == "grid":
        seen = [json.dumps(point, sort_keys=True) for point in points]
        if len(set(seen)) < len(seen):
            raise ScenarioError("the grid repeats points once whole-number levers are rounded (for example "
                                "{ low = 1, high = 2, steps = 5 } for a count); give fewer steps or a list of values")
    return points


def salib_problem(spec: SweepSpec) -> dict:
    """The levers as SALib samples them: a range as its bounds; a list of categories
    (names, such as regime.kind's) as the interval [0, n), each category the same width."""
    bounds = [[lever.low, lever.high] if isinstance(lever, Range) else [0.0, float(len(lever))] for lever in spec.levers.values()]
    return {"num_vars": len(spec.levers), "names": list(spec.levers), "bounds": bounds}


def _category(lever: Lever, value: float) -> Any:
    """A sampled value as the lever takes it: a range's number, or a list's category."""
    return value if isinstance(lever, Range) else lever[min(int(value), len(lever) - 1)]


def sampled_position(lever: Lever, value: Any) -> float:
    """Where a design point's value lies on the axis SALib sampled (a category's index)."""
    return float(value) if isinstance(lever, Range) else float(lever.index(value))


def _typed(spec: SweepSpec, key: str, value: Any) -> Any:
    """A lever's value as the schema types it, in plain Python (for stable ids, and so
    that a column of the store has one type in every run): whole-number settings rounded
    to int, fractional ones as float even when written `0`."""
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    kind = setting_kind(key)
    if isinstance(value, float) and kind is int:
        return int(round(value))
    if isinstance(value, int) and not isinstance(value, bool) and kind is float:
        value = float(value)
    if isinstance(value, float):
        return round(value, 10)
    return value


def setting_kind(key: str) -> type | None:
    """int if the schema types this setting as a whole number (e.g. keyworkers.caseload),
    float if as a fraction or amount (e.g. budget.cut), else None."""
    parts = key.split(".")
    model = schema_at(parts[:-1])
    field = model.model_fields.get(parts[-1]) if model is not None else None
    annotation = field.annotation if field is not None else None
    if field is None and len(parts) > 1:  # an entry of a table of numbers (budget.agency_cut_years.police)
        parent = schema_at(parts[:-2])
        table = parent.model_fields.get(parts[-2]) if parent is not None else None
        if table is not None and typing.get_origin(table.annotation) is dict:
            annotation = typing.get_args(table.annotation)[1]
    if annotation is None:
        return None
    if _admits_int_only(annotation):
        return int
    return float if _admits(annotation, float) else None


def _admits(annotation: Any, kind: type) -> bool:
    if annotation is kind:
        return True
    return any(_admits(a, kind) for a in typing.get_args(annotation))


def _admits_int_only(annotation: Any) -> bool:
    if annotation is int:
        return True
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is Annotated:
        return _admits_int_only(args[0])
    return any(_admits_int_only(a) for a in args) and float not in args


# --- running a sweep ------------------------------------------------------------------------
@dataclass
class SweepOutcome:
    planned: int
    done: int
    failed: int
    ran_now: int


def run_sweep(spec: SweepSpec, out: str | Path, workers: int | None = None, progress: bool = True,
              scheduler: str | None = None) -> SweepOutcome:
    """Run every run of the spec not yet in the store; safe to interrupt and run again.

    The folder is locked while the sweep writes it; what a killed sweep left half
    written is removed, and finished runs whose files no longer match their manifest are
    run again. Every run reads the scenario as it was when the sweep started.

    Stopping: SIGTERM or Ctrl-C raises KeyboardInterrupt here after the queued runs are
    cancelled and the runs in flight killed (what they had not published is lost, and
    removed by the next sweep); a second signal while that happens exits at once.

    With `scheduler` (a Dask address such as tcp://host:8786) the runs go to that cluster
    instead of local processes; its workers need Locality installed and the --out folder
    on a filesystem they share."""
    import signal
    from concurrent.futures import as_completed

    from tqdm.auto import tqdm

    from .processes import worker_pool
    from .replications import default_workers
    from .store import Store

    store = Store(Path(out).resolve())  # workers (Dask's too) are given an absolute path
    made_of = identity(spec)
    base = read_raw(spec.sweep.scenario)  # the scenario as it is now: later edits do not reach the runs
    store.refuse_another(made_of, describe_change)  # (before the lock, which would leave its file in a folder refused)
    with store.lock():
        store.claim(made_of, describe_change)
        store.tidy()
        store.discard(store.unsound())
        runs = plan_runs(spec)
        finished = store.done()
        pending = [run for run in runs if run.run_id not in finished]
        workers = max(1, min(workers or default_workers(), len(pending) or 1))
        bar = tqdm(total=len(runs), initial=len(runs) - len(pending), unit="run", disable=not progress, dynamic_ncols=True)
        previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
        root = str(store.root)
        try:
            if scheduler:
                _on_dask(scheduler, spec, pending, root, base, bar)
            elif workers == 1:
                _tally((execute(spec, run, root, base) for run in pending), bar)
            else:
                with worker_pool(workers) as pool:  # (stops at once if interrupted)
                    futures = [pool.submit(execute, spec, run, root, base) for run in pending]
                    _tally((future.result() for future in as_completed(futures)), bar)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            bar.close()
        return SweepOutcome(planned=len(runs), done=len(store.done()), failed=len(store.failed()), ran_now=len(pending))


def _on_dask(address: str, spec: SweepSpec, pending: list[Run], root: str, base: dict, bar) -> None:
    """Submit the pending runs to an existing Dask cluster and collect them as they finish."""
    from dask.distributed import Client, as_completed

    try:
        client = Client(address, timeout="10s")
    except OSError as error:
        raise ScenarioError(f"cannot reach the Dask scheduler at {address} ({error}); is it running?") from None
    with client:
        futures = [client.submit(execute, spec, run_, root, base, pure=False, key=f"locality-run-{run_.run_id}") for run_ in pending]
        try:
            _tally((future.result() for future in as_completed(futures)), bar)
        except KeyboardInterrupt:
            client.cancel(futures)
            raise


def _tally(errors, bar) -> None:
    """Count the runs on the bar as they finish (each an error message, or None)."""
    failed = 0
    for error in errors:
        failed += error is not None
        bar.update()
        bar.set_postfix(failed=failed)


def execute(spec: SweepSpec, run_: Run, root: str, base: dict | None = None) -> str | None:
    """One run, in a worker: write its results, or record why it failed. Returns the error.
    `base` is the scenario as the sweep read it at its start (else its file is read now)."""
    from .runner import run
    from .store import Store

    store = Store(root)
    try:
        results = run(spec.sweep.scenario if base is None else base, run_.overrides(spec, base))
    except Exception as error:  # noqa: BLE001 - a failed run is data, the sweep goes on
        message = f"{type(error).__name__}: {error}"
        with contextlib.suppress(OSError):
            store.write_failure(run_, message)
        return message
    try:
        store.write_run(run_, results, keep=spec.sweep.keep)
    except Exception as error:  # noqa: BLE001 - a full disk, a folder gone, a value Parquet cannot hold: not done, run again next time
        message = f"could not write its results ({getattr(error, 'strerror', None) or error})"
        with contextlib.suppress(OSError):
            store.write_failure(run_, message)
        return message
    return None


def _interrupt(signum, frame):
    """The first SIGTERM or Ctrl-C stops the sweep (KeyboardInterrupt, handled above); a
    second, while it stops, exits at once."""
    exit_at_once_on_signal()
    raise KeyboardInterrupt


def exit_at_once_on_signal() -> None:
    """From now on, SIGTERM or Ctrl-C ends the process at once (exit 130): for a command
    already stopping, so that a second signal is never left waiting on a worker."""
    import signal

    def at_once(signum, frame):
        os.write(2, b"locality: stopped at once; the runs finished so far are saved\n")
        os._exit(130)

    signal.signal(signal.SIGTERM, at_once)
    signal.signal(signal.SIGINT, at_once)
