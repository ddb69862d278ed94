"""An agency's workforce: its caseworkers as a stock, not money divided by a unit cost.

The year's casework plan funds posts (the establishment, set as the year opens: each
post a worker holding a safe caseload and the services its cases commission). Staff in
post leave at the turnover rate and are hired towards the posts over `hiring_weeks`, or
shed over as long when posts are cut; agency staff cover a share of the vacant posts at
a premium, and are let go first when the money will not last the year (a hiring freeze).
Capacity is the workers times the safe caseload; a worker may carry more, up to
`overload_limit` times it, and then each case gets less time and help works less well.
Staff are paid every week, whether or not their cases fill their time."""

from __future__ import annotations

import math

from locality.parameters.schema import Agency as AgencySpec
from locality.parameters.schema import Workforce as WorkforceSpec
from locality.parameters.vocabulary import WEEKS_PER_YEAR

UNLIMITED = 10**9  # engine: the places help buys when it costs nothing
ROUNDING = 1e-9  # numerical: 2.5 workers x 4 cases is 10 places, not 9.999...


class Workforce:
    """One agency's posts, staff in post and agency staff (full-time equivalents, at the
    cost of a post its unit costs imply), and what they can hold."""

    def __init__(self, spec: WorkforceSpec, agency: AgencySpec):
        self.spec = spec
        self.safe_caseload = agency.safe_caseload
        self.week_cost = agency.staff_share * agency.intervention_week_cost * agency.safe_caseload  # a worker's week, £
        self.commissioned = (1.0 - agency.staff_share) * agency.intervention_week_cost  # a case's week of services, £
        self.post_cost = self.week_cost + self.safe_caseload * self.commissioned  # a post's week with a full caseload
        self.free = agency.intervention_week_cost <= 0  # help that costs nothing needs no money for staff
        self.posts = self.staff = self.temps = 0.0
        self.started = False

    # --- the stock ----------------------------------------------------------------------------
    def fund(self, money_per_week: float) -> None:
        """The posts (the establishment) that the money for casework, a week, funds."""
        self.posts = max(money_per_week, 0.0) / self.post_cost if self.post_cost > 0 else 0.0
        if not self.started:  # the first funding finds the staff settled: no vacancies wave at the start
            self.started = True
            self.staff = self.posts / (1.0 + self.spec.hiring_weeks * self.weekly_turnover)
            self.temps = self.spec.agency_cover * (self.posts - self.staff)

    @property
    def weekly_turnover(self) -> float:
        return self.spec.turnover / WEEKS_PER_YEAR

    def move(self, frozen: bool = False) -> None:
        """A week of leavers, hiring (or shedding) towards the posts, and agency cover.
        `frozen` (the money will not last the year): hiring stops and agency staff go."""
        gap = self.posts - self.staff
        hired = gap / self.spec.hiring_weeks if (gap < 0 or not frozen) else 0.0
        self.staff = max(self.staff * (1.0 - self.weekly_turnover) + hired, 0.0)
        self.temps = 0.0 if frozen else self.spec.agency_cover * max(self.posts - self.staff, 0.0)

    def place_grew(self, by: float) -> None:
        """The same people, standing for a place `by` times larger (see `Agency.place_grew`)."""
        self.staff /= by
        self.temps /= by

    # --- what it gives ------------------------------------------------------------------------
    @property
    def workers(self) -> float:
        return self.staff + self.temps

    @property
    def vacancies(self) -> float:
        """Funded posts with nobody employed in them (some covered by agency staff)."""
        return max(self.posts - self.staff, 0.0)

    @property
    def pay_per_week(self) -> float:
        return self.week_cost * (self.staff + self.temps * (1.0 + self.spec.agency_premium))

    @property
    def slots(self) -> int:
        """Cases the workers hold safely: the agency takes new cases up to this."""
        return UNLIMITED if self.free else math.floor(self.workers * self.safe_caseload + ROUNDING)

    @property
    def most_cases(self) -> int:
        """Cases the workers carry at most: above this the least needy close."""
        return UNLIMITED if self.free else math.floor(self.workers * self.safe_caseload * self.spec.overload_limit + ROUNDING)

    def time_share(self, cases: int) -> float:
        """How well help works for each of `cases` open cases against a safe caseload:
        1 up to it, then the time each case gets, to `overload_elasticity`."""
        safe = self.workers * self.safe_caseload
        if self.free or cases <= safe:
            return 1.0
        return (safe / cases) ** self.spec.overload_elasticity

