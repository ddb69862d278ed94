"""`locality assumptions`: every unsourced assumption that could drive a headline is set
low and high in turn, each headline's sides on the same seeds; the swing is the effect at
the high value less that at the low one, seed by seed."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from locality.experiments import run
from locality.experiments.assumptions import ASSUMPTIONS, HEADLINES, overrides_for, study_assumptions
from locality.parameters.loader import load_scenario

TINY = {"population.households": 400, "run.years": 1, "run.warmup_weeks": 4}
LOCALITY = str(Path(sys.executable).with_name("locality"))


def test_an_assumption_sets_every_figure_it_names_as_a_value_or_a_factor():
    scenario = load_scenario("thanet")
    scaled = overrides_for("thanet", ASSUMPTIONS["early_help_speed"], 0.5)
    assert set(scaled) == {f"agencies.{name}.prevention_effect" for name in scenario.agencies}
    for name, agency in scenario.agencies.items():
        assert scaled[f"agencies.{name}.prevention_effect"] == pytest.approx(0.5 * agency.prevention_effect)
    assert overrides_for("thanet", ASSUMPTIONS["lateness"], 0.9) == {"services.lateness": 0.9}


def test_every_declared_assumption_names_figures_the_built_in_places_have():
    for assumption in ASSUMPTIONS.values():
        assert overrides_for("thanet", assumption, assumption.low)  # refuses a name that matches nothing
        assert assumption.low < assumption.high and assumption.what


@pytest.fixture(scope="module")
def found():
    return study_assumptions("thanet", TINY, names=["early_help_speed"], reps=2, workers=1)


def test_each_headline_runs_both_sides_as_is_and_at_each_end_on_the_same_seeds(found):
    assert set(found.runs["headline"]) == set(HEADLINES)
    assert set(found.runs["setting"]) == {"as is", "early_help_speed low", "early_help_speed high"}
    assert found.runs.groupby("variant")["seed"].apply(sorted).map(tuple).nunique() == 1  # common seeds
    assert len(found.runs) == len(HEADLINES) * 3 * 2 * 2


def test_the_effect_and_the_swing_are_taken_seed_by_seed_from_the_runs(found):
    seed = found.seeds[0]
    a = run("thanet", {**TINY, **overrides_for("thanet", ASSUMPTIONS["early_help_speed"], 1.0),
                       **HEADLINES["cut"][1], "run.seed": seed})
    stored = found.runs.set_index(["headline", "setting", "side", "seed"]).loc[("cut", "early_help_speed low", "a", seed)]
    assert stored["crises"] == a.steps["crises"].sum()  # the study's run is the scenario run with those figures
    by = found.runs.set_index(["headline", "setting", "side", "seed"]).sort_index()
    effect = {}
    for end in ("low", "high"):
        b = by.loc[("cut", f"early_help_speed {end}", "b")]["crises"].to_numpy()
        a_ = by.loc[("cut", f"early_help_speed {end}", "a")]["crises"].to_numpy()
        effect[end] = (b - a_) / a_
    swing = found.swings.set_index(["headline", "assumption"]).loc[("cut", "early_help_speed")]
    assert swing["crises swing"] == pytest.approx(np.mean(effect["high"] - effect["low"]))
    assert swing["crises swing_low"] <= swing["crises swing"] <= swing["crises swing_high"]


def test_the_command_refuses_an_unknown_assumption_by_name():
    done = subprocess.run([LOCALITY, "assumptions", "--only", "fatigue"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "no assumption fatigue" in done.stderr and "assessment_fatigue" in done.stderr
