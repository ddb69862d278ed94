"""The key-worker team of the integrated regime: a whole-family plan per family, no more
families per worker than the caseload limit, paid from the pooled budget."""

from __future__ import annotations

import mesa

from parameters.schema import Scenario

WEEKS_PER_YEAR = 52


class KeyWorkerTeam(mesa.Agent):
    def __init__(self, model: mesa.Model, scenario: Scenario, active: bool):
        super().__init__(model)
        spec = scenario.keyworkers
        self.spec = spec
        self.active = active
        self.count = spec.count
        self.caseload = spec.caseload
        self.budget = 0.0

    @property
    def slots(self) -> int:
        """Families the team can hold at once (none while the team is not running)."""
        return self.count * self.caseload if self.active else 0

    @property
    def salary_per_week(self) -> float:
        return self.count * self.spec.cost_per_worker_year / WEEKS_PER_YEAR if self.active else 0.0

    @property
    def worker_week_per_family(self) -> float:
        """A family's share of its key worker's week."""
        return self.spec.cost_per_worker_year / WEEKS_PER_YEAR / self.caseload

    def open_year(self, contributions: float) -> None:
        """The pooled budget for the year: what the agencies put in."""
        self.budget = contributions
