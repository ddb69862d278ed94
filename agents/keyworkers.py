"""The key-worker team of the integrated regime: a whole-family plan per family, no more
families per worker than the caseload limit, paid from the pooled budget; the fewer
families a worker holds, the more hours each gets and the more the plan does (its dose).
The team works in one tier (the FIP model) or, under Greater Manchester's tiered model,
in several: each takes the families it is for, on its own caseload."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from locality.parameters.schema import KeyWorkers, Scenario
from locality.parameters.vocabulary import WEEKS_PER_YEAR

ROUNDING = 1e-9  # numerical: 0.5 workers x 6 families is 3 places, not 2.9999...
NO_TIER = -1  # a family no tier takes


def plan_dose(spec: KeyWorkers, caseload: float) -> float:
    """A plan's effect at this caseload against its effect at the reference dose: the
    effect rises with a family's contact hours a week (a worker's hours over the caseload)
    on a Hill curve, half its most at `half_hours` and rising the more sharply the larger
    `dose_steepness`; so a larger caseload reaches more families and does less for each."""
    def response(hours: float) -> float:
        ratio = (hours / spec.half_hours) ** spec.dose_steepness
        return ratio / (1.0 + ratio)

    return response(spec.week_hours / caseload) / response(spec.reference_hours)


@dataclass(frozen=True)
class PlanTier:
    """One tier of key work as the team runs it: whom it takes (`min_problems` problems
    and a risk score of `risk_threshold`), each worker's caseload, and its share of the
    team's workers."""

    name: str
    caseload: int
    min_problems: int
    risk_threshold: float
    worker_share: float
    services_times: float = 1.0


def plan_tiers(spec: KeyWorkers) -> list[PlanTier]:
    """The team's tiers, most intensive first: one (the caseload lever, the flag) unless
    `tiered`, else the scenario's tiers, each caseload a multiple of the caseload lever."""
    if not spec.tiered:
        return [PlanTier("key work", spec.caseload, spec.min_problems, spec.risk_threshold, 1.0)]
    return [PlanTier(name, max(1, round(spec.caseload * tier.caseload_times)), tier.min_problems,
                     tier.risk_threshold, tier.worker_share, tier.services_times) for name, tier in spec.tiers.items()]


def families_per_worker(spec: KeyWorkers) -> float:
    """Families a key worker holds, on average over the tiers' workers."""
    return sum(tier.worker_share * tier.caseload for tier in plan_tiers(spec))


class KeyWorkerTeam(mesa.Agent):
    def __init__(self, model: mesa.Model, scenario: Scenario, active: bool):
        super().__init__(model)
        spec = scenario.keyworkers
        self.spec = spec
        self.active = active
        self.auto = spec.count == "auto"
        self.count = 0 if self.auto else spec.count
        self.tiers = plan_tiers(spec)
        self.caseloads = np.array([tier.caseload for tier in self.tiers], np.int64)
        self.worker_shares = np.array([tier.worker_share for tier in self.tiers])
        self.services_per_family_week = spec.services_per_family_week * np.array([t.services_times for t in self.tiers])
        self._min_problems = np.array([tier.min_problems for tier in self.tiers], np.int64)
        self._risk_thresholds = np.array([tier.risk_threshold for tier in self.tiers], np.float32)
        self.caseload = families_per_worker(spec)
        self.budget = 0.0

    @property
    def slots_by_tier(self) -> np.ndarray:
        """Families each tier can hold at once (none while the team is not running): a
        part-time worker holds their share of a caseload, in whole families."""
        if not self.active:
            return np.zeros(len(self.tiers), np.int64)
        return np.floor(self.count * self.worker_shares * self.caseloads + ROUNDING).astype(np.int64)

    @property
    def slots(self) -> int:
        """Families the team can hold at once, in all its tiers."""
        return int(self.slots_by_tier.sum())

    @property
    def salary_per_week(self) -> float:
        return self.count * self.spec.cost_per_worker_year / WEEKS_PER_YEAR if self.active else 0.0

    @property
    def worker_week_per_family(self) -> np.ndarray:
        """By tier: a family's share of its key worker's week."""
        return self.spec.cost_per_worker_year / WEEKS_PER_YEAR / self.caseloads

    @property
    def cost_per_worker_year(self) -> float:
        """A worker and the services their full caseload draws, for a year (on average
        over the tiers' workers)."""
        services = float(np.sum(self.worker_shares * self.caseloads * self.services_per_family_week))
        return self.spec.cost_per_worker_year + services * WEEKS_PER_YEAR

    @property
    def hours_per_family(self) -> np.ndarray:
        """By tier: contact hours a week each family gets, a worker's hours over the caseload."""
        return self.spec.week_hours / self.caseloads

    @property
    def doses(self) -> np.ndarray:
        """By tier: the plan's dose (see `plan_dose`)."""
        return np.array([plan_dose(self.spec, tier.caseload) for tier in self.tiers])

    def tier_of(self, n_problems: np.ndarray, risk: np.ndarray) -> np.ndarray:
        """The tier that would take each family (the first whose criteria it meets), or
        NO_TIER: int8, one per family."""
        tier = np.full(n_problems.size, NO_TIER, np.int8)
        for k in range(len(self.tiers) - 1, -1, -1):  # the most intensive last, so it wins
            meets = (n_problems >= self._min_problems[k]) & (risk >= self._risk_thresholds[k])
            tier[meets] = k
        return tier

    def recovered(self, risk: np.ndarray, tier: np.ndarray) -> np.ndarray:
        """Whether each waiting family's risk score has fallen below its tier's flag times
        `recovered_share`."""
        return risk < self._risk_thresholds[tier] * np.float32(self.spec.recovered_share)

    def open_year(self, contributions: float, place_scale: float = 1.0) -> None:
        """The pooled budget for the year is what the agencies put in; an 'auto' team is
        as many full-time equivalents as that buys, part-time included (so it shrinks when
        cuts shrink the pool, and a small pool is spent rather than rounded down to
        whole workers and left idle). A team of a set size stands for fewer workers per
        simulated home as the place grows (`place_scale`: its homes over those at the start)."""
        self.budget = contributions
        if self.auto:
            self.count = contributions / self.cost_per_worker_year
        else:
            self.count = self.spec.count / place_scale
