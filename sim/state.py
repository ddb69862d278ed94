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

from .tables import read_table

# A household's standing with one service (an agency, or the key-worker team).
NONE, WAITING, SERVED, EARLY = STATUSES = (0, 1, 2, 3)
NEVER = -(2**30)  # week marker for "has not happened": below any week the clock reaches, warm-up
# weeks included (they run -W..-1), and far enough from int32's floor that a week minus it cannot overflow
UNIVERSAL, VULNERABLE, COMPLEX, CRISIS = range(4)  # tier codes, in the order of vocabulary.TIERS
PER_HOUSEHOLD, PER_ADULT, PER_CHILD, PER_PERSON = range(4)  # codes: whom a universal service is billed per
LONG_AGO = -10_000  # the week of an assessment that no longer counts as recent
DRAWN = None  # initial value of a field drawn when the place is built (sim.population)

Axis = Literal["households", "domains", "services", "stocks", "children"]
NO_CHILD = -1  # the age in an empty child's place
AT_HOME = -1  # a child's placement when the child lives at home
Group = Literal["who", "services", "week", "history"]


@dataclass(frozen=True)
class HouseholdField:
    """One array of household state. `axis` gives its shape: (N,), (domains, N),
    (services, N), (stocks, N) or (children, N): a place per child the household may have. `group`: who the household is (drawn once), its standing with services,
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


#: Initial values, by the words the table below uses for them.
INITIAL = {"drawn": DRAWN, "0": 0, "none": NONE, "never": NEVER, "long ago": LONG_AGO, "nan": np.nan, "at home": AT_HOME}
#: History that the warm-up's end sets from the households, not back to its initial value.
RESETS: dict[str, Callable[[Households], np.ndarray]] = {
    "peak_severity": lambda h: h.severity.max(axis=0),
    "start_load": lambda h: h.severity.sum(axis=0),
}
FIELDS_TABLE = """
name                 type     axis        group     initial   meaning
severity             float32  domains     who       drawn     need in each domain, 0 (none) to 1 (acute)
has_children         bool     households  who       drawn     the household has dependent children (at home or in care)
adults               int8     households  who       drawn     adults in the household
children             int8     households  who       drawn     children living at home (not in care)
head_age             int8     households  who       drawn     age of the household reference person, years
working_age          bool     households  who       drawn     the reference person is of working age (demography.working_ages): only then can the household be workless
school_age           bool     households  who       drawn     a child is of school age (demography.school_ages), at home or in care: only then can the household have school absence
may_have             bool     domains     who       drawn     whether the household can have each need (vocabulary.WHO_CAN_HAVE), from has_children, working_age and school_age
child_age            int8     children    who       drawn     each of the household's children's age (at home or in care), NO_CHILD where none
resilience           float32  households  who       drawn     speed of recovering on one's own, 0 to 1
base_engagement      float32  households  who       drawn     the household's own willingness to engage
engagement           float32  households  who       drawn     engagement with services now, 0 to 1
frailty              float32  households  who       drawn     how often new problems arrive, mean 1
neighbourhood        int32    households  who       drawn     the neighbourhood it lives in
in_stock             int8     stocks      services  0         people (or the household) in each statutory placement: care, custody, ...
child_in             int8     children    services  at home   the placement (its stock's index) each of the household's children is in, AT_HOME if none
status               int8     services    services  none      NONE, WAITING, SERVED or EARLY with each service
weeks_open           int16    services    services  0         weeks in the current episode of help
waiting_since        int32    services    services  0         week the household joined the waiting list
recent_assessments   float32  households  services  0         assessments lately, decaying
last_assessed        int32    services    services  long ago  week each service last assessed the household
last_referred        int32    services    services  long ago  week the household was last referred to each service
plan_tier            int8     households  services  0         the key-work tier the family was referred to (meaningful while it stands with the team)
declined_week        int32    households  services  long ago  week the family last declined a key worker
plan_since           int32    households  services  never     week the family's child protection plan started, for its episode with the agency that holds child protection (never: no plan)
crisis_now           bool     households  week      0         a crisis at the last crises stage (read by next week's noticing)
crisis_domains       bool     domains     week      0         domains with a crisis at the last crises stage
tier                 int8     households  week      0         universal, vulnerable, complex or crisis (TIERS)
episodes             int32    households  history   0         episodes of help started
assessments          int32    households  history   0         assessments
crises               int32    households  history   0         crises
first_help_week      int32    households  history   never     week help first came
first_help_severity  float32  households  history   nan       worst need when help first came
load_at_help         float32  households  history   nan       sum of needs when help first came
weeks_down           int16    households  history   0         weeks running with needs fallen below a share of their load at first help
peak_severity        float32  households  history   0         worst need seen (from the warm-up's end: the worst then)
start_load           float32  households  history   0         sum of needs when recording began
arrived_week         int32    households  history   never     week the household living here now moved in (never: it lived here when recording began)
"""
HOUSEHOLD_FIELDS: tuple[HouseholdField, ...] = tuple(
    HouseholdField(row["name"], np.dtype(row["type"]).type, row["axis"], row["group"], INITIAL[row["initial"]],
                   row["meaning"], RESETS.get(row["name"]))
    for row in read_table(FIELDS_TABLE))
assert set(RESETS) <= {f.name for f in HOUSEHOLD_FIELDS if f.group == "history"}, "RESETS names a field not in history"


class Households:
    """Every household's state: one array per field of `HOUSEHOLD_FIELDS`, as an attribute
    of that name (`households.severity`, `households.status`, ...)."""

    def __init__(self, n: int, n_domains: int, n_services: int, n_stocks: int, n_child_places: int,
                 drawn: dict[str, np.ndarray]):
        sizes = {"households": (), "domains": (n_domains,), "services": (n_services,), "stocks": (n_stocks,),
                 "children": (n_child_places,)}
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
        (`last_assessed` and `last_referred` stay: warm-up weeks are numbered -W..-1 on the same clock.)"""
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
