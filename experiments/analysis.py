"""Sensitivity analysis of a sweep: which levers move which outcomes most.

Sobol indices (first-order S1, total ST) need a `sobol` design; Morris elementary effects
(mu*, sigma) need a `morris` design. Both are computed by SALib on the mean outcome of
each design point over its replications.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from parameters.loader import ScenarioError

from .store import Store
from .sweep import SweepSpec, design_points

DEFAULT_OUTPUTS = ("crises", "spend", "over_spend", "households_helped")


def problem_of(spec: SweepSpec) -> dict:
    return {"num_vars": len(spec.levers), "names": list(spec.levers),
            "bounds": [[lever.low, lever.high] for lever in spec.levers.values()]}


def sensitivity(spec: SweepSpec, X: np.ndarray, Y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Indices of each lever for one output, most influential first."""
    from SALib.analyze import morris, sobol

    problem = problem_of(spec)
    if spec.sweep.design == "sobol":
        found = sobol.analyze(problem, Y, calc_second_order=False, seed=seed)
        table = pd.DataFrame({"lever": problem["names"], "S1": found["S1"], "S1_conf": found["S1_conf"],
                              "ST": found["ST"], "ST_conf": found["ST_conf"]})
        return table.sort_values("ST", ascending=False, ignore_index=True)
    if spec.sweep.design == "morris":
        found = morris.analyze(problem, X, Y, num_levels=4, seed=seed)
        table = pd.DataFrame({"lever": problem["names"], "mu_star": found["mu_star"],
                              "mu_star_conf": found["mu_star_conf"], "sigma": found["sigma"]})
        return table.sort_values("mu_star", ascending=False, ignore_index=True)
    raise ScenarioError(f"sensitivity analysis needs a sweep with design 'sobol' or 'morris'; this one is '{spec.sweep.design}'")


def analyse(folder: str | Path, outputs=DEFAULT_OUTPUTS, plot: bool = True) -> dict[str, pd.DataFrame]:
    """Indices for each output of a finished sweep; bar charts go to FOLDER/analysis/."""
    store = Store(folder)
    spec = SweepSpec.model_validate(store.spec())
    if spec.sweep.design not in ("sobol", "morris"):
        raise ScenarioError(f"sensitivity analysis needs a sweep with design 'sobol' or 'morris'; this one is '{spec.sweep.design}'")
    summary = store.frame("summary")
    points = design_points(spec)
    missing = sorted(set(range(len(points))) - set(summary["point"])) if len(summary) else list(range(len(points)))
    if missing:
        raise ScenarioError(f"the sweep in '{folder}' is not finished ({len(missing)} of {len(points)} design points have no run); "
                            "run 'locality sweep' again to complete it")
    unknown = [o for o in outputs if o not in summary.columns]
    if unknown:
        known = [c for c in summary.columns if c not in ("run_id", "point", "rep", "seed", *spec.levers)]
        raise ScenarioError(f"unknown output(s) {', '.join(unknown)}; outputs are: {', '.join(known)}")
    means = summary.groupby("point")[list(outputs)].mean().sort_index()
    X = np.array([[point[key] for key in spec.levers] for point in points], dtype=float)
    tables = {output: sensitivity(spec, X, means[output].to_numpy(dtype=float)) for output in outputs}
    if plot:
        _plot(tables, Path(folder) / "analysis", spec.sweep.design)
    return tables


def _plot(tables: dict[str, pd.DataFrame], folder: Path, design: str) -> None:
    from matplotlib.figure import Figure  # (no pyplot: drawing to files never switches a notebook's backend)

    folder.mkdir(parents=True, exist_ok=True)
    for output, table in tables.items():
        figure = Figure(figsize=(7, 1.8 + 0.5 * len(table)))
        axis = figure.subplots()
        if design == "sobol":
            axis.barh(table["lever"], table["ST"], xerr=table["ST_conf"], label="total (ST)", color="#4c72b0")
            axis.barh(table["lever"], table["S1"], label="first order (S1)", color="#dd8452", height=0.4)
            axis.set_xlabel("Sobol index")
            axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2, frameon=False)
        else:
            axis.barh(table["lever"], table["mu_star"], xerr=table["mu_star_conf"], color="#4c72b0")
            axis.set_xlabel("Morris mu* (mean absolute elementary effect)")
        axis.invert_yaxis()
        axis.set_title(f"What moves {output.replace('_', ' ')}")
        figure.tight_layout()
        figure.savefig(folder / f"{output}.png", dpi=120)
