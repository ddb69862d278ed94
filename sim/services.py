"""The services as the stages see them, and what the strategies of stages 2 to 5 work on.

Services are the agencies, in the scenario's order, then the key-worker team: one row
each of the households' standing (`Households.status`), and the same order as the
ledger's payers (whose last, the pooled budget, pays the team).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from locality.agents import Agency, KeyWorkerTeam
from locality.parameters.schema import Needs
from locality.parameters.schema import Services as ServiceRules
from locality.parameters.vocabulary import DOMAINS

from . import kernels
from .engine import Engine, rule
from .ledger import Ledger
from .state import NEVER, Households

if TYPE_CHECKING:
    from .week import Week


class Services:
    """Fixed facts about the services, as arrays for passes over all of them at once:
    whom each agency may serve, the domains each service watches (the team: all of
    them), each agency's chance of noticing a need itself and the weekly odds that one
    agency refers its open cases to another. Thresholds and capacity are the agencies'
    own decisions, read from them as they stand."""

    def __init__(self, agencies: list[Agency], team: KeyWorkerTeam, households: Households, referral_odds: np.ndarray,
                 crisis_referred_to: list[str] = ()):
        self.agencies, self.team = agencies, team
        self.n_agencies = len(agencies)
        self.team_index = len(agencies)
        self.households = households
        self.clients = np.ones((len(agencies), households.n), bool)  # (A, N): whom each agency may serve
        self.people_changed()
        self.domain_lists = np.full((len(agencies) + 1, len(DOMAINS)), -1, np.int64)  # padded with -1
        for agency in agencies:
            self.domain_lists[agency.index, :agency.domains.size] = agency.domains
        self.domain_lists[self.team_index] = np.arange(len(DOMAINS))
        self.detection = np.array([a.spec.detection for a in agencies])
        self.crisis_referred = np.array([a.name in crisis_referred_to for a in agencies], bool)  # hears of every crisis
        self.referral_odds = referral_odds  # (A, A) float32: [from, to]

    def people_changed(self) -> None:
        """Agencies for families serve households with children: kept as people change."""
        for agency in self.agencies:
            if agency.families_only:
                self.clients[agency.index] = self.households.has_children

    def __len__(self) -> int:
        return self.n_agencies + 1

    def thresholds(self) -> np.ndarray:
        return np.array([a.threshold for a in self.agencies], np.float32)

    def assessment_cost(self, service: int) -> float:
        return (self.team.spec if service == self.team_index else self.agencies[service].spec).assessment_cost


@rule(kernels.needs_of)
def needs_of(*, severity, domain_list, households, has_children, families_only):
    """One agency's view of some households' need: the worst of its domains
    (`domain_list`, padded with -1), zero in households without children if the agency
    serves families only."""
    domains = domain_list[domain_list >= 0]
    need = severity[domains][:, households].max(axis=0, initial=np.float32(0.0))
    return np.where(has_children[households] | (not families_only), need, np.float32(0.0)).astype(np.float32)


@dataclass(frozen=True)
class Casework:
    """What the strategies of stages 2 to 5 work on: the households, the services, the
    books, the engine that applies the rules, the stream that chance decisions are drawn
    from (and the key-worker team's own), and the scenario's rules of service and of needs
    (its `services` and `needs` tables)."""

    households: Households
    services: Services
    ledger: Ledger
    engine: Engine
    decisions: np.random.Generator
    rules: ServiceRules
    needs: Needs
    team_draws: np.random.Generator | None = None  # the key-worker team's own stream (its routes in), so that
    # integrated variants keep the agencies' draws in step whatever the team does

    @property
    def team_stream(self) -> np.random.Generator:
        """Where the key-worker team's chance decisions are drawn: its own stream, or the
        agencies' where none was given."""
        return self.decisions if self.team_draws is None else self.team_draws

    def review_plans(self, week: Week, service: int, households: np.ndarray) -> np.ndarray:
        """Review conferences for `households`, each on a child protection plan with
        `service` (which holds child protection): one falls in a week `first_review_weeks`
        after the plan began, then every `review_every_weeks`, and ends the plan if it
        finds the family's need below the agency's standing threshold (`Agency.floor`: the
        scenario's, or its managers' decision), or below the plan line where managers have
        set the threshold above it: a conference judges risk, not what money allows, so
        neither rationing nor a raised threshold ends a plan whose need is still at the
        line that began it. Returns which plans ended (counted)."""
        agency = self.services.agencies[service]
        protection, h = agency.spec.protection, self.households
        since = week.number - h.plan_since[households]
        ends = (h.plan_since[households] != NEVER) & (since >= protection.first_review_weeks) & (
            (since - protection.first_review_weeks) % protection.review_every_weeks == 0)
        ends[ends] = self.need_of(service, households[ends]) < min(agency.floor, protection.plan_line)
        h.plan_since[households[ends]] = NEVER
        week.counts.plans_ended[service] += int(ends.sum())
        return ends

    def need_of(self, agency: int, households: np.ndarray) -> np.ndarray:
        """An agency's view of some households' need (see `needs_of`)."""
        h = self.households
        return self.engine.run(needs_of, severity=h.severity, domain_list=self.services.domain_lists[agency],
                               households=households, has_children=h.has_children,
                               families_only=self.services.agencies[agency].families_only)
