"""Which assumptions drive the headline results: each unsourced figure that could matter
is set to a low and a high value in turn, and the headlines (integration's effect, a
cut's effect) are measured again, each side of a headline on the same seeds (common
random numbers). The table says how far each assumption moves each headline, with
intervals over seeds, largest swing first: the figures to source before a board relies
on the answer.

The assumptions and headlines are declared below, once; `locality assumptions` runs them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from locality.parameters.loader import figures_matching, load_scenario
from locality.sim.tables import read_table

from .replications import mean_interval, run_paired, seeds_for
from .runner import Overrides, _as_mapping

#: Each assumption: the scenario keys it sets (a * matches any one name), the low and high
#: values to try, whether they are values or factors on the scenario's own, and what it is.
ASSUMPTIONS_TABLE = """
name                 keys                               low    high   as      what
assessment_fatigue   services.assessment_fatigue        0      0.16   value   engagement lost with each extra assessment (no source)
early_help_speed     agencies.*.prevention_effect       1      3      factor  early help's weekly effect against late help's, from as fast (the scenarios' own) to three times as fast (no source)
lateness             services.lateness                  0.3    0.9    value   how much less help works at higher severity (no source for the size)
referral_loss        services.referral_loss             0.1    0.5    value   share of referrals between siloed agencies lost (no source)
whole_family_bonus   keyworkers.whole_family_bonus      1      1.6    value   how much more a key worker's plan does than an agency's help, for covering the whole family (no source)
keyworker_referral   keyworkers.agency_referral         0.01   0.2    value   weekly chance an agency with an open case refers a family the key workers would take (no source)
dose_half_hours      keyworkers.half_hours              2      8      value   key-worker contact hours a week for half the most a plan can do (no evaluation gives a dose-response)
dose_steepness       keyworkers.dose_steepness          1      3      value   how sharply a plan's effect rises with contact hours (no source)
reserves_share       finance.reserves_share             0      0.2    value   reserves an agency holds, a share of its yearly budget (recalled, not sourced)
prevention_kept      finance.prevention_kept            0.25   0.75   value   share of planned prevention an agency keeps whatever it must save (no source)
assessment_valid     services.assessment_valid_weeks    13     52     value   weeks an assessment stays valid, so a referral within it is not assessed again (no source)
list_review          services.list_review_weeks         4      26     value   weeks between reviews of a place on a waiting list (no source)
hiring_weeks         workforce.hiring_weeks             13     52     value   weeks to fill a vacant post, or to shed one no longer funded (recalled, not sourced)
agency_premium       workforce.agency_premium           0.25   1      value   what an agency worker costs more than an employed one (recalled, not sourced)
overload_elasticity  workforce.overload_elasticity      0.5    1.5    value   how fast help weakens above a safe caseload (no source for the size)
"""

#: Each headline: its label and the two sides compared (B against A).
HEADLINES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "integration": ("integrated against siloed working",
                    {"regime.kind": "siloed"}, {"regime.kind": "integrated"}),
    "cut": ("a 28% cut over four years against none", {"budget.cut": 0.0}, {"budget.cut": 0.28, "budget.cut_years": 4}),
}
MEASURES = ("crises", "spend")


@dataclass(frozen=True)
class Assumption:
    name: str
    keys: tuple[str, ...]
    low: float
    high: float
    factor: bool
    what: str


ASSUMPTIONS: dict[str, Assumption] = {
    row["name"]: Assumption(row["name"], tuple(row["keys"].split(",")), float(row["low"]), float(row["high"]),
                            row["as"] == "factor", row["what"])
    for row in read_table(ASSUMPTIONS_TABLE)
}


@dataclass
class AssumptionStudy:
    """Per variant and seed, crises and spend (`runs`); per headline and setting, the
    headline's effect with its interval (`table`); and per headline and assumption, the
    effect at its low and high values and the swing between them, with its interval
    (`swings`)."""

    runs: pd.DataFrame
    table: pd.DataFrame
    swings: pd.DataFrame
    seeds: list[int]


def overrides_for(scenario: str, assumption: Assumption, value: float, common: Mapping[str, Any] = {}) -> dict[str, float]:
    """The dotted overrides that set `assumption` to `value` (or scale by it) in a scenario."""
    found = {key: float(current) * value if assumption.factor else value
             for key, current in figures_matching(load_scenario(scenario, common).model_dump(), assumption.keys).items()}
    if not found:
        raise ValueError(f"assumption '{assumption.name}' matches no figure of '{scenario}' ({', '.join(assumption.keys)})")
    return found


def variants(scenario: str, common: Mapping[str, Any], names: list[str],
             headlines: Mapping[str, tuple[str, dict, dict]] = HEADLINES) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Every run of the study, keyed (headline, setting, side): each headline's two sides at
    the scenario's own figures ("as is") and at each assumption's low and high values."""
    settings: dict[str, dict[str, Any]] = {"as is": {}}
    for name in names:
        assumption = ASSUMPTIONS[name]
        for end in ("low", "high"):
            settings[f"{name} {end}"] = overrides_for(scenario, assumption, getattr(assumption, end), common)
    return {(headline, setting, side): {**common, **values, **sides[i]}
            for headline, (_label, *sides) in headlines.items()
            for setting, values in settings.items() for i, side in enumerate(("a", "b"))}


def study_assumptions(scenario: str = "thanet", common: Overrides = (), names: list[str] | None = None, reps: int = 10,
                      master_seed: int | None = None, workers: int | None = None,
                      headlines: Mapping[str, tuple[str, dict, dict]] = HEADLINES) -> AssumptionStudy:
    """Run every headline (by default `HEADLINES`; a report passes its own comparison) at
    every assumption's low and high value (and as is) on the same `reps` seeds, and measure
    how far each assumption moves each headline."""
    shared = _as_mapping(common)
    names = list(ASSUMPTIONS) if names is None else list(names)
    unknown = [n for n in names if n not in ASSUMPTIONS]
    if unknown:
        raise ValueError(f"unknown assumption(s) {unknown}; known: {', '.join(ASSUMPTIONS)}")
    spec = load_scenario(scenario, shared)
    runs_of = variants(scenario, shared, names, headlines)
    for overrides in runs_of.values():
        load_scenario(scenario, overrides)  # fail before any run
    seeds = seeds_for(spec.run.seed if master_seed is None else master_seed, reps)
    runs = run_paired(scenario, {"|".join(key): overrides for key, overrides in runs_of.items()}, seeds, _outcome, workers)
    runs[["headline", "setting", "side"]] = runs["variant"].str.split("|", expand=True)
    table = _effects(runs, seeds)
    return AssumptionStudy(runs=runs, table=table, swings=_swings(runs, seeds, names, headlines), seeds=seeds)


def _outcome(results) -> dict[str, float]:
    """What the study reads of a run (in its worker)."""
    return {"crises": float(results.steps["crises"].sum()), "spend": float(results.steps["spend"].sum())}


def _per_seed(by: pd.DataFrame, seeds: list[int], headline: str, setting: str) -> dict[str, np.ndarray]:
    """A headline's effect at one setting, seed by seed (B against A): crises as a share of
    A's, spend in pounds."""
    a, b = by.loc[(headline, setting, "a")].loc[seeds], by.loc[(headline, setting, "b")].loc[seeds]
    found = {}
    for measure in MEASURES:
        change = b[measure].to_numpy() - a[measure].to_numpy()
        found[measure] = change / a[measure].to_numpy() if measure == "crises" else change
    return found


def _with_interval(row: dict, name: str, values: np.ndarray) -> dict:
    low, high = mean_interval(values)
    return row | {name: float(np.mean(values)), f"{name}_low": low, f"{name}_high": high}


def _effects(runs: pd.DataFrame, seeds: list[int]) -> pd.DataFrame:
    """Each headline's effect at each setting with its 95% interval over seeds."""
    by = runs.set_index(["headline", "setting", "side", "seed"]).sort_index()
    rows = []
    for headline, setting in by.index.droplevel(["side", "seed"]).unique():
        row = {"headline": headline, "setting": setting}
        for measure, values in _per_seed(by, seeds, headline, setting).items():
            row = _with_interval(row, measure, values)
        rows.append(row)
    return pd.DataFrame(rows)


def _swings(runs: pd.DataFrame, seeds: list[int], names: list[str], headlines: Mapping[str, Any] = HEADLINES) -> pd.DataFrame:
    """Per headline and assumption, the headline's effect at the low and at the high value,
    and the swing (high less low, seed by seed, with its 95% interval); largest swing in
    crises first within each headline."""
    by = runs.set_index(["headline", "setting", "side", "seed"]).sort_index()
    rows = []
    for headline in headlines:
        for name in names:
            low, high = _per_seed(by, seeds, headline, f"{name} low"), _per_seed(by, seeds, headline, f"{name} high")
            row = {"headline": headline, "assumption": name, "what": ASSUMPTIONS[name].what}
            for measure in MEASURES:
                row |= {f"{measure} at low": float(np.mean(low[measure])), f"{measure} at high": float(np.mean(high[measure]))}
                row = _with_interval(row, f"{measure} swing", high[measure] - low[measure])
            rows.append(row)
    frame = pd.DataFrame(rows)
    order = frame["crises swing"].abs()
    return frame.assign(_order=order).sort_values(["headline", "_order"], ascending=[True, False]).drop(
        columns="_order").reset_index(drop=True)
