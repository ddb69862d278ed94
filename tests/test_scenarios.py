"""Scenario files: every built-in place loads, every figure carries a source, overrides
work by dotted key, and each kind of bad input is refused with the key named."""

import pytest

from parameters.loader import (
    SCENARIO_DIR,
    ScenarioError,
    builtin_scenarios,
    load_scenario,
    read_raw,
    source_for,
    unsourced_figures,
)


def test_the_three_places_are_built_in():
    names = builtin_scenarios()
    assert {"thanet", "sherwood", "kent", "swale", "triborough"} <= set(names)
    sizes = {name: load_scenario(name).population.households for name in ("thanet", "sherwood", "kent")}
    assert 50_000 <= sizes["thanet"] <= 70_000
    assert 1_000 <= sizes["sherwood"] <= 10_000
    assert 550_000 <= sizes["kent"] <= 650_000


@pytest.mark.parametrize("path", sorted(SCENARIO_DIR.glob("*.toml")), ids=lambda p: p.name)
def test_every_figure_has_a_source_or_says_assumption(path):
    import tomllib

    raw = tomllib.loads(path.read_text())
    assert unsourced_figures(raw) == []


def test_the_source_check_catches_a_bare_number():
    assert unsourced_figures({"run": {"years": 5}}) == ["run.years"]
    assert unsourced_figures({"run": {"source": "assumption", "years": 5}}) == []
    assert unsourced_figures({"run": {"years": {"value": 5, "source": " "}}}) == ["run.years"]


def test_sources_are_kept_and_overrides_are_marked():
    spec = load_scenario("thanet", ["keyworkers.caseload=4"])
    assert "FIP" in source_for(load_scenario("thanet"), "keyworkers.caseload")
    assert source_for(spec, "keyworkers.caseload") == "override"
    assert "assumption" in source_for(spec, "agencies.police.threshold")
    assert "Thanet" in source_for(spec, "population.households")


def test_dotted_overrides_change_the_named_value_only():
    base = load_scenario("thanet")
    spec = load_scenario("thanet", ["regime.kind=integrated", "budget.cut=0.28", "budget.agency_cut.police=0.2", "run.years=3"])
    assert spec.regime.kind == "integrated"
    assert spec.budget.cut == 0.28 and spec.budget.agency_cut == {"police": 0.2}
    assert spec.run.years == 3
    assert spec.population == base.population


def test_regime_kind_sets_the_defaults_of_every_switch():
    siloed = load_scenario("thanet").regime
    integrated = load_scenario("thanet", ["regime.kind=integrated"]).regime
    assert (siloed.shared_risk, siloed.single_assessment, siloed.key_workers, siloed.pooled_share) == (False, False, False, 0.0)
    assert (integrated.shared_risk, integrated.single_assessment, integrated.key_workers) == (True, True, True)
    assert integrated.pooled_share > 0
    assert siloed.queue_order == "severity" and integrated.queue_order == "arrival"
    mix = load_scenario("thanet", ["regime.kind=siloed", "regime.single_assessment=true"]).regime
    assert mix.single_assessment and not mix.shared_risk


@pytest.mark.parametrize(
    "override, key, hint",
    [
        ("regime.kindd=integrated", "regime.kindd", "kind"),
        ("regime.kind=both", "regime.kind", "siloed"),
        ("run.years=many", "run.years", "integer"),
        ("agencies.police.budget_per_household=-5", "agencies.police.budget_per_household", "not negative"),
        ("keyworkers.caseload=0", "keyworkers.caseload", "1 to 100"),
        ("budget.cut=1.5", "budget.cut", "0 to 1"),
        ("budget.agency_cut.polic=0.2", "budget.agency_cut", "police"),
        ("needs.shock_rate.boredom=0.1", "needs.shock_rate", "worklessness"),
    ],
)
def test_bad_values_name_the_key_and_what_is_allowed(override, key, hint):
    with pytest.raises(ScenarioError) as caught:
        load_scenario("thanet", [override])
    message = str(caught.value)
    assert key in message
    assert hint in message


def test_unknown_scenarios_and_malformed_overrides_are_refused(tmp_path):
    with pytest.raises(ScenarioError, match="thanet"):
        load_scenario("thanett")
    with pytest.raises(ScenarioError, match="key=value"):
        load_scenario("thanet", ["regime.kind"])
    broken = tmp_path / "broken.toml"
    broken.write_text("[run\nyears = 3")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(broken)


def test_a_user_file_can_extend_a_built_in_place(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "thanet"\n[budget]\ncut = { value = 0.28, source = "source_facts.md: councils, 28%" }\n')
    spec = load_scenario(mine)
    assert spec.budget.cut == 0.28 and spec.place.name == "Thanet"
    assert read_raw(mine)["budget"]["cut"]["value"] == 0.28
