"""Stage 8, everything is recorded: each week for the locality and per agency, folded
into preallocated arrays at the resolution asked for (`run.record_every`: week, month or
year; no pandas in the step); frames are built once, at the end. The columns are those
`sim.columns` declares: counts and spend summed over a period, levels (caseloads, tiers,
thresholds) averaged over its weeks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from locality.agents import Agency, KeyWorkerTeam
from locality.parameters.schema import Needs, Outcomes
from locality.parameters.vocabulary import CATEGORIES, MONTHS_PER_YEAR, TIERS, WEEKS_PER_YEAR

from . import kernels
from .columns import AGENCY_COLUMNS, FLOWS, PLANNED_FOR_NEXT_WEEK, Column, step_columns
from .engine import Engine, rule
from .ledger import Ledger
from .panel import Panel
from .state import COMPLEX, CRISIS, EARLY, NEVER, SERVED, UNIVERSAL, VULNERABLE, WAITING, Households
from .week import Week


# --- the rule -----------------------------------------------------------------------------
@rule(kernels.tally_households, over="households",
      used=lambda arguments, _: {"flows": arguments["flows"].sum(axis=0)})
def tally_households(*, severity, crisis_now, problem_line, complex_count, acute_line, tier, flows, track,
                     first_help_week, load_at_help, fallen_share, weeks_down, peak):
    """Each household's tier this week: universal (no problem), vulnerable (one or more),
    complex (`complex_count` or more), crisis (a need at the acute line, or a crisis this
    week); the moves between tiers counted in `flows[block, from, to]` (here all in the
    first block: only their sum means anything). If `track`, also the outcomes kept per
    household: weeks running with needs (their sum, in domain order) below `fallen_share`
    of their load when help first came, and the worst need seen."""
    total = np.zeros(severity.shape[1], np.float32)
    for d in range(severity.shape[0]):
        total += severity[d]
    worst = severity.max(axis=0, initial=np.float32(0.0))
    count = (severity >= problem_line).sum(axis=0)
    new = np.where(count >= 1, VULNERABLE, UNIVERSAL)
    new = np.where(count >= complex_count, COMPLEX, new)
    new = np.where((worst >= acute_line) | crisis_now, CRISIS, new).astype(tier.dtype)
    flows[:] = 0
    np.add.at(flows[0], (tier, new), 1)
    tier[:] = new
    if track:
        down = (first_help_week != NEVER) & (total < fallen_share * load_at_help)
        weeks_down[:] = np.where(down, weeks_down + 1, 0)
        np.maximum(peak, worst, out=peak)


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


class Recorder:
    """Stage 8. The week's figures (`week_row`, `week_agencies`), added each week into the
    row of the period it falls in (`rows`, `agency_rows`); at a period's end, the sampled
    households' state into the panel, if one was asked for. Before recording begins (the
    warm-up) it only sorts households into tiers."""

    def __init__(self, households: Households, agencies: list[Agency], team: KeyWorkerTeam, ledger: Ledger,
                 needs: Needs, outcomes: Outcomes, engine: Engine, crisis_kinds: list[tuple[str, str]], payers: list[str],
                 payer_labels: list[str], steps: int, resolution: str = "week",
                 stocks: list[tuple[str, str]] = (), panel_size: int = 0, panel_rng: np.random.Generator | None = None,
                 place_scale: Callable[[int], float] = lambda year: 1.0):
        self.households, self.agencies, self.team, self.ledger, self.needs, self.engine = (
            households, agencies, team, ledger, needs, engine)
        # The place's homes each simulated home stands for, by year (`Demography.place_scale`):
        # every count and sum of money is recorded for the whole place; a threshold is not a count.
        self.place_scale = place_scale
        self.scales_with_place = np.array([c.grows_with_place for c in AGENCY_COLUMNS])
        self.planned = np.array([c.name in PLANNED_FOR_NEXT_WEEK for c in AGENCY_COLUMNS])
        self.fallen_share = np.float32(outcomes.fallen_share)
        self.crisis_names = [name for name, _ in crisis_kinds]
        self.stock_names = [name for name, _ in stocks]
        self.columns: list[Column] = step_columns(crisis_kinds, stocks)
        self.names = [c.name for c in self.columns]
        self.steps_grow = np.array([c.grows_with_place for c in self.columns])
        self.at = {name: i for i, name in enumerate(self.names)}
        self.resolution = resolution
        self.period = periods_of(resolution, steps)
        self.last_year = (steps - 1) // WEEKS_PER_YEAR + 1 if steps else 0
        periods = int(self.period[-1]) + 1 if steps else 0
        self.week_row = np.zeros(len(self.columns))
        self.week_agencies = np.zeros((len(payers), len(AGENCY_COLUMNS)))
        self.rows = np.zeros((periods, len(self.columns)))
        self.so_far = np.zeros(len(self.columns))  # every column summed over the weeks recorded (what Mesa's reporters read)
        self.agency_rows = np.zeros((periods, len(payers), len(AGENCY_COLUMNS)))
        self.weeks_in = np.zeros(periods, np.int64)
        self.period_ends = np.append(self.period[1:] != self.period[:-1], True) if steps else np.zeros(0, bool)
        self.panel = Panel(households.n, len(agencies), panel_size, periods, panel_rng) if panel_size else None
        self.payers, self.labels = list(payers), list(payer_labels)
        self.n = 0  # weeks recorded

    def latest(self, column: str) -> float:
        """This week's figure (0 before the first week is recorded)."""
        return float(self.week_row[self.at[column]]) if self.n else 0.0

    def classify(self, track_outcomes: bool = False) -> np.ndarray:
        """Each household's tier (see `tally_households`); returns the week's moves between
        tiers, (from, to). With `track_outcomes`, also each household's weeks with needs
        down and its peak severity."""
        h, needs = self.households, self.needs
        flows = self.engine.scratch("recorder.flows", (self.engine.blocks, len(TIERS), len(TIERS)), np.int64)
        flows[:] = 0
        self.engine.run(tally_households, severity=h.severity, crisis_now=h.crisis_now,
                        problem_line=np.float32(needs.problem_line), complex_count=needs.complex_count,
                        acute_line=np.float32(needs.acute_line), tier=h.tier, flows=flows, track=track_outcomes,
                        first_help_week=h.first_help_week, load_at_help=h.load_at_help,
                        fallen_share=self.fallen_share, weeks_down=h.weeks_down, peak=h.peak_severity)
        return flows.sum(axis=0)

    def record(self, week: Week) -> None:
        self._measure(week)
        scale = self.place_scale(week.number // WEEKS_PER_YEAR + 1)
        # capacity is planned for next week (after the last week no year opens: the last year's)
        coming = self.place_scale(min((week.number + 1) // WEEKS_PER_YEAR + 1, self.last_year))
        if scale != 1.0 or coming != 1.0:  # a grown place: each simulated home stands for `scale` of its homes
            self.week_row[self.steps_grow] *= scale
            self.week_agencies[:, self.scales_with_place] *= np.where(self.planned, coming, scale)[self.scales_with_place]
        period = self.period[self.n]
        self.rows[period] += self.week_row
        self.so_far += self.week_row
        self.agency_rows[period] += self.week_agencies
        self.weeks_in[period] += 1
        self.n += 1
        if self.panel is not None and self.period_ends[self.n - 1]:
            self.panel.record(self.households, self.ledger, self.n)

    def _measure(self, week: Week) -> None:
        """This week's row for the locality and for each agency, each column written by
        name (the row starts blank: a column left unwritten would show as NaN)."""
        c, row, at = week.counts, self.week_row, self.at
        row[:] = np.nan
        flows = self.classify(track_outcomes=True)
        for a, b in FLOWS:
            row[at[f"flow_{TIERS[a]}_to_{TIERS[b]}"]] = flows[a, b]
        for tier, households in zip(TIERS, flows.sum(axis=0)):
            row[at[f"tier_{tier}"]] = households

        n_agencies, team = len(self.agencies), len(self.agencies)
        status_counts = week.standing[:n_agencies][:, [SERVED, EARLY, WAITING]].T  # (3, A)
        row[at["referrals"]] = c.referrals.sum()
        row[at["referrals_lost"]] = c.referrals_lost.sum()
        row[at["rereferrals"]] = c.rereferrals.sum()
        row[at["assessments"]] = c.assessments.sum()
        row[at["offered_early_help"]] = c.offered_early_help.sum()
        row[at["screened_out"]] = c.screened_out.sum()
        row[at["admissions"]] = c.admissions.sum()
        row[at["dropouts"]] = c.dropouts
        row[at["dropped_from_waiting"]] = c.dropped.sum()
        row[at["open_cases"]] = status_counts[0].sum()
        row[at["early_help"]] = status_counts[1].sum()
        row[at["waiting"]] = status_counts[2].sum()
        row[at["keyworker_families"]] = week.standing[team, SERVED]
        row[at["keyworker_waiting"]] = week.standing[team, WAITING]
        for k, name in enumerate(self.crisis_names):
            row[at[f"crises_{name}"]] = c.crises[k]
        h = self.households
        for s, name in enumerate(self.stock_names):
            row[at[f"stock_{name}"]] = h.in_stock[s].sum(dtype=np.int64)
            row[at[f"entered_{name}"]] = c.stock_entered[s]
            row[at[f"left_{name}"]] = c.stock_left[s]
        row[at["crises"]] = c.crises.sum()
        week_spend = self.ledger.week
        for category, spend in zip(CATEGORIES, week_spend.sum(axis=0)):
            row[at[f"spend_{category}"]] = spend
        row[at["spend"]] = week_spend.sum()
        row[at["households"]] = h.n
        row[at["adults"]], row[at["children"]] = week.at_home
        row[at["births"]], row[at["came_of_age"]], row[at["newcomers"]] = c.births, c.came_of_age, c.newcomers

        agencies, col = self.week_agencies, {c.name: i for i, c in enumerate(AGENCY_COLUMNS)}
        agencies[:] = np.nan
        agencies[:, col["budget_this_year"]] = week.budgets
        for k, category in enumerate(CATEGORIES):
            agencies[:, col[f"spend_{category}"]] = week_spend[:, k]
        agencies[:, col["spend"]] = week_spend.sum(axis=1)
        agencies[:n_agencies, col["caseload"]] = status_counts[0]
        agencies[:n_agencies, col["early_help"]] = status_counts[1]
        agencies[:n_agencies, col["waiting"]] = status_counts[2]
        agencies[:n_agencies, col["threshold"]] = [agency.threshold for agency in self.agencies]
        agencies[:n_agencies, col["slots"]] = [agency.slots for agency in self.agencies]
        agencies[:n_agencies, col["posts"]] = [agency.workforce.posts for agency in self.agencies]
        agencies[:n_agencies, col["staff"]] = [agency.workforce.staff for agency in self.agencies]
        agencies[:n_agencies, col["agency_staff"]] = [agency.workforce.temps for agency in self.agencies]
        agencies[team, col["caseload"]] = row[at["keyworker_families"]]
        agencies[team, col["waiting"]] = row[at["keyworker_waiting"]]
        agencies[team, col["slots"]] = self.team.slots
        agencies[team, col["early_help"]] = 0  # the team gives no early help
        # the pool has no threshold: it stays NaN
        agencies[:, col["referrals"]] = c.referrals
        agencies[:, col["referrals_lost"]] = c.referrals_lost
        agencies[:, col["rereferrals"]] = c.rereferrals
        agencies[:, col["assessments"]] = c.assessments
        agencies[:, col["offered_early_help"]] = c.offered_early_help
        agencies[:, col["screened_out"]] = c.screened_out
        agencies[:, col["enquiries"]] = c.enquiries
        agencies[:, col["plans_started"]] = c.plans_started
        agencies[:, col["plans_ended"]] = c.plans_ended
        agencies[:, col["children_on_plans"]] = 0.0
        for agency in self.agencies:
            if agency.spec.protection is not None:
                agencies[agency.index, col["children_on_plans"]] = self.children_on_plans(agency)
        agencies[:, col["admissions"]] = c.admissions

    def children_on_plans(self, agency: Agency) -> int:
        """Children at home in the families on a child protection plan (one started at
        their referral, `plan_since`) while the agency works with them (waiting or
        helped; a key worker's plan goes on beside it): children on plans, as the
        Department for Education counts them at a date."""
        h = self.households
        worked_with = (h.status[agency.index] == SERVED) | (h.status[agency.index] == WAITING)
        on_plan = (h.plan_since != NEVER) & worked_with
        return int(h.children[on_plan].sum())

    # --- frames, built once at the end ----------------------------------------------------
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

    def _averaged(self, rows: np.ndarray, weeks: np.ndarray, columns: list[Column]) -> pd.DataFrame:
        """Rows of summed weeks, (periods, series, columns), as a frame of one row per
        period and series: levels divided by the weeks their row holds; whole numbers as
        integers (levels only when weekly: an average over several weeks need not be
        whole). In a grown place (see `record`) a count stands for more than whole
        households: each series is rounded so that its running total stays the nearest
        whole number to the true one (error diffusion), so rounding neither loses small
        counts nor makes one resolution's totals differ from another's."""
        rows = rows.copy()
        rows[:, :, [i for i, c in enumerate(columns) if c.level]] /= weeks[:, None, None]
        whole = [i for i, c in enumerate(columns) if c.whole and (self.resolution == "week" or not c.level)]
        running = np.round(np.cumsum(rows[:, :, whole], axis=0))  # (exact for whole numbers below 2^53)
        rows[:, :, whole] = np.diff(running, axis=0, prepend=0.0)
        frame = pd.DataFrame(rows.reshape(-1, len(columns)), columns=[c.name for c in columns])
        names = [columns[i].name for i in whole]
        frame[names] = frame[names].astype(np.int64)
        return frame

    def steps_frame(self) -> pd.DataFrame:
        periods, last_step = self._periods()
        frame = self._averaged(self.rows[:periods, None], self.weeks_in[:periods], self.columns)
        self._when(frame, last_step)
        return frame

    def panel_frame(self) -> pd.DataFrame:
        """The sampled households' history (`run.panel`), or an empty frame if none was asked for."""
        return self.panel.frame() if self.panel is not None else pd.DataFrame()

    def agencies_frame(self) -> pd.DataFrame:
        periods, last_step = self._periods()
        payers = len(self.payers)
        frame = self._averaged(self.agency_rows[:periods], self.weeks_in[:periods], AGENCY_COLUMNS)
        frame.insert(0, "label", np.tile(self.labels, periods))
        frame.insert(0, "agency", np.tile(self.payers, periods))
        when = pd.DataFrame(index=range(periods))
        self._when(when, last_step)
        for column in reversed(when.columns):
            frame.insert(0, column, np.repeat(when[column].to_numpy(), payers))
        return frame
