"""The mass of state: every household's needs, composition and service history as numpy arrays.

Households are columns (index 0..N-1, ordered by neighbourhood so social ties stay near in
memory). Per-domain and per-agency arrays are (domains or agencies, N), so that one domain
or one agency is a contiguous row and sums over domains are elementwise.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

# A household's standing with one agency (or with the key-worker team).
NONE, WAITING, SERVED, EARLY = 0, 1, 2, 3
NEVER = -1  # week marker for "has not happened"


@dataclass
class Households:
    severity: np.ndarray          # (D, N) float32 in [0, 1]: domain-major, so one domain is contiguous
    has_children: np.ndarray      # (N,) bool
    adults: np.ndarray            # (N,) int8
    children: np.ndarray          # (N,) int8
    resilience: np.ndarray        # (N,) float32: speed of recovering on one's own
    base_engagement: np.ndarray   # (N,) float32: the household's own willingness to engage
    engagement: np.ndarray        # (N,) float32: current engagement with services
    frailty: np.ndarray           # (N,) float32, mean 1: how often new problems arrive
    neighbourhood: np.ndarray     # (N,) int32

    # standing with services
    status: np.ndarray            # (A, N) int8: NONE / WAITING / SERVED / EARLY per agency
    weeks_open: np.ndarray        # (A, N) int16: weeks in the current episode
    waiting_since: np.ndarray     # (A, N) int32: week a referral joined the waiting list
    keyworker: np.ndarray         # (N,) int8: NONE / WAITING / SERVED with the key-worker team
    keyworker_weeks: np.ndarray   # (N,) int16
    keyworker_since: np.ndarray   # (N,) int32: week the family joined the key-worker waiting list
    recent_assessments: np.ndarray  # (N,) float32: assessments lately, decaying
    last_assessed: np.ndarray     # (N,) int32: week of the last assessment
    crisis_now: np.ndarray        # (N,) bool: a crisis this week
    crisis_domains: np.ndarray    # (D, N) bool: crises since last noticed, by domain
    tier: np.ndarray              # (N,) int8

    # what happened to each household over the run
    services: np.ndarray          # (N,) int32: episodes of help started
    assessments: np.ndarray       # (N,) int32
    crises: np.ndarray            # (N,) int32
    first_help_week: np.ndarray   # (N,) int32
    first_help_severity: np.ndarray  # (N,) float32: worst domain when help first arrived
    load_at_help: np.ndarray      # (N,) float32: sum of severities when help first arrived
    weeks_down: np.ndarray        # (N,) int16: weeks running with needs below half of that
    peak_severity: np.ndarray     # (N,) float32
    start_load: np.ndarray        # (N,) float32

    @property
    def n(self) -> int:
        return self.severity.shape[1]

    def reset_history(self) -> None:
        """Forget the warm-up: outcomes are counted from the first recorded week."""
        self.services[:] = 0
        self.assessments[:] = 0
        self.crises[:] = 0
        self.first_help_week[:] = NEVER
        self.first_help_severity[:] = np.nan
        self.load_at_help[:] = np.nan
        self.weeks_down[:] = 0
        self.peak_severity[:] = self.severity.max(axis=0)
        self.start_load[:] = self.severity.sum(axis=0)
        # last_assessed stays: warm-up weeks are numbered -W..-1 on the same clock as the run

    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))


def empty_service_state(n_households: int, n_agencies: int, n_domains: int) -> dict[str, np.ndarray]:
    """Arrays for the service history of households no agency has seen yet."""
    return {
        "status": np.zeros((n_agencies, n_households), np.int8),
        "weeks_open": np.zeros((n_agencies, n_households), np.int16),
        "waiting_since": np.zeros((n_agencies, n_households), np.int32),
        "keyworker": np.zeros(n_households, np.int8),
        "keyworker_weeks": np.zeros(n_households, np.int16),
        "keyworker_since": np.zeros(n_households, np.int32),
        "recent_assessments": np.zeros(n_households, np.float32),
        "last_assessed": np.full(n_households, -10_000, np.int32),
        "crisis_now": np.zeros(n_households, bool),
        "crisis_domains": np.zeros((n_domains, n_households), bool),
        "tier": np.zeros(n_households, np.int8),
        "services": np.zeros(n_households, np.int32),
        "assessments": np.zeros(n_households, np.int32),
        "crises": np.zeros(n_households, np.int32),
        "first_help_week": np.full(n_households, NEVER, np.int32),
        "first_help_severity": np.full(n_households, np.nan, np.float32),
        "load_at_help": np.full(n_households, np.nan, np.float32),
        "weeks_down": np.zeros(n_households, np.int16),
        "peak_severity": np.zeros(n_households, np.float32),
        "start_load": np.zeros(n_households, np.float32),
    }
