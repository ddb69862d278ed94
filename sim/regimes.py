"""Stages 2 to 4 (needs noticed, households assessed, help allocated) as pluggable
strategies. A regime is a choice of one strategy per stage; siloed and integrated are
two presets, and the scenario's `regime.*` switches make the mixes between them.

Siloed:      AgencyThresholds -> SeparateAssessments -> AgencyQueues (worst first),
             rationing by raising thresholds
Integrated:  SharedRiskScore + AgencyThresholds -> SharedAssessment -> KeyWorkerPlans +
             AgencyQueues (first come), rationing by waiting list
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from parameters.schema import Scenario, Switches

from .kernels import at_least, in_early_band, notice_candidates, on_books
from .state import EARLY, NONE, SERVED, WAITING
from .threads import run_parts, split


# --- Stage 2: needs are noticed -------------------------------------------------------
class AgencyThresholds:
    """Each agency sees a household only when the agency's own domains are above its
    eligibility threshold, and then only by its own detection, a crisis, or a referral
    from another agency that is serving the household (referrals may get lost).
    Problems below the threshold may be noticed for early help.

    With shared records (integrated), referrals between agencies are not lost."""

    def __init__(self, referral_loss: float):
        self.referral_loss = referral_loss

    def notice(self, m) -> None:
        """All agencies at once, over (agency, household) pairs."""
        rng = m.decisions
        n_agencies = len(m.agency_list)
        candidates = m.candidates.find(m)
        agency, household, by_crisis, chance_referred = candidates.above()  # grouped by agency
        if household.size:
            referred = rng.random(household.size) < chance_referred
            lost = referred & (rng.random(household.size) < self.referral_loss)
            seen = rng.random(household.size) < m.detection[agency]
            noticed = by_crisis | seen | (referred & ~lost)
            m.counts.referrals[:n_agencies] += np.bincount(agency[noticed], minlength=n_agencies)
            m.counts.referrals_lost[:n_agencies] += np.bincount(agency[lost], minlength=n_agencies)
            m.inbox.update(_by_agency(agency[noticed], household[noticed], n_agencies))

        agency, household = candidates.sample_below(m, rng, m.params.services.early_detection)
        m.early_found.update(_by_agency(agency, household, n_agencies))


class SharedRiskScore:
    """Shared data across agencies gives a whole-family risk score (the sum of the
    household's severities); families with several problems above the flag are found
    early, before crisis, and referred to the key-worker team. Like a referral panel, the
    team accepts no more than it can take on soon: its waiting list is kept to one full
    caseload, so no family is assessed only to wait for months."""

    def notice(self, m) -> None:
        h, team = m.households, m.keyworkers
        spec = team.spec
        room_on_list = team.slots - int(np.count_nonzero(h.keyworker == WAITING))
        if room_on_list <= 0:
            return
        flagged = (h.keyworker == NONE) & (m.n_problems >= spec.min_problems) & (m.risk >= spec.risk_threshold)
        candidates = np.flatnonzero(flagged)
        if not candidates.size:
            return
        by_crisis = h.crisis_now[candidates]
        found = candidates[by_crisis | (m.decisions.random(candidates.size) < spec.detection)]
        found = found[np.argsort(~h.crisis_now[found], kind="stable")][:room_on_list]  # crises first
        m.inbox[m.pool_index] = found
        m.counts.referrals[m.pool_index] += found.size


class Candidates:
    """Who each agency could notice this week, in buffers kept from week to week:
    (agency, household) pairs at or above the agency's threshold (see
    `kernels.notice_candidates`), grouped by agency; and, for early help, a sample of
    the pairs below it with a problem."""

    def __init__(self, n_agencies: int, n_households: int):
        self.above_rows = np.zeros((n_agencies, n_households), np.int32)
        self.in_crisis = np.zeros((n_agencies, n_households), bool)
        self.referral_chance = np.zeros((n_agencies, n_households), np.float32)
        self.n_above = np.zeros(n_agencies, np.int64)
        self.listed = np.zeros(n_households, np.int32)

    def find(self, m) -> Candidates:
        """This week's pairs above the threshold, looked for only among the households
        whose worst need (stage 1's) reaches the lowest threshold of any agency."""
        h = m.households
        thresholds = np.array([a.threshold for a in m.agency_list], np.float32)
        listed = self.households_at_least(m.dynamics.worst, thresholds.min())
        run_parts(partial(notice_candidates, listed, h.severity, h.status, m.clients, h.keyworker, m.domain_lists,
                          thresholds, h.crisis_domains, m.referral_odds, NONE, SERVED,
                          self.above_rows, self.in_crisis, self.referral_chance, self.n_above), m.noticing_parts)
        return self

    def households_at_least(self, worst: np.ndarray, line: float) -> np.ndarray:
        """The households whose worst need is at or above `line`, in index order (a view
        of a buffer reused at the next call)."""
        return self.listed[:at_least(worst, np.float32(line), self.listed)]

    def above(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All (agency, household) pairs at or above the threshold, with whether each had
        a crisis in the agency's domains and its chance of being referred."""
        def flat(rows):
            return np.concatenate([row[:k] for row, k in zip(rows, self.n_above)])
        agency = np.repeat(np.arange(self.n_above.size), self.n_above)
        return agency, flat(self.above_rows).astype(np.intp), flat(self.in_crisis), flat(self.referral_chance)

    def sample_below(self, m, rng: np.random.Generator, chance: float) -> tuple[np.ndarray, np.ndarray]:
        """(agency, household) pairs free of the agency with a problem below its
        threshold, each kept with `chance`, grouped by agency and in index order. The
        few kept are drawn directly from all (agency, household-with-a-problem) pairs
        and then checked, rather than listing the many pairs in the band first: each
        pair in the band is still kept independently with `chance`."""
        h = m.households
        thresholds = np.array([a.threshold for a in m.agency_list], np.float32)
        troubled = self.households_at_least(m.dynamics.worst, m.dynamics.problem_line)
        position = bernoulli_positions(rng, troubled.size * thresholds.size, chance)
        agency, household = np.divmod(position, max(troubled.size, 1))
        household = troubled[household].astype(np.intp)
        keep = np.empty(household.size, bool)
        run_parts(partial(in_early_band, agency, household, h.severity, h.status, m.clients, h.keyworker, m.domain_lists,
                          thresholds, m.dynamics.problem_line, NONE, SERVED, keep),
                  split(household.size, len(m.parts), align=1))
        return agency[keep], household[keep]


def bernoulli_positions(rng: np.random.Generator, k: int, chance: float) -> np.ndarray:
    """The positions in range(k) kept when each is kept independently with `chance`, in
    order. Drawn as geometric gaps between kept positions, so the cost is in proportion
    to the positions kept, not to k."""
    if k == 0 or chance <= 0.0:
        return np.zeros(0, np.intp)
    if chance >= 1.0:
        return np.arange(k)
    expected = k * chance
    batch = int(expected + 5.0 * np.sqrt(expected) + 16)
    rate = -np.log1p(-chance)

    def gaps() -> np.ndarray:  # geometric on 1, 2, ...: the floor of an exponential, plus one
        return np.floor(rng.exponential(1.0 / rate, batch)).astype(np.int64) + 1

    position = np.cumsum(gaps()) - 1
    while position[-1] < k:  # rare: more gaps than expected were needed
        position = np.concatenate([position, position[-1] + np.cumsum(gaps())])
    return position[position < k]


# --- Stage 3: households are assessed ---------------------------------------------------
class SeparateAssessments:
    """Every agency assesses every household referred to it, at its own cost; each extra
    assessment in a short time wears the household's engagement down."""

    def assess(self, m) -> None:
        for payer, households in m.inbox.items():
            m.charge_assessment(payer, households)
            m.join_waiting_list(payer, households)


class SharedAssessment:
    """One assessment, shared: a household assessed recently by anyone is not assessed
    again; the first agency (or the pool) to meet it pays."""

    def assess(self, m) -> None:
        valid_weeks = m.params.services.assessment_valid_weeks
        h = m.households
        for payer, households in m.inbox.items():
            stale = households[m.week - h.last_assessed[households] > valid_weeks]
            m.charge_assessment(payer, stale)
            m.join_waiting_list(payer, households)


# --- Stage 4: help is allocated ---------------------------------------------------------
class AgencyQueues:
    """Each agency treats its own domain, up to the capacity its money buys this week:
    most severe first (or first come), after dropping those no longer eligible; early
    help goes to problems noticed below the threshold while prevention money lasts."""

    def __init__(self, order: str):
        self.order = order

    def allocate(self, m) -> None:
        """Then each agency's open cases, late and early, in index order, are this week's
        `m.caseloads`, the cases stage 5 helps."""
        h = m.households
        books = m.books.find(m)
        m.caseloads = []
        for agency in m.agency_list:
            a = agency.index
            column, need_of = h.status[a], partial(agency.need_of, h)
            listed, waiting, served, early = books[a]
            need = need_of(waiting)
            still_eligible = need >= agency.threshold
            column[waiting[~still_eligible]] = NONE
            m.counts.dropped[a] += int((~still_eligible).sum())
            waiting, need = waiting[still_eligible], need[still_eligible]

            room = _make_room(column, served, agency.slots, need_of)
            if room and waiting.size:
                key = -need if self.order == "severity" else h.waiting_since[a, waiting]
                admitted = waiting[first_by(key, room)]
                column[admitted] = SERVED
                h.weeks_open[a, admitted] = 0
                m.start_help(a, admitted)

            room = _make_room(column, early, agency.early_slots, need_of)
            open_cases = listed[column[listed] >= SERVED]  # kept on or just admitted
            found = m.early_found.get(a)
            if room and found is not None and found.size:
                admitted = found[:room]  # in index order, and new to the agency's books
                column[admitted] = EARLY
                h.weeks_open[a, admitted] = 0
                m.start_help(a, admitted)
                open_cases = np.sort(np.concatenate([open_cases, admitted]), kind="stable")  # merges two sorted runs
            m.caseloads.append(open_cases)


class KeyWorkerPlans:
    """Key workers take waiting families while caseloads allow (count x caseload), in the
    order they were found (or highest risk first); a family with a key worker leaves the
    agencies' lists, because its plan covers the whole family."""

    def __init__(self, order: str):
        self.order = order

    def allocate(self, m) -> None:
        h, team = m.households, m.keyworkers
        waiting, served, _ = standing_lists(h.keyworker)
        recovered = m.risk[waiting] < team.spec.risk_threshold / 2
        h.keyworker[waiting[recovered]] = NONE
        waiting = waiting[~recovered]
        room = _make_room(h.keyworker, served, team.slots, m.risk.__getitem__)
        if room <= 0 or not waiting.size:
            return
        key = -m.risk[waiting] if self.order == "severity" else h.keyworker_since[waiting]
        admitted = waiting[first_by(key, room)]
        h.keyworker[admitted] = SERVED
        h.keyworker_weeks[admitted] = 0
        h.status[:, admitted] = NONE
        m.start_help(m.pool_index, admitted)


class Books:
    """Who is on each agency's books, and in which standing, found for all agencies in
    one pass over their status rows (in two halves at county scale), into buffers kept
    from week to week."""

    def __init__(self, n_agencies: int, n_households: int):
        self.listed = np.zeros((EARLY + 1, n_agencies, n_households), np.int32)  # [0]: all on the books
        self.counts = np.zeros((n_agencies, EARLY + 1), np.int64)

    def find(self, m) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """For each agency, its households on the books, then of those the waiting, the
        served and those in early help, each in index order."""
        run_parts(partial(on_books, m.households.status, NONE, self.listed, self.counts), m.agency_parts)
        statuses = (0, WAITING, SERVED, EARLY)
        return [tuple(self.listed[s, a, :self.counts[a, s]].astype(np.intp) for s in statuses)
                for a in range(self.counts.shape[0])]


def standing_lists(column: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The households waiting for one service, served by it and in its early help (from
    its status row), each in index order."""
    listed = np.flatnonzero(column != NONE)
    standing = column[listed]
    return tuple(listed[standing == s] for s in (WAITING, SERVED, EARLY))


def first_by(key: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` smallest keys, ties going to the earlier position: the same
    set as a stable argsort's first k, found by partitioning rather than a full sort."""
    if k <= 0:
        return np.zeros(0, np.intp)
    if k >= key.size:
        return np.arange(key.size)
    kth = np.partition(key, k - 1)[k - 1]
    below = np.flatnonzero(key < kth)
    tied = np.flatnonzero(key == kth)[:k - below.size]
    return np.concatenate([below, tied])


def _by_agency(agency: np.ndarray, household: np.ndarray, n_agencies: int) -> dict[int, np.ndarray]:
    """Split (agency, household) pairs, sorted by agency, into each agency's households."""
    bounds = np.searchsorted(agency, np.arange(n_agencies + 1))
    return {a: household[bounds[a]:bounds[a + 1]] for a in range(n_agencies) if bounds[a + 1] > bounds[a]}


def _make_room(column: np.ndarray, open_cases: np.ndarray, slots: int, need_of) -> int:
    """Close the least needy of `open_cases` (by `need_of(households)`) if capacity fell
    below the caseload; return free places."""
    excess = open_cases.size - slots
    if excess > 0:
        column[open_cases[first_by(need_of(open_cases), excess)]] = NONE
        return 0
    return -excess


# --- The regime ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Regime:
    noticing: tuple
    assessing: object
    allocating: tuple
    rations_by_threshold: bool = True  # siloed agencies raise eligibility when lists grow

    @classmethod
    def from_spec(cls, spec: Switches, scenario: Scenario) -> Regime:
        shared_data = spec.shared_risk
        noticing = ((SharedRiskScore(),) if shared_data else ()) + (
            AgencyThresholds(referral_loss=0.0 if shared_data else scenario.services.referral_loss),
        )
        assessing = SharedAssessment() if spec.single_assessment else SeparateAssessments()
        allocating = ((KeyWorkerPlans(spec.queue_order),) if spec.key_workers else ()) + (AgencyQueues(spec.queue_order),)
        return cls(noticing, assessing, allocating, rations_by_threshold=spec.rationing == "threshold")

    def notice(self, m) -> None:
        for strategy in self.noticing:
            strategy.notice(m)

    def assess(self, m) -> None:
        self.assessing.assess(m)

    def allocate(self, m) -> None:
        for strategy in self.allocating:
            strategy.allocate(m)
