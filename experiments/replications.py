"""Replications: one scenario run on several seeds derived from one master seed, summarised
per year as means with confidence intervals."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from parameters.loader import load_scenario

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
              workers: int | None = None) -> Replications:
    """Run `reps` replications; the master seed defaults to the scenario's run.seed."""
    base = _as_mapping(overrides)
    spec = load_scenario(scenario, base)  # fail before starting any worker
    seeds = seeds_for(spec.run.seed if master_seed is None else master_seed, reps)
    jobs = [(spec, {"run.seed": seed}) for seed in seeds]
    workers = min(workers or default_workers(), reps)
    if workers <= 1:
        results = [run(*job) for job in jobs]
    else:
        with worker_pool(workers) as pool:
            results = list(pool.map(_run_job, jobs))
    return Replications(seeds=seeds, runs=results)


def _run_job(job: tuple[Any, Mapping[str, Any]]) -> Results:
    return run(*job)
