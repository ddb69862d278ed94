"""The agencies' and the key-worker team's own decisions, one rule at a time: the year's
budget (cuts, the pool, the early-intervention shift), the capacity money buys each
week, and rationing by threshold."""

import numpy as np
import pytest

from locality.agents import Agency, KeyWorkerTeam
from locality.parameters.loader import load_scenario
from locality.sim.ledger import CATEGORY
from locality.sim.model import LocalityModel

SETTINGS = {"population.households": 1000, "run.years": 5, "run.warmup_weeks": 0, "demography.household_growth": 0.0}


def police(**overrides) -> Agency:
    model = LocalityModel("thanet", overrides={**SETTINGS, **overrides})
    return model.agency_list[list(model.params.agencies).index("police")]


def test_a_cut_is_reached_in_straight_steps_and_then_held():
    agency = police(**{"budget.cut": 0.2, "budget.cut_years": 4})
    budgets = []
    for year in range(1, 7):
        agency.open_year(year)
        budgets.append(agency.budget)
    assert np.allclose(np.array(budgets) / agency.base_budget, [0.95, 0.9, 0.85, 0.8, 0.8, 0.8])


def test_the_pool_is_carved_out_of_the_budget_from_year_one_only():
    agency = police(**{"regime.kind": "integrated", "regime.pooled_share": 0.1})
    agency.open_year(0)
    assert agency.contribution == 0 and agency.budget == agency.base_budget  # the status quo pools nothing
    agency.open_year(1)
    assert agency.contribution == pytest.approx(0.1 * agency.base_budget)
    assert agency.budget + agency.contribution == pytest.approx(agency.base_budget)


def test_a_shift_moves_reactive_money_to_prevention_after_a_year_of_double_running():
    agency = police(**{"early_intervention.shift": 0.2, "early_intervention.start_year": 2,
                       "early_intervention.double_running_years": 1})
    plans = {}
    for year in (1, 2, 3):
        agency.open_year(year)
        plans[year] = (agency.reactive_plan, agency.prevention_plan)
    moved = 0.2 * plans[1][0]
    assert plans[2] == pytest.approx((plans[1][0], plans[1][1] + moved))  # both services run
    assert plans[3] == pytest.approx((plans[1][0] - moved, plans[1][1] + moved))


def test_the_posts_funded_are_set_as_the_year_opens_from_what_is_left_after_forecast_crises():
    agency = police()
    agency.open_year(1)
    spent = np.zeros(len(CATEGORY))
    weekly, post = agency.reactive_plan / 52, agency.workforce.post_cost
    agency.crisis_per_week, agency.assessment_per_week = weekly / 2, weekly / 10  # forecast to take 60% of it
    agency.plan_capacity(spent, 0, CATEGORY)
    assert agency.workforce.posts == pytest.approx(0.4 * weekly / post)
    assert post == pytest.approx(agency.spec.intervention_week_cost * agency.spec.safe_caseload)  # a full caseload's week
    assert agency.slots == int(agency.workforce.workers * agency.spec.safe_caseload)
    agency.crisis_per_week = 2 * weekly  # within the year, the establishment stands; the money left freezes hiring
    agency.plan_capacity(spent, 1, CATEGORY)
    assert agency.workforce.posts == pytest.approx(0.4 * weekly / post) and agency.workforce.temps == 0
    agency.open_year(2)
    agency.plan_capacity(spent, 0, CATEGORY)
    assert agency.workforce.posts == 0  # crises are statutory: they come first


def test_thresholds_rise_with_a_long_list_fall_back_with_a_short_one_and_stay_in_bounds():
    agency = police()
    agency.slots, start = 10, agency.threshold
    agency.ration(waiting=100, step=0.01, target_weeks=4, relax_share=0.5)  # ten weeks' wait
    assert agency.threshold == pytest.approx(start + 0.01)
    agency.ration(waiting=30, step=0.01, target_weeks=4, relax_share=0.5)  # three weeks: tolerated
    assert agency.threshold == pytest.approx(start + 0.01)
    agency.ration(waiting=10, step=0.01, target_weeks=4, relax_share=0.5)  # one week: room again
    agency.ration(waiting=10, step=0.01, target_weeks=4, relax_share=0.5)
    assert agency.threshold == pytest.approx(start)  # never below its own threshold
    for _ in range(1000):
        agency.ration(waiting=1000, step=0.01, target_weeks=4, relax_share=0.5)
    assert agency.threshold == pytest.approx(agency.spec.max_threshold)


def test_an_auto_team_is_as_many_workers_as_the_pool_buys_part_time_included():
    model = LocalityModel("thanet", overrides={**SETTINGS, "regime.kind": "integrated"})
    team: KeyWorkerTeam = model.keyworkers
    team.open_year(2.5 * team.cost_per_worker_year)
    assert team.count == pytest.approx(2.5)
    assert team.slots == int(2.5 * team.caseload)
    team.active = False
    assert team.slots == 0 and team.salary_per_week == 0


def test_a_fixed_team_keeps_its_count_whatever_the_pool():
    spec = load_scenario("thanet", {**SETTINGS, "regime.kind": "integrated", "keyworkers.count": 3})
    model = LocalityModel(spec)
    model.keyworkers.open_year(0.0)
    assert model.keyworkers.count == 3
