"""Stage 5, help works (or not): help lowers severity, works better early (at lower
severity), less when engagement is low, and more when a key worker's plan covers the
whole family. Each week of help is paid for; cases close on recovery, at their longest
length, or when the household drops out (missed appointments)."""

from __future__ import annotations

import numpy as np

from parameters.vocabulary import DOMAINS

from .state import NONE, SERVED

ALL_DOMAINS = np.arange(len(DOMAINS))


def deliver_help(m) -> None:
    h, services = m.households, m.params.services
    for agency in m.agency_list:
        spec, column = agency.spec, h.status[agency.index]
        cases = np.flatnonzero(column >= SERVED)  # late help (SERVED) and early help (EARLY)
        if not cases.size:
            continue
        late = column[cases] == SERVED
        effect = np.where(late, spec.effect, spec.prevention_effect)
        after = relieve(h.severity, cases, agency.domains, effect * h.engagement[cases], services.lateness)
        m.ledger.book(agency.index, "intervention", cases[late], spec.intervention_week_cost)
        m.ledger.book(agency.index, "prevention", cases[~late], spec.prevention_week_cost)
        weeks = h.weeks_open[agency.index, cases]
        weeks += 1
        h.weeks_open[agency.index, cases] = weeks
        recovered = after.max(axis=0) < m.params.needs.problem_line
        close = recovered | (weeks >= spec.max_weeks) | _drops_out(m, cases)
        column[cases[close]] = NONE
    _key_worker_plans(m)
    _engagement_drifts(m)


def _key_worker_plans(m) -> None:
    h, team = m.households, m.keyworkers
    if not team.active:
        return
    spec = team.spec
    families = np.flatnonzero(h.keyworker == SERVED)
    if families.size:
        strength = spec.effect * spec.whole_family_bonus * h.engagement[families]
        after = relieve(h.severity, families, ALL_DOMAINS, strength, m.params.services.lateness)
        h.engagement[families] += spec.trust_gain * (1.0 - h.engagement[families])
        m.ledger.book(m.pool_index, "intervention", families, team.worker_week_per_family + spec.services_per_family_week)
        h.keyworker_weeks[families] += 1
        recovered = after.max(axis=0) < m.params.needs.problem_line
        close = recovered | (h.keyworker_weeks[families] >= spec.plan_weeks) | _drops_out(m, families)
        h.keyworker[families[close]] = NONE
    idle = team.salary_per_week - families.size * team.worker_week_per_family
    m.ledger.book_overhead(m.pool_index, "intervention", idle)


def relieve(severity: np.ndarray, households: np.ndarray, domains: np.ndarray, strength: np.ndarray,
            lateness: float) -> np.ndarray:
    """Lower severity by strength x (1 - lateness x severity) x severity: proportionally,
    and less per pound the worse the problem already is. Returns the new severities of
    those domains and households."""
    block = np.ix_(domains, households)
    current = severity[block]
    current -= strength * (1.0 - lateness * current) * current
    severity[block] = current
    return current


def _drops_out(m, households: np.ndarray) -> np.ndarray:
    chance = m.params.services.dropout * (1.0 - m.households.engagement[households])
    out = m.decisions.random(households.size) < chance
    m.counts.dropouts += int(out.sum())
    return out


def _engagement_drifts(m) -> None:
    h, services = m.households, m.params.services
    h.engagement += services.engagement_recovery * (h.base_engagement - h.engagement)
    h.recent_assessments *= np.float32(1.0 - 1.0 / services.fatigue_memory_weeks)
