"""Stage 5, help works (or not): help lowers severity, works better early (at lower
severity), less when engagement is low, and more when a key worker's plan covers the
whole family. Each week of help is paid for; cases close on recovery, at their longest
length, or when the household drops out (missed appointments)."""

from __future__ import annotations

import numpy as np

from parameters.vocabulary import DOMAINS

from .kernels import help_cases
from .state import NONE, SERVED
from .threads import run_parts

ALL_DOMAINS = np.arange(len(DOMAINS), dtype=np.intp)


def deliver_help(m) -> None:
    """Each agency's week of help to its open cases, then key workers' plans, then
    engagement drifting back. A household's help depends only on its own state, so at
    county scale the households are helped in two halves at once (each agency's cases
    below the cut, then those above), every household meeting its agencies in the same
    order as on one thread. Then everyone's standing with each agency is settled for the
    week, and counted."""
    h, services, problem_line = m.households, m.params.services, m.params.needs.problem_line
    # each case's dropout draw, made up front in agency order (none for an agency with no cases)
    draws = [m.decisions.random(cases.size) if cases.size else cases for cases in m.caseloads]
    tallies = {first: np.zeros((len(m.agency_list), 3), np.int64) for first, _ in m.parts}  # late, early, dropouts

    def help_households(first: int, last: int) -> None:
        for agency in m.agency_list:
            spec, a = agency.spec, agency.index
            cases = m.caseloads[a]  # late help (SERVED) and early help (EARLY), from stage 4, in index order
            lo, hi = np.searchsorted(cases, (first, last))
            if hi == lo:
                continue
            paid, paid_late = m.ledger.household_books(a, "intervention")
            paid_early = m.ledger.household_books(a, "prevention")[1]
            tallies[first][a] = help_cases(
                cases[lo:hi], h.severity, agency.domains, h.status[a], h.weeks_open[a], h.engagement, draws[a][lo:hi],
                SERVED, NONE, spec.effect, spec.prevention_effect, services.lateness, problem_line, spec.max_weeks,
                services.dropout, spec.intervention_week_cost, spec.prevention_week_cost, paid, paid_late, paid_early)

    run_parts(help_households, m.parts)
    n_late, n_early, n_dropouts = sum(tallies.values()).T
    for agency in m.agency_list:
        spec, a = agency.spec, agency.index
        m.ledger.book_total(a, "intervention", n_late[a] * spec.intervention_week_cost)
        m.ledger.book_total(a, "prevention", n_early[a] * spec.prevention_week_cost)
    m.counts.dropouts += int(n_dropouts.sum())
    _key_worker_plans(m)
    _engagement_drifts(m)
    m.tally_standing()  # everyone's status is settled for the week


def _key_worker_plans(m) -> None:
    """A key worker's plan helps in every domain at once, more strongly (the whole-family
    bonus), and builds the family's trust; the pool pays the worker's time and the
    services the plan buys."""
    h, team = m.households, m.keyworkers
    if not team.active:
        return
    spec = team.spec
    families = np.flatnonzero(h.keyworker == SERVED)
    if families.size:
        each = team.worker_week_per_family + spec.services_per_family_week
        paid, paid_late = m.ledger.household_books(m.pool_index, "intervention")
        effect = spec.effect * spec.whole_family_bonus
        _, _, n_dropouts = help_cases(
            families, h.severity, ALL_DOMAINS, h.keyworker, h.keyworker_weeks, h.engagement,
            m.decisions.random(families.size), SERVED, NONE, effect, effect, m.params.services.lateness,
            m.params.needs.problem_line, spec.plan_weeks, m.params.services.dropout, each, each, paid, paid_late, paid_late)
        m.ledger.book_total(m.pool_index, "intervention", families.size * each)
        m.counts.dropouts += n_dropouts
        h.engagement[families] += spec.trust_gain * (1.0 - h.engagement[families])
    idle = team.salary_per_week - families.size * team.worker_week_per_family
    m.ledger.book_overhead(m.pool_index, "intervention", idle)


def _engagement_drifts(m) -> None:
    h, services = m.households, m.params.services
    h.engagement += services.engagement_recovery * (h.base_engagement - h.engagement)
    h.recent_assessments *= np.float32(1.0 - 1.0 / services.fatigue_memory_weeks)
