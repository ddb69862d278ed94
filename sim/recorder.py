"""Stage 8, everything is recorded: per week for the locality and per agency, into
preallocated arrays (no pandas in the step); frames are built once, at the end."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from parameters.vocabulary import CATEGORIES, TIERS

from .kernels import BLOCK, tally_households
from .state import EARLY, SERVED, WAITING
from .threads import run_parts

WEEKS_PER_YEAR = 52
FLOWS = [(a, b) for a in range(len(TIERS)) for b in range(len(TIERS)) if a != b]
AGENCY_COLUMNS = [
    "budget", *[f"spend_{c}" for c in CATEGORIES], "spend",
    "caseload", "early_help", "waiting", "threshold", "slots",
    "referrals", "referrals_lost", "assessments",
]


class WeekCounts:
    """Events counted during one week, by payer (agencies then the pool) or crisis kind."""

    def __init__(self, n_payers: int, n_crisis_kinds: int):
        self.referrals = np.zeros(n_payers, np.int64)
        self.referrals_lost = np.zeros(n_payers, np.int64)
        self.assessments = np.zeros(n_payers, np.int64)
        self.admissions = np.zeros(n_payers, np.int64)
        self.dropped = np.zeros(n_payers, np.int64)
        self.crises = np.zeros(n_crisis_kinds, np.int64)
        self.dropouts = 0

    def clear(self) -> None:
        for array in (self.referrals, self.referrals_lost, self.assessments, self.admissions, self.dropped, self.crises):
            array[:] = 0
        self.dropouts = 0


class Recorder:
    def __init__(self, m, steps: int):
        self.crisis_names = [k.name for k in m.crisis_kinds]
        self.columns = [
            "referrals", "referrals_lost", "assessments", "admissions", "dropouts", "dropped_from_waiting",
            "open_cases", "early_help", "waiting", "keyworker_families", "keyworker_waiting",
            *[f"crises_{name}" for name in self.crisis_names], "crises",
            *[f"tier_{t}" for t in TIERS],
            *[f"flow_{TIERS[a]}_to_{TIERS[b]}" for a, b in FLOWS],
            *[f"spend_{c}" for c in CATEGORIES], "spend",
            "households",
        ]
        self.at = {name: i for i, name in enumerate(self.columns)}
        self.rows = np.zeros((steps, len(self.columns)))
        self.agency_rows = np.zeros((steps, len(m.payers), len(AGENCY_COLUMNS)))
        self.payers = list(m.payers)
        self.labels = [a.label for a in m.agency_list] + ["Pooled budget (key workers)"]
        self.n = 0

    def record(self, m) -> None:
        h, c = m.households, m.counts
        row = self.rows[self.n]
        at = self.at
        flows = classify_tiers(m, track_outcomes=True)
        for a, b in FLOWS:
            row[at[f"flow_{TIERS[a]}_to_{TIERS[b]}"]] = flows[a, b]
        row[at["tier_universal"]: at["tier_universal"] + len(TIERS)] = flows.sum(axis=0)

        status_counts = m.standing[:, [SERVED, EARLY, WAITING]].T  # (3, A)
        row[at["referrals"]] = c.referrals.sum()
        row[at["referrals_lost"]] = c.referrals_lost.sum()
        row[at["assessments"]] = c.assessments.sum()
        row[at["admissions"]] = c.admissions.sum()
        row[at["dropouts"]] = c.dropouts
        row[at["dropped_from_waiting"]] = c.dropped.sum()
        row[at["open_cases"]] = status_counts[0].sum()
        row[at["early_help"]] = status_counts[1].sum()
        row[at["waiting"]] = status_counts[2].sum()
        row[at["keyworker_families"]] = np.count_nonzero(h.keyworker == SERVED)
        row[at["keyworker_waiting"]] = np.count_nonzero(h.keyworker == WAITING)
        first = at[f"crises_{self.crisis_names[0]}"]
        row[first: first + len(self.crisis_names)] = c.crises
        row[at["crises"]] = c.crises.sum()
        week_spend = m.ledger.week
        first = at["spend_assessment"]
        row[first: first + len(CATEGORIES)] = week_spend.sum(axis=0)
        row[at["spend"]] = week_spend.sum()
        row[at["households"]] = h.n

        agencies = self.agency_rows[self.n]
        year = m.ledger.year
        agencies[:, 0] = m.ledger.budget[year]
        agencies[:, 1: 1 + len(CATEGORIES)] = week_spend
        agencies[:, 1 + len(CATEGORIES)] = week_spend.sum(axis=1)
        a = len(m.agency_list)
        col = AGENCY_COLUMNS.index
        agencies[:a, col("caseload")] = status_counts[0]
        agencies[:a, col("early_help")] = status_counts[1]
        agencies[:a, col("waiting")] = status_counts[2]
        agencies[:a, col("threshold")] = [ag.threshold for ag in m.agency_list]
        agencies[:a, col("slots")] = [ag.slots for ag in m.agency_list]
        agencies[a, col("caseload")] = row[at["keyworker_families"]]
        agencies[a, col("waiting")] = row[at["keyworker_waiting"]]
        agencies[a, col("slots")] = m.keyworkers.slots
        agencies[a, col("threshold")] = np.nan
        agencies[:, col("referrals")] = c.referrals
        agencies[:, col("referrals_lost")] = c.referrals_lost
        agencies[:, col("assessments")] = c.assessments
        self.n += 1

    def steps_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows[: self.n], columns=self.columns)
        integer = [name for name in self.columns if not name.startswith("spend")]
        frame[integer] = frame[integer].astype(np.int64)
        frame.insert(0, "week_of_year", np.arange(self.n) % WEEKS_PER_YEAR + 1)
        frame.insert(0, "year", np.arange(self.n) // WEEKS_PER_YEAR + 1)
        frame.insert(0, "step", np.arange(1, self.n + 1))
        return frame

    def agencies_frame(self) -> pd.DataFrame:
        steps, payers = self.n, len(self.payers)
        frame = pd.DataFrame(self.agency_rows[: self.n].reshape(steps * payers, -1), columns=AGENCY_COLUMNS)
        for name in ("caseload", "early_help", "waiting", "slots", "referrals", "referrals_lost", "assessments"):
            frame[name] = frame[name].astype(np.int64)
        step = np.repeat(np.arange(1, steps + 1), payers)
        frame.insert(0, "label", np.tile(self.labels, steps))
        frame.insert(0, "agency", np.tile(self.payers, steps))
        frame.insert(0, "year", (step - 1) // WEEKS_PER_YEAR + 1)
        frame.insert(0, "step", step)
        return frame


def classify_tiers(m, track_outcomes: bool = False) -> np.ndarray:
    """Each household's tier (see `kernels.tally_households`); returns the week's moves
    between tiers, (from, to). With `track_outcomes`, also each household's weeks with
    needs down (below half their level when help first came) and its peak severity."""
    h, needs = m.households, m.params.needs
    flows = np.zeros(((h.n + BLOCK - 1) // BLOCK, len(TIERS), len(TIERS)), np.int64)
    run_parts(partial(tally_households, h.severity, h.crisis_now, np.float32(needs.problem_line), needs.complex_count,
                      np.float32(needs.acute_line), h.tier, flows, track_outcomes, h.first_help_week,
                      h.load_at_help, h.weeks_down, h.peak_severity), m.parts)
    return flows.sum(axis=0)
