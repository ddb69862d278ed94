"""The key-worker team of the integrated regime: a whole-family plan per family, no more
families per worker than the caseload limit, paid from the pooled budget; the fewer
families a worker holds, the more hours each gets and the more the plan does (its dose)."""

from __future__ import annotations

import math

import mesa

from locality.parameters.schema import KeyWorkers, Scenario
from locality.parameters.vocabulary import WEEKS_PER_YEAR

ROUNDING = 1e-9  # numerical: 0.5 workers x 6 families is 3 places, not 2.9999...


def plan_dose(spec: KeyWorkers, caseload: int) -> float:
    """A plan's effect at this caseload against its effect at the reference dose: the
    effect rises with a family's contact hours a week (a worker's hours over the caseload)
    on a Hill curve, half its most at `half_hours` and rising the more sharply the larger
    `dose_steepness`; so a larger caseload reaches more families and does less for each."""
    def response(hours: float) -> float:
        ratio = (hours / spec.half_hours) ** spec.dose_steepness
        return ratio / (1.0 + ratio)

    return response(spec.week_hours / caseload) / response(spec.reference_hours)


class KeyWorkerTeam(mesa.Agent):
    def __init__(self, model: mesa.Model, scenario: Scenario, active: bool):
        super().__init__(model)
        spec = scenario.keyworkers
        self.spec = spec
        self.active = active
        self.auto = spec.count == "auto"
        self.count = 0 if self.auto else spec.count
        self.caseload = spec.caseload
        self.budget = 0.0

    @property
    def slots(self) -> int:
        """Families the team can hold at once (none while the team is not running): a
        part-time worker holds their share of a caseload, in whole families."""
        return math.floor(self.count * self.caseload + ROUNDING) if self.active else 0

    @property
    def salary_per_week(self) -> float:
        return self.count * self.spec.cost_per_worker_year / WEEKS_PER_YEAR if self.active else 0.0

    @property
    def worker_week_per_family(self) -> float:
        """A family's share of its key worker's week."""
        return self.spec.cost_per_worker_year / WEEKS_PER_YEAR / self.caseload

    @property
    def cost_per_worker_year(self) -> float:
        """A worker and the services their full caseload draws, for a year."""
        return self.spec.cost_per_worker_year + self.caseload * self.spec.services_per_family_week * WEEKS_PER_YEAR

    @property
    def hours_per_family(self) -> float:
        """Contact hours a week each family gets: a worker's hours over the caseload."""
        return self.spec.week_hours / self.caseload

    @property
    def dose(self) -> float:
        return plan_dose(self.spec, self.caseload)

    def open_year(self, contributions: float) -> None:
        """The pooled budget for the year is what the agencies put in; an 'auto' team is
        as many full-time equivalents as that buys, part-time included (so it shrinks when
        cuts shrink the pool, and a small pool is spent rather than rounded down to
        whole workers and left idle)."""
        self.budget = contributions
        if self.auto:
            self.count = contributions / self.cost_per_worker_year
