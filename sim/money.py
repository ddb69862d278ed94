"""Stage 7, money moves: agencies learn what crises are costing, ration eligibility when
waiting lists outrun capacity (siloed: thresholds rise; integrated: the queue grows),
close a budget year when it ends (an over-spend drawn from reserves, then repaid from the
next year's budget) and open the next, and work out what the money left this year buys
next week. Cuts, deficits and crisis spend thus feed back into later help, prevention
first: the vicious cycle of failure demand."""

from __future__ import annotations

import numpy as np

from locality.agents import Agency, KeyWorkerTeam
from locality.parameters.schema import Demography
from locality.parameters.schema import Services as ServiceRules
from locality.parameters.vocabulary import WEEKS_PER_YEAR

from .agreement import agreed_contributions
from .ledger import CATEGORY, Ledger
from .universal import UniversalServices
from .week import Week


class Money:
    """Stage 7. Hands on the budgets this week was run on (`week.budgets`), taken before
    a new year opens, so the record never reads next year's."""

    def __init__(self, agencies: list[Agency], team: KeyWorkerTeam, ledger: Ledger, rules: ServiceRules, years: int,
                 universal: UniversalServices, demography: Demography, status_quo_crises: np.ndarray | None = None,
                 agreement: bool = False, cashable_share: float = 0.0):
        self.agencies, self.team, self.ledger, self.rules, self.years = agencies, team, ledger, rules, years
        self.demography = demography  # how the place grows (`Demography.place_scale`)
        self.universal = universal
        # business as usual's crisis spend, (years, agencies), where savings are measured against it
        self.status_quo_crises = status_quo_crises
        self.agreement = agreement  # contributions to the pool follow savings (`sim.agreement`)
        self.cashable_share = cashable_share  # of savings (or extra crisis spend), taken from (added to) budgets

    def __call__(self, week: Week) -> None:
        ledger, rules = self.ledger, self.rules
        week.budgets = ledger.budget[ledger.year].copy()
        for agency in self.agencies:
            agency.note_spend(ledger.week[agency.index, CATEGORY["crisis"]], ledger.week[agency.index, CATEGORY["assessment"]])
            if week.regime.rations_by_threshold:
                agency.ration(int(week.eligible_waiting[agency.index]), rules.threshold_step, rules.target_wait_weeks,
                              rules.relax_share)
        next_week = week.number + 1
        if next_week % WEEKS_PER_YEAR == 0:
            next_year = next_week // WEEKS_PER_YEAR + 1 if next_week > 0 else 0
            self.close_year()
            if next_year > self.years:
                self.savings_received(self.ledger.year)  # the last year's savings, for the record
                return  # the run is over: leave the last year's books as they are
            self.open_year(next_year)
        self.plan_capacity(next_week % WEEKS_PER_YEAR)

    def close_year(self) -> None:
        """Settle each agency's year that has just ended, and book its reserves (below
        0: its debt)."""
        ledger = self.ledger
        for agency in self.agencies:
            agency.close_year(ledger.rationed_spend(agency.index))
            ledger.reserves_drawn[ledger.year, agency.index] = agency.drawn
            ledger.reserves[ledger.year, agency.index] = agency.balance

    def open_year(self, year: int, week_of_year: int = 0) -> None:
        """Budgets for `year` (1-based; 0 is the status quo of the warm-up): cuts, pooled
        contributions, the early-intervention shift; each agency's universal services are
        budgeted at what they will cost (they are not rationed). A year that opens part
        way through (`week_of_year`: a warm-up that does not start on a year's first week)
        has the weeks left's share of each plan. Year 0 opens afresh at each of the
        warm-up's years, its books cleared, so any warm-up length leaves services the
        money of one year, not what is left of several."""
        ledger = self.ledger
        ledger.year = max(year - 1, 0)
        if year == 0:
            ledger.clear_year(0)
        left = (WEEKS_PER_YEAR - week_of_year) / WEEKS_PER_YEAR
        scale = self.demography.place_scale(year)
        grew = scale / self.demography.place_scale(year - 1) if year >= 1 else 1.0
        for agency in self.agencies:
            if grew != 1.0:
                agency.place_grew(grew)
            agency.decide(year)
        received = self.savings_received(ledger.year - 1) if year >= 1 else None  # (the ledger has just opened this year)
        agreed = self.agreed(year, left, received)
        # (last year's savings, for a place `grew` times larger this year: the same money, less per home)
        cashed = np.zeros(len(self.agencies)) if received is None else self.cashable_share * received * left / grew
        for agency in self.agencies:
            agency.open_year(year, left=left, contribution=None if agreed is None else float(agreed[agency.index]),
                             cashed=float(cashed[agency.index]))
            ledger.cashed[ledger.year, agency.index] = agency.cashed
            ledger.universal_budget[ledger.year, agency.index] = self.universal.year_cost(agency.index)
            ledger.budget[ledger.year, agency.index] = agency.budget + ledger.universal_budget[ledger.year, agency.index]
            ledger.contribution[ledger.year, agency.index] = agency.contribution
            ledger.deficit_repaid[ledger.year, agency.index] = agency.deficit
            ledger.reinvested[ledger.year, agency.index] = agency.reinvested
        pooled = sum(agency.contribution + agency.reinvested_in_pool for agency in self.agencies)
        self.team.open_year(pooled, scale)
        ledger.budget[ledger.year, len(self.agencies)] = pooled

    def savings_received(self, index: int) -> np.ndarray | None:
        """Where savings are measured, the crisis spend each agency saved in a year of the
        run (the ledger's `index`) against business as usual on the same seed (negative:
        spent more), booked to the ledger under that year. None otherwise."""
        if self.status_quo_crises is None or index < 0:
            return None
        crisis = self.ledger.spend[index, :len(self.agencies), CATEGORY["crisis"]]
        received = self.status_quo_crises[index] - crisis
        self.ledger.savings_received[index, :len(self.agencies)] = received
        return received

    def agreed(self, year: int, left: float, received: np.ndarray | None) -> np.ndarray | None:
        """Under an investment agreement, from year 2: each agency's contribution to the
        pool in proportion to the crisis spend it saved last year (`received`); the same
        total as the pooled shares, less only if every agency that saved is capped
        (`sim.agreement`)."""
        if received is None or not self.agreement:
            return None
        gross = np.array([agency.gross(year, left) for agency in self.agencies])
        pool = float(sum(g * agency.pooled_share for g, agency in zip(gross, self.agencies)))
        return agreed_contributions(pool, received, gross)

    def plan_capacity(self, week_of_year: int, staff_move: bool = True) -> None:
        """Each agency's capacity for the coming week (`staff_move`: its workforce moves a
        week; false when a week's capacity is planned again, as when the run begins)."""
        for agency in self.agencies:
            agency.plan_capacity(self.ledger.spent_this_year(agency.index), week_of_year, CATEGORY, staff_move)
