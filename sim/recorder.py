"""Stage 8, everything is recorded: each week for the locality and per agency, folded
into preallocated arrays at the resolution asked for (`run.record_every`: week, month or
year; no pandas in the step); frames are built once, at the end. Counts and spend are
summed over a period, levels (caseloads, tiers, thresholds) averaged over its weeks."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from parameters.vocabulary import CATEGORIES, TIERS

from .kernels import BLOCK, tally_households
from .panel import Panel
from .state import EARLY, SERVED, WAITING
from .threads import run_parts

WEEKS_PER_YEAR = 52
FLOWS = [(a, b) for a in range(len(TIERS)) for b in range(len(TIERS)) if a != b]
AGENCY_COLUMNS = [
    "budget", *[f"spend_{c}" for c in CATEGORIES], "spend",
    "caseload", "early_help", "waiting", "threshold", "slots",
    "referrals", "referrals_lost", "assessments",
]
AGENCY_LEVELS = ["budget", "caseload", "early_help", "waiting", "threshold", "slots"]
# Levels of the locality: how many are in a state in a week, not how many events happened.
LEVELS = ["open_cases", "early_help", "waiting", "keyworker_families", "keyworker_waiting",
          *[f"tier_{t}" for t in TIERS], "households"]
MONTHS_PER_YEAR = 12


def periods_of(resolution: str, weeks: int) -> np.ndarray:
    """The period (0, 1, ...) each of `weeks` recorded weeks falls in: the week itself, its
    month (a model year is 52 weeks; its twelve months take 4 or 5 weeks each, in the
    pattern of a calendar) or its year."""
    week = np.arange(weeks)
    year, week_of_year = np.divmod(week, WEEKS_PER_YEAR)
    if resolution == "week":
        return week
    if resolution == "month":
        return year * MONTHS_PER_YEAR + week_of_year * MONTHS_PER_YEAR // WEEKS_PER_YEAR
    if resolution == "year":
        return year
    raise ValueError(f"run.record_every is {resolution!r}; use 'week', 'month' or 'year'")


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
    """The week's figures (`week`, `week_agencies`), added each week into the row of
    the period it falls in (`rows`, `agency_rows`); at a period's end, the sampled
    households' state into the panel, if one was asked for."""

    def __init__(self, m, steps: int, resolution: str = "week", panel_size: int = 0,
                 panel_rng: np.random.Generator | None = None):
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
        self.resolution = resolution
        self.period = periods_of(resolution, steps)
        periods = int(self.period[-1]) + 1 if steps else 0
        self.week = np.zeros(len(self.columns))
        self.week_agencies = np.zeros((len(m.payers), len(AGENCY_COLUMNS)))
        self.rows = np.zeros((periods, len(self.columns)))
        self.agency_rows = np.zeros((periods, len(m.payers), len(AGENCY_COLUMNS)))
        self.weeks_in = np.zeros(periods, np.int64)
        self.period_ends = np.append(self.period[1:] != self.period[:-1], True) if steps else np.zeros(0, bool)
        self.panel = Panel(m.households.n, panel_size, periods, panel_rng) if panel_size else None
        self.payers = list(m.payers)
        self.labels = [a.label for a in m.agency_list] + ["Pooled budget (key workers)"]
        self.n = 0  # weeks recorded

    def latest(self, column: str) -> float:
        """This week's figure (0 before the first week is recorded)."""
        return float(self.week[self.at[column]]) if self.n else 0.0

    def record(self, m) -> None:
        self._measure_week(m)
        period = self.period[self.n]
        self.rows[period] += self.week
        self.agency_rows[period] += self.week_agencies
        self.weeks_in[period] += 1
        self.n += 1
        if self.panel is not None and self.period_ends[self.n - 1]:
            self.panel.record(m, self.n)

    def _measure_week(self, m) -> None:
        h, c = m.households, m.counts
        row = self.week
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

        agencies = self.week_agencies
        # The year this week belongs to: in a year's last week the ledger has already
        # opened the next year (stage 7), whose budget is not this week's.
        agencies[:, 0] = m.ledger.budget[min(m.week // WEEKS_PER_YEAR, m.ledger.budget.shape[0] - 1)]
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

    def _periods(self) -> tuple[int, np.ndarray]:
        """How many periods hold recorded weeks, and the week (step) each ends on."""
        periods = int(self.period[self.n - 1]) + 1 if self.n else 0
        return periods, np.cumsum(self.weeks_in[:periods])

    def _when(self, frame: pd.DataFrame, last_step: np.ndarray) -> None:
        """Label the rows: the step each period ends on, its year, and its week of the
        year or month; coarser than weekly, also the weeks it holds (for averaging)."""
        if self.resolution != "week":
            frame.insert(0, "weeks", self.weeks_in[:last_step.size])
        if self.resolution == "month":
            frame.insert(0, "month", self.period[last_step - 1] % MONTHS_PER_YEAR + 1)
        elif self.resolution == "week":
            frame.insert(0, "week_of_year", (last_step - 1) % WEEKS_PER_YEAR + 1)
        frame.insert(0, "year", (last_step - 1) // WEEKS_PER_YEAR + 1)
        frame.insert(0, "step", last_step)

    def steps_frame(self) -> pd.DataFrame:
        periods, last_step = self._periods()
        whole = [name for name in self.columns if not name.startswith("spend")]
        frame = self._averaged(self.rows[:periods], self.weeks_in[:periods], self.columns, LEVELS, whole)
        self._when(frame, last_step)
        return frame

    def _averaged(self, rows: np.ndarray, weeks: np.ndarray, columns: list[str], levels: list[str],
                  whole: list[str]) -> pd.DataFrame:
        """Rows of summed weeks as a frame: levels divided by the weeks their row holds,
        `whole` columns as integers (levels only when weekly: an average over several
        weeks need not be whole)."""
        rows = rows.copy()
        rows[:, [columns.index(name) for name in levels]] /= weeks[:, None]
        frame = pd.DataFrame(rows, columns=columns)
        if self.resolution != "week":
            whole = [name for name in whole if name not in levels]
        frame[whole] = frame[whole].astype(np.int64)
        return frame

    def panel_frame(self) -> pd.DataFrame:
        """The sampled households' history (`run.panel`), or an empty frame if none was asked for."""
        return self.panel.frame(WEEKS_PER_YEAR) if self.panel is not None else pd.DataFrame()

    def agencies_frame(self) -> pd.DataFrame:
        periods, last_step = self._periods()
        payers = len(self.payers)
        whole = ["caseload", "early_help", "waiting", "slots", "referrals", "referrals_lost", "assessments"]
        frame = self._averaged(self.agency_rows[:periods].reshape(periods * payers, -1),
                               np.repeat(self.weeks_in[:periods], payers), AGENCY_COLUMNS, AGENCY_LEVELS, whole)
        frame.insert(0, "label", np.tile(self.labels, periods))
        frame.insert(0, "agency", np.tile(self.payers, periods))
        when = pd.DataFrame(index=range(periods))
        self._when(when, last_step)
        for column in reversed(when.columns):
            frame.insert(0, column, np.repeat(when[column].to_numpy(), payers))
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
