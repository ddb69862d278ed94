"""Stage 5, help works (or not): help lowers severity, works better early (at lower
severity), less when engagement is low, and more when a key worker's plan covers the
whole family. Each week of help is paid for; cases close on recovery, at their longest
length, or when the household drops out (missed appointments)."""

from __future__ import annotations

import numpy as np

from parameters.vocabulary import DOMAINS

from .kernels import help_cases
from .state import NONE, SERVED

ALL_DOMAINS = np.arange(len(DOMAINS), dtype=np.intp)


def deliver_help(m) -> None:
    h, services, problem_line = m.households, m.params.services, m.params.needs.problem_line
    for agency in m.agency_list:
        spec, a = agency.spec, agency.index
        cases = m.caseloads[a]  # late help (SERVED) and early help (EARLY), from stage 4
        if not cases.size:
            continue
        paid, paid_late = m.ledger.household_books(a, "intervention")
        paid_early = m.ledger.household_books(a, "prevention")[1]
        n_late, n_early, n_dropouts = help_cases(
            cases, h.severity, agency.domains, h.status[a], h.weeks_open[a], h.engagement, m.decisions.random(cases.size),
            SERVED, NONE, spec.effect, spec.prevention_effect, services.lateness, problem_line, spec.max_weeks,
            services.dropout, spec.intervention_week_cost, spec.prevention_week_cost, paid, paid_late, paid_early)
        m.ledger.book_total(a, "intervention", n_late * spec.intervention_week_cost)
        m.ledger.book_total(a, "prevention", n_early * spec.prevention_week_cost)
        m.counts.dropouts += n_dropouts
    _key_worker_plans(m)
    _engagement_drifts(m)


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
