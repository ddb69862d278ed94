"""Sensitivity analysis of a sweep: which levers move which outcomes most.

Sobol indices (first-order S1, total ST) need a `sobol` design; Morris elementary effects
(mu*, sigma) need a `morris` design. Both are computed by SALib on the mean outcome of
each design point over its replications.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from locality.parameters.loader import ScenarioError

from .store import Store
from .defaults import DEFAULT_OUTPUTS
from .sweep import SweepSpec, design_points, salib_problem, sampled_position



def sensitivity(spec: SweepSpec, X: np.ndarray, Y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Indices of each lever for one output, most influential first."""
    from SALib.analyze import morris, sobol

    problem = salib_problem(spec)
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


FEW_SOBOL_SAMPLES = 256  # base samples below which Sobol indices are seldom stable (Saltelli et al. 2010 use 1,000s; an assumption of prudence)
FEW_MORRIS_TRAJECTORIES = 10  # trajectories below which Morris's mu* is seldom stable (Campolongo et al. 2007 suggest 10 to 20)


def instability(spec: SweepSpec, table: pd.DataFrame) -> list[str]:
    """What in one output's indices should not be trusted, in words: too few samples for
    the design, indices outside where they can lie, intervals wider than the indices."""
    said = []
    if spec.sweep.design == "sobol":
        if spec.sweep.samples < FEW_SOBOL_SAMPLES:
            said.append(f"{spec.sweep.samples} base samples is few for Sobol indices (use {FEW_SOBOL_SAMPLES} or more): "
                        "read the intervals before the indices")
        odd = table[(table["S1"] > 1) | (table["ST"] > 1) | (table["S1"] < -table["S1_conf"]) | (table["S1"] > table["ST"] + table["ST_conf"])]
        if len(odd):
            said.append(f"indices outside what they can be (S1 above 1 or ST, or below 0) for {', '.join(odd['lever'])}: "
                        "too few samples to estimate them")
        wide = table[(table["ST_conf"] > table["ST"].abs()) | (table["S1_conf"] > table["S1"].abs())]
        if len(wide):
            said.append(f"intervals wider than the indices for {', '.join(wide['lever'])}: their effect is not told apart from noise")
    else:
        if spec.sweep.samples < FEW_MORRIS_TRAJECTORIES:
            said.append(f"{spec.sweep.samples} trajectories is few for Morris screening (use {FEW_MORRIS_TRAJECTORIES} or more)")
        wide = table[table["mu_star_conf"] > table["mu_star"]]
        if len(wide):
            said.append(f"intervals wider than mu* for {', '.join(wide['lever'])}: their effect is not told apart from noise")
    return said


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
    X = np.array([[sampled_position(spec.levers[key], point[key]) for key in spec.levers] for point in points], dtype=float)
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
