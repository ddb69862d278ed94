"""Stage 3, households are assessed, as pluggable strategies: every agency on its own
(siloed), or one shared assessment (integrated). The referred then join the waiting
lists of the services that noticed them."""

from __future__ import annotations

import numpy as np

from .services import Casework
from .state import WAITING
from .week import Week


class Assessor:
    """What an assessment does, whoever orders it: its cost to the service that pays, and
    to the household a little engagement if it has been assessed lately (each extra
    assessment wears people down)."""

    def __init__(self, work: Casework):
        self.work = work
        services = work.rules
        self.fatigue = np.float32(1.0 - services.assessment_fatigue)
        self.fatigue_from = services.fatigue_from

    def assess(self, week: Week, service: int, households: np.ndarray) -> None:
        if not households.size:
            return
        work = self.work
        h = work.households
        cost = work.services.assessment_cost(service)
        work.ledger.book(service, "assessment", households, cost)
        extra = h.recent_assessments[households] >= self.fatigue_from
        h.engagement[households[extra]] *= self.fatigue
        h.recent_assessments[households] += 1.0
        h.last_assessed[households] = week.number
        h.assessments[households] += 1
        week.counts.assessments[service] += households.size
        if week.events:
            week.events.emit("assessed", service, households, np.full(households.size, cost))

    def join_waiting_list(self, week: Week, service: int, households: np.ndarray) -> None:
        h = self.work.households
        h.status[service, households] = WAITING
        h.waiting_since[service, households] = week.number
        if week.events:
            week.events.emit("joined_list", service, households)


class SeparateAssessments:
    """Every service assesses every household referred to it, at its own cost; each
    extra assessment in a short time wears the household's engagement down."""

    def __init__(self, work: Casework):
        self.assessor = Assessor(work)

    def assess(self, week: Week) -> None:
        for service, households in week.referrals.items():
            self.assessor.assess(week, service, households)
            self.assessor.join_waiting_list(week, service, households)


class SharedAssessment:
    """One assessment, shared: a household assessed recently by anyone is not assessed
    again; the first service (or the key-worker team) to meet it pays."""

    def __init__(self, work: Casework):
        self.assessor = Assessor(work)
        self.households = work.households
        self.valid_weeks = work.rules.assessment_valid_weeks

    def assess(self, week: Week) -> None:
        last_assessed = self.households.last_assessed
        for service, households in week.referrals.items():
            stale = households[week.number - last_assessed[households] > self.valid_weeks]
            self.assessor.assess(week, service, stale)
            self.assessor.join_waiting_list(week, service, households)
