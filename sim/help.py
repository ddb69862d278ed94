"""Stage 5, help works (or not): help lowers severity, works better early (at lower
severity), less when engagement is low or an agency's workers carry more than a safe
caseload, and more when a key worker's plan covers the whole family. Each week of help
is paid for (an agency's staff whether or not they have cases); cases close on recovery,
at their longest length, or when the household drops out (missed appointments), except
that a child protection plan holds its case open, whatever happens, until a review
conference ends it. The
stage ends by counting everyone's standing with each service (`week.standing`), settled
for the week."""

from __future__ import annotations

import numpy as np

from locality.parameters.vocabulary import CATEGORIES, DOMAINS

from . import kernels
from .engine import rule
from .services import Casework
from .state import NEVER, NONE, SERVED, STATUSES
from .week import DROPPED_OUT, LONGEST, RECOVERED, Week

INTERVENTION, PREVENTION = CATEGORIES.index("intervention"), CATEGORIES.index("prevention")


# --- the rules ----------------------------------------------------------------------------
@rule(kernels.help_cases, over="households")
def help_cases(*, cases, bounds, dropout_draw, severity, domain_lists, domain_effect, status, weeks_open, engagement,
               case_effect, case_cost, held, course_weeks, max_weeks, lateness, problem_line, dropout,
               served, closed, paid_by_payer, paid_late, paid_early, was_late, dropped, closed_why):
    """A week of help for each service s's open cases, `cases[bounds[s]:bounds[s + 1]]`
    (standing `served` is late help, any other early help), in service order:

    - each need d in the service's domains (`domain_lists[s]`, padded with -1) falls by
      strength x domain_effect[s, d] x (1 - lateness x need) x need, strength being the
      case's effect (`case_effect`) times the household's engagement (in float64, stored
      as float32);
    - the week is paid for at the case's cost (`case_cost`), into the payer's and the
      category's (late or early help) per-household books;
    - the case closes (`closed`) on recovery (every need in its domains below the
      problem line, once its course of `course_weeks[s]` is done), at `max_weeks[s]`,
      or when the household drops out
      (`dropout_draw` below dropout x (1 - engagement)), the first that applies being
      why (`closed_why`: see `sim.week.CLOSED_WHY`; 0 while open); a case `held` open
      (a child protection plan) does not close, nor does its household count as
      dropping out: missed appointments do not end a plan (Working Together 2013, as
      local safeguarding boards' procedures state it: only a review conference does).

    Per case, also whether it was late help and whether the household dropped out."""
    for s in range(bounds.size - 1):
        k = slice(bounds[s], bounds[s + 1])
        mine = cases[k]
        late = status[s, mine] == served
        strength = case_effect[k] * engagement[mine].astype(np.float64)
        worst = np.zeros(mine.size, np.float32)
        for d in domain_lists[s][domain_lists[s] >= 0]:
            value = severity[d, mine].astype(np.float64)
            value = (value - strength * domain_effect[s, d] * (1.0 - np.float64(lateness) * value) * value).astype(np.float32)
            severity[d, mine] = value
            worst = np.maximum(worst, value)
        cost = case_cost[k]
        paid_by_payer[s, mine] += cost
        paid_late[mine[late]] += cost[late]
        paid_early[mine[~late]] += cost[~late]
        weeks_open[s, mine] += 1
        drops = dropout_draw[k] < np.float64(dropout) * (1.0 - engagement[mine].astype(np.float64))
        free = ~held[k]
        recovered = (worst < np.float64(problem_line)) & (weeks_open[s, mine] >= course_weeks[s])
        why = np.select([free & recovered, free & (weeks_open[s, mine] >= max_weeks[s]),
                         free & drops], [RECOVERED, LONGEST, DROPPED_OUT], 0)
        status[s, mine[why > 0]] = closed
        was_late[k], dropped[k], closed_why[k] = late, drops & free, why


@rule(kernels.count_standing, over="services")
def count_standing(*, status, counts):
    """How many households stand in each status with each service: `counts[s, status]`."""
    for s in range(status.shape[0]):
        counts[s] = np.bincount(status[s], minlength=counts.shape[1])[:counts.shape[1]]


# --- the stage ------------------------------------------------------------------------------
class Help:
    """Stage 5: each service's week of help to its open cases (the key-worker team's
    plans last, in every domain, each as strongly as evaluations found it works there,
    and more strongly than an agency's: the whole-family bonus, times the dose its tier's
    caseload gives), then the trust a key worker builds, engagement drifting back, and
    everyone's standing counted."""

    def __init__(self, work: Casework):
        self.work = work
        services, team = work.services, work.services.team
        agencies = [a.spec for a in services.agencies]
        self.late_effect = np.array([a.effect for a in agencies])
        self.early_effect = np.array([a.prevention_effect for a in agencies])
        self.plan_effect = team.spec.effect * team.spec.whole_family_bonus * team.doses  # by tier
        self.max_weeks = np.array([a.max_weeks for a in agencies] + [team.spec.plan_weeks], np.int64)
        self.course_weeks = np.array([a.course_weeks for a in agencies] + [0], np.int64)  # (a key worker's plan: none)
        self.early_cost = np.array([a.prevention_week_cost for a in agencies])
        self.domain_effect = np.ones((len(services), len(DOMAINS)))  # (services, domains): an agency's help, alike in its domains
        self.domain_effect[services.team_index] = list(team.spec.domain_effects().values())

    def __call__(self, week: Week) -> None:
        work = self.work
        h, services, ledger, rules = work.households, work.services, work.ledger, work.rules
        team, t = services.team, services.team_index
        plan_cost = team.worker_week_per_family + team.services_per_family_week  # by tier: a plan's week, all in
        caseloads = [week.caseloads.get(s, np.zeros(0, np.intp)) for s in range(len(services))]
        cases = np.concatenate(caseloads).astype(np.intp)
        bounds = np.cumsum([0, *(c.size for c in caseloads)])
        families = caseloads[t]
        plan_tier = h.plan_tier[families]
        late = [h.status[s, caseloads[s]] == SERVED for s in range(services.n_agencies)]
        n_late = [int(np.count_nonzero(mine)) for mine in late]
        workforces = [agency.workforce for agency in services.agencies]
        # late help: staff paid whatever their cases (shared among them), the services each case draws, and
        # help as strong as the time each case gets above a safe caseload
        late_effect = [self.late_effect[s] * w.time_share(n) for s, (w, n) in enumerate(zip(workforces, n_late))]
        late_cost = [w.pay_per_week / max(n, 1) + w.commissioned for w, n in zip(workforces, n_late)]
        case_effect = np.concatenate([np.where(late[s], late_effect[s], self.early_effect[s])
                                      for s in range(services.n_agencies)] + [self.plan_effect[plan_tier]])
        case_cost = np.concatenate([np.where(late[s], late_cost[s], self.early_cost[s])
                                    for s in range(services.n_agencies)] + [plan_cost[plan_tier]])
        held = np.concatenate([self.plans_held(week, s, caseloads[s], late[s]) for s in range(services.n_agencies)]
                              + [np.zeros(families.size, bool)])
        # each case's dropout draw, service by service (none for a service with no cases)
        draws = np.concatenate([work.decisions.random(c.size) if c.size else np.zeros(0) for c in caseloads])
        was_late, dropped = np.zeros(cases.size, bool), np.zeros(cases.size, bool)
        closed_why = np.zeros(cases.size, np.int8)
        work.engine.run(help_cases, cases=cases, bounds=bounds, dropout_draw=draws, severity=h.severity,
                        domain_lists=services.domain_lists, domain_effect=self.domain_effect, status=h.status,
                        weeks_open=h.weeks_open, engagement=h.engagement, case_effect=case_effect,
                        case_cost=case_cost, held=held, course_weeks=self.course_weeks, max_weeks=self.max_weeks,
                        lateness=rules.lateness, problem_line=work.needs.problem_line, dropout=rules.dropout,
                        served=SERVED, closed=NONE, paid_by_payer=ledger.by_agency,
                        paid_late=ledger.by_category[INTERVENTION], paid_early=ledger.by_category[PREVENTION],
                        was_late=was_late, dropped=dropped, closed_why=closed_why)
        service_of = np.repeat(np.arange(len(services)), np.diff(bounds))
        n_early = np.bincount(service_of[~was_late], minlength=len(services))
        for s, workforce in enumerate(workforces):
            if n_late[s]:
                ledger.book_total(s, "intervention", n_late[s] * late_cost[s])
            else:  # staff with no case are paid all the same
                ledger.book_overhead(s, "intervention", workforce.pay_per_week)
            ledger.book_total(s, "prevention", n_early[s] * self.early_cost[s])
        by_tier = np.bincount(plan_tier, minlength=len(team.tiers))  # (every plan is late help)
        ledger.book_total(t, "intervention", float(by_tier @ plan_cost))
        week.counts.dropouts += int(dropped.sum())
        if week.events:
            for s in range(len(services)):
                mine = slice(bounds[s], bounds[s + 1])
                shut = closed_why[mine] > 0
                week.events.emit("closed", s, cases[mine][shut], closed_why[mine][shut])
        if team.active:
            h.engagement[families] += team.spec.trust_gain * (1.0 - h.engagement[families])
            idle = team.salary_per_week - float(by_tier @ team.worker_week_per_family)
            ledger.book_overhead(t, "intervention", idle)
        h.engagement += rules.engagement_recovery * (h.base_engagement - h.engagement)
        h.recent_assessments *= np.float32(1.0 - 1.0 / rules.fatigue_memory_weeks)
        week.standing = np.zeros((len(services), len(STATUSES)), np.int64)
        work.engine.run(count_standing, status=h.status, counts=week.standing)

    def plans_held(self, week: Week, service: int, cases: np.ndarray, late: np.ndarray) -> np.ndarray:
        """Which of a service's `cases` a child protection plan holds open this week: its
        late-help cases on a plan, where the agency holds child protection, unless a review
        conference this week ends the plan (`Casework.review_plans`): the case then goes
        on as any other."""
        if self.work.services.agencies[service].spec.protection is None:
            return np.zeros(cases.size, bool)
        on_plan = late & (self.work.households.plan_since[cases] != NEVER)
        held = on_plan.copy()
        held[on_plan] = ~self.work.review_plans(week, service, cases[on_plan])
        return held
