"""Households and money are conserved: nobody appears or vanishes, and every pound is
booked once, to one agency and one category."""

import numpy as np
import pytest

from locality.parameters.vocabulary import CATEGORIES, TIERS

TIER_COLUMNS = [f"tier_{t}" for t in TIERS]


@pytest.mark.parametrize("which", ["small_run", "small_integrated_run"])
def test_households_are_conserved_in_every_week(which, request):
    results = request.getfixturevalue(which)
    households = results.scenario.population.households
    assert (results.steps[TIER_COLUMNS].sum(axis=1) == households).all()
    assert len(results.households) == households


@pytest.mark.parametrize("which", ["small_run", "small_integrated_run"])
def test_tier_stocks_change_only_by_their_flows(which, request):
    steps = request.getfixturevalue(which).steps
    for tier in TIERS:
        inflow = steps[[c for c in steps if c.startswith("flow_") and c.endswith(f"_to_{tier}")]].sum(axis=1)
        outflow = steps[[c for c in steps if c.startswith(f"flow_{tier}_to_")]].sum(axis=1)
        change = steps[f"tier_{tier}"].diff().iloc[1:]
        assert np.array_equal(change.to_numpy(), (inflow - outflow).iloc[1:].to_numpy())


@pytest.mark.parametrize("which", ["small_run", "small_integrated_run"])
def test_every_pound_is_booked_once(which, request):
    results = request.getfixturevalue(which)
    ledger, agencies, steps, homes = results.ledger, results.agencies, results.steps, results.households
    spend_columns = [f"spend_{c}" for c in CATEGORIES]
    # an agency's spend is the sum of its categories
    assert np.allclose(ledger[spend_columns].sum(axis=1), ledger["spend"])
    assert np.allclose(agencies[spend_columns].sum(axis=1), agencies["spend"])
    # the yearly ledger, the weekly agency rows and the weekly locality rows agree
    total = ledger["spend"].sum()
    assert total > 0
    assert np.isclose(agencies["spend"].sum(), total)
    assert np.isclose(steps["spend"].sum(), total)
    for column in spend_columns:
        assert np.isclose(steps[column].sum(), ledger[column].sum())
    # what households were charged, by agency and by category, adds up the same way
    payers = ledger["agency"].unique()
    by_agency = homes[[f"cost_{p}" for p in payers]].to_numpy()
    by_category = homes[[f"cost_{c}" for c in CATEGORIES]].to_numpy()
    assert np.allclose(by_agency.sum(axis=1), homes["cost_total"])
    assert np.isclose(by_agency.sum(), by_category.sum())
    overhead = total - by_agency.sum()
    # only idle staff time (an agency's workers, or key workers, with no case that week) is spent on no one
    # in particular, and it is casework's money
    assert -1e-6 <= overhead <= ledger["spend_intervention"].sum() + 1e-6
    by_category_overhead = ledger[spend_columns].sum().to_numpy() - by_category.sum(axis=0)
    assert np.allclose(np.delete(by_category_overhead, CATEGORIES.index("intervention")), 0.0, atol=1e-6)


def test_the_pool_is_what_agencies_put_in(small_integrated_run):
    ledger = small_integrated_run.ledger
    for _, year in ledger.groupby("year"):
        pool = year[year.agency == "pooled_budget"]["budget"].item()
        assert pool > 0
        assert np.isclose(pool, year["contribution_to_pool"].sum())


def test_budgets_follow_the_cut_path():
    from tests.conftest import cached_run

    results = cached_run("thanet", **{"population.households": 800, "run.years": 5, "budget.cut": 0.28,
                                      "budget.cut_years": 4, "budget.agency_cut.police": 0.2})
    budget = results.ledger.pivot(index="year", columns="agency", values="budget")
    uncut = load_uncut_budget(results)
    assert np.allclose(budget["housing"].to_numpy(), uncut["housing"] * (1 - 0.28 * np.array([1, 2, 3, 4, 4]) / 4))
    assert np.allclose(budget["police"].to_numpy(), uncut["police"] * (1 - 0.20 * np.array([1, 2, 3, 4, 4]) / 4))


def load_uncut_budget(results):
    spec = results.scenario
    return {name: agency.budget_per_household * spec.population.households for name, agency in spec.agencies.items()}
