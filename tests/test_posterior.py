"""Replications that draw across the calibration's posterior: each seed's A and B share a
set of fitted parameters, and a draw never replaces a figure the place or the user set."""

import subprocess
import sys

import pandas as pd
import pytest

from locality.experiments.paired import compare_paired
from locality.experiments.posterior import draws_for, place_posterior, read_posterior
from locality.experiments.replications import replicate
from locality.parameters.loader import ScenarioError, load_scenario

SMALL = {"population.households": 300, "run.years": 1, "run.warmup_weeks": 4}


def test_a_place_finds_the_posterior_of_the_calibration_it_extends():
    found = place_posterior("thanet")
    assert found is not None and found.name == "_calibrated.posterior.csv"
    assert "needs.shock_rate.mental_health" in read_posterior(found)


def test_a_draw_fills_in_only_what_the_place_inherits_and_the_user_left():
    rows, drawn = draws_for("thanet", True, 42, 4)
    assert len(rows) == len(drawn) == 4 and all("needs.shock_rate.mental_health" in values for values in drawn)
    # Triborough sets its own shock rates for mental health and substance misuse: a draw keeps them
    _rows, drawn = draws_for("triborough", True, 42, 4, set_by_user=["demand.growth"])
    assert not any({"needs.shock_rate.mental_health", "needs.shock_rate.substance_misuse", "demand.growth"} & set(values)
                   for values in drawn)
    assert all("needs.shock_rate.worklessness" in values for values in drawn)


def test_a_scenario_with_no_calibration_is_refused_by_name(tmp_path):
    lone = tmp_path / "lone.toml"
    lone.write_text('extends = "_base"\n[place]\nname = "Lone"\n[population]\nhouseholds = 500\n')
    with pytest.raises(ScenarioError, match="posterior"):
        draws_for(lone, True, 1, 2)


def test_paired_seeds_share_a_draw_and_the_user_s_levers_win():
    paired = compare_paired("thanet", common={**SMALL, "demand.growth": 0.0}, reps=3, workers=1, posterior=True)
    assert paired.draws is not None and len(paired.draws) == 3
    assert "posterior" in paired.verdict()[0]
    first = paired.first
    assert first.a.scenario.demand.growth == 0.0 == first.b.scenario.demand.growth  # typed by the user: kept
    table = read_posterior(place_posterior("thanet"))
    drawn = table.iloc[paired.draws[0]]["needs.shock_rate.worklessness"]
    assert first.a.scenario.needs.shock_rate["worklessness"] == pytest.approx(drawn)
    assert first.b.scenario.needs.shock_rate["worklessness"] == pytest.approx(drawn)  # A and B: the same draw


def test_replications_on_the_posterior_keep_the_user_s_levers():
    study = replicate("thanet", {**SMALL, "demand.growth": 0.0}, reps=2, workers=1, posterior=place_posterior("thanet"))
    assert all(run.scenario.demand.growth == 0.0 for run in study.runs)
    assert load_scenario("thanet").demand.growth != 0.0  # (so the test could fail)


def test_posterior_without_seeds_is_refused_at_the_command_line():
    done = subprocess.run([sys.executable, "-m", "locality.experiments.cli", "compare", "thanet", "--posterior"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "--reps 2 or more" in done.stderr


def test_the_posterior_s_table_is_read_as_weights_and_values():
    table = read_posterior(place_posterior("thanet"))
    assert table["weight"].sum() == pytest.approx(1) and isinstance(table, pd.DataFrame)


def test_run_with_replications_on_the_posterior_runs_from_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "locality.experiments.cli", "run", "thanet", "--households", "300",
                           "--years", "1", "--reps", "2", "--workers", "1", "--posterior",
                           str(place_posterior("thanet")), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "each on a draw from the posterior" in done.stdout


def test_a_lever_left_at_the_place_s_own_value_is_left_to_the_draw():
    from locality.experiments.posterior import left_at_own

    own = load_scenario("thanet").demand.growth
    assert left_at_own("thanet", {"demand.growth": own, "budget.cut": 0.0, "population.households": 300}) == {
        "population.households": 300}
    assert left_at_own("thanet", {"demand.growth": 0.0}) == {"demand.growth": 0.0}


def test_a_place_read_as_the_posterior_s_file_is_named_with_the_fix():
    done = subprocess.run([sys.executable, "-m", "locality.experiments.cli", "compare", "--reps", "2", "--posterior", "kent"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "--posterior kent: no such file" in done.stderr and "after the place" in done.stderr
