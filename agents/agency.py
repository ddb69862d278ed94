"""An agency: the domains it serves, its budget for the year, the capacity that budget
buys, and an eligibility threshold it raises when demand outruns capacity (rationing)."""

from __future__ import annotations

import math

import mesa
import numpy as np

from parameters.schema import Agency as AgencySpec
from parameters.schema import Scenario
from parameters.vocabulary import DOMAIN_INDEX, WEEKS_PER_YEAR

UNLIMITED = 10**9  # engine: the places help buys when it costs nothing


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
        self.cut = scenario.budget.agency_cut.get(name, scenario.budget.cut)
        self.cut_years = scenario.budget.agency_cut_years.get(name, scenario.budget.cut_years)
        self.pooled_share = scenario.regime.switches().pooled_share
        self.shift = scenario.early_intervention
        self.base_budget = spec.budget_per_household * scenario.population.households
        self.forecast_weeks = scenario.services.crisis_forecast_weeks
        self.crisis_per_week = 0.0  # running forecast of statutory crisis spend
        self.reactive_plan = self.prevention_plan = self.budget = self.contribution = 0.0
        self.slots = self.early_slots = 0

    # --- the year's money -------------------------------------------------------------
    def open_year(self, year: int, left: float = 1.0) -> None:
        """Set this year's budget (year 0: the status quo before the run), after cuts and
        the pooled contribution, and split it between reactive and preventive work,
        shifting money to prevention if asked. `left`: the share of the year still to come
        (a year entered part way through has that share of its money)."""
        gross = self.base_budget * (1.0 - self.cut * min(year, self.cut_years) / self.cut_years) * left
        self.contribution = gross * self.pooled_share if year >= 1 else 0.0
        self.budget = gross - self.contribution
        prevention = self.budget * self.spec.prevention_share
        reactive = self.budget - prevention
        if year >= self.shift.start_year and self.shift.shift > 0:
            moved = reactive * self.shift.shift
            prevention += moved
            double_running = year < self.shift.start_year + self.shift.double_running_years
            if not double_running:
                reactive -= moved  # during double running the old service keeps its money too
        self.prevention_plan, self.reactive_plan = prevention, reactive

    def plan_capacity(self, spent: np.ndarray, week_of_year: int, categories: dict[str, int]) -> None:
        """Capacity for the coming week from the money left this year, after setting
        aside the forecast crisis spend: crises are statutory and come first."""
        weeks_left = WEEKS_PER_YEAR - week_of_year
        reactive_spent = spent[categories["assessment"]] + spent[categories["intervention"]] + spent[categories["crisis"]]
        reactive_left = self.reactive_plan - reactive_spent - self.crisis_per_week * weeks_left
        prevention_left = self.prevention_plan - spent[categories["prevention"]]
        self.slots = _affordable(reactive_left / weeks_left, self.spec.intervention_week_cost)
        self.early_slots = _affordable(prevention_left / weeks_left, self.spec.prevention_week_cost)

    def note_crisis_spend(self, amount: float) -> None:
        """Update the running forecast of weekly crisis spend."""
        self.crisis_per_week += (amount - self.crisis_per_week) / self.forecast_weeks

    # --- rationing ----------------------------------------------------------------------
    def ration(self, waiting: int, step: float, target_weeks: float, relax_share: float) -> None:
        """Raise the eligibility threshold while the waiting list is long for the capacity
        (over `target_weeks` of it); lower it back towards the agency's own threshold when
        the list is short (under `relax_share` of that)."""
        weeks_of_wait = waiting / max(self.slots, 1)
        if weeks_of_wait > target_weeks:
            self.threshold = min(self.threshold + step, self.spec.max_threshold)
        elif weeks_of_wait < target_weeks * relax_share:
            self.threshold = max(self.threshold - step, self.spec.threshold)


def _affordable(money_per_week: float, unit_cost: float) -> int:
    if money_per_week <= 0:
        return 0
    if unit_cost <= 0:
        return UNLIMITED
    return math.floor(money_per_week / unit_cost)
