"""Results at the resolution asked for (`run.record_every`): monthly or yearly rows add up
to the same counts and money as weekly ones and average the same levels, without
changing what happens to anyone."""

import numpy as np
import pandas as pd
import pytest

from experiments import run
from experiments.results import weekly_means
from parameters.loader import ScenarioError, load_scenario

SMALL = {"population.households": 600, "run.years": 2, "run.warmup_weeks": 8, "run.seed": 3}
COUNTS = ["referrals", "assessments", "crises", "spend", "flow_vulnerable_to_crisis"]


@pytest.fixture(scope="module")
def by_resolution():
    return {every: run("sherwood", {**SMALL, "run.record_every": every}) for every in ("week", "month", "year")}


def test_coarser_rows_hold_the_weeks_of_their_period(by_resolution):
    months, years = by_resolution["month"].steps, by_resolution["year"].steps
    assert len(by_resolution["week"].steps) == 104
    assert len(months) == 24 and set(months["weeks"]) == {4, 5}
    assert months.groupby("year")["weeks"].sum().tolist() == [52, 52]
    assert months["month"].tolist() == list(range(1, 13)) * 2
    assert years["weeks"].tolist() == [52, 52] and years["step"].tolist() == [52, 104]


@pytest.mark.parametrize("every", ["month", "year"])
def test_counts_and_money_add_up_to_the_weekly_totals(by_resolution, every):
    weekly, coarse = by_resolution["week"], by_resolution[every]
    for column in COUNTS:
        assert coarse.steps.groupby("year")[column].sum().to_numpy() == pytest.approx(
            weekly.steps.groupby("year")[column].sum().to_numpy())
    assert coarse.agencies.groupby(["year", "agency"])["spend"].sum().to_numpy() == pytest.approx(
        weekly.agencies.groupby(["year", "agency"])["spend"].sum().to_numpy())


@pytest.mark.parametrize("every", ["month", "year"])
def test_levels_average_to_the_weekly_means(by_resolution, every):
    levels = ["tier_crisis", "open_cases", "waiting"]
    weekly, coarse = by_resolution["week"].steps, by_resolution[every].steps
    assert weekly_means(coarse, levels, "year").to_numpy() == pytest.approx(weekly.groupby("year")[levels].mean().to_numpy())
    assert by_resolution[every].outcomes() == pytest.approx(by_resolution["week"].outcomes())


def test_recording_coarser_changes_nothing_that_happens(by_resolution):
    pd.testing.assert_frame_equal(by_resolution["week"].households, by_resolution["year"].households)
    pd.testing.assert_frame_equal(by_resolution["week"].ledger, by_resolution["year"].ledger)


def test_an_unknown_resolution_is_refused_naming_the_field():
    with pytest.raises(ScenarioError, match=r"run\.record_every.*'week', 'month' or 'year'"):
        load_scenario("sherwood", {"run.record_every": "fortnight"})


def test_a_run_stopped_part_way_keeps_the_weeks_it_recorded():
    from sim.model import LocalityModel

    model = LocalityModel("sherwood", overrides={**SMALL, "run.record_every": "month"})
    for _ in range(7):
        model.step()
    months = model.recorder.steps_frame()
    assert months["weeks"].tolist() == [5, 2] and months["step"].tolist() == [5, 7]
    assert np.isfinite(months["tier_crisis"]).all()
