"""Scenario files: every built-in place loads, every figure carries a source, overrides
work by dotted key, and each kind of bad input is refused with the key named."""

import re

import pytest

from locality.parameters.loader import (
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
    siloed = load_scenario("thanet").regime.switches()
    integrated = load_scenario("thanet", ["regime.kind=integrated"]).regime.switches()
    assert (siloed.shared_risk, siloed.single_assessment, siloed.key_workers, siloed.pooled_share) == (False, False, False, 0.0)
    assert (integrated.shared_risk, integrated.single_assessment, integrated.key_workers) == (True, True, True)
    assert integrated.pooled_share > 0
    assert siloed.queue_order == "severity" and integrated.queue_order == "arrival"
    assert siloed.rationing == "threshold" and integrated.rationing == "waiting_list"
    mix = load_scenario("thanet", ["regime.kind=siloed", "regime.single_assessment=true"]).regime.switches()
    assert mix.single_assessment and not mix.shared_risk
    # money is pooled only for a team of key workers, whatever the regime's kind
    assert load_scenario("thanet", ["regime.kind=siloed", "regime.key_workers=true"]).regime.switches().pooled_share > 0
    assert load_scenario("thanet", ["regime.kind=integrated", "regime.key_workers=false"]).regime.switches().pooled_share == 0


SWITCH_SETTINGS = {"shared_risk": [True, False], "single_assessment": [True, False], "key_workers": [True, False],
                   "rationing": ["threshold", "waiting_list"], "queue_order": ["severity", "arrival"],
                   "pooled_share": [0.0, 0.2]}
SETTINGS = [None, *[(switch, value) for switch, values in SWITCH_SETTINGS.items() for value in values]]


@pytest.mark.parametrize("kind", ["siloed", "integrated"])
@pytest.mark.parametrize("setting", SETTINGS, ids=str)
@pytest.mark.parametrize("then", ["siloed", "integrated"])
def test_a_saved_scenario_loaded_and_overridden_behaves_as_if_overridden_at_the_start(tmp_path, kind, setting, then):
    """A scenario saved (as a run saves it) keeps only what was set: switching its kind
    afterwards switches every switch left to the kind, exactly as if the kind had been
    given with the first overrides."""
    from locality.experiments.results import scenario_toml

    first = {"regime.kind": kind, **({f"regime.{setting[0]}": setting[1]} if setting else {})}
    saved = tmp_path / "scenario.toml"
    saved.write_text(scenario_toml(load_scenario("thanet", first)), encoding="utf-8")
    reloaded = load_scenario(saved, {"regime.kind": then})
    at_the_start = load_scenario("thanet", {**first, "regime.kind": then})
    assert reloaded.regime.switches() == at_the_start.regime.switches()
    assert reloaded.regime == at_the_start.regime


def test_the_old_key_for_the_pool_is_refused_with_the_new_one():
    with pytest.raises(ScenarioError, match=r"regime\.integrated_pooled_share: renamed; use regime\.pooled_share"):
        load_scenario("thanet", {"regime.integrated_pooled_share": 0.1})


@pytest.mark.parametrize(
    "override, key, hint",
    [
        ("regime.kindd=integrated", "regime.kindd", "kind"),
        ("regime.kind=both", "regime.kind", "siloed"),
        ("run.years=many", "run.years", "whole number"),
        ("agencies.police.budget_per_household=-5", "agencies.police.budget_per_household", "greater than or equal to 0"),
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


def test_every_note_a_figure_cites_is_in_the_repository():
    """Sources cite base_rates.md, evidence.md and source_facts.md: they live in
    parameters/data/ (shipped with the package), so every source is readable from a clone."""
    from locality.parameters.loader import SCENARIO_DIR

    data = SCENARIO_DIR.parent / "data"
    texts = [path.read_text(encoding="utf-8") for path in [*SCENARIO_DIR.glob("*.toml"), SCENARIO_DIR.parent / "targets.toml"]]
    cited = {name for text in texts for name in re.findall(r"\b([a-z_]+\.(?:md|csv))\b", text)}
    assert {"base_rates.md", "evidence.md", "source_facts.md"} <= cited
    assert not [name for name in cited if not (data / name).is_file()]
