"""Stage 3, households are assessed, as pluggable strategies: every agency on its own
(siloed), or one shared assessment (integrated). A referral to an agency is first
screened: a need below the problem line ends there, in no further action, with no
assessment (a contact screened out at the front door). The rest are assessed, unless an
assessment is still valid (`services.assessment_valid_weeks`): a household referred again
within it is not assessed again, by the same agency (siloed) or by any service (shared).
The assessment's outcome: a need at or above the agency's threshold joins its waiting
list, and a problem below it is offered early help. Referrals screened in within a year
of the last one to the same service are counted as re-referrals (the Department for
Education's measure)."""

from __future__ import annotations

import numpy as np

from locality.parameters.vocabulary import WEEKS_PER_YEAR

from .services import Casework
from .state import NEVER, WAITING
from .week import Week


class Assessor:
    """What every strategy does with a service's referrals: counts re-referrals, screens
    out those below the problem line, assesses the rest unless an assessment is still
    valid (its cost to the service that pays, and to the household a little engagement if
    it has been assessed lately: each extra assessment wears people down), then acts on
    the outcome."""

    def __init__(self, work: Casework):
        self.work = work
        services = work.rules
        self.fatigue = np.float32(1.0 - services.assessment_fatigue)
        self.fatigue_from = services.fatigue_from
        self.valid_weeks = services.assessment_valid_weeks
        self.problem_line = np.float32(work.needs.problem_line)

    def referred(self, week: Week, service: int, households: np.ndarray) -> None:
        """Count the re-referrals among `households`, referred to `service` this week and
        screened in (a contact screened out is no referral in the Department's count)."""
        last = self.work.households.last_referred[service]
        week.counts.rereferrals[service] += int(np.count_nonzero(week.number - last[households] <= WEEKS_PER_YEAR))
        last[households] = week.number

    def stale(self, week: Week, households: np.ndarray, last_assessed: np.ndarray) -> np.ndarray:
        """Those of `households` whose last assessment (`last_assessed`, for them) is no
        longer valid."""
        return households[week.number - last_assessed > self.valid_weeks]

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
        h.last_assessed[service, households] = week.number
        h.assessments[households] += 1
        week.counts.assessments[service] += households.size
        if week.events:
            week.events.emit("assessed", service, households, np.full(households.size, cost))

    def screen(self, week: Week, service: int, households: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The front door: of the households referred to an agency, those whose need in its
        domains is below the problem line end in no further action, unassessed; the rest
        go on, with their need. The key-worker team screens nobody out (its flag is its screen)."""
        work = self.work
        if service == work.services.team_index:
            return households, None
        need = work.need_of(service, households)
        kept = need >= self.problem_line
        screened_out = households[~kept]
        week.counts.screened_out[service] += screened_out.size
        if week.events:
            week.events.emit("screened_out", service, screened_out)
        return households[kept], need[kept]

    def protect(self, week: Week, service: int, households: np.ndarray, need: np.ndarray) -> None:
        """Child protection, at the agency that holds it (`agencies.<name>.protection`): of
        the households screened in, those whose need reaches the enquiry line start a
        section 47 enquiry (its cost booked with assessments), and those whose need reaches
        the plan line a child protection plan too (`plan_since`), which holds the case
        open until a review conference ends it (`sim.help.Help.plans_held`). (Whether help follows is the threshold's to decide, as
        for any referral: the plan line is above it.)"""
        protection = self.work.services.agencies[service].spec.protection
        enquired = need >= protection.enquiry_line
        planned = need >= protection.plan_line  # (a referral begins a new episode: a plan of an old one has ended)
        self.work.households.plan_since[households] = np.where(planned, week.number, NEVER)
        if not enquired.any():
            return
        planned = planned[enquired]
        self.work.ledger.book(service, "assessment", households[enquired], protection.enquiry_cost)
        week.counts.enquiries[service] += int(enquired.sum())
        week.counts.plans_started[service] += int(planned.sum())
        if week.events:
            week.events.emit("enquiry", service, households[enquired], planned.astype(np.int8))

    def act_on(self, week: Week, service: int, households: np.ndarray, need: np.ndarray | None) -> None:
        """The assessment's outcome for the households screened in (with their `need`): an
        agency takes on those whose need reaches its threshold (its waiting list) and
        offers early help to the rest (as if early help had found them this week); the
        agency that holds child protection starts enquiries and plans (`protect`), and a
        family on a plan joins its list whatever the threshold (a plan always brings a
        case). The key-worker team takes on every family flagged."""
        protects = need is not None and self.work.services.agencies[service].spec.protection is not None
        if protects:
            self.protect(week, service, households, need)
        if need is not None:
            over = need >= self.work.services.agencies[service].threshold
            if protects:
                over |= self.work.households.plan_since[households] == week.number
            offered = households[~over]
            if offered.size:
                found = week.early_finds.get(service)
                week.early_finds[service] = offered if found is None else np.union1d(found, offered)
                if week.events:
                    week.events.emit("offered_early_help", service, offered)
            week.counts.offered_early_help[service] += offered.size
            households = households[over]
        self.join_waiting_list(week, service, households)

    def join_waiting_list(self, week: Week, service: int, households: np.ndarray) -> None:
        h = self.work.households
        h.status[service, households] = WAITING
        h.waiting_since[service, households] = week.number
        if week.events:
            week.events.emit("joined_list", service, households)


class SeparateAssessments:
    """Every service assesses the households referred to it, at its own cost, unless it
    assessed them itself lately; each extra assessment in a short time wears the
    household's engagement down."""

    def __init__(self, work: Casework):
        self.assessor = Assessor(work)
        self.households = work.households

    def assess(self, week: Week) -> None:
        assessor, last_assessed = self.assessor, self.households.last_assessed
        for service, referred in week.referrals.items():
            households, need = assessor.screen(week, service, referred)
            assessor.referred(week, service, households)
            assessor.assess(week, service, assessor.stale(week, households, last_assessed[service, households]))
            assessor.act_on(week, service, households, need)


class SharedAssessment:
    """One assessment, shared: a household assessed lately by any service is not assessed
    again; the first service (or the key-worker team) to meet it pays."""

    def __init__(self, work: Casework):
        self.assessor = Assessor(work)
        self.households = work.households

    def assess(self, week: Week) -> None:
        assessor, last_assessed = self.assessor, self.households.last_assessed
        for service, referred in week.referrals.items():
            households, need = assessor.screen(week, service, referred)
            assessor.referred(week, service, households)
            latest = last_assessed[:, households].max(axis=0)
            assessor.assess(week, service, assessor.stale(week, households, latest))
            assessor.act_on(week, service, households, need)
