"""Results at the resolution asked for (`run.record_every`): monthly or yearly rows add up
to the same counts and money as weekly ones and average the same levels, without
changing what happens to anyone."""

import numpy as np
import pandas as pd
import pytest

from locality.experiments import run
from locality.experiments.results import weekly_means
from locality.parameters.loader import ScenarioError, load_scenario

# (a place that does not grow: in a growing one each resolution rounds its own counts to whole numbers)
SMALL = {"population.households": 600, "run.years": 2, "run.warmup_weeks": 8, "run.seed": 3, "demography.household_growth": 0.0}
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
    from locality.sim.model import LocalityModel

    model = LocalityModel("sherwood", overrides={**SMALL, "run.record_every": "month"})
    for _ in range(7):
        model.step()
    months = model.recorder.steps_frame()
    assert months["weeks"].tolist() == [5, 2] and months["step"].tolist() == [5, 7]
    assert np.isfinite(months["tier_crisis"]).all()


# --- the household panel (run.panel): history kept only when asked for ----------------
PANEL = {**SMALL, "run.panel": 150, "run.record_every": "month"}


@pytest.fixture(scope="module")
def with_panel():
    return run("sherwood", PANEL)


def test_no_household_history_is_kept_unless_asked_for(by_resolution):
    assert by_resolution["week"].panel.empty
    assert by_resolution["week"].frames_kept() == ["steps", "agencies", "households", "ledger"]


def test_a_panel_changes_nothing_that_happens(with_panel, by_resolution):
    pd.testing.assert_frame_equal(with_panel.steps, by_resolution["month"].steps)
    pd.testing.assert_frame_equal(with_panel.households, by_resolution["month"].households)


def test_the_panel_follows_the_same_sample_every_period(with_panel):
    panel = with_panel.panel
    assert len(panel) == 150 * 24
    ids = panel.groupby("step")["household"].apply(tuple)
    assert ids.nunique() == 1 and len(set(ids.iloc[0])) == 150
    assert panel["step"].unique().tolist() == with_panel.steps["step"].tolist()


def test_the_panels_last_period_agrees_with_the_households_at_the_end(with_panel):
    last = with_panel.panel[with_panel.panel["step"] == with_panel.panel["step"].max()].set_index("household")
    end = with_panel.households.set_index("household").loc[last.index]
    assert (last["tier"] == end["tier"]).all()
    assert (last["crises_so_far"] == end["crises"]).all()
    assert last["cost_so_far"].to_numpy() == pytest.approx(end["cost_total"].to_numpy())
    # running totals never fall: a home's cost, and the crises of the household living there
    assert with_panel.panel.groupby("household")["cost_so_far"].apply(lambda x: x.is_monotonic_increasing).all()
    by_household = with_panel.panel.groupby(["household", "arrived_week"], dropna=False)["crises_so_far"]
    assert by_household.apply(lambda x: x.is_monotonic_increasing).all()
    assert last["arrived_week"].equals(end["arrived_week"])  # missing (there from the start) in both alike
    assert with_panel.panel["crises_so_far"].max() > 0


def test_a_saved_panel_loads_back_and_a_run_without_one_writes_none(with_panel, by_resolution, tmp_path):
    from locality.experiments.results import Results

    with_panel.save(tmp_path / "panel")
    pd.testing.assert_frame_equal(Results.load(tmp_path / "panel").panel, with_panel.panel)
    by_resolution["week"].save(tmp_path / "none")
    assert not (tmp_path / "none" / "panel.parquet").exists()
    assert Results.load(tmp_path / "none").panel.empty


def test_a_panel_too_big_for_memory_is_refused_naming_the_field():
    with pytest.raises(ScenarioError, match=r"run\.panel.*20,000"):
        load_scenario("sherwood", {"run.panel": 1_000_000})


def test_a_sweep_keeps_each_runs_panel_and_rows_at_the_resolution_set(tmp_path):
    from locality.experiments.store import Store
    from locality.experiments.sweep import load_spec, run_sweep

    spec_file = tmp_path / "spec.toml"
    spec_file.write_text('[sweep]\nscenario = "sherwood"\nyears = 1\nreps = 2\nseed = 5\n\n'
                         '[set]\n"population.households" = 300\n"run.warmup_weeks" = 4\n'
                         '"run.record_every" = "month"\n"run.panel" = 20\n\n[levers]\n"budget.cut" = [0.0, 0.3]\n')
    run_sweep(load_spec(spec_file), tmp_path / "out", workers=1, progress=False)
    store = Store(tmp_path / "out")
    assert len(store.frame("steps")) == 4 * 12
    panel = store.frame("panel")
    assert len(panel) == 4 * 12 * 20 and panel["run_id"].nunique() == 4


@pytest.mark.parametrize("every", ["week", "year"])
def test_each_row_carries_its_own_years_budget(every):
    """The last week of a year is recorded after the next year has opened: its row still
    shows that year's budget, so a year's rows all agree with the ledger (under a cut
    that phases in, so the years' budgets differ)."""
    results = run("sherwood", {**SMALL, "budget.cut": 0.3, "run.record_every": every})
    yearly_budget = results.ledger.groupby("year")["budget"].sum()
    assert yearly_budget.iloc[0] > yearly_budget.iloc[-1]
    by_agency = results.agencies.groupby(["year", "agency"])["budget_this_year"]
    ledger = results.ledger.set_index(["year", "agency"])["budget"]
    assert by_agency.min().to_numpy() == pytest.approx(by_agency.max().to_numpy())
    assert by_agency.mean().to_numpy() == pytest.approx(ledger.loc[by_agency.mean().index].to_numpy())


def test_every_column_is_written_every_week(by_resolution):
    """The recorder starts each week's rows blank (NaN) and writes each column by name: a
    column left unwritten would survive as NaN. Only the pooled budget has no threshold and
    no workforce of posts and staff (its key workers are counted as places)."""
    agencies_only = ["threshold", "posts", "staff", "agency_staff"]
    for results in by_resolution.values():
        assert not results.steps.isna().any().any()
        agencies = results.agencies.drop(columns=agencies_only)
        assert not agencies.isna().any().any()
        pool = results.agencies["agency"] == "pooled_budget"
        for column in agencies_only:
            assert results.agencies.loc[pool, column].isna().all() and results.agencies.loc[~pool, column].notna().all()
