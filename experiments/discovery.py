"""Scenario discovery: which ranges of the levers make a condition on the outcomes hold
(for example "crises < baseline and over_spend <= 0")?

PRIM (the Patient Rule Induction Method of Friedman and Fisher, 1999) from the EMA
Workbench (`ema_workbench.analysis.prim`): it peels the box of all runs towards one where
the condition holds more often, then pastes back; of each box's peeling trajectory we keep
the densest box that still holds `min_coverage` of the runs meeting the condition, report
only the levers it restricts, each with its quasi-p value (Bryant and Lempert 2010: how
likely a restriction that good arises by chance; above 0.05 it is marked not significant),
and look for the next box among the runs left. Categorical levers (regime.kind) are
restricted to sets of values.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from locality.parameters.loader import ScenarioError

from .runner import run
from .store import Store
from .sweep import SweepSpec, plan_runs

COMPARISON = re.compile(r"(\w+)\s*(<=|>=|<|>|==|!=)\s*baseline\b")
SIGNIFICANT = 0.05  # quasi-p below which a restriction is reported significant (the EMA Workbench's convention)
MIN_MASS = 0.05  # the smallest box PRIM keeps, as a share of the runs (EMA's default)


@dataclass
class Box:
    limits: dict[str, tuple[float, float] | frozenset]  # lever -> (low, high), or the values kept; only levers the box restricts
    coverage: float  # share of all runs meeting the condition that the box holds
    density: float  # share of the runs in the box that meet the condition
    mass: float  # share of all runs in the box
    runs: int
    qp: dict[str, float] = field(default_factory=dict)  # lever -> quasi-p value of its restriction (the smaller side's)

    def significant(self, lever: str) -> bool:
        return self.qp.get(lever, 1.0) < SIGNIFICANT


def prim(X: pd.DataFrame, y: np.ndarray, min_coverage: float = 0.5, min_density: float = 0.5, max_boxes: int = 3,
         mass_min: float = MIN_MASS) -> list[Box]:
    """Boxes where the condition holds, each the densest on its PRIM trajectory that keeps
    at least `min_coverage` of the runs meeting the condition that were left to explain; a
    box where it holds in fewer than `min_density` of the runs is not reported."""
    with warnings.catch_warnings():  # (the Workbench warns at import about parallel back ends it does not need here)
        warnings.simplefilter("ignore")
        from ema_workbench.analysis.prim import Prim
    y = np.asarray(y, bool)
    if not y.any():
        return []
    X = pd.DataFrame({c: X[c] if isinstance(X[c].dtype, pd.CategoricalDtype) else X[c].astype(float) for c in X}).reset_index(drop=True)
    # (whole-number levers as floats: the Workbench pastes half-way values into a box's limits)
    with warnings.catch_warnings():  # (its own pandas deprecations, not the user's concern)
        warnings.simplefilter("ignore")
        finder = Prim(X, y, mass_min=mass_min)
    boxes: list[Box] = []
    total_interesting = int(y.sum())
    while len(boxes) < max_boxes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = finder.find_box()
        if found is None:
            break
        trajectory = found.peeling_trajectory.copy()
        left = int(y[finder.yi_remaining].sum()) if hasattr(finder, "yi_remaining") else total_interesting
        trajectory["coverage"] = trajectory["k"] / max(left, 1)  # of the runs meeting it that are left to explain
        eligible = trajectory[trajectory["coverage"] >= min_coverage] if (trajectory["coverage"] >= min_coverage).any() else trajectory.iloc[:1]
        i = int(eligible.sort_values(["density", "coverage"], ascending=False, kind="stable").index[0])
        found.select(i)
        limits = _restricted(found.box_lims[i], found.box_lims[0])
        if found.density < min_density or not limits:
            break  # it does not usually hold in any range of the levers left to find
        qp = {lever: float(min(v for v in found.p_values[i][lever] if v >= 0)) for lever in limits
              if lever in found.p_values[i] and any(v >= 0 for v in found.p_values[i][lever])}
        inside = np.asarray(found.yi)
        boxes.append(Box(limits, coverage=float(y[inside].sum() / total_interesting), density=float(y[inside].mean()),
                         mass=float(len(inside) / len(y)), runs=int(len(inside)), qp=qp))
    return boxes


def _restricted(limits: pd.DataFrame, everything: pd.DataFrame) -> dict[str, tuple[float, float] | frozenset]:
    """The levers a box restricts, with their limits: a (low, high) range, or a set of values."""
    kept = {}
    for lever in limits:
        low, high = limits[lever].iloc[0], limits[lever].iloc[1]
        if isinstance(low, (set, frozenset)):
            if set(low) != set(everything[lever].iloc[0]):
                kept[lever] = frozenset(low)
        elif (low, high) != (everything[lever].iloc[0], everything[lever].iloc[1]):
            kept[lever] = (float(low), float(high))
    return kept


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
    return prim(lever_table(summary, list(spec.levers)), holds, min_coverage=min_coverage), int(holds.sum()), len(holds)


def lever_table(summary: pd.DataFrame, levers: list[str]) -> pd.DataFrame:
    """The levers of each run as PRIM takes them: numbers as floats, anything else (a
    regime's kind) as a category."""
    table = pd.DataFrame(index=summary.index)
    for lever in levers:
        values = summary[lever]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        table[lever] = values.astype(float) if numeric else values.astype(str).astype("category")
    return table
