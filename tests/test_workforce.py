"""An agency's workforce: posts funded by the money left, staff who leave and are hired
with a lag, agency staff at a premium, and help that weakens above a safe caseload."""

import numpy as np
import pytest

from locality.agents.workforce import Workforce
from locality.parameters.loader import load_scenario
from locality.parameters.vocabulary import DOMAIN_INDEX
from locality.sim.help import Help
from locality.sim.model import LocalityModel
from locality.sim.state import NONE, SERVED
from locality.sim.week import EventLog, Week, WeekCounts


def workforce(**overrides) -> Workforce:
    spec = load_scenario("thanet", overrides)
    return Workforce(spec.workforce, spec.agencies["childrens_social_care"])


def settled(w: Workforce, money: float, weeks: int = 2000) -> Workforce:
    w.fund(money)
    for _ in range(weeks):
        w.move()
    return w


def test_staff_start_settled_and_stay_there_while_the_money_holds():
    w = workforce()
    money = 100 * w.post_cost  # a hundred posts
    w.fund(money)
    hiring, turnover = w.spec.hiring_weeks, w.spec.turnover / 52
    assert w.posts == pytest.approx(100)
    assert w.staff == pytest.approx(100 / (1 + hiring * turnover))  # hires balance leavers
    assert w.temps == pytest.approx(w.spec.agency_cover * (100 - w.staff))
    start = (w.staff, w.temps)
    settled(w, money, weeks=500)
    assert (w.staff, w.temps) == pytest.approx(start)


def test_new_posts_fill_over_the_hiring_lag_with_agency_staff_covering_at_once_at_a_premium():
    w = settled(workforce(), 100 * workforce().post_cost)
    before = w.staff
    w.fund(200 * w.post_cost)
    w.move()
    assert w.temps == pytest.approx(w.spec.agency_cover * (200 - w.staff))  # agency cover comes at once
    assert w.staff - before < 100 / w.spec.hiring_weeks + 1e-9  # employed staff only a lag's share a week
    weeks_to_half = 0
    while w.staff < before + 50 and weeks_to_half < 500:
        w.move()
        weeks_to_half += 1
    assert 0.5 * w.spec.hiring_weeks < weeks_to_half < 2 * w.spec.hiring_weeks
    premium = w.week_cost * w.temps * w.spec.agency_premium
    assert w.pay_per_week == pytest.approx(w.week_cost * w.workers + premium)


def test_posts_cut_are_shed_only_slowly_and_a_freeze_stops_hiring_and_lets_agency_staff_go():
    w = settled(workforce(), 100 * workforce().post_cost)
    staff = w.staff
    w.fund(50 * w.post_cost)
    w.move()
    assert w.temps == 0  # no vacancy left to cover
    assert staff - w.staff < (staff - 50) / w.spec.hiring_weeks + staff * w.spec.turnover / 52 + 1e-9
    assert w.pay_per_week > 50 * w.week_cost  # still paying more staff than the money funds
    w = settled(workforce(), 100 * workforce().post_cost)
    staff = w.staff
    w.move(frozen=True)  # the money will not last the year
    assert w.temps == 0 and w.staff == pytest.approx(staff * (1 - w.spec.turnover / 52))  # leavers, no hires


def test_above_a_safe_caseload_each_case_gets_less_time_and_help_works_less_well():
    w = settled(workforce(), 10 * workforce().post_cost)
    safe = w.workers * w.safe_caseload
    assert w.time_share(int(safe)) == 1.0
    assert w.time_share(int(2 * safe)) == pytest.approx((safe / int(2 * safe)) ** w.spec.overload_elasticity)
    assert w.slots == int(safe) and w.most_cases == int(safe * w.spec.overload_limit)
    assert workforce(**{"workforce.overload_elasticity": 0.0}).time_share(10**6) == 1.0


def test_an_overloaded_agency_s_help_does_less_for_each_case():
    m = LocalityModel("thanet", overrides={"population.households": 400, "run.years": 1, "run.warmup_weeks": 0,
                                           "run.seed": 3})
    h = m.households
    police = m.agency_list[list(m.params.agencies).index("police")]
    domain = DOMAIN_INDEX[police.spec.domains[0]]

    def relief(n_cases: int) -> float:
        h.status[:] = NONE
        h.severity[:] = 0.0
        cases = np.arange(n_cases)
        h.status[police.index, cases] = SERVED
        h.severity[domain, cases] = 0.6
        h.engagement[cases] = 1.0
        week = Week(0, m.regime, WeekCounts(len(m.payers), len(m.crisis_kinds), len(m.stock_kinds)), EventLog(False))
        week.caseloads = {police.index: cases}
        Help(m.casework)(week)
        return 0.6 - float(h.severity[domain, 0])

    police.workforce.staff, police.workforce.temps = 1.0, 0.0  # one worker
    safe = int(police.workforce.safe_caseload)
    assert relief(2 * safe) == pytest.approx(relief(safe) / 2, rel=1e-3)  # twice the safe load: half the help (elasticity 1)
    assert relief(safe // 2) == pytest.approx(relief(safe), rel=1e-6)  # below it, help is as strong
