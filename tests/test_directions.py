"""Directions of effect on a mid-size place over several years, averaged over seeds: the
behaviour the model exists to show. Each compares variants on common random numbers."""

import numpy as np
import pytest

from tests.conftest import MID, SEEDS, cached_run

pytestmark = pytest.mark.slow  # mid-size places over several years and seeds

# Enough key workers for the integrated regime: a 10% pool and the workers it buys.
INTEGRATED = {"regime.kind": "integrated", "regime.pooled_share": 0.1, "keyworkers.count": 8}


def runs(**overrides):
    return [cached_run("thanet", **MID, **{"run.seed": seed}, **overrides) for seed in SEEDS]


def per_year(results, column):
    return np.mean([r.steps.groupby("year")[column].sum().to_numpy() for r in results], axis=0)


def test_deeper_budget_cuts_raise_crises_over_time():
    baseline, cut = per_year(runs(), "crises"), per_year(runs(**{"budget.cut": 0.4}), "crises")
    assert cut[2:].sum() > baseline[2:].sum() * 1.02  # years 3 to 5, once the cut has bitten
    gap = cut - baseline
    assert gap[-1] > gap[0]  # and the gap widens as the cut deepens


def test_integrated_with_enough_key_workers_has_fewer_crises_by_year_three():
    siloed, integrated = runs(), runs(**INTEGRATED)
    assert per_year(integrated, "crises")[2] < 0.95 * per_year(siloed, "crises")[2]
    # at the same total budget: the pool is carved out of the agencies' budgets
    def budget(results):
        return np.mean([r.ledger["budget"].sum() for r in results])

    assert np.isclose(budget(siloed), budget(integrated))


def test_a_lower_caseload_limit_with_the_same_workers_serves_fewer_families():
    shorter = {**MID, **INTEGRATED, "run.seed": 1, "run.years": 3}
    six = cached_run("thanet", **shorter)
    three = cached_run("thanet", **shorter, **{"keyworkers.caseload": 3})
    assert three.steps["keyworker_families"].max() <= 8 * 3 < six.steps["keyworker_families"].max()
    assert three.steps["keyworker_families"].mean() < six.steps["keyworker_families"].mean()


def test_an_early_intervention_shift_is_a_j_curve():
    baseline = per_year(runs(), "spend")
    shifted = per_year(runs(**{"early_intervention.shift": 0.2, "early_intervention.start_year": 2}), "spend")
    extra = shifted - baseline
    assert extra[0] == 0  # nothing changes before the shift starts
    assert extra[1] > 0  # its first year costs more: old and new services both run
    assert (extra[2:] < 0).all()  # later years cost less: fewer crises to pay for


def test_siloed_help_first_arrives_at_higher_severity_than_integrated():
    gaps = []
    for siloed, integrated in zip(runs(), runs(**INTEGRATED)):
        a, b = siloed.households, integrated.households
        both = (a.first_help_week >= 0) & (b.first_help_week >= 0)  # the same households, helped in both
        gaps.append(a.first_help_severity[both].mean() - b.first_help_severity[both].mean())
    assert np.mean(gaps) > 0


def test_siloed_households_with_worse_problems_receive_more_services():
    households = runs()[0].households
    worst_fifth = households.peak_severity >= households.peak_severity.quantile(0.8)
    best_fifth = households.peak_severity <= households.peak_severity.quantile(0.2)
    assert households.services[worst_fifth].mean() > 3 * households.services[best_fifth].mean()
    assert households["peak_severity"].corr(households["services"], method="spearman") > 0.3
    assert households["peak_severity"].corr(households["cost_total"], method="spearman") > 0.3


def test_an_agency_cut_reached_sooner_takes_more_of_its_money_in_the_early_years():
    from sim.model import LocalityModel

    settings = {"population.households": 1500, "run.years": 4, "run.warmup_weeks": 1, "budget.cut": 0.0,
                "budget.agency_cut.police": 0.4, "budget.cut_years": 4}
    slow = LocalityModel("thanet", overrides=settings)
    fast = LocalityModel("thanet", overrides={**settings, "budget.agency_cut_years.police": 1})
    police = list(slow.params.agencies).index("police")
    housing = list(slow.params.agencies).index("housing")
    assert fast.ledger.budget[0, police] < slow.ledger.budget[0, police]  # year 1: all of the cut against a quarter
    assert fast.ledger.budget[0, housing] == slow.ledger.budget[0, housing]  # other agencies: the common years
    gross = fast.ledger.budget[0, police] + fast.ledger.contribution[0, police]
    assert np.isclose(gross, fast.agency_list[police].base_budget * 0.6)
