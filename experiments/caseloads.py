"""The caseload trade-off: the same pooled budget at several caseload limits, each on the
same seeds as the integrated regime without key workers (common random numbers), so what
differs is the team alone. A larger caseload gives each family fewer hours of a key
worker's week, so each plan does less (the dose, `agents.keyworkers`), and draws more
services per worker, so fewer workers; this says, per caseload, how many families the
team took on, the hours each got, and the crises the team avoided, in all and per hundred
families it reached, with 95% intervals over seeds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from locality.agents.keyworkers import families_per_worker, plan_dose
from locality.parameters.loader import load_scenario
from locality.parameters.vocabulary import POOL

from .defaults import CASELOADS
from .replications import mean_interval, run_paired, seeds_for
from .runner import Overrides, _as_mapping

PER_FAMILIES = 100  # crises avoided are stated per this many families reached
WITHOUT = "integrated without key workers"  # and so with nothing pooled: the agencies keep the pool's money


@dataclass
class Tradeoff:
    """Per caseload, the means and intervals (`table`); per variant and seed, what each
    run gave (`runs`: crises, families reached), for paired comparisons."""

    table: pd.DataFrame
    runs: pd.DataFrame
    seeds: list[int]

    def avoided(self, caseload: int) -> np.ndarray:
        """Seed by seed: crises the team avoided over the run at this caseload."""
        without = self.runs.loc[WITHOUT].loc[self.seeds, "crises"].to_numpy()
        return without - self.runs.loc[caseload].loc[self.seeds, "crises"].to_numpy()

    def avoided_per_family(self, caseload: int) -> np.ndarray:
        """Seed by seed: crises the team avoided per hundred families it reached."""
        reached = self.runs.loc[caseload].loc[self.seeds, "families_reached"].to_numpy()
        return PER_FAMILIES * self.avoided(caseload) / np.maximum(reached, 1)


def caseload_tradeoff(scenario: str = "thanet", caseloads: Sequence[int] = CASELOADS, common: Overrides = (),
                      reps: int = 10, master_seed: int | None = None, workers: int | None = None) -> Tradeoff:
    """The integrated regime without key workers (nothing pooled: the agencies keep the
    money), and with them at each caseload limit, on the same `reps` seeds: one row per
    caseload with the means and 95% intervals (`_low`, `_high`) of the families key
    workers took on (episodes begun: a family taken on twice counts twice), the crises of
    the run, and the crises the team avoided (the team, less what the pooled money would
    have bought the agencies), in all and per hundred families it took on."""
    shared = _as_mapping(common)
    variants: dict[Any, dict[str, Any]] = {WITHOUT: {**shared, "regime.kind": "integrated", "regime.key_workers": False}}
    for caseload in caseloads:
        variants[caseload] = {**shared, "regime.kind": "integrated", "keyworkers.caseload": int(caseload)}
    for overrides in variants.values():
        spec = load_scenario(scenario, overrides)  # fail before any run
    seeds = seeds_for(spec.run.seed if master_seed is None else master_seed, reps)
    runs = run_paired(scenario, variants, seeds, _outcome, workers).set_index(["variant", "seed"])
    without = runs.loc[WITHOUT].loc[seeds, "crises"].to_numpy()
    table = []
    for caseload in caseloads:
        these = runs.loc[caseload].loc[seeds]
        reached = these["families_reached"].to_numpy()
        avoided = without - these["crises"].to_numpy()
        row: dict[str, Any] = {"caseload": int(caseload),
                               "hours_per_family": these["hours_per_family"].iloc[0],
                               "dose": these["dose"].iloc[0]}
        for name, values in (("families_reached", reached), ("crises", these["crises"].to_numpy()),
                             ("crises_avoided", avoided),
                             ("avoided_per_100_families", PER_FAMILIES * avoided / np.maximum(reached, 1))):
            low, high = mean_interval(values.astype(np.float64))
            row |= {name: float(np.mean(values)), f"{name}_low": low, f"{name}_high": high}
        table.append(row)
    return Tradeoff(table=pd.DataFrame(table).set_index("caseload"), runs=runs, seeds=seeds)


def _outcome(results) -> dict[str, Any]:
    """What the trade-off reads of a run (in its worker)."""
    team = results.agencies[results.agencies["agency"] == POOL]
    spec = results.scenario.keyworkers
    return {"crises": float(results.steps["crises"].sum()), "families_reached": float(team["admissions"].sum()),
            "hours_per_family": spec.week_hours / families_per_worker(spec), "dose": plan_dose(spec, families_per_worker(spec))}
