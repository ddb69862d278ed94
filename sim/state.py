"""The mass of state: every household's needs, composition and history with services, as
numpy arrays, each field declared once in `HOUSEHOLD_FIELDS`.

Households are columns (index 0..N-1, ordered by neighbourhood so social ties stay near in
memory). Per-domain and per-service arrays are (domains or services, N), so one domain or
one service is a contiguous row and sums over domains are elementwise. The services are
the agencies, in the scenario's order, then the key-worker team: the same order as the
ledger's payers, whose last is the pooled budget that pays the team.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

# A household's standing with one service (an agency, or the key-worker team).
NONE, WAITING, SERVED, EARLY = STATUSES = (0, 1, 2, 3)
NEVER = -1  # week marker for "has not happened"
UNIVERSAL, VULNERABLE, COMPLEX, CRISIS = range(4)  # tier codes, in the order of vocabulary.TIERS
LONG_AGO = -10_000  # the week of an assessment that no longer counts as recent
DRAWN = None  # initial value of a field drawn when the place is built (sim.population)

Axis = Literal["households", "domains", "services"]
Group = Literal["who", "services", "week", "history"]


@dataclass(frozen=True)
class HouseholdField:
    """One array of household state. `axis` gives its shape: (N,), (domains, N) or
    (services, N). `group`: who the household is (drawn once), its standing with services,
    what this week made of it (rewritten every week), or its history over the run
    (forgotten after the warm-up: set back to `initial`, or to what `reset` makes of the
    households)."""

    name: str
    dtype: type
    axis: Axis
    group: Group
    initial: float | int | bool | None
    meaning: str
    reset: Callable[[Households], np.ndarray] | None = None


HOUSEHOLD_FIELDS: tuple[HouseholdField, ...] = (
    HouseholdField("severity", np.float32, "domains", "who", DRAWN, "need in each domain, 0 (none) to 1 (acute)"),
    HouseholdField("has_children", np.bool_, "households", "who", DRAWN, "dependent children live here"),
    HouseholdField("adults", np.int8, "households", "who", DRAWN, "adults in the household"),
    HouseholdField("children", np.int8, "households", "who", DRAWN, "children in the household"),
    HouseholdField("resilience", np.float32, "households", "who", DRAWN, "speed of recovering on one's own, 0 to 1"),
    HouseholdField("base_engagement", np.float32, "households", "who", DRAWN, "the household's own willingness to engage"),
    HouseholdField("engagement", np.float32, "households", "who", DRAWN, "engagement with services now, 0 to 1"),
    HouseholdField("frailty", np.float32, "households", "who", DRAWN, "how often new problems arrive, mean 1"),
    HouseholdField("neighbourhood", np.int32, "households", "who", DRAWN, "the neighbourhood it lives in"),
    HouseholdField("status", np.int8, "services", "services", NONE, "NONE, WAITING, SERVED or EARLY with each service"),
    HouseholdField("weeks_open", np.int16, "services", "services", 0, "weeks in the current episode of help"),
    HouseholdField("waiting_since", np.int32, "services", "services", 0, "week the household joined the waiting list"),
    HouseholdField("recent_assessments", np.float32, "households", "services", 0.0, "assessments lately, decaying"),
    HouseholdField("last_assessed", np.int32, "households", "services", LONG_AGO, "week of the last assessment"),
    HouseholdField("crisis_now", np.bool_, "households", "week", False, "a crisis this week"),
    HouseholdField("crisis_domains", np.bool_, "domains", "week", False, "domains with a crisis this week"),
    HouseholdField("tier", np.int8, "households", "week", 0, "universal, vulnerable, complex or crisis (TIERS)"),
    HouseholdField("episodes", np.int32, "households", "history", 0, "episodes of help started"),
    HouseholdField("assessments", np.int32, "households", "history", 0, "assessments"),
    HouseholdField("crises", np.int32, "households", "history", 0, "crises"),
    HouseholdField("first_help_week", np.int32, "households", "history", NEVER, "week help first came"),
    HouseholdField("first_help_severity", np.float32, "households", "history", np.nan,
                   "worst need when help first came"),
    HouseholdField("load_at_help", np.float32, "households", "history", np.nan, "sum of needs when help first came"),
    HouseholdField("weeks_down", np.int16, "households", "history", 0,
                   "weeks running with needs below a share of their load when help first came"),
    HouseholdField("peak_severity", np.float32, "households", "history", 0.0, "worst need seen",
                   reset=lambda h: h.severity.max(axis=0)),
    HouseholdField("start_load", np.float32, "households", "history", 0.0, "sum of needs when recording began",
                   reset=lambda h: h.severity.sum(axis=0)),
)
FIELD = {field.name: field for field in HOUSEHOLD_FIELDS}


class Households:
    """Every household's state: one array per field of `HOUSEHOLD_FIELDS`, as an attribute
    of that name (`households.severity`, `households.status`, ...)."""

    def __init__(self, n: int, n_domains: int, n_services: int, drawn: dict[str, np.ndarray]):
        sizes = {"households": (), "domains": (n_domains,), "services": (n_services,)}
        missing = [f.name for f in HOUSEHOLD_FIELDS if f.initial is DRAWN and f.name not in drawn]
        unknown = set(drawn) - {f.name for f in HOUSEHOLD_FIELDS if f.initial is DRAWN}
        if missing or unknown:
            raise ValueError(f"drawn household fields: missing {missing}, not drawn fields {sorted(unknown)}")
        for field in HOUSEHOLD_FIELDS:
            shape = (*sizes[field.axis], n)
            if field.initial is DRAWN:
                array = np.asarray(drawn[field.name])
                if array.shape != shape or array.dtype != field.dtype:
                    raise ValueError(f"{field.name} is {array.dtype}{array.shape}, declared {np.dtype(field.dtype)}{shape}")
            else:
                array = np.full(shape, field.initial, field.dtype)
            setattr(self, field.name, array)

    @property
    def n(self) -> int:
        return self.severity.shape[1]

    def forget_history(self) -> None:
        """Forget the warm-up: outcomes are counted from the first recorded week.
        (`last_assessed` stays: warm-up weeks are numbered -W..-1 on the same clock.)"""
        for field in HOUSEHOLD_FIELDS:
            if field.group == "history":
                getattr(self, field.name)[:] = field.reset(self) if field.reset else field.initial

    def start_afresh(self, i: int) -> None:
        """Household `i` as if no service had met it and its history began now."""
        for field in HOUSEHOLD_FIELDS:
            if field.group in ("services", "history"):
                value = field.reset(self)[i] if field.reset else field.initial
                getattr(self, field.name)[..., i] = value

    def nbytes(self) -> int:
        return sum(getattr(self, field.name).nbytes for field in HOUSEHOLD_FIELDS)
