"""Stage 7, money moves: agencies learn what crises are costing, ration eligibility when
waiting lists outrun capacity (siloed: thresholds rise; integrated: the queue grows), open a new budget year when one starts, and work out what
the money left this year buys next week. Cuts and crisis spend thus feed back into
later help: the vicious cycle of failure demand."""

from __future__ import annotations

from .ledger import CATEGORY
from .state import WAITING

WEEKS_PER_YEAR = 52


def settle_week(m) -> None:
    services = m.params.services
    raise_thresholds = m.regime.rations_by_threshold
    for agency in m.agency_list:
        agency.note_crisis_spend(m.ledger.week[agency.index, CATEGORY["crisis"]])
        if raise_thresholds:
            waiting = int(m.standing[agency.index, WAITING])
            agency.ration(waiting, services.threshold_step, services.target_wait_weeks)
    next_week = m.week + 1
    if next_week % WEEKS_PER_YEAR == 0:
        next_year = next_week // WEEKS_PER_YEAR + 1 if next_week > 0 else 0
        if next_year > m.params.run.years:
            return  # the run is over: leave the last year's books as they are
        open_year(m, next_year)
    plan_capacity(m, next_week % WEEKS_PER_YEAR)


def open_year(m, year: int) -> None:
    """Budgets for `year` (1-based; 0 is the status quo of the warm-up): cuts, pooled
    contributions, the early-intervention shift."""
    ledger = m.ledger
    ledger.year = max(year - 1, 0)
    for agency in m.agency_list:
        agency.open_year(year)
        ledger.budget[ledger.year, agency.index] = agency.budget
        ledger.contribution[ledger.year, agency.index] = agency.contribution
    pooled = sum(agency.contribution for agency in m.agency_list)
    m.keyworkers.open_year(pooled)
    ledger.budget[ledger.year, m.pool_index] = pooled


def plan_capacity(m, week_of_year: int) -> None:
    for agency in m.agency_list:
        agency.plan_capacity(m.ledger.spent_this_year(agency.index), week_of_year, CATEGORY)
