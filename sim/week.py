"""What one week's stages hand each other: the week object.

Each stage receives the week, reads what earlier stages made for it and writes what it
makes itself; nothing of the week lives on the model. A new week is made every week, so
nothing stale from last week can be read by mistake.

    people change           (once a year: ageing, births, coming of age, households leaving and arriving)
    needs evolve         -> needs            (risk score, problems, worst need per household)
    needs noticed        -> referrals, early_finds
    households assessed  -> (the referred join waiting lists)
    help allocated       -> caseloads, eligible_waiting
    help works           -> standing
    crises happen        -> crisis_hits      (who had each kind of crisis)
    stocks move             (people go into placements, or come home)
    universal services   -> at_home          (adults and children at home; their GPs, school places billed)
    money moves          -> budgets          (in force this week, before a new year opens)
    everything recorded     reads them all

Counts of events go to `counts`; with an observer watching, what happened to whom goes to
`events` (see `sim.loop`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .regimes import Regime


@dataclass
class NeedsSummary:
    """Whole-family measures of this week's needs, for noticing and allocation."""

    risk: np.ndarray        # (N,) float32: the sum of the household's severities
    n_problems: np.ndarray  # (N,) int64: needs at or above the problem line
    worst: np.ndarray       # (N,) float32: the worst need


class WeekCounts:
    """Events counted during one week, by service (agencies, then the key-worker team)
    or by crisis kind."""

    def __init__(self, n_services: int, n_crisis_kinds: int, n_stocks: int = 0):
        self.referrals = np.zeros(n_services, np.int64)
        self.referrals_lost = np.zeros(n_services, np.int64)
        self.rereferrals = np.zeros(n_services, np.int64)  # referred again within a year of the last referral
        self.assessments = np.zeros(n_services, np.int64)  # new assessments (not those still valid)
        self.offered_early_help = np.zeros(n_services, np.int64)  # referred, below the threshold: early help offered
        self.screened_out = np.zeros(n_services, np.int64)  # referred, below the problem line: screened out
        self.enquiries = np.zeros(n_services, np.int64)  # section 47 enquiries started (child protection)
        self.plans_started = np.zeros(n_services, np.int64)  # child protection plans started
        self.plans_ended = np.zeros(n_services, np.int64)  # child protection plans a review ended
        self.admissions = np.zeros(n_services, np.int64)
        self.dropped = np.zeros(n_services, np.int64)  # off a waiting list at a review: no longer eligible
        self.crises = np.zeros(n_crisis_kinds, np.int64)
        self.stock_entered = np.zeros(n_stocks, np.int64)
        self.stock_left = np.zeros(n_stocks, np.int64)
        self.dropouts = 0
        self.births = self.came_of_age = self.newcomers = 0  # as people change, in a year's first week


@dataclass(frozen=True)
class Event:
    """Something that happened to some households this week: `kind` (see `EVENT_KINDS`),
    at which service (or crisis kind, for a crisis), to whom, and a detail per household
    where the kind has one (a cost in pounds, or why a case closed)."""

    kind: str
    where: int
    households: np.ndarray
    detail: np.ndarray | None = None


#: What stages tell observers, and what each event's `detail` holds.
EVENT_KINDS = {
    "referred": "noticed by a service above its threshold (or flagged for a key worker)",
    "found_early": "spotted below a service's threshold, for early help",
    "assessed": "assessed; detail: the cost in pounds",
    "screened_out": "referred, and screened out below the problem line, unassessed: no further action",
    "enquiry": "a section 47 enquiry started (child protection); detail: 1 if a child protection plan started too",
    "offered_early_help": "referred and assessed below the threshold: offered early help",
    "joined_list": "joined a service's waiting list",
    "left_list": "dropped from a waiting list at a review, no longer eligible; detail: the agency's threshold then",
    "help_started": "a service's help began",
    "early_help_started": "a service's early help began",
    "declined_key_worker": "asked to work with a key worker, and declined (not asked again for a while)",
    "key_worker": "a key worker took the family on; detail: how many agency cases (help, early help) folded into the plan",
    "closed": "a case closed; detail: why (CLOSED_WHY)",
    "crisis": "a crisis of a kind (where: the crisis kind)",
    "placed": "someone of the household went into a statutory placement (where: the stock)",
    "moved_in": "a newcomer household took the home of one that left the place (its history with services begins)",
}
#: Why a case closed, as the `detail` of a "closed" event.
RECOVERED, LONGEST, DROPPED_OUT, NO_CAPACITY, FOLDED = 1, 2, 3, 4, 5  # codes: 0 is "still open"
CLOSED_WHY = {RECOVERED: "recovered", LONGEST: "longest", DROPPED_OUT: "dropped_out", NO_CAPACITY: "no_capacity",
              FOLDED: "folded_into_key_worker_plan"}


class EventLog:
    """The week's events, kept only when an observer wants them (`wanted`): stages check
    `if week.events:` before working out what to tell, so an unwatched run pays nothing."""

    def __init__(self, wanted: bool):
        self.wanted = wanted
        self.items: list[Event] = []

    def __bool__(self) -> bool:
        return self.wanted

    def emit(self, kind: str, where: int, households: np.ndarray, detail: np.ndarray | None = None) -> None:
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind '{kind}'; known: {', '.join(EVENT_KINDS)}")
        if self.wanted and len(households):
            self.items.append(Event(kind, where, np.asarray(households), detail))

    def about(self, household: int) -> list[tuple[Event, object]]:
        """The events that name `household`, each with its detail for that household."""
        found = []
        for event in self.items:
            at = np.flatnonzero(event.households == household)
            if at.size:
                found.append((event, None if event.detail is None else event.detail[at[0]]))
        return found


@dataclass
class Week:
    """One week's hand-offs between stages (see the module's docstring)."""

    number: int  # weeks since recording began: the warm-up's weeks are negative
    regime: Regime  # the strategies of stages 2 to 4 in force this week, and how agencies ration
    counts: WeekCounts
    events: EventLog
    # The needs summary's arrays are the needs stage's buffers, rewritten every week: valid
    # during the week (an observer that keeps weeks must copy them).
    needs: NeedsSummary | None = None
    # By service, each in index order; the key-worker team's first (when the shared risk
    # score runs), then the agencies': the order assessments are made in, which decides
    # who pays a shared assessment.
    referrals: dict[int, np.ndarray] = field(default_factory=dict)
    early_finds: dict[int, np.ndarray] = field(default_factory=dict)  # by agency
    caseloads: dict[int, np.ndarray] = field(default_factory=dict)  # by service: its open cases, in index order
    crisis_hits: dict[int, np.ndarray] = field(default_factory=dict)  # by crisis kind: who had one
    eligible_waiting: np.ndarray | None = None  # by agency: still waiting after allocation, need at the threshold
    standing: np.ndarray | None = None  # (services, 4): households per service per status, after help
    budgets: np.ndarray | None = None  # per payer: the year's budget this week belongs to
    at_home: tuple[int, int] | None = None  # adults and children living at home, not in a placement
