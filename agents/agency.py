"""An agency: the domains it serves, its budget for the year and how the year's outturn
carries into the next (reserves, a deficit to repay), the workforce that budget funds
(`agents.workforce`) and the early help it commissions, and an eligibility threshold it
raises when demand outruns capacity (rationing)."""

from __future__ import annotations

import math
from collections import deque

import mesa
import numpy as np

from locality.parameters.schema import Agency as AgencySpec
from locality.parameters.schema import Scenario
from locality.parameters.vocabulary import DOMAIN_INDEX, WEEKS_PER_YEAR

from .workforce import UNLIMITED, Workforce


class Agency(mesa.Agent):
    def __init__(self, model: mesa.Model, index: int, name: str, spec: AgencySpec, scenario: Scenario):
        super().__init__(model)
        self.index = index
        self.name = name
        self.spec = spec
        self.label = spec.label
        self.domains = np.array([DOMAIN_INDEX[d] for d in spec.domains], np.intp)
        self.families_only = spec.clients == "families"
        self.threshold = spec.threshold
        self.floor, self.ceiling = spec.threshold, spec.max_threshold  # where rationing moves the threshold
        self.prevention_share = spec.prevention_share
        self.decisions = scenario.decisions.get(name, {})  # the managers' own, by year (`decide`)
        self.cut = scenario.budget.agency_cut.get(name, scenario.budget.cut)
        self.cut_years = scenario.budget.agency_cut_years.get(name, scenario.budget.cut_years)
        self.pooled_share = scenario.regime.switches().pooled_share
        self.shift = scenario.early_intervention
        self.base_budget = spec.budget_per_household * scenario.population.households
        # A growing place (`demography.household_growth`): the simulated homes stay as many,
        # each standing for more of the place, so a budget set in cash buys less for each.
        self.place_scale = scenario.demography.place_scale
        self.in_cash = not scenario.budget.follows_households
        self.forecast_weeks = scenario.services.crisis_forecast_weeks
        self.crisis_per_week = 0.0  # running forecast of statutory crisis spend
        self.assessment_per_week = 0.0  # running forecast of assessment and enquiry spend
        self.establishment_due = True  # the year's posts are set at its first planning
        finance = scenario.finance
        self.prevention_kept = finance.prevention_kept
        self.overrun_from_prevention = name in finance.overrun_from_prevention
        self.carries_over = name in finance.carries_over
        self.reserves_cap = self.base_budget * finance.reserves_share if self.carries_over else 0.0
        self.balance = self.reserves_cap  # reserves; below 0, a debt of past over-spends
        self.deficit = 0.0  # the debt to repay from this year's budget (set as the year opens)
        self.drawn = 0.0    # reserves drawn to meet the last year's over-spend
        self.reinvest_share, self.reinvest_in = finance.reinvest_share, finance.reinvest_in
        self.reinvest_after = finance.reinvest_after_years
        self.reinvesting: deque[float] = deque()  # savings set aside at each year's end, oldest first
        self.reinvested = 0.0  # savings put back this year (into prevention or the pool)
        self.cashed = 0.0  # savings taken from this year's reactive budget by the funder (negative: extra crises funded)
        self.year = 0
        self.reactive_plan = self.prevention_plan = self.budget = self.contribution = 0.0
        self.slots = self.early_slots = self.most_cases = 0
        self.workforce = Workforce(scenario.workforce, spec)
        self.plan_weeks = float(WEEKS_PER_YEAR)  # weeks the year's plans cover (fewer in a year entered part way)

    # --- the year's money -------------------------------------------------------------
    def close_year(self, spent: float) -> None:
        """Settle the year just ended, `spent` being what its rationed budget paid for
        (all but universal services). Once the run has begun, a share of an under-spend
        is set aside to be reinvested (`finance.reinvest_share`). An agency that carries
        its outturn over (`finance.carries_over`) then moves its balance by the rest: an
        over-spend is met from reserves and, once they are gone, becomes a debt that the
        next year's budget repays; an under-spend goes to reserves, up to their usual
        level (`finance.reserves_share` of the budget), the rest back to the funder. The
        others start each year afresh."""
        over = spent - self.budget
        if self.year >= 1:  # saved: what it did not spend of what it might (a debt repaid is not a saving)
            saved = self.reinvest_share * max(self.budget - self.deficit - spent, 0.0)
            self.reinvesting.append(saved)
            over += saved  # what is reinvested does not go to reserves
        if not self.carries_over:
            return
        self.drawn = min(max(over, 0.0), max(self.balance, 0.0))
        self.balance = min(self.balance - over, self.reserves_cap)

    def decide(self, year: int) -> None:
        """Take up the managers' decisions for the year opening (`scenario.decisions`), as
        the agency game's tables make them: a threshold to hold to (rationing may raise it
        for a while, and brings it back there), a share of the budget for prevention, a
        share put into the key workers' pool. A decision holds in later years until
        another replaces it; what was not decided stays as it was."""
        decision = self.decisions.get(year)
        if decision is None:
            return
        if decision.threshold is not None:
            self.threshold = self.floor = decision.threshold
            self.ceiling = max(decision.threshold, self.spec.max_threshold)
        if decision.prevention_share is not None:
            self.prevention_share = decision.prevention_share
        if decision.pooled_share is not None:
            self.pooled_share = decision.pooled_share

    def gross(self, year: int, left: float = 1.0) -> float:
        """This year's budget after cuts, before anything is pooled."""
        return self.per_home(self.base_budget * left * (1.0 - self.cut * min(year, self.cut_years) / self.cut_years), year)

    def per_home(self, cash: float, year: int) -> float:
        """A sum of cash in `year` for the place as it started (the model's own terms): in
        a grown place a budget set in cash is spread over more households; one that
        follows households is not."""
        return cash / self.place_scale(year) if self.in_cash else cash

    def place_grew(self, by: float) -> None:
        """The place has grown `by` times since last year, so each simulated home stands
        for more of it: what the agency holds in people and in cash (staff, reserves,
        savings set aside) is the same, and so less for each simulated home; so are its
        usual reserves, unless its budget grows with the place."""
        self.balance /= by
        if self.in_cash:
            self.reserves_cap /= by
        self.reinvesting = deque(saved / by for saved in self.reinvesting)
        self.workforce.place_grew(by)

    def open_year(self, year: int, left: float = 1.0, contribution: float | None = None, cashed: float = 0.0) -> None:
        """Set this year's budget (year 0: the status quo before the run), after cuts and
        the pooled contribution, and split what the agency may spend, the budget less any
        debt it must repay (`deficit`), between reactive and preventive work. The pool
        takes its share of both alike; savings (the cut, the debt) come first from
        prevention, down to the share kept whatever, then from casework. Then money moves
        to prevention if the scenario shifts it, and savings set aside
        `finance.reinvest_after_years` ago come back (to prevention, or to the pool).
        `left`: the share of the year still to come (a year entered part way through has
        that share of its money). `contribution`: what it puts into the pool, where an
        investment agreement sets it (default: the pooled share of its budget). `cashed`:
        last year's crisis spend avoided that the funder takes from the reactive budget
        (`finance.cashable_share`; negative: extra crisis spend it funds); it never takes
        more than the reactive budget."""
        self.year = year
        # (the status quo's budget is the same cash in a grown place: growth is no cut, and
        # its squeeze comes through the demand that more households bring)
        full, gross = self.per_home(self.base_budget * left, year), self.gross(year, left)
        if contribution is None:
            contribution = gross * self.pooled_share if year >= 1 else 0.0
        self.contribution = contribution
        self.budget = gross - self.contribution
        self.deficit = max(-self.balance, 0.0) * left
        spendable = max(self.budget - self.deficit, 0.0)
        kept_by_pool = 1.0 - (self.contribution / gross if gross > 0 else 0.0)
        planned_prevention = full * kept_by_pool * self.prevention_share
        saving = full * kept_by_pool - spendable
        if saving >= 0:  # (never more than the agency may spend at all)
            prevention = min(planned_prevention - min(saving, planned_prevention * (1.0 - self.prevention_kept)), spendable)
        else:  # more money than the status quo: shared as the plan shares it
            prevention = spendable * self.prevention_share
        reactive = spendable - prevention
        if year >= self.shift.start_year and self.shift.shift > 0:
            moved = reactive * self.shift.shift
            prevention += moved
            double_running = year < self.shift.start_year + self.shift.double_running_years
            if not double_running:
                reactive -= moved  # during double running the old service keeps its money too
        self.cashed = min(cashed, reactive)
        reactive -= self.cashed
        self.budget -= self.cashed
        self.reinvested = self.reinvesting.popleft() if len(self.reinvesting) >= self.reinvest_after else 0.0
        if self.reinvest_in == "prevention":  # the agency's own savings, back in its budget as prevention
            prevention += self.reinvested
            self.budget += self.reinvested
        self.prevention_plan, self.reactive_plan = prevention, reactive
        self.plan_weeks = WEEKS_PER_YEAR * left
        self.establishment_due = True

    @property
    def reinvested_in_pool(self) -> float:
        """Savings this agency puts into the key workers' pool this year."""
        return self.reinvested if self.reinvest_in == "pool" else 0.0

    def plan_capacity(self, spent: np.ndarray, week_of_year: int, categories: dict[str, int],
                      staff_move: bool = True) -> None:
        """Capacity for the coming week. At the year's first planning the agency sets its
        establishment: the posts its casework plan funds a week, after the forecast crisis
        spend (crises are statutory and come first) and assessments. Each week it
        projects the year: if the money left, after the crises forecast, will not pay its
        workers, the services their cases draw and its assessments to the year's end, it
        freezes hiring and lets agency staff go. The workforce moves a week (unless
        `staff_move` is false: capacity planned again in the same week) and its workers
        give the places. Early help is commissioned, so its places are what the
        prevention money left buys. An agency that finds a crisis overrun from prevention
        (`overrun_from_prevention`) lets the reactive shortfall eat this year's prevention
        money, down to the share of its plan it keeps whatever."""
        weeks_left = WEEKS_PER_YEAR - week_of_year
        reactive_spent = spent[categories["assessment"]] + spent[categories["intervention"]] + spent[categories["crisis"]]
        reactive_left = self.reactive_plan - reactive_spent - self.crisis_per_week * weeks_left
        prevention_left = self.prevention_plan - spent[categories["prevention"]]
        if reactive_left < 0 and self.overrun_from_prevention:
            kept = self.prevention_plan * self.prevention_kept * min(weeks_left / self.plan_weeks, 1.0)
            prevention_left = max(prevention_left + reactive_left, min(prevention_left, kept))
        workforce = self.workforce
        if self.establishment_due:
            workforce.fund(self.reactive_plan / self.plan_weeks - self.crisis_per_week - self.assessment_per_week)
            self.establishment_due = False
        running = workforce.pay_per_week + workforce.slots * workforce.commissioned + self.assessment_per_week
        if staff_move:
            workforce.move(frozen=reactive_left < running * weeks_left)
        self.slots, self.most_cases = self.workforce.slots, self.workforce.most_cases
        self.early_slots = _affordable(prevention_left / weeks_left, self.spec.prevention_week_cost)

    def note_spend(self, crisis: float, assessment: float) -> None:
        """Update the running forecasts of weekly crisis and assessment spend."""
        self.crisis_per_week += (crisis - self.crisis_per_week) / self.forecast_weeks
        self.assessment_per_week += (assessment - self.assessment_per_week) / self.forecast_weeks

    # --- rationing ----------------------------------------------------------------------
    def ration(self, waiting: int, step: float, target_weeks: float, relax_share: float) -> None:
        """Raise the eligibility threshold while the waiting list is long for the capacity
        (over `target_weeks` of it); lower it back towards the agency's own threshold when
        the list is short (under `relax_share` of that)."""
        weeks_of_wait = waiting / max(self.slots, 1)
        if weeks_of_wait > target_weeks:
            self.threshold = min(self.threshold + step, self.ceiling)
        elif weeks_of_wait < target_weeks * relax_share:
            self.threshold = max(self.threshold - step, self.floor)


def _affordable(money_per_week: float, unit_cost: float) -> int:
    if money_per_week <= 0:
        return 0
    if unit_cost <= 0:
        return UNLIMITED
    return math.floor(money_per_week / unit_cost)
