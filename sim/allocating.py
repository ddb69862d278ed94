"""Stage 4, help is allocated, as pluggable strategies: each agency's queue for its own
domain (siloed and integrated alike), and key workers' whole-family plans (integrated).
Each hands on its services' open cases, `week.caseloads`, the cases stage 5 helps."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from . import kernels
from .engine import rule
from .services import Casework
from .state import EARLY, NEVER, NONE, SERVED, WAITING
from .week import FOLDED, NO_CAPACITY, Week


# --- the rules ----------------------------------------------------------------------------
def _used_books(arguments: dict, _result) -> dict:
    """What `on_books` means: for each agency, its first `counts[a, s]` households of each list."""
    listed, counts = arguments["listed"], arguments["counts"]
    return {"counts": counts, "listed": [listed[s, a, :counts[a, s]] for a in range(counts.shape[0])
                                         for s in range(listed.shape[0])]}


@rule(kernels.on_books, over="agencies", used=_used_books)
def on_books(*, status, free_status, listed, counts):
    """For each agency: the households on its books (standing other than `free_status`)
    into `listed[0, a]`, and those of each standing s into `listed[s, a]`, each in index
    order; how many into `counts[a, 0]` and `counts[a, s]`."""
    for a in range(status.shape[0]):
        counts[a, :] = 0
        books = np.flatnonzero(status[a] != free_status)
        listed[0, a, :books.size] = books
        counts[a, 0] = books.size
        for s in range(1, listed.shape[0]):
            mine = books[status[a, books] == s]
            listed[s, a, :mine.size] = mine
            counts[a, s] = mine.size


@rule(kernels.first_help)
def first_help(*, households, week, severity, episodes, first_help_week, first_help_severity, load_at_help, never):
    """Help begins for `households`: count the episode, and for those helped for the first
    time note the week, their worst need and the sum of their needs (in domain order)."""
    np.add.at(episodes, households, 1)
    first = households[first_help_week[households] == never]
    first_help_week[first] = week
    first_help_severity[first] = severity[:, first].max(axis=0, initial=np.float32(0.0))
    total = np.zeros(first.size, np.float32)
    for d in range(severity.shape[0]):
        total += severity[d, first]
    load_at_help[first] = total


# --- what every strategy does ------------------------------------------------------------
class Admissions:
    """Taking households on, and closing cases for want of capacity, at one service."""

    def __init__(self, work: Casework):
        self.work = work

    def need_of(self, agency: int, households: np.ndarray) -> np.ndarray:
        """An agency's view of some households' need (see `services.needs_of`)."""
        return self.work.need_of(agency, households)

    def start(self, week: Week, service: int, households: np.ndarray, standing: int) -> None:
        """Help begins: the households stand `standing` with the service from now, their
        episode counted, and how bad things were when help first came noted."""
        h = self.work.households
        h.status[service, households] = standing
        h.weeks_open[service, households] = 0
        week.counts.admissions[service] += households.size
        self.work.engine.run(first_help, households=households, week=week.number, severity=h.severity,
                             episodes=h.episodes, first_help_week=h.first_help_week,
                             first_help_severity=h.first_help_severity, load_at_help=h.load_at_help, never=NEVER)
        if week.events:
            week.events.emit("help_started" if standing == SERVED else "early_help_started", service, households)

    def make_room(self, week: Week, service: int, open_cases: np.ndarray, slots: int,
                  need_of: Callable[[np.ndarray], np.ndarray], most: int | None = None,
                  kept: np.ndarray | None = None) -> int:
        """Close the least needy of `open_cases` (by `need_of(households)`) above the most
        cases the service carries (`most`, default `slots`: its workers may carry more
        than is safe), never one `kept` open (a child protection plan: only a review
        conference ends one); return the places free below `slots`."""
        excess = open_cases.size - (slots if most is None else most)
        if excess > 0:
            closable = open_cases if kept is None else open_cases[~kept]
            closed = closable[first_by(need_of(closable), min(excess, closable.size))]
            excess = closed.size
            self.work.households.status[service, closed] = NONE
            if week.events:
                week.events.emit("closed", service, closed, np.full(closed.size, NO_CAPACITY))
            return max(slots - (open_cases.size - excess), 0)
        return max(slots - open_cases.size, 0)


# --- the strategies -----------------------------------------------------------------------
class AgencyQueues:
    """Each agency treats its own domain, up to the capacity its money buys this week:
    families on a child protection plan first, then the most severe (or first come). A
    place on the list is reviewed every `services.list_review_weeks` after the household
    joined it, and when it is offered: a household no longer eligible then leaves the list
    (a place offered to one is not offered to another the same week), unless it is on a
    plan, which only a review conference ends (`Casework.review_plans`). Hands on how
    many of those still waiting are eligible, which is what an agency rations on. Early
    help goes to problems noticed below the threshold while prevention money lasts."""

    def __init__(self, work: Casework, order: str):
        self.work, self.order = work, order
        self.admissions = Admissions(work)
        self.review_weeks = work.rules.list_review_weeks

    def allocate(self, week: Week) -> None:
        """Then each agency's open cases, late and early, in index order, are this week's
        caseloads."""
        work, admit = self.work, self.admissions
        h = work.households
        week.eligible_waiting = np.zeros(work.services.n_agencies, np.int64)
        for agency, (listed, waiting, served, early) in zip(work.services.agencies, self._books()):
            a = agency.index
            column = h.status[a]
            need_of = partial(admit.need_of, a)
            protects = agency.spec.protection is not None
            planned = h.plan_since[waiting] != NEVER if protects else np.zeros(waiting.size, bool)
            if planned.any():  # a family on a plan waiting for a place has its review conferences all the same
                planned[planned] = ~work.review_plans(week, a, waiting[planned])
                keyworked = ~planned & (h.status[work.services.team_index, waiting] == SERVED)
                if keyworked.any():  # its plan ended: the key worker's plan covers the family, which leaves the list
                    self._leave(week, agency, waiting[keyworked])
                    waiting, planned = waiting[~keyworked], planned[~keyworked]
            need = need_of(waiting)
            still = (need >= agency.threshold) | planned  # a plan holds a family on the list: only a review ends it
            waited = week.number - h.waiting_since[a, waiting]
            reviewed = (waited > 0) & (waited % self.review_weeks == 0)  # places up for review this week
            on_plan = h.plan_since[served] != NEVER if protects else None
            room = admit.make_room(week, a, served, agency.slots, need_of, most=agency.most_cases, kept=on_plan)
            offered = np.zeros(waiting.size, bool)  # a place offered is reviewed at the point of offer
            if room:
                key = (-need if self.order == "severity" else h.waiting_since[a, waiting]).astype(np.float64)
                if planned.any():  # families on a plan first, in the same order among themselves
                    key[planned] -= np.ptp(key) + 1.0
                offered[first_by(key, room)] = True
            leaves = (reviewed | offered) & ~still
            self._leave(week, agency, waiting[leaves])
            if room:
                admit.start(week, a, waiting[offered & still], SERVED)
            week.eligible_waiting[a] = int(np.count_nonzero(still & ~offered))

            room = admit.make_room(week, a, early, agency.early_slots, need_of)
            open_cases = listed[column[listed] >= SERVED]  # kept on or just admitted
            found = week.early_finds.get(a)
            if found is not None:  # found this week, but not if a key worker has taken the family on since, nor if
                found = found[(h.status[work.services.team_index, found] != SERVED)  # it is on the books (a plan begun
                              & (column[found] == NONE)]  # at a referral the same week brings a case)
            if room and found is not None and found.size:
                admitted = found[:room]  # in index order, and new to the agency's books
                admit.start(week, a, admitted, EARLY)
                open_cases = np.sort(np.concatenate([open_cases, admitted]), kind="stable")  # merges two sorted runs
            week.caseloads[a] = open_cases

    def _leave(self, week: Week, agency, households: np.ndarray) -> None:
        """Households leave an agency's waiting list, counted, with the threshold then."""
        self.work.households.status[agency.index, households] = NONE
        week.counts.dropped[agency.index] += households.size
        if week.events:
            week.events.emit("left_list", agency.index, households, np.full(households.size, agency.threshold))

    def _books(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """For each agency, its households on the books, then of those the waiting, the
        served and those in early help, each in index order (buffers reused week to week)."""
        work = self.work
        n_agencies, n = work.services.n_agencies, work.households.n
        listed = work.engine.scratch("allocating.books", (EARLY + 1, n_agencies, n), np.int32)
        counts = work.engine.scratch("allocating.book_counts", (n_agencies, EARLY + 1), np.int64)
        work.engine.run(on_books, status=work.households.status[:n_agencies], free_status=NONE, listed=listed,
                        counts=counts)
        statuses = (0, WAITING, SERVED, EARLY)
        return [tuple(listed[s, a, :counts[a, s]].astype(np.intp) for s in statuses) for a in range(n_agencies)]


class KeyWorkerPlans:
    """Key workers take waiting families while their tier's caseloads allow (its workers x
    its caseload), in the order they were found (within a week, crises first, the rest at
    random), or highest risk first; a family with a key worker leaves the agencies'
    lists, because its plan covers the whole family, except children's social care's
    where the family is on a child protection plan: that case, and the plan, go on beside
    the key worker's until a review ends the plan, when the case folds into the key
    worker's. Families whose risk has fallen below
    `keyworkers.recovered_share` of their tier's flag leave the waiting list."""

    def __init__(self, work: Casework, order: str):
        self.work, self.order = work, order
        self.admissions = Admissions(work)

    def allocate(self, week: Week) -> None:
        work, admit = self.work, self.admissions
        h, team, t = work.households, work.services.team, work.services.team_index
        risk = week.needs.risk
        waiting, served, _ = standing_lists(h.status[t])
        self._fold_ended_plans(week, served)
        recovered = team.recovered(risk[waiting], h.plan_tier[waiting])
        h.status[t, waiting[recovered]] = NONE
        week.counts.dropped[t] += int(recovered.sum())
        if week.events:
            week.events.emit("left_list", t, waiting[recovered])
        waiting = waiting[~recovered]
        for tier, slots in enumerate(team.slots_by_tier):
            mine = served[h.plan_tier[served] == tier]
            room = admit.make_room(week, t, mine, int(slots), risk.__getitem__)
            queue = waiting[h.plan_tier[waiting] == tier]
            if room > 0 and queue.size:
                key = -risk[queue] if self.order == "severity" else self._arrival(h, t, queue)
                admitted = queue[first_by(key, room)]
                folded = np.ones((t, admitted.size), bool)  # the agency cases the key worker's plan takes over
                for agency in work.services.agencies:  # a child protection plan goes on beside the key worker's, its
                    if agency.spec.protection is not None:  # case open with the agency (one whose case had closed has ended)
                        worked_with = (h.status[agency.index, admitted] == WAITING) | (h.status[agency.index, admitted] == SERVED)
                        h.plan_since[admitted[~worked_with]] = NEVER
                        folded[agency.index] = h.plan_since[admitted] == NEVER
                if week.events:  # with how many agency cases fold into the plan
                    week.events.emit("key_worker", t, admitted, ((h.status[:t, admitted] >= SERVED) & folded).sum(axis=0))
                closing = np.broadcast_to(admitted, folded.shape)[folded]
                h.status[np.nonzero(folded)[0], closing] = NONE
                admit.start(week, t, admitted, SERVED)
        week.caseloads[t] = np.flatnonzero(h.status[t] == SERVED)

    def _fold_ended_plans(self, week: Week, families: np.ndarray) -> None:
        """A child protection case kept beside a key worker's plan folds into it once a
        review conference has ended the plan: the key worker's plan covers the family. (A
        family still waiting leaves the list as the conference ends its plan, in
        `AgencyQueues`.)"""
        h = self.work.households
        for agency in self.work.services.agencies:
            if agency.spec.protection is None:
                continue
            ended = families[(h.status[agency.index, families] == SERVED) & (h.plan_since[families] == NEVER)]
            h.status[agency.index, ended] = NONE
            if week.events:
                week.events.emit("closed", agency.index, ended, np.full(ended.size, FOLDED))

    def _arrival(self, h, t: int, queue: np.ndarray) -> np.ndarray:
        """First found, first helped: the week each family joined the list, and among
        families of the same week those in a crisis first, the rest in a random order
        (drawn from the team's stream), not the households' (that is, neighbourhoods') order."""
        order = np.lexsort((self.work.team_stream.random(queue.size), ~h.crisis_now[queue], h.waiting_since[t, queue]))
        rank = np.empty(queue.size, np.int64)
        rank[order] = np.arange(queue.size)
        return rank


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
