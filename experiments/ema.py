"""EMA Workbench as a client: Locality as an EMA `ReplicatorModel`, so exploratory
modelling (sampling, PRIM, feature scoring, robust decision making) runs on it without
glue code.

    from ema_workbench import perform_experiments
    from ema_workbench.analysis import prim
    from locality.experiments.ema import for_prim, locality_model

    model = locality_model(
        "sherwood",
        uncertainties={"needs.shock_scale": (0.9, 1.1), "recovery": (0.8, 1.2)},
        levers={"regime.kind": ["siloed", "integrated"], "budget.cut": (0.0, 0.3)},
        groups={"recovery": ["needs.recovery.*"]},   # one factor scales every key listed
        seeds=5,                                      # each experiment on 5 seeds
        settings={"population.households": 1000, "run.years": 3},
    )
    experiments, outcomes = perform_experiments(model, scenarios=20, policies=4)
    # experiments["budget_cut"]: EMA names are identifiers, so a key's dots become "_"
    # outcomes["crises"]: mean over the seeds; outcomes["crises_by_seed"]: one per seed;
    # outcomes["crises_by_year"]: experiments x seeds x years
    low = outcomes["crises"] < outcomes["crises"].mean()  # PRIM: where crises are low
    box = prim.Prim(for_prim(experiments[["recovery", "budget_cut"]]), low).find_box()

A parameter's type comes from the scenario schema: a range of a whole-number setting is an
`IntegerParameter`, of any other number a `RealParameter`, a list a `CategoricalParameter`;
a group's factor is a `RealParameter`. EMA (3.0) wants names that are Python identifiers,
so a parameter is named by its key with "_" for "." (`ema_name`) and hands the key itself
to the model as its `variable_name`. Every key is tried at both ends of its range before
the model is handed over, so a bad key or value is named here, not in a worker.

Seeds are replications: EMA runs every experiment on each seed in turn and passes it as
`seed`, so experiments differ by their parameters alone (common random numbers). Each run
has its own warm-up, since uncertainties change the state a warm-up settles to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from locality.parameters.loader import DEFAULT_SCENARIO, ScenarioError, load_scenario, python_value, read_raw

from .described import column_notes
from .replications import seeds_for
from .sweep import setting_kind, with_groups

#: Whole-run outcomes handed to EMA unless others are asked for (names as in a sweep's summary).
DEFAULT_OUTCOMES = ("crises", "spend", "over_spend", "households_helped")
#: Yearly series handed to EMA unless others are asked for (columns of `Results.yearly()`).
DEFAULT_YEARLY = ("crises", "spend")
YEARLY = ("referrals", "assessments", "open_cases", "waiting", "keyworker_families", "crises", "in_crisis_tier",
          "budget", "spend", "over_spend")

Values = tuple[float, float] | Sequence[Any]


@dataclass(frozen=True)
class LocalityExperiment:
    """What EMA calls for each experiment and seed: the scenario with the fixed settings,
    the experiment's values (a group's factor scaling its keys) and the seed, run to the
    end; returns the whole-run outcomes and the yearly series. Picklable, for EMA's
    multiprocessing evaluator."""

    scenario: str | dict
    settings: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    yearly: tuple[str, ...] = DEFAULT_YEARLY

    def __call__(self, seed: int, **values: Any) -> dict[str, Any]:
        from .runner import run

        values = {key: python_value(value) for key, value in values.items()}
        fixed = {**self.settings, "run.seed": int(seed)}
        results = run(self.scenario, {**fixed, **with_groups(self.scenario, self.groups, values, fixed)})
        yearly = results.yearly()
        return {**results.outcomes(), **{f"{name}_by_year": yearly[name].to_numpy(dtype=float) for name in self.yearly}}


def locality_model(scenario: str = DEFAULT_SCENARIO, uncertainties: Mapping[str, Values] | None = None,
                   levers: Mapping[str, Values] | None = None, groups: Mapping[str, Sequence[str]] | None = None,
                   outcomes: Sequence[str] = DEFAULT_OUTCOMES, yearly: Sequence[str] = DEFAULT_YEARLY,
                   seeds: int | Sequence[int] = 10, master_seed: int = 1, settings: Mapping[str, Any] | None = None,
                   name: str = "locality"):
    """An EMA `ReplicatorModel` of `scenario` (a built-in name or a file): `uncertainties` and
    `levers` map a dotted key (or a group's name) to (low, high) or to a list of values;
    `groups` names groups of keys one factor scales; `settings` are fixed for every run;
    `seeds` is a count (derived from `master_seed`, as sweeps derive them) or the seeds."""
    from ema_workbench import ArrayOutcome, ReplicatorModel, ScalarOutcome

    uncertainties, levers, settings = dict(uncertainties or {}), dict(levers or {}), dict(settings or {})
    groups = {group: list(keys) for group, keys in (groups or {}).items()}
    if not uncertainties and not levers:
        raise ScenarioError("locality_model: give uncertainties or levers to vary (a dotted key -> (low, high) or a list)")
    both = sorted(set(uncertainties) & set(levers))
    if both:
        raise ScenarioError(f"locality_model: {', '.join(both)} both an uncertainty and a lever; make each one or the other")
    unused = sorted(set(groups) - set(uncertainties) - set(levers))
    if unused:
        raise ScenarioError(f"locality_model: group {', '.join(unused)} is not varied; give it a range of factors "
                            "under uncertainties or levers, or leave it out")
    if "run.seed" in settings or "seed" in {*uncertainties, *levers}:
        raise ScenarioError("locality_model: the seed is not a setting here; give seeds= (a count or the seeds)")
    pinned = read_raw(scenario) if isinstance(scenario, str) else dict(scenario)  # every run reads the same scenario
    base = load_scenario(pinned, settings)  # the fixed settings are checked once, here
    summary = column_notes("summary", base)
    unknown = [o for o in outcomes if o not in summary]
    if unknown:
        raise ScenarioError(f"locality_model: outcomes {', '.join(unknown)} unknown; choose from {', '.join(summary)}")
    unknown = [y for y in yearly if y not in YEARLY]
    if unknown:
        raise ScenarioError(f"locality_model: yearly {', '.join(unknown)} unknown; choose from {', '.join(YEARLY)}")

    names: dict[str, str] = {}
    for key in [*uncertainties, *levers]:
        if ema_name(key) in names:
            raise ScenarioError(f"locality_model: {names[ema_name(key)]} and {key} would both be called {ema_name(key)} in EMA")
        names[ema_name(key)] = key
    model = ReplicatorModel(name, function=LocalityExperiment(pinned, settings, groups, tuple(yearly)))
    model.uncertainties = [_parameter(pinned, key, values, settings, groups) for key, values in uncertainties.items()]
    model.levers = [_parameter(pinned, key, values, settings, groups) for key, values in levers.items()]
    model.outcomes = [
        *[ScalarOutcome(o, function=np.mean) for o in outcomes],  # the mean over the seeds
        *[ArrayOutcome(f"{o}_by_seed", variable_name=o) for o in outcomes],
        *[ArrayOutcome(f"{y}_by_year") for y in yearly],
    ]
    chosen = seeds_for(master_seed, seeds) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not chosen:
        raise ScenarioError("locality_model: seeds must be at least 1 (a count) or a list of seeds")
    model.replications = [{"seed": seed} for seed in chosen]
    return model


def _parameter(scenario: dict, key: str, values: Values, settings: dict[str, Any], groups: dict[str, list[str]]):
    """The EMA parameter for one key (or group), typed by the schema; both ends are tried."""
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

    is_range = isinstance(values, tuple) and len(values) == 2 and all(_is_number(v) for v in values)
    ends = list(values) if is_range else list(values or [])
    if not ends:
        raise ScenarioError(f"{key}: give (low, high) or a list of values")
    for value in ends:  # names the key if a value is refused, before EMA samples it
        load_scenario(scenario, {**settings, **with_groups(scenario, groups, {key: python_value(value)}, settings)})
    if not is_range:
        return CategoricalParameter(ema_name(key), [python_value(v) for v in values], variable_name=key)
    low, high = values
    if not high > low:
        raise ScenarioError(f"{key}: high ({high}) must be above low ({low})")
    if key not in groups and setting_kind(key) is int:
        return IntegerParameter(ema_name(key), int(low), int(high), variable_name=key)
    return RealParameter(ema_name(key), float(low), float(high), variable_name=key)


def for_prim(experiments: pd.DataFrame) -> pd.DataFrame:
    """The experiments with whole-number columns as floats, for EMA's PRIM: EMA 3.0 pastes
    fractional box limits into a box table of the columns' own types, which pandas 3
    refuses for an integer column (`IntegerParameter` levers such as the caseload)."""
    whole = [name for name, dtype in experiments.dtypes.items() if pd.api.types.is_integer_dtype(dtype)]
    return experiments.astype(dict.fromkeys(whole, float))


def ema_name(key: str) -> str:
    """The name EMA shows for a scenario key (an identifier): budget.cut -> budget_cut."""
    return key.replace(".", "_")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
