"""Replications: one scenario run on several seeds derived from one master seed, summarised
per year as means with confidence intervals."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from locality.parameters.loader import load_scenario

from .posterior import draws_for
from .processes import worker_pool
from .results import Results
from .runner import Overrides, _as_mapping, run

SUMMARY_MEASURES = ("crises", "referrals", "assessments", "waiting", "in_crisis_tier", "spend", "over_spend")


def seeds_for(master_seed: int, reps: int) -> list[int]:
    """Replication seeds spawned from one master seed: a study is reproducible from its spec."""
    return [int(child.generate_state(1)[0]) for child in np.random.SeedSequence(master_seed).spawn(reps)]


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass
class Replications:
    seeds: list[int]
    runs: list[Results]
    draws: list[int] | None = None  # the posterior's row each replication ran on, if it drew from one

    def yearly(self) -> pd.DataFrame:
        """Every replication's yearly summary, stacked with its seed."""
        return pd.concat([r.yearly().assign(seed=seed) for seed, r in zip(self.seeds, self.runs)]).reset_index()

    def summary(self, confidence: float = 0.95, measures=SUMMARY_MEASURES) -> pd.DataFrame:
        """Per year and measure: the mean over replications and its confidence interval."""
        return summarise(self.yearly(), list(measures), confidence)


def summarise(yearly: pd.DataFrame, measures: list[str], confidence: float = 0.95, by=("year",)) -> pd.DataFrame:
    """Mean, t-interval bounds and the number of replications, per group."""
    rows = []
    for key, group in yearly.groupby(list(by)):
        for measure in measures:
            values = group[measure].to_numpy(dtype=float)
            low, high = mean_interval(values, confidence)
            rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,))), "measure": measure,
                         "mean": values.mean(), "low": low, "high": high, "reps": values.size})
    return pd.DataFrame(rows)


def mean_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Student-t confidence interval of the mean (a point when there is one value)."""
    mean = float(np.mean(values))
    if values.size < 2 or np.all(values == values[0]):
        return mean, mean
    half = stats.t.ppf(0.5 + confidence / 2, values.size - 1) * stats.sem(values)
    return mean - half, mean + half


def replicate(scenario="thanet", overrides: Overrides = (), reps: int = 5, master_seed: int | None = None,
              workers: int | None = None, posterior: str | Path | None = None) -> Replications:
    """Run `reps` replications; the master seed defaults to the scenario's run.seed. With
    `posterior` (a calibration's draws, `locality calibrate` writes them beside its
    scenario file), each replication also runs on a draw from it, in proportion to the
    draws' weights: its interval then covers what the data leave uncertain as well as
    chance. The draws are picked from the master seed, so a study reproduces."""
    base = _as_mapping(overrides)
    spec = load_scenario(scenario, base)  # fail before starting any worker
    master = spec.run.seed if master_seed is None else master_seed
    seeds = seeds_for(master, reps)
    draws, picked = None, [{} for _ in seeds]
    if posterior is not None:  # a draw fills in fitted figures only: never one the place or the user set
        draws, picked = draws_for(scenario, posterior, master, reps, set_by_user=base)
        for values in picked:
            load_scenario(scenario, {**values, **base})  # a draw that does not load fails here, named
    jobs = [(scenario, {**values, **base, "run.seed": seed}) for seed, values in zip(seeds, picked)]
    workers = min(workers or default_workers(), reps)
    if workers <= 1:
        results = [run(*job) for job in jobs]
    else:
        with worker_pool(workers) as pool:
            results = list(pool.map(_run_job, jobs))
    return Replications(seeds=seeds, runs=results, draws=draws)


def _run_job(job: tuple[Any, Mapping[str, Any]]) -> Results:
    return run(*job)


def run_paired(scenario: Any, variants: Mapping[Any, Mapping[str, Any]], seeds: list[int],
               reduce: Callable[[Results], dict[str, Any]], workers: int | None = None) -> pd.DataFrame:
    """Every variant on every seed (common random numbers: on a seed, every variant meets
    the same households and shocks), each run reduced in its worker by `reduce` (a
    module-level function, so it can be sent to a process) to a row, with the variant's
    name and the seed: one row per variant and seed."""
    jobs = [(scenario, {**overrides, "run.seed": seed}, name, seed, reduce)
            for name, overrides in variants.items() for seed in seeds]
    return pd.DataFrame(in_workers(_paired_job, jobs, workers))


def in_workers(function: Callable[[Any], Any], jobs: list, workers: int | None = None) -> list:
    """`function` (module-level, to be sent to a process) over `jobs`, in worker processes,
    or in this one where one worker would do; the results in the jobs' order."""
    workers = min(workers or default_workers(), len(jobs))
    if workers <= 1:
        return [function(job) for job in jobs]
    with worker_pool(workers) as pool:
        return list(pool.map(function, jobs))


def _paired_job(job) -> dict[str, Any]:
    scenario, overrides, name, seed, reduce = job
    return {"variant": name, "seed": seed, **reduce(run(scenario, overrides))}
