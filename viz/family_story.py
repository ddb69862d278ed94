"""One family's journey through the real model, week by week, for the workshop.

A family like the Sherwood case (source_facts.md: a single mother, three children and a
newborn; child neglect, worklessness, rent arrears, anti-social behaviour, a history of
domestic abuse, poor school attendance, appointments not kept) is placed in a small
place after its warm-up, and the model runs as usual. A tracer watches the end of every
week (an observation point of the model's loop) and reads what the stages told of that
one household: which agency noticed it, who assessed it and at what cost, waiting lists,
help started and ended and why, missed appointments, crises and their bills. Nothing in
the model changes, so the family meets the same system as everyone else.

Plain Python (no Solara), so it can be tested and used from a notebook:

    journey = trace_family(regime="siloed", seed=2010)
    for week in journey.moments: print(week.week, [e.text for e in week.events])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from locality.parameters.vocabulary import DOMAIN_INDEX, DOMAINS
from locality.sim.allocating import Admissions
from locality.sim.assessing import Assessor
from locality.sim.demography import ages_decide
from locality.sim.model import LocalityModel
from locality.sim.state import AT_HOME, NO_CHILD, SERVED
from locality.sim.week import DROPPED_OUT, FOLDED, LONGEST, NO_CAPACITY, RECOVERED, EventLog, WeekCounts
from locality.sim.week import Week as ModelWeek

STORY_PLACE = "sherwood"
KEY_WORKER = "Key worker"  # the pooled team's label in the family's events
STORY_SEED = 2010
STORY_YEARS = 2

#: The case family's problems when the story starts (severity 0 to 1; 0.3 is a problem,
#: 0.75 acute). Assumption: levels chosen to match the case description, not measured.
CASE_SEVERITY = {
    "worklessness": 0.70,          # out of work, no skills (Jobcentre Plus)
    "substance_misuse": 0.05,
    "domestic_abuse": 0.50,        # history of domestic abuse (police)
    "child_neglect": 0.60,         # child in need for neglect (children's social care, referred by school)
    "school_absence": 0.60,        # poor attendance of the 13, 9 and 7 year olds
    "antisocial_offending": 0.50,  # anti-social behaviour complaints
    "rent_arrears": 0.65,          # rent arrears (housing association)
    "mental_health": 0.45,         # family dysfunction; counselling referral not attended
    "physical_health": 0.20,       # pregnant; health visitor for the newborn
}
CASE_ENGAGEMENT = 0.45  # counselling, mediation and the parenting course were not attended
CASE_ADULTS = 1
CASE_CHILD_AGES = (13, 9, 7, 0)  # the 13, 9 and 7 year olds, and the newborn
CASE_HEAD_AGE = 32  # assumption: the case gives no age; a mother of a 13-year-old, of working age


def noun(count: float, one: str, many: str | None = None) -> str:
    """`one` or `many` (by default `one` + "s"), whichever agrees with `count` rounded to
    a whole number, as it is shown: a mean of 1.2 assessments reads "1 assessment"."""
    return one if round(count) == 1 else many or one + "s"


def plural(count: float, one: str, many: str | None = None) -> str:
    """A count and its noun agreeing in number: "1 crisis", "3 crises", "0 weeks"."""
    return f"{round(count):,} {noun(count, one, many)}"


@dataclass
class Event:
    kind: str        # noticed, screened_out, assessed, waiting, help, early_help, closed, dropped_out, off_list, crisis, placed, key_worker
    agency: str      # the agency's label ("Key worker" for the pooled team)
    text: str
    cost: float = 0.0


@dataclass
class Week:
    week: int                    # 1-based week of the run
    events: list[Event]
    severity: dict[str, float]   # the family's needs at the end of the week
    assessments: int             # so far
    agencies_met: int            # so far: agencies (or the key worker) that noticed, assessed or helped
    spend: float                 # so far, all agencies
    crises: int                  # so far
    missed: int                  # so far: episodes ended because appointments were not kept
    spend_by_agency: dict[str, float]


@dataclass
class Journey:
    regime: str
    place: str
    seed: int
    household: int
    key_workers: float = 0.0  # full-time key workers the place's pool buys in week 1
    pilot: bool = False       # the family was given a key worker in week 1 rather than queueing
    start: dict[str, float] = field(default_factory=dict)  # the family's needs when the story starts
    weeks: list[Week] = field(default_factory=list)

    @property
    def moments(self) -> list[Week]:
        """The weeks in which something happened to the family."""
        return [w for w in self.weeks if w.events]

    @property
    def final(self) -> Week:
        return self.weeks[-1]

    def first_week(self, kind: str, agency: str | None = None) -> int | None:
        """The first week with an event of `kind` (from `agency`, if given), or None."""
        for week in self.weeks:
            if any(e.kind == kind and (agency is None or e.agency == agency) for e in week.events):
                return week.week
        return None


def trace_family(place: str = STORY_PLACE, regime: str = "siloed", seed: int = STORY_SEED, years: int = STORY_YEARS,
                 overrides: dict | None = None, pilot: bool = True) -> Journey:
    """Run `place` under `regime` with the case family in it and return its journey.
    With key workers in the regime and `pilot`, the family gets one in week 1, as the
    pilots chose their families; without `pilot` it waits in the model's own queue.
    The same arguments give the same journey every time."""
    model = LocalityModel(place, overrides={"regime.kind": regime, "run.seed": seed, "run.years": years, **(overrides or {})})
    household = choose_family(model)
    place_case_family(model, household)
    tracer = FamilyTracer(model, household)
    key_workers = model.switches.key_workers
    if key_workers and pilot:
        tracer.pilot_key_worker()
    journey = Journey(regime=regime, place=model.params.place.name, seed=seed, household=household,
                      pilot=key_workers and pilot,
                      start={d: float(model.households.severity[k, household]) for k, d in enumerate(DOMAINS)})
    while model.running:
        model.step()
        journey.weeks.append(tracer.end_week())
        if model.week == 1:
            journey.key_workers = model.keyworkers.count if key_workers else 0
    return journey


def choose_family(model: LocalityModel) -> int:
    """The household with children, none of them in a placement, whose needs are heaviest
    after the warm-up (the first such, so the choice is fixed by the seed)."""
    h = model.households
    load = np.where(h.has_children & (h.in_stock.sum(axis=0) == 0), h.severity.sum(axis=0), -1.0)
    return int(np.argmax(load))


def place_case_family(model: LocalityModel, i: int) -> None:
    """Give household `i` the case family's make-up and problems, and a clean slate with
    services, so its story starts in week 1."""
    h = model.households
    for domain, value in CASE_SEVERITY.items():
        h.severity[DOMAIN_INDEX[domain], i] = value
    h.head_age[i], h.adults[i], h.children[i] = CASE_HEAD_AGE, CASE_ADULTS, len(CASE_CHILD_AGES)
    h.child_age[:, i] = NO_CHILD
    h.child_age[:len(CASE_CHILD_AGES), i] = CASE_CHILD_AGES
    h.child_in[:, i] = AT_HOME
    h.has_children[i] = True
    ages_decide(h, model.params.demography, [i])  # so it can have every one of its needs
    h.engagement[i] = h.base_engagement[i] = CASE_ENGAGEMENT
    h.start_afresh(i)


class FamilyTracer:
    """Watches the model's weeks (at the end of each, through the loop's observation
    point) and turns what its stages tell about one household (`week.events`) into the
    family's story, in words."""

    def __init__(self, model: LocalityModel, household: int):
        self.m, self.i = model, household
        self.team = model.services.team_index
        self.labels = [a.label for a in model.agency_list] + [KEY_WORKER]
        self.met: set[str] = set()
        self.missed = 0
        self.events: list[Event] = []
        model.watch("after everything recorded", self._read)

    def pilot_key_worker(self) -> None:
        """As in the pilots, which chose their families, the family gets a key worker in
        week 1 after one shared assessment paid from the pool. (Left to the queue, it could
        wait most of a year: a small place buys only a worker or two.) If that overfills the
        caseload, the team closes its least needy family's plan, as it does when money falls.
        Done before the week begins, as the pilots did, so it is not in the week's counts."""
        m, i, t = self.m, np.array([self.i]), self.team
        before = m.ledger.by_agency[t, self.i]
        aside = ModelWeek(number=m.week, regime=m.regime, counts=WeekCounts(len(m.payers), len(m.crisis_kinds)),
                     events=EventLog(False))
        Assessor(m.casework).assess(aside, t, i)
        Admissions(m.casework).start(aside, t, i, SERVED)
        cost = float(m.ledger.by_agency[t, self.i] - before)
        self._add("assessed", t, f"The pilot picks the family: one shared assessment (£{cost:,.0f})", cost)
        self._add("key_worker", t, "A key worker takes the family on: one plan for the whole family")

    def _add(self, kind: str, service: int, text: str, cost: float = 0.0) -> None:
        label = self.labels[service]
        self.met.add(label)
        self.events.append(Event(kind, label, text, cost))

    def _read(self, week) -> None:
        """The week's events about the family, in the order the stages told them."""
        for event, detail in week.events.about(self.i):
            self._tell(event.kind, event.where, detail)

    def _tell(self, kind: str, where: int, detail) -> None:
        m, label, team = self.m, self.labels[where] if where < len(self.labels) else "", where == self.team
        if kind == "referred":
            self._add("noticed", where, "Shared data flags the family for a key worker" if team else f"{label} notices the family")
        elif kind == "found_early":
            self._add("noticed", where, f"{label} spots an early problem")
        elif kind == "assessed":
            self._add("assessed", where, f"Assessed by {label} (£{detail:,.0f})", float(detail))
        elif kind == "joined_list":
            self._add("waiting", where, "Waiting for a key worker" if team else f"Waiting for {label}")
        elif kind == "left_list":
            text = ("Taken off the key-worker waiting list: the family's problems have eased" if team else
                    f"Dropped from the waiting list of {label}: it has raised the bar for its help, and the "
                    "family's problem is now below it")
            self._add("off_list", where, text)
        elif kind == "screened_out":
            self._add("screened_out", where, f"{label} looks at the referral and takes it no further: the problem is slight")
        elif kind == "offered_early_help":
            self._add("noticed", where, f"{label} assesses the family: not bad enough for its service, so it offers early help")
        elif kind == "key_worker":
            fold = "folds" if detail == 1 else "fold"
            extra = f"; {plural(detail, 'agency case')} {fold} into one family plan" if detail else ""
            self._add("key_worker", where, f"A key worker takes the family on{extra}")
        elif kind == "help_started" and not team:
            self._add("help", where, f"{label} starts help")
        elif kind == "early_help_started":
            self._add("early_help", where, f"{label} gives early help")
        elif kind == "closed":
            self._closed(where, int(detail))
        elif kind == "placed":
            stock = m.stock_kinds[where]
            self.events.append(Event("placed", self.labels[stock.payer], f"Placed: {stock.label.lower()} "
                                     f"(£{stock.week_cost:,.0f} a week, paid by {self.labels[stock.payer]})"))
        elif kind == "crisis":
            crisis = m.crisis_kinds[where]
            bill = sum(cost for _, cost in crisis.bills)
            payers = ", ".join(self.labels[p] for p, _ in crisis.bills)
            self.events.append(Event("crisis", self.labels[crisis.bills[0][0]],
                                     f"CRISIS: {crisis.label} (£{bill:,.0f}, paid by {payers})", bill))

    def _closed(self, service: int, why: int) -> None:
        """A case closed, in words, by why the stage closed it."""
        label, team = self.labels[service], service == self.team
        longest = self.m.keyworkers.spec.plan_weeks if team else self.m.agency_list[service].spec.max_weeks
        if why == DROPPED_OUT:
            self.missed += 1
            text = "Appointments missed: the key worker's plan stops" if team else f"Appointments missed: {label} closes the case"
            self._add("dropped_out", service, text)
            return
        text = {
            RECOVERED: ("The key worker's plan ends: every problem has eased" if team
                        else f"{label} closes the case: the problem has eased below where it steps in"),
            LONGEST: (f"The key worker's plan ends after {plural(longest, 'week')}" if team
                      else f"{label} closes the case after {plural(longest, 'week')}"),
            NO_CAPACITY: ("The key worker's plan ends: no capacity left" if team
                          else f"{label} closes the case: no capacity left"),
            FOLDED: f"The child protection plan has ended: {label}'s case folds into the key worker's plan",
        }[why]
        self._add("closed", service, text)

    def end_week(self) -> Week:
        m, i = self.m, self.i
        h = m.households
        spend = m.ledger.by_agency[:, i]
        week = Week(
            week=m.week,
            events=self.events,
            severity={d: float(h.severity[k, i]) for k, d in enumerate(DOMAINS)},
            assessments=int(h.assessments[i]),
            agencies_met=len(self.met),
            spend=float(spend.sum()),
            crises=int(h.crises[i]),
            missed=self.missed,
            spend_by_agency={self.labels[p]: float(spend[p]) for p in np.flatnonzero(spend > 0)},
        )
        self.events = []
        return week
