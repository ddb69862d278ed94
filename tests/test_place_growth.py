"""A growing place (`demography.household_growth`): each simulated home stands for more of
the place each year, so every count and sum of money is recorded for the whole place, and
a budget set in cash buys less for each household (unless `budget.follows_households`)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from locality.experiments.results import Results
from locality.parameters.loader import load_scenario
from locality.parameters.vocabulary import POOL
from locality.sim.model import LocalityModel, status_quo_crisis_spend
from locality.sim.reference import ReferenceModel

GROWTH = 0.05
SMALL = {"population.households": 1500, "run.years": 3, "run.seed": 7, "run.warmup_weeks": 26}


def results(**overrides) -> Results:
    model = LocalityModel("thanet", overrides={**SMALL, **overrides})
    model.run()
    return Results.from_model(model)


@pytest.fixture(scope="module")
def flat():
    return results(**{"demography.household_growth": 0.0})


@pytest.fixture(scope="module")
def grown():
    return results(**{"demography.household_growth": GROWTH})


@pytest.fixture(scope="module")
def funded():
    return results(**{"demography.household_growth": GROWTH, "budget.follows_households": True})


def test_the_place_is_as_declared_in_year_one_and_grows_from_year_two(flat, grown):
    scale = grown.steps.groupby("year")["households"].mean() / flat.steps.groupby("year")["households"].mean()
    assert scale.to_numpy() == pytest.approx([1.0, 1 + GROWTH, (1 + GROWTH) ** 2], rel=1e-3)  # (counted in whole households)
    first = flat.steps["year"] == 1
    assert grown.steps[first].equals(flat.steps[first])  # (year 1 runs on the same numbers)
    assert grown.ledger[grown.ledger["year"] == 1].equals(flat.ledger[flat.ledger["year"] == 1])


def test_a_budget_in_cash_stays_flat_while_one_that_follows_households_grows_with_them(flat, grown, funded):
    def budgets(r):  # each agency's rationed budget (universal services are budgeted at their cost)
        rows = r.ledger[r.ledger["agency"] != POOL].assign(rationed=lambda f: f["budget"] - f["budget_universal"])
        return rows.pivot(index="year", columns="agency", values="rationed")
    in_cash, following, unchanged = budgets(grown), budgets(funded), budgets(flat)
    assert np.allclose(in_cash.to_numpy(), unchanged.to_numpy())
    assert np.allclose(following.to_numpy(), unchanged.to_numpy() * np.array([1.0, 1 + GROWTH, (1 + GROWTH) ** 2])[:, None])


def test_universal_services_cost_the_grown_place_s_households(flat, grown):
    universal = [r.ledger.groupby("year")["spend_universal"].sum() for r in (flat, grown)]
    ratio = (universal[1] / universal[0]).to_numpy()
    # the same homes' universal services, for more households (the homes' own ages and
    # children differ a little once the runs part, so within 2%)
    assert ratio == pytest.approx([1.0, 1 + GROWTH, (1 + GROWTH) ** 2], rel=0.02)


def test_thresholds_are_not_counts_and_stay_thresholds():
    model = LocalityModel("thanet", overrides={**SMALL, "demography.household_growth": GROWTH})
    model.run()
    last = Results.from_model(model).agencies.groupby("agency").last()  # the run's last week, in year 3
    for agency in model.agency_list:
        assert last.loc[agency.name, "threshold"] == pytest.approx(agency.threshold)


def test_business_as_usual_s_crisis_spend_is_handed_back_as_the_model_holds_it():
    """Savings are measured against business as usual on the ledger's own scale: a grown
    run's crisis spend, read back from its results, is what the model itself would run."""
    spec = load_scenario("thanet", overrides={**SMALL, "demography.household_growth": GROWTH})
    model = LocalityModel(spec)
    model.run()
    made_here = Results.from_model(model)
    assert np.array_equal(made_here.crisis_spend_by_agency(), status_quo_crisis_spend(spec))  # bit for bit
    loaded = dataclasses.replace(made_here, own_crisis_spend=None)  # as a run loaded from disk: from its ledger frame
    assert np.allclose(loaded.crisis_spend_by_agency(), made_here.crisis_spend_by_agency())


def test_the_reference_records_the_grown_place_too():
    overrides = {**SMALL, "population.households": 60, "run.years": 2, "run.warmup_weeks": 2,
                 "demography.household_growth": GROWTH}
    reference = ReferenceModel("thanet", overrides=overrides)
    reference.run()
    tiers = pd.DataFrame(reference.rows)[["year", "tier_universal", "tier_vulnerable", "tier_complex", "tier_crisis"]]
    homes = tiers.drop(columns="year").sum(axis=1).groupby(tiers["year"]).mean()
    assert homes.to_numpy() == pytest.approx([60, 60 * (1 + GROWTH)])


def test_a_growth_outside_its_range_is_refused_by_name():
    with pytest.raises(ValueError, match="household_growth"):
        load_scenario("thanet", overrides={"demography.household_growth": 0.5})


def test_savings_are_cashed_as_the_same_money_in_a_grown_place():
    """The funder takes its share of last year's savings as they were in pounds, though
    the place has grown since (the ledger counts the whole place each year)."""
    share, common = 0.49, {**SMALL, "run.years": 4, "demography.household_growth": GROWTH}
    policy = results(**common, **{"finance.cashable_share": share, "early_intervention.shift": 0.2,
                                  "early_intervention.start_year": 2, "early_intervention.double_running_years": 0})
    ledger = policy.ledger[policy.ledger["agency"] != POOL]
    by_year = {column: ledger.pivot(index="year", columns="agency", values=column) for column in ("cashed", "savings_received")}
    assert by_year["cashed"].loc[3:].to_numpy() == pytest.approx(share * by_year["savings_received"].loc[2:3].to_numpy())
    assert (by_year["cashed"].loc[3:] != 0).any().any()


def test_counts_keep_their_growth_and_every_resolution_the_same_totals():
    """Rounded to whole numbers, a grown place's counts keep their growth however small
    (the running total is kept nearest the true one), so a year's weeks add up to the
    year's row."""
    common = {**SMALL, "demography.household_growth": GROWTH}
    weekly, yearly = results(**common), results(**common, **{"run.record_every": "year"})
    counts = [c for c in weekly.steps if c.startswith(("crises", "entered_", "referrals", "admissions"))]
    by_weeks = weekly.steps.groupby("year")[counts].sum()
    assert (by_weeks - yearly.steps.set_index("year")[counts]).abs().max().max() <= 1
    agencies = weekly.agencies.groupby(["year", "agency"])[["admissions", "referrals"]].sum()
    assert (agencies - yearly.agencies.set_index(["year", "agency"])[["admissions", "referrals"]]).abs().max().max() <= 1


def test_mesa_s_reporters_and_the_run_s_totals_count_the_whole_place(grown):
    model = LocalityModel("thanet", overrides={**SMALL, "demography.household_growth": GROWTH})
    for _ in range(2 * 52 + 10):  # into year 3
        model.step()
    reported = model.datacollector.get_model_vars_dataframe()
    results = Results.from_model(model)
    year_3 = results.ledger[results.ledger["year"] == 3]["budget"].sum()
    assert reported["budget_this_year"].iloc[-1] == pytest.approx(year_3)
    agencies = model.datacollector.get_agenttype_vars_dataframe(type(model.agency_list[0]))
    last = agencies.xs(agencies.index.get_level_values(0).max(), level=0)
    police = results.ledger[(results.ledger["year"] == 3) & (results.ledger["agency"] == "police")]
    assert last.set_index("agency").loc["police", "agency_budget_this_year"] == pytest.approx(
        float((police["budget"] - police["budget_universal"]).iloc[0]))
    helped = grown.households["first_help_week"].notna().sum()
    assert helped < grown.outcomes()["households_helped"] < helped * (1 + GROWTH) ** 2
