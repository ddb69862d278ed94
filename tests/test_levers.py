"""The levers as the schema declares them: the bounds a lever gives are the ones the
loader enforces, each lever says its values in its unit, a page's own limits never go
past the schema's, and an unknown key is refused by name."""

import pytest

from locality.parameters.levers import lever, place_defaults, value_at
from locality.parameters.loader import ScenarioError, load_scenario, source_for

NUMBERS = ["population.households", "run.years", "run.seed", "budget.cut", "budget.cut_years", "keyworkers.caseload",
           "keyworkers.count", "regime.pooled_share", "early_intervention.shift", "early_intervention.start_year",
           "demand.growth"]


@pytest.mark.parametrize("key", NUMBERS)
def test_the_bounds_are_the_ones_the_loader_enforces(key):
    found = lever(key)
    past = 1 if found.kind is int else 0.01
    for bound, beyond in ((found.low, -past), (found.high, past)):
        if bound is None:
            continue
        load_scenario("thanet", {key: bound})  # the bound itself is allowed
        with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
            load_scenario("thanet", {key: bound + beyond})
    assert type(value_at(load_scenario("thanet", {key: found.low}), key)) is found.kind


def test_a_union_keeps_its_number_bounds_and_a_choice_has_none():
    count = lever("keyworkers.count")  # a bounded whole number, or "auto"
    assert (count.low, count.high, count.kind) == (0, 100_000, int)
    assert count.amount("auto") == "auto"
    regime = lever("regime.kind")
    assert (regime.label, regime.low, regime.high, regime.kind) == ("Regime", None, None, str)


def test_values_are_said_in_their_units():
    assert lever("regime.pooled_share").amount(0.05) == "5% of budgets"
    assert lever("demand.growth").amount(0.028232) == "2.82% a year"
    assert lever("budget.cut").amount(0.0) == "0%"
    assert lever("keyworkers.caseload").amount(6) == "6 families per key worker"
    assert lever("population.households").amount(59_000) == "59,000"  # the label already says households
    assert lever("run.years").amount(5) == "5"
    assert lever("keyworkers.caseload").heading() == "Caseload (families per key worker)"
    assert lever("run.years").heading() == "Years" and lever("budget.cut").heading() == "Budget cut"


def test_a_page_may_narrow_a_lever_but_never_widen_it():
    pool = lever("regime.pooled_share")
    assert (pool.narrowed(high=0.3).low, pool.narrowed(high=0.3).high) == (0.0, 0.3)
    with pytest.raises(ValueError, match="regime.pooled_share"):
        pool.narrowed(high=0.6)
    with pytest.raises(ValueError, match="keyworkers.caseload"):
        lever("keyworkers.caseload").narrowed(low=0)


@pytest.mark.parametrize("key", ["budget.cutt", "nowhere.at_all", "population.ties", "budget.agency_cut.police"])
def test_an_unknown_key_or_a_field_that_is_no_lever_is_refused_by_name(key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        lever(key)


def test_a_place_gives_its_own_value_and_source():
    spec = load_scenario("triborough")
    defaults = place_defaults("triborough", ["early_intervention.shift", "demand.growth"])
    assert defaults["early_intervention.shift"] == (spec.early_intervention.shift,
                                                   source_for(spec, "early_intervention.shift"))
    value, source = defaults["demand.growth"]
    assert value == spec.demand.growth and "calibrated" in source


def test_every_lever_a_page_offers_has_a_label_a_unit_and_limits_within_the_schema():
    from locality.viz import app, model_view

    for shared in app.SHARED_LEVERS:
        found = lever(shared.key)
        assert found.label and found.unit, shared.key
        found.narrowed(high=shared.high)  # refused if the app's own limit went past the schema's
    for key, param in model_view.MODEL_PARAMS.items():
        if isinstance(param, dict):
            assert param["label"].startswith(lever(key).label)
