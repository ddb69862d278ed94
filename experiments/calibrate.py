"""Calibration by approximate Bayesian computation (rejection sampling).

Method: draw `samples` parameter sets from the prior (a Latin hypercube over each
parameter's [low, high] in targets.toml), run the targets' scenarios once per set on its
own seed, and score each set by its distance to the fit targets (the root mean square of
how far each value falls from the middle of its range, in half-widths: 1 at an edge). The closest
`accept` share of sets is the approximate posterior, summarised by its median and its
5th to 95th percentiles.

The fitted value is one of the kept sets, not the medians: the parameters trade off
against each other (more shocks or less recovery give the same prevalence), so medians
taken one parameter at a time can combine into a set far from every target. Each set was
run once, so the closest on that run is partly the luckiest; every kept set is therefore
run again on `measure.reps` selection seeds of its own (never the validation seeds), and
the one closest on average is the fitted set. Seeds differ between sets, so the posterior
carries the model's own noise as well as the parameters' (Beaumont et al., 2002; Csilléry
et al., 2010). The fit is then judged on fresh seeds never used for fitting (`verify`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w
from scipy.stats import qmc
from tqdm import tqdm

from parameters.loader import builtin_scenarios, set_dotted

from .processes import worker_pool
from .replications import default_workers, mean_interval, seeds_for
from .targets import MeasureJob, TargetSet, measure, parameter_overrides


@dataclass
class Posterior:
    """The tried sets with their distances, and the accepted sets' summary per parameter."""

    samples: pd.DataFrame     # one row per set: parameter values, target values, distance, accepted
    summary: pd.DataFrame     # per parameter: closest set's value, median, q05, q95, prior low and high

    @property
    def fitted(self) -> dict[str, float]:
        """The closest set's values (see the module docstring)."""
        return self.summary["closest"].to_dict()


def calibrate(targets: TargetSet, *, samples: int | None = None, workers: int | None = None,
              progress: bool = False) -> Posterior:
    """ABC rejection on the fit targets; see the module docstring for the method."""
    params = targets.calibration.parameters
    names = tuple(targets.fitted())
    n = samples or targets.calibration.samples
    unit = qmc.LatinHypercube(d=len(params), seed=targets.measure.calibration_seed).random(n)
    lows = np.array([p.low for p in params.values()])
    highs = np.array([p.high for p in params.values()])
    draws = qmc.scale(unit, lows, highs) if np.any(highs > lows) else np.tile(lows, (n, 1))
    seeds = seeds_for(targets.measure.calibration_seed, n)
    jobs = [MeasureJob(targets, names, dict(zip(params, map(float, row))), seed) for row, seed in zip(draws, seeds)]
    values = _measure_all(jobs, workers, progress, "calibrating")

    frame = pd.DataFrame(draws, columns=list(params))
    frame = frame.join(pd.DataFrame(values).add_prefix("target_"))
    frame["distance"] = [_distance(targets, v) for v in values]
    keep = max(2, math.ceil(targets.calibration.accept * n))
    frame["accepted"] = frame["distance"].rank(method="first") <= keep
    accepted = frame.loc[frame["accepted"], list(params)]
    frame["distance_again"] = np.nan
    frame.loc[accepted.index, "distance_again"] = _distance_again(targets, names, accepted, workers, progress)
    summary = pd.DataFrame({
        "closest": frame.loc[frame["distance_again"].idxmin(), list(params)].astype(float),
        "median": accepted.median(),
        "q05": accepted.quantile(0.05),
        "q95": accepted.quantile(0.95),
        "prior_low": lows,
        "prior_high": highs,
    })
    return Posterior(frame, summary)


def _distance_again(targets: TargetSet, names: tuple[str, ...], sets: pd.DataFrame, workers: int | None,
                    progress: bool) -> list[float]:
    """Each set's distance from the mean of its targets over `measure.reps` selection seeds."""
    reps = targets.measure.reps
    seeds = seeds_for(targets.measure.calibration_seed + 1, reps)
    jobs = [MeasureJob(targets, names, {k: float(v) for k, v in row.items()}, seed)
            for _, row in sets.iterrows() for seed in seeds]
    values = pd.DataFrame(_measure_all(jobs, workers, progress, "re-running kept sets"))
    means = values.groupby(np.arange(len(values)) // reps).mean()
    return [_distance(targets, row.to_dict()) for _, row in means.iterrows()]


def _distance(targets: TargetSet, values: Mapping[str, float]) -> float:
    gaps = [targets.targets[name].off_centre(value) for name, value in values.items()]
    return float(np.sqrt(np.mean(np.square(gaps))))


def _measure_all(jobs: Sequence[MeasureJob], workers: int | None, progress: bool, label: str) -> list[dict[str, float]]:
    workers = min(workers or default_workers(), len(jobs))
    bar = tqdm(total=len(jobs), desc=label, unit="run", disable=not progress)
    try:
        if workers <= 1:
            results = []
            for job in jobs:
                results.append(measure(job))
                bar.update()
            return results
        with worker_pool(workers) as pool:
            results = []
            for value in pool.map(measure, jobs):
                results.append(value)
                bar.update()
            return results
    finally:
        bar.close()


def verify(targets: TargetSet, values: Mapping[str, float] | None = None, *, reps: int | None = None,
           names: Sequence[str] | None = None, workers: int | None = None, progress: bool = False) -> pd.DataFrame:
    """Every chosen target measured on fresh seeds: mean, 95% interval, range and verdict."""
    names = tuple(names or targets.targets)
    reps = reps or targets.measure.reps
    seeds = seeds_for(targets.measure.validation_seed, reps)
    jobs = [MeasureJob(targets, names, dict(values or {}), seed) for seed in seeds]
    measured = pd.DataFrame(_measure_all(jobs, workers, progress, "validating"))
    rows = []
    for name in names:
        target = targets.targets[name]
        mean = float(measured[name].mean())
        low, high = mean_interval(measured[name].to_numpy()) if reps > 1 else (mean, mean)
        rows.append({
            "target": name, "label": target.label, "role": target.role, "scenario": target.scenario,
            "variant": target.variant, "low": target.low, "high": target.high, "unit": target.unit,
            "model": mean, "model_low": low, "model_high": high, "reps": reps,
            "verdict": "pass" if target.inside(mean) else "miss", "source": target.source,
        })
    return pd.DataFrame(rows).set_index("target")


def reference_scenario(targets: TargetSet, extends: str) -> str:
    """The runnable scenario whose current values the fitted factors multiply."""
    if extends in builtin_scenarios():
        return extends
    return next(iter(targets.fitted().values())).scenario


def fitted_file(targets: TargetSet, posterior: Posterior, extends: str, note: str = "") -> str:
    """A scenario file that extends `extends` and sets every fitted value, with its uncertainty."""
    params = targets.calibration.parameters
    reference = reference_scenario(targets, extends)
    central = parameter_overrides(reference, params, posterior.fitted)
    low = parameter_overrides(reference, params, posterior.summary["q05"].to_dict())
    high = parameter_overrides(reference, params, posterior.summary["q95"].to_dict())
    owner = {key: name for name in params for key in parameter_overrides(reference, {name: params[name]}, posterior.fitted)}
    accepted = int(posterior.samples["accepted"].sum())
    today = dt.date.today().isoformat()
    document: dict = {"extends": extends}
    for key, value in central.items():
        name = owner[key]
        row = posterior.summary.loc[name]
        how = "set to" if params[name].set else "factor"
        source = (f"calibrated: `locality calibrate` on {today}, ABC rejection ({len(posterior.samples)} sets, "
                  f"closest {accepted} kept) against parameters/targets.toml; {params[name].label} {how} "
                  f"{row['closest']:.4g}, the kept set closest on re-running (kept sets: median {row['median']:.4g}, 90% "
                  f"{row['q05']:.4g} to {row['q95']:.4g}; prior "
                  f"{row['prior_low']:.4g} to {row['prior_high']:.4g}); this value {value:.4g} "
                  f"(90%: {min(low[key], high[key]):.4g} to {max(low[key], high[key]):.4g})")
        set_dotted(document, key, {"value": round(value, 6), "source": source})
    header = (f"# Fitted by `locality calibrate` on {today}: approximate Bayesian computation (rejection)\n"
              f"# against parameters/targets.toml, its factors applied to the targets' scenarios as they stood\n"
              f"# (refitting the built-in layer refines the last fit). Rerun the command to refit; do not edit\n"
              f"# by hand.{note}\n")
    return header + tomli_w.dumps(document)


def write_fitted(path: str | Path, text: str) -> Path:
    """Write atomically, so a killed calibration never leaves half a scenario file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(path.suffix + ".partial")
    staging.write_text(text, encoding="utf-8")
    staging.replace(path)
    return path
