"""One family's journey through the real model, week by week, for the workshop.

A family like the Sherwood case (source_facts.md: a single mother, three children and a
newborn; child neglect, worklessness, rent arrears, anti-social behaviour, a history of
domestic abuse, poor school attendance, appointments not kept) is placed in a small
place after its warm-up, and the model runs as usual. A tracer wraps each stage of the
week and notes what changed for that one household: which agency noticed it, who
assessed it and at what cost, waiting lists, help started and ended, missed
appointments, crises and their bills. Nothing in the model changes: the tracer only
reads the arrays around each stage, so the family meets the same system as everyone else.

Plain Python (no Solara), so it can be tested and used from a notebook:

    journey = trace_family(regime="siloed", seed=2010)
    for week in journey.moments: print(week.week, [e.text for e in week.events])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from parameters.vocabulary import DOMAIN_INDEX, DOMAINS
from sim.model import LocalityModel
from sim.state import EARLY, NEVER, NONE, SERVED, WAITING

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
CASE_ADULTS, CASE_CHILDREN = 1, 4


def noun(count: float, one: str, many: str | None = None) -> str:
    """`one` or `many` (by default `one` + "s"), whichever agrees with `count` rounded to
    a whole number, as it is shown: a mean of 1.2 assessments reads "1 assessment"."""
    return one if round(count) == 1 else many or one + "s"


def plural(count: float, one: str, many: str | None = None) -> str:
    """A count and its noun agreeing in number: "1 crisis", "3 crises", "0 weeks"."""
    return f"{round(count):,} {noun(count, one, many)}"


@dataclass
class Event:
    kind: str        # noticed, assessed, waiting, help, early_help, closed, dropped_out, off_list, crisis, key_worker
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
    key_workers = model.params.regime.switches().key_workers
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
    """The household with children whose needs are heaviest after the warm-up (the first
    such, so the choice is fixed by the seed)."""
    h = model.households
    load = np.where(h.has_children, h.severity.sum(axis=0), -1.0)
    return int(np.argmax(load))


def place_case_family(model: LocalityModel, i: int) -> None:
    """Give household `i` the case family's make-up and problems, and a clean slate with
    services, so its story starts in week 1."""
    h = model.households
    for domain, value in CASE_SEVERITY.items():
        h.severity[DOMAIN_INDEX[domain], i] = value
    h.has_children[i] = True
    h.adults[i], h.children[i] = CASE_ADULTS, CASE_CHILDREN
    h.engagement[i] = h.base_engagement[i] = CASE_ENGAGEMENT
    h.status[:, i] = NONE
    h.keyworker[i] = NONE
    h.recent_assessments[i] = 0.0
    h.last_assessed[i] = -10_000
    h.first_help_week[i] = NEVER
    h.peak_severity[i] = h.severity[:, i].max()
    h.start_load[i] = h.severity[:, i].sum()


class FamilyTracer:
    """Wraps each stage of the model's week to note what the stage did to one household."""

    def __init__(self, model: LocalityModel, household: int):
        self.m, self.i = model, household
        self.labels = [a.label for a in model.agency_list] + [KEY_WORKER]
        self.met: set[str] = set()
        self.missed = 0
        self.events: list[Event] = []
        model.stages = [(name, self._watch(name, stage)) for name, stage in model.stages]

    def pilot_key_worker(self) -> None:
        """As in the pilots, which chose their families, the family gets a key worker in
        week 1 after one shared assessment paid from the pool. (Left to the queue, it could
        wait most of a year: a small place buys only a worker or two.) If that overfills the
        caseload, the team closes its least needy family's plan, as it does when money falls."""
        m, i = self.m, self.i
        pool = m.pool_index
        before = m.ledger.by_agency[pool, i]
        m.charge_assessment(pool, np.array([i]))
        cost = m.ledger.by_agency[pool, i] - before
        m.households.keyworker[i] = SERVED
        m.households.keyworker_weeks[i] = 0
        m.start_help(pool, np.array([i]))
        self._add("assessed", pool, f"The pilot picks the family: one shared assessment (£{cost:,.0f})", float(cost))
        self._add("key_worker", pool, "A key worker takes the family on: one plan for the whole family")

    def _snapshot(self) -> dict:
        h, i = self.m.households, self.i
        return {
            "status": h.status[:, i].copy(),
            "keyworker": int(h.keyworker[i]),
            "spend": self.m.ledger.by_agency[:, i].copy(),
            "crises": int(h.crises[i]),
            "weeks_open": h.weeks_open[:, i].copy(),
            "keyworker_weeks": int(h.keyworker_weeks[i]),
        }

    def _watch(self, name: str, stage):
        notes = {
            "needs noticed": self._noticed,
            "households assessed": self._assessed,
            "help allocated": self._allocated,
            "help works": self._helped,
            "crises happen": self._crises,
        }.get(name)
        if notes is None:
            return stage

        def watched() -> None:
            before = self._snapshot()
            stage()
            notes(before, self._snapshot())
        return watched

    def _add(self, kind: str, payer: int, text: str, cost: float = 0.0) -> None:
        label = self.labels[payer]
        self.met.add(label)
        self.events.append(Event(kind, label, text, cost))

    # --- what each stage did -----------------------------------------------------------
    def _noticed(self, before: dict, after: dict) -> None:
        for payer, households in self.m.inbox.items():
            if np.any(households == self.i):
                who = "shared data flags the family for a key worker" if payer == self.m.pool_index else "notices the family"
                self._add("noticed", payer, f"{self.labels[payer]} {who}")
        for agency, households in self.m.early_found.items():
            if np.any(households == self.i):
                self._add("noticed", agency, f"{self.labels[agency]} spots an early problem")

    def _assessed(self, before: dict, after: dict) -> None:
        paid = after["spend"] - before["spend"]
        for payer in np.flatnonzero(paid > 0):
            self._add("assessed", payer, f"Assessed by {self.labels[payer]} (£{paid[payer]:,.0f})", float(paid[payer]))
        joined = np.flatnonzero((before["status"] != WAITING) & (after["status"] == WAITING))
        for agency in joined:
            self._add("waiting", agency, f"Waiting for {self.labels[agency]}")
        if before["keyworker"] != WAITING and after["keyworker"] == WAITING:
            self._add("waiting", self.m.pool_index, "Waiting for a key worker")

    def _allocated(self, before: dict, after: dict) -> None:
        was, now = before["status"], after["status"]
        for agency in np.flatnonzero((was == WAITING) & (now == SERVED)):
            self._add("help", agency, f"{self.labels[agency]} starts help")
        for agency in np.flatnonzero((was != EARLY) & (now == EARLY)):
            self._add("early_help", agency, f"{self.labels[agency]} gives early help")
        if before["keyworker"] != SERVED and after["keyworker"] == SERVED:
            handed = int(np.count_nonzero(was != NONE))
            fold = "folds" if handed == 1 else "fold"
            extra = f"; {plural(handed, 'agency case')} {fold} into one family plan" if handed else ""
            self._add("key_worker", self.m.pool_index, f"A key worker takes the family on{extra}")
            return
        for agency in np.flatnonzero((was == WAITING) & (now == NONE)):
            threshold = self.m.agency_list[agency].threshold
            self._add("off_list", agency, f"Dropped from the waiting list of {self.labels[agency]}: its threshold is {threshold:.2f} now")
        for agency in np.flatnonzero((was >= SERVED) & (now == NONE)):
            self._add("closed", agency, f"{self.labels[agency]} closes the case: no capacity left")

    def _helped(self, before: dict, after: dict) -> None:
        m, i = self.m, self.i
        line = m.params.needs.problem_line
        for agency in np.flatnonzero((before["status"] >= SERVED) & (after["status"] == NONE)):
            spec = m.agency_list[agency]
            if m.households.severity[spec.domains, i].max() < line:
                self._add("closed", agency, f"{self.labels[agency]} closes the case: problem below the line")
            elif after["weeks_open"][agency] >= spec.spec.max_weeks:
                self._add("closed", agency,
                          f"{self.labels[agency]} closes the case after {plural(spec.spec.max_weeks, 'week')}")
            else:
                self.missed += 1
                self._add("dropped_out", agency, f"Appointments missed: {self.labels[agency]} closes the case")
        if before["keyworker"] == SERVED and after["keyworker"] == NONE:
            pool = m.pool_index
            if m.households.severity[:, i].max() < line:
                self._add("closed", pool, "The key worker's plan ends: every problem below the line")
            elif after["keyworker_weeks"] >= m.keyworkers.spec.plan_weeks:
                self._add("closed", pool,
                          f"The key worker's plan ends after {plural(m.keyworkers.spec.plan_weeks, 'week')}")
            else:
                self.missed += 1
                self._add("dropped_out", pool, "Appointments missed: the key worker's plan stops")

    def _crises(self, before: dict, after: dict) -> None:
        if after["crises"] == before["crises"]:
            return
        m = self.m
        hit = m.households.crisis_domains[:, self.i]
        for kind in m.crisis_kinds:
            if hit[kind.column]:
                bill = sum(cost for _, cost in kind.bills)
                payers = ", ".join(self.labels[p] for p, _ in kind.bills)
                self.events.append(Event("crisis", self.labels[kind.bills[0][0]],
                                         f"CRISIS: {kind.label} (£{bill:,.0f}, paid by {payers})", bill))

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
