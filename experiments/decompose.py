"""Where integration's effect comes from: the parts of the integrated regime switched on
one at a time from siloed working, on common random numbers (every variant starts from the same
households and shocks on a seed), each part's change in crises and spend with its
interval over seeds.

Two readings, both from the same runs: each part alone (siloed with that one part on),
and the parts added in order, whose steps add up to the whole change (integrated against
siloed); what the parts alone do not add up to is their interaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from locality.parameters.loader import load_scenario

from .replications import mean_interval, run_paired, seeds_for
from .runner import Overrides, _as_mapping

#: The parts of integration, in the order the integrated regime's week meets them: each
#: one's label and the switch that turns it on (`parameters.schema.Regime`).
PARTS: dict[str, tuple[str, dict[str, Any]]] = {
    "shared_risk": ("a whole-family risk score finds families", {"regime.shared_risk": True}),
    "single_assessment": ("one shared assessment", {"regime.single_assessment": True}),
    "rationing": ("waiting lists, not rising thresholds", {"regime.rationing": "waiting_list"}),
    "queue_order": ("first found, first helped", {"regime.queue_order": "arrival"}),
    "key_workers": ("key workers on the pooled budget", {"regime.key_workers": True}),
}
SILOED = {"regime.kind": "siloed"}
MEASURES = ("crises", "spend")


@dataclass
class Decomposition:
    """Per variant and seed, crises and spend over the run (`runs`), and the changes
    against siloed working with their intervals (`table`)."""

    runs: pd.DataFrame   # one row per variant and seed: variant, seed, crises, spend
    table: pd.DataFrame  # one row per reading and part: the mean change and its 95% interval
    seeds: list[int]
    settings: dict[str, Any]


def variants(parts: Mapping[str, tuple[str, dict[str, Any]]] = PARTS) -> dict[str, dict[str, Any]]:
    """Every variant the decomposition runs, each once: siloed, each part alone, and the
    parts added in order from the second on (the first step in order is the first part
    alone; the last is every part on: the integrated regime)."""
    found = {"siloed": dict(SILOED)}
    names = list(parts)
    for name in names:
        found[f"alone: {name}"] = {**SILOED, **parts[name][1]}
    for k in range(2, len(names) + 1):
        found[f"in order: {names[k - 1]}"] = {**SILOED, **{key: v for n in names[:k] for key, v in parts[n][1].items()}}
    return found


def step_in_order(name: str) -> str:
    """The variant that is the parts added in order up to `name`."""
    return f"alone: {name}" if name == next(iter(PARTS)) else f"in order: {name}"


def decompose(scenario: str = "thanet", common: Overrides = (), reps: int = 10, master_seed: int | None = None,
              workers: int | None = None, progress: bool = False) -> Decomposition:
    """Run every variant on the same `reps` seeds and set each part's change in crises and
    spend against siloed working, alone and added in order, with 95% intervals over seeds
    (the changes are taken seed by seed, so chance common to both sides cancels). `common`
    overrides apply to every variant (a switch of the regime among them is overridden by
    the variant's own)."""
    shared = _as_mapping(common)
    spec = load_scenario(scenario, {**shared, **SILOED})  # fail before any run
    for overrides in variants().values():
        load_scenario(scenario, {**shared, **overrides})
    seeds = seeds_for(spec.run.seed if master_seed is None else master_seed, reps)
    runs = run_paired(scenario, {name: {**shared, **overrides} for name, overrides in variants().items()}, seeds,
                      _outcome, workers)
    return Decomposition(runs=runs, table=_changes(runs, seeds), seeds=seeds,
                         settings={"scenario": str(scenario), **shared, "households": spec.population.households,
                                   "years": spec.run.years, "pooled_share": spec.regime.pooled_share})


def _outcome(results) -> dict[str, float]:
    """What the decomposition reads of a run (in its worker)."""
    return {"crises": float(results.steps["crises"].sum()), "spend": float(results.steps["spend"].sum())}


def _changes(runs: pd.DataFrame, seeds: list[int]) -> pd.DataFrame:
    """Each variant's change against siloed (and each step's against the step before),
    seed by seed, as a mean with its 95% interval: crises as a share of siloed crises,
    spend in pounds."""
    by = runs.set_index(["variant", "seed"]).sort_index()
    siloed = by.loc["siloed"].loc[seeds]
    names = list(PARTS)
    rows = []

    def add(reading: str, part: str, label: str, now: pd.DataFrame, before: pd.DataFrame) -> None:
        row = {"reading": reading, "part": part, "label": label}
        for measure in MEASURES:
            change = now[measure].to_numpy() - before[measure].to_numpy()
            if measure == "crises":
                change = change / siloed["crises"].to_numpy()
            low, high = mean_interval(change)
            row |= {measure: float(np.mean(change)), f"{measure}_low": low, f"{measure}_high": high}
        rows.append(row)

    for name in names:
        add("alone", name, PARTS[name][0], by.loc[f"alone: {name}"].loc[seeds], siloed)
    previous = siloed
    for name in names:
        now = by.loc[step_in_order(name)].loc[seeds]
        add("added in order", name, PARTS[name][0], now, previous)
        previous = now
    everything = by.loc[step_in_order(names[-1])].loc[seeds]
    add("all", "integrated", "every part (the integrated regime)", everything, siloed)
    interaction = everything.copy()
    for measure in MEASURES:
        alone = sum(by.loc[f"alone: {n}"].loc[seeds][measure].to_numpy() - siloed[measure].to_numpy() for n in names)
        interaction[measure] = siloed[measure].to_numpy() + (everything[measure].to_numpy() - siloed[measure].to_numpy()
                                                             - alone)
    add("all", "interaction", "what the parts alone do not add up to", interaction, siloed)
    return pd.DataFrame(rows)
