"""Unit costs come from the catalogue, uprated to one price year; a scenario can replace
any of them and every figure built on it follows; places carry their resource maps."""

import tomllib

import pytest

from locality.experiments.results import scenario_toml
from locality.parameters.loader import (
    ScenarioError,
    load_scenario,
    source_for,
    unsourced_figures,
)
from locality.parameters.unit_costs import PRICE_YEAR, catalogue, uprated_costs


def test_older_prices_are_raised_and_the_price_year_is_kept():
    costs = uprated_costs()
    old, current = catalogue()["arrest_detained"], catalogue()["prison_place"]
    assert old.price_year < PRICE_YEAR and costs["arrest_detained"] > old.cash
    assert current.price_year == PRICE_YEAR and costs["prison_place"] == pytest.approx(current.cash)


def test_scenario_figures_follow_the_catalogue_and_say_so():
    spec = load_scenario("thanet")
    costs = uprated_costs()
    eviction = costs["eviction_complex"] + costs["homelessness_application"]
    assert spec.crises["eviction"].bills["housing"] == pytest.approx(eviction, abs=0.01)
    source = source_for(spec, "crises.eviction.bills.housing")
    assert "eviction_complex" in source and PRICE_YEAR in source and "2010/11" in source
    weekly = costs["drug_treatment_structured"] / 52
    assert spec.agencies["substance_misuse_services"].intervention_week_cost == pytest.approx(weekly, abs=0.01)


def test_a_scenario_unit_cost_flows_into_every_figure_built_on_it():
    base = load_scenario("thanet")
    spec = load_scenario("thanet", ["unit_costs.domestic_abuse_incident=5000"])
    bills = spec.crises["domestic_abuse_incident"].bills
    assert sum(bills.values()) == pytest.approx(5000, rel=1e-3)
    assert bills["police"] > base.crises["domestic_abuse_incident"].bills["police"]
    assert "scenario's own figure" in source_for(spec, "crises.domestic_abuse_incident.bills.police")
    # and it still does after a round trip through a loaded Scenario and a saved file
    again = load_scenario(spec, ["unit_costs.domestic_abuse_incident=2470"])
    assert sum(again.crises["domestic_abuse_incident"].bills.values()) == pytest.approx(2470, rel=1e-3)
    saved = load_scenario(tomllib.loads(scenario_toml(spec)))
    assert saved.model_dump() == spec.model_dump()


def test_setting_a_figure_directly_replaces_its_reference():
    spec = load_scenario("thanet", ["crises.arrest.bills.police=1000", "unit_costs.arrest_detained=2000"])
    assert spec.crises["arrest"].bills["police"] == 1000
    assert source_for(spec, "crises.arrest.bills.police") == "override"


@pytest.mark.parametrize("override, words", [
    ("unit_costs.arest_detained=700", ["arrest_detained", "Did you mean"]),
    ("unit_costs.arrest_detained=-1", ["unit_costs.arrest_detained", "greater than or equal to 0"]),
])
def test_bad_unit_costs_are_named(override, words):
    with pytest.raises(ScenarioError) as error:
        load_scenario("thanet", [override])
    assert all(word in str(error.value) for word in words)


def test_a_bad_reference_in_a_file_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('extends = "thanet"\n[crises.arrest]\nbills = { police = { cost = "arrests" } }\n')
    with pytest.raises(ScenarioError, match="crises.arrest.bills.police.cost: 'arrests'"):
        load_scenario(path)
    path.write_text('extends = "thanet"\n[agencies.police]\nintervention_week_cost = { cost = "police_officer_hour", per = "fortnight" }\n')
    with pytest.raises(ScenarioError, match="per = 'fortnight'"):
        load_scenario(path)


def test_a_factor_without_a_note_counts_as_unsourced():
    assert unsourced_figures({"k": {"cost": "arrest_detained", "times": 3}}) == ["k"]
    assert unsourced_figures({"k": {"cost": "arrest_detained", "times": 3, "note": "3 arrests (assumption)"}}) == []
    assert unsourced_figures({"k": {"cost": "arrest_detained"}}) == []


def test_sherwood_budgets_come_from_the_pilot_resource_map():
    spec = load_scenario("sherwood")
    holders = {name: h.total for name, h in spec.resource_map.holders.items()}
    assert holders == {"kcc": 9_550_000, "borough": 7_800_000, "nhs": 5_320_000, "jobcentre_plus": 5_700_000}
    assert spec.agencies["nhs_acute"].budget_per_household == pytest.approx(0.32 * 5_320_000 / 2800, abs=0.01)
    assert "NHS £5,320,000" in source_for(spec, "agencies.nhs_acute.budget_per_household")
    richer = load_scenario("sherwood", ["resource_map.holders.nhs.total=10640000"])
    assert richer.agencies["nhs_acute"].budget_per_household == pytest.approx(2 * spec.agencies["nhs_acute"].budget_per_household, abs=0.02)


def test_shares_of_a_holder_cannot_pass_the_whole():
    with pytest.raises(ScenarioError, match="resource_map.holders.nhs: agencies' shares add up to"):
        load_scenario(_sherwood_with_nhs_share(0.99))


def _sherwood_with_nhs_share(share):
    from locality.parameters.loader import read_raw

    raw = read_raw("sherwood")
    raw["agencies"]["nhs_acute"]["budget_per_household"] = {"holder": "nhs", "share": share, "note": "test"}
    return raw
