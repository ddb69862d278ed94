"""Stage 5, help works (or not): help lowers severity, works better early (at lower
severity), less when engagement is low, and more when a key worker's plan covers the
whole family. Each week of help is paid for; cases close on recovery, at their longest
length, or when the household drops out (missed appointments). The stage ends by
counting everyone's standing with each service (`week.standing`), settled for the week."""

from __future__ import annotations

import numpy as np

from locality.parameters.vocabulary import CATEGORIES

from . import kernels
from .engine import rule
from .services import Casework
from .state import NONE, SERVED, STATUSES
from .week import DROPPED_OUT, LONGEST, RECOVERED, Week

INTERVENTION, PREVENTION = CATEGORIES.index("intervention"), CATEGORIES.index("prevention")


# --- the rules ----------------------------------------------------------------------------
@rule(kernels.help_cases, over="households")
def help_cases(*, cases, bounds, dropout_draw, severity, domain_lists, status, weeks_open, engagement,
               late_effect, early_effect, late_cost, early_cost, max_weeks, lateness, problem_line, dropout,
               served, closed, paid_by_payer, paid_late, paid_early, was_late, dropped, closed_why):
    """A week of help for each service s's open cases, `cases[bounds[s]:bounds[s + 1]]`
    (standing `served` is late help, any other early help), in service order:

    - each need in the service's domains (`domain_lists[s]`, padded with -1) falls by
      strength x (1 - lateness x need) x need, strength being the service's late or early
      effect times the household's engagement (in float64, stored as float32);
    - the week is paid for at the late or early cost, into the payer's and the
      category's per-household books;
    - the case closes (`closed`) on recovery (every need in its domains below the
      problem line), at `max_weeks[s]`, or when the household drops out
      (`dropout_draw` below dropout x (1 - engagement)), the first that applies being
      why (`closed_why`: see `sim.week.CLOSED_WHY`; 0 while open).

    Per case, also whether it was late help and whether the household dropped out."""
    for s in range(bounds.size - 1):
        k = slice(bounds[s], bounds[s + 1])
        mine = cases[k]
        late = status[s, mine] == served
        strength = np.where(late, late_effect[s], early_effect[s]) * engagement[mine].astype(np.float64)
        worst = np.zeros(mine.size, np.float32)
        for d in domain_lists[s][domain_lists[s] >= 0]:
            value = severity[d, mine].astype(np.float64)
            value = (value - strength * (1.0 - np.float64(lateness) * value) * value).astype(np.float32)
            severity[d, mine] = value
            worst = np.maximum(worst, value)
        cost = np.where(late, late_cost[s], early_cost[s])
        paid_by_payer[s, mine] += cost
        paid_late[mine[late]] += late_cost[s]
        paid_early[mine[~late]] += early_cost[s]
        weeks_open[s, mine] += 1
        drops = dropout_draw[k] < np.float64(dropout) * (1.0 - engagement[mine].astype(np.float64))
        why = np.select([worst < np.float64(problem_line), weeks_open[s, mine] >= max_weeks[s], drops],
                        [RECOVERED, LONGEST, DROPPED_OUT], 0)
        status[s, mine[why > 0]] = closed
        was_late[k], dropped[k], closed_why[k] = late, drops, why


@rule(kernels.count_standing, over="services")
def count_standing(*, status, counts):
    """How many households stand in each status with each service: `counts[s, status]`."""
    for s in range(status.shape[0]):
        counts[s] = np.bincount(status[s], minlength=counts.shape[1])[:counts.shape[1]]


# --- the stage ------------------------------------------------------------------------------
class Help:
    """Stage 5: each service's week of help to its open cases (the key-worker team's
    plans last, in every domain, more strongly: the whole-family bonus), then the trust a
    key worker builds, engagement drifting back, and everyone's standing counted."""

    def __init__(self, work: Casework):
        self.work = work
        services, team = work.services, work.services.team
        agencies = [a.spec for a in services.agencies]
        plan = team.spec.effect * team.dose * team.spec.whole_family_bonus  # the dose: hours a week per family
        self.late_effect = np.array([a.effect for a in agencies] + [plan])
        self.early_effect = np.array([a.prevention_effect for a in agencies] + [plan])
        self.max_weeks = np.array([a.max_weeks for a in agencies] + [team.spec.plan_weeks], np.int64)
        self.agency_late_cost = np.array([a.intervention_week_cost for a in agencies])
        self.agency_early_cost = np.array([a.prevention_week_cost for a in agencies])

    def __call__(self, week: Week) -> None:
        work = self.work
        h, services, ledger, rules = work.households, work.services, work.ledger, work.rules
        team, t = services.team, services.team_index
        each_family = team.worker_week_per_family + team.spec.services_per_family_week  # a plan's week, all in
        late_cost = np.append(self.agency_late_cost, each_family)
        early_cost = np.append(self.agency_early_cost, each_family)
        caseloads = [week.caseloads.get(s, np.zeros(0, np.intp)) for s in range(len(services))]
        cases = np.concatenate(caseloads).astype(np.intp)
        bounds = np.cumsum([0, *(c.size for c in caseloads)])
        # each case's dropout draw, service by service (none for a service with no cases)
        draws = np.concatenate([work.decisions.random(c.size) if c.size else np.zeros(0) for c in caseloads])
        was_late, dropped = np.zeros(cases.size, bool), np.zeros(cases.size, bool)
        closed_why = np.zeros(cases.size, np.int8)
        families = caseloads[t]
        work.engine.run(help_cases, cases=cases, bounds=bounds, dropout_draw=draws, severity=h.severity,
                        domain_lists=services.domain_lists, status=h.status, weeks_open=h.weeks_open,
                        engagement=h.engagement, late_effect=self.late_effect, early_effect=self.early_effect,
                        late_cost=late_cost, early_cost=early_cost, max_weeks=self.max_weeks,
                        lateness=rules.lateness, problem_line=work.needs.problem_line, dropout=rules.dropout,
                        served=SERVED, closed=NONE, paid_by_payer=ledger.by_agency,
                        paid_late=ledger.by_category[INTERVENTION], paid_early=ledger.by_category[PREVENTION],
                        was_late=was_late, dropped=dropped, closed_why=closed_why)
        service_of = np.repeat(np.arange(len(services)), np.diff(bounds))
        n_late = np.bincount(service_of[was_late], minlength=len(services))
        n_early = np.bincount(service_of[~was_late], minlength=len(services))
        for s in range(len(services)):
            ledger.book_total(s, "intervention", n_late[s] * late_cost[s])
            ledger.book_total(s, "prevention", n_early[s] * early_cost[s])
        week.counts.dropouts += int(dropped.sum())
        if week.events:
            for s in range(len(services)):
                mine = slice(bounds[s], bounds[s + 1])
                shut = closed_why[mine] > 0
                week.events.emit("closed", s, cases[mine][shut], closed_why[mine][shut])
        if team.active:
            h.engagement[families] += team.spec.trust_gain * (1.0 - h.engagement[families])
            idle = team.salary_per_week - families.size * team.worker_week_per_family
            ledger.book_overhead(t, "intervention", idle)
        h.engagement += rules.engagement_recovery * (h.base_engagement - h.engagement)
        h.recent_assessments *= np.float32(1.0 - 1.0 / rules.fatigue_memory_weeks)
        week.standing = np.zeros((len(services), len(STATUSES)), np.int64)
        work.engine.run(count_standing, status=h.status, counts=week.standing)

