"""EMA Workbench as a client: the adapter types parameters by the schema, runs every
experiment on each seed it is given, scales groups of keys by one factor, and hands EMA
outcomes its PRIM can read."""

import numpy as np
import pytest
from ema_workbench import (
    ArrayOutcome,
    CategoricalParameter,
    IntegerParameter,
    RealParameter,
    ScalarOutcome,
    SequentialEvaluator,
    perform_experiments,
)
from ema_workbench.analysis import prim

from locality.experiments.ema import LocalityExperiment, for_prim, locality_model
from locality.parameters.loader import ScenarioError, figures_matching, load_scenario, read_raw

SMALL = {"population.households": 300, "run.years": 2, "run.warmup_weeks": 12}
RECOVERY = ["needs.recovery.*"]


def small_model(**kwargs):
    given = dict(uncertainties={"recovery": (0.7, 1.3)}, levers={"regime.kind": ["siloed", "integrated"],
                                                                 "keyworkers.caseload": (3, 12)},
                 groups={"recovery": RECOVERY}, seeds=3, settings=SMALL)
    return locality_model("sherwood", **(given | kwargs))


def test_parameters_are_typed_by_the_schema():
    model = small_model(uncertainties={"recovery": (0.7, 1.3), "budget.cut": (0.0, 0.3)})
    kinds = {p.name: type(p) for p in [*model.uncertainties, *model.levers]}
    assert kinds == {"recovery": RealParameter, "budget_cut": RealParameter, "regime_kind": CategoricalParameter,
                     "keyworkers_caseload": IntegerParameter}
    assert {p.name: p.variable_name for p in model.levers} == {"regime_kind": ["regime.kind"],
                                                              "keyworkers_caseload": ["keyworkers.caseload"]}
    outcomes = {o.name: type(o) for o in model.outcomes}
    assert outcomes["crises"] is ScalarOutcome and outcomes["crises_by_seed"] is ArrayOutcome
    assert outcomes["spend_by_year"] is ArrayOutcome
    assert [r["seed"] for r in model.replications] == [r["seed"] for r in small_model().replications]  # derived, stable
    assert len({r["seed"] for r in model.replications}) == 3


def test_a_group_s_factor_scales_every_key_it_names():
    raw = read_raw("sherwood")
    experiment = LocalityExperiment(raw, SMALL, {"recovery": RECOVERY})
    base = figures_matching(load_scenario(raw, SMALL).model_dump(), RECOVERY)
    from locality.experiments.sweep import with_groups

    scaled = with_groups(raw, {"recovery": RECOVERY}, {"recovery": 1.25, "budget.cut": 0.1}, SMALL)
    assert scaled["budget.cut"] == 0.1 and "recovery" not in scaled
    assert {k: v for k, v in scaled.items() if k != "budget.cut"} == pytest.approx({k: v * 1.25 for k, v in base.items()})
    assert len(base) >= 5
    # a factor of 1 is the scenario as it is; faster recovery means fewer crises
    as_is = experiment(seed=4, recovery=1.0)
    plain = LocalityExperiment(raw, SMALL)(seed=4)
    assert (as_is["crises"], as_is["spend"]) == (plain["crises"], plain["spend"])
    assert experiment(seed=4, recovery=1.5)["crises"] < as_is["crises"]


@pytest.mark.slow
def test_an_ema_experiment_runs_on_seeds_and_prim_reads_it():
    model = small_model()
    experiments, outcomes = perform_experiments(model, scenarios=4, policies=3, evaluator=SequentialEvaluator(model))
    assert len(experiments) == 12
    assert outcomes["crises_by_seed"].shape == (12, 3)
    assert outcomes["crises_by_year"].shape == (12, 3, 2)
    np.testing.assert_allclose(outcomes["crises"], outcomes["crises_by_seed"].mean(axis=1))
    # each experiment ran on three different seeds, and the seeds are common to all of them
    assert all(len(set(row)) > 1 for row in outcomes["crises_by_seed"])
    seeds = [r["seed"] for r in model.replications]
    again = LocalityExperiment(read_raw("sherwood"), SMALL, {"recovery": RECOVERY})
    first = experiments.iloc[0]
    rerun = again(seed=seeds[1], recovery=first["recovery"], **{"regime.kind": first["regime_kind"],
                                                                "keyworkers.caseload": first["keyworkers_caseload"]})
    assert rerun["crises"] == outcomes["crises_by_seed"][0, 1]
    # PRIM on where crises are low: EMA's own, on the adapter's columns (categorical included)
    x = for_prim(experiments[["recovery", "regime_kind", "keyworkers_caseload"]])
    assert x["keyworkers_caseload"].dtype == float and x["regime_kind"].dtype == experiments["regime_kind"].dtype
    y = outcomes["crises"] < np.median(outcomes["crises"])
    box = prim.Prim(x, y, mass_min=0.1).find_box()
    assert box.peeling_trajectory["density"].iloc[-1] >= box.peeling_trajectory["density"].iloc[0]
    assert "recovery" in box.box_lims[-1].columns


@pytest.mark.parametrize("kwargs, says", [
    ({"uncertainties": {"needs.recovry.worklessness": (0.1, 0.2)}, "groups": {}}, "recovry"),
    ({"levers": {"budget.cut": (0.0, 1.5)}}, "budget.cut"),
    ({"outcomes": ["crisis"]}, "outcomes crisis unknown"),
    ({"groups": {"recovery": RECOVERY, "spare": ["agencies.*.budget"]}}, "group spare is not varied"),
    ({"uncertainties": {"recovery": (0.8, 1.2)}, "groups": {"recovery": ["needs.nothing.*"]}}, "match no figure"),
    ({"settings": {"run.seed": 3}}, "give seeds="),
    ({"uncertainties": {"budget.cut": (0.3, 0.1)}, "groups": {}}, "must be above low"),
])
def test_bad_input_is_named_before_ema_samples_it(kwargs, says):
    with pytest.raises(ScenarioError, match=says):
        small_model(**kwargs)
