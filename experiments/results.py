"""What a run leaves behind: tidy pandas frames, and a folder of Parquet files with the
resolved scenario beside them, so that any run can be reproduced from its folder."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

from locality.parameters.loader import ScenarioError, as_file, load_scenario
from locality.parameters.schema import Scenario, age_band
from locality.parameters.vocabulary import CATEGORIES, DOMAINS, POOL, TIERS, WEEKS_PER_YEAR
from locality.sim.ledger import CATEGORY
from locality.sim.panel import weeks_or_missing

from .described import NAMES, column_notes, long, write_parquet
from .provenance import provenance

FRAMES = ("steps", "agencies", "households", "ledger", "panel")
MILLIONS = {"budget": "budget £m", "spend": "spend £m", "over_spend": "over-spend £m"}
SCENARIO_FILE = "scenario.toml"


@dataclass
class Results:
    """One run. `steps`: per week for the locality; `agencies`: per week per agency (and
    the pooled budget); `households`: one row per home at the end (the household
    living there, and the home's costs over the run); `ledger`: per
    year per agency, budget against spend by category; `panel`: a sample of households
    period by period, if `run.panel` asked for one (else empty). In a growing place
    (`demography.household_growth`) `steps`, `agencies` and `ledger` count the whole place,
    while `households` and `panel` stay one row per simulated home, with its own costs."""

    scenario: Scenario
    steps: pd.DataFrame
    agencies: pd.DataFrame
    households: pd.DataFrame
    ledger: pd.DataFrame
    panel: pd.DataFrame = field(default_factory=pd.DataFrame)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0
    # Crisis spend (years, agencies) as the model's ledger held it, on the place's starting
    # scale, kept by a run made here so that it hands it on exactly (not saved: see
    # `crisis_spend_by_agency`).
    own_crisis_spend: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_model(cls, model, wall_seconds: float = 0.0) -> Results:
        return cls(
            scenario=model.params,
            steps=model.recorder.steps_frame(),
            agencies=model.recorder.agencies_frame(),
            households=household_frame(model),
            ledger=ledger_frame(model),
            panel=model.recorder.panel_frame(),
            stage_seconds=dict(model.stage_seconds),
            wall_seconds=wall_seconds,
            own_crisis_spend=model.ledger.spend[:, :len(model.agency_list), CATEGORY["crisis"]].copy(),
        )

    def __repr__(self) -> str:
        spec, outcomes = self.scenario, self.outcomes()
        sizes = ", ".join(f"{name} {len(getattr(self, name)):,} rows" for name in self.frames_kept())
        return (f"<Results {spec.place.name}, {spec.population.households:,} households, {spec.run.years} years, "
                f"{spec.regime.kind}, seed {spec.run.seed}: {outcomes['crises']:,.0f} crises, spend £{outcomes['spend'] / 1e6:,.1f}m, "
                f"over-spend £{outcomes['over_spend'] / 1e6:,.1f}m; {sizes}>")

    def _repr_html_(self) -> str:
        """In a notebook: the repr's line above the yearly table (money in £m)."""
        table = self.yearly()
        table[["budget", "spend", "over_spend"]] = (table[["budget", "spend", "over_spend"]] / 1e6).round(2)
        heading = repr(self).strip("<>").replace("&", "&amp;")
        return f"<p><b>{heading}</b></p>" + table.rename(columns=MILLIONS).to_html()

    def plot(self, measures: tuple[str, ...] = ("crises", "referrals", "spend", "over_spend")):
        """The yearly summary's measures, one small chart each, from zero (money in £m);
        returns the matplotlib Figure (shown inline in a notebook)."""
        return plot_yearly({self.scenario.regime.kind: self.yearly()}, measures,
                           title=f"{self.scenario.place.name}, seed {self.scenario.run.seed}")

    def units(self, frame: str = "steps") -> dict[str, str]:
        """Column -> unit for one of the frames (as the saved Parquet files record them)."""
        return {name: unit for name, (unit, _) in column_notes(frame, self.scenario).items() if name in getattr(self, frame)}

    def long(self, frame: str = "steps") -> pd.DataFrame:
        """One frame in long format: the columns that say when (and which agency), then a
        row per other column with its name (`variable`), `value` and `unit`."""
        table = getattr(self, frame)
        keys = [c for c in ("step", "year", "week_of_year", "month", "weeks", "agency", "label", "household") if c in table]
        return long(table, column_notes(frame, self.scenario), keys)

    def yearly(self) -> pd.DataFrame:
        """The short summary per year: demand, crises, households in crisis, money."""
        steps = self.steps.groupby("year")
        levels = weekly_means(self.steps, ["open_cases", "waiting", "keyworker_families", "tier_crisis"], "year")
        summary = pd.DataFrame({
            "referrals": steps["referrals"].sum(),
            "assessments": steps["assessments"].sum(),
            "open_cases": levels["open_cases"].round(0).astype(int),
            "waiting": levels["waiting"].round(0).astype(int),
            "keyworker_families": levels["keyworker_families"].round(0).astype(int),
            "crises": steps["crises"].sum(),
            "in_crisis_tier": levels["tier_crisis"].round(0).astype(int),
        })
        money = self.ledger.groupby("year")[["budget", "spend", "over_spend"]].sum()
        return summary.join(money)

    def crisis_spend_by_agency(self) -> np.ndarray:
        """Crisis spend per year and agency (years, agencies; the pool has none), as the
        model's ledger holds it: what a policy's savings are measured against when this
        run is its business as usual (`sim.model.usual_given`)."""
        if self.own_crisis_spend is not None:
            return self.own_crisis_spend.copy()
        years = self.ledger["year"].nunique()  # (a run loaded from disk: its frame, back on the starting scale)
        scale = self.scenario.demography.place_scales(years)
        return self.ledger["spend_crisis"].to_numpy(np.float64).reshape(years, -1)[:, :-1] / scale[:, None]

    def outcomes(self) -> dict[str, float]:
        """Whole-run totals, one number each: what a sweep analyses."""
        homes, ledger = self.households, self.ledger
        totals = {
            "crises": float(self.steps["crises"].sum()),
            "referrals": float(self.steps["referrals"].sum()),
            "assessments": float(self.steps["assessments"].sum()),
            "spend": float(ledger["spend"].sum()),
            "over_spend": float(ledger["over_spend"].sum()),
            "crisis_spend": float(ledger["spend_crisis"].sum()),
            "households_helped": float(self._homes_counted(homes["first_help_week"].notna())),
            "needs_fell_and_stayed_down": float(self._homes_counted(homes["needs_fell_and_stayed_down"].astype(bool))),
            "in_crisis_tier_final_year": float(weekly_means(self.steps, ["tier_crisis"], "year")["tier_crisis"].iloc[-1]),
        }
        for agency, spend in ledger.groupby("agency", sort=False)["spend"].sum().items():
            totals[f"spend_{agency}"] = float(spend)
        return totals

    def _homes_counted(self, which: pd.Series) -> float:
        """How many of the place's households the homes `which` picks out stand for: in a
        growing place each home stands for the place's scale in the year its help first
        came (`Demography.place_scale`)."""
        years = self.households["first_help_week"][which].fillna(0).to_numpy(np.int64) // WEEKS_PER_YEAR + 1
        return float(self.scenario.demography.place_scales(years.max(initial=1))[years - 1].sum())

    def crises_by_kind(self) -> pd.DataFrame:
        columns = [c for c in self.steps.columns if c.startswith("crises_")]
        table = self.steps.groupby("year")[columns].sum()
        table.columns = [c.removeprefix("crises_") for c in columns]
        return table

    def frames_kept(self) -> list[str]:
        """The frames a run writes: all but the panel, and the panel when there is one."""
        return [name for name in FRAMES if name != "panel" or not self.panel.empty]

    def save(self, directory: str | Path, overwrite: bool = False) -> Path:
        """Write every frame as Parquet plus the resolved scenario, all or nothing: the
        files are written to a temporary folder first and moved into place at the end."""
        target = Path(directory)
        if target.exists() and any(target.iterdir()) and not overwrite:
            raise ScenarioError(f"'{target}' already holds files; choose another --out folder (nothing was overwritten)")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".locality-", dir=target.parent))
        try:
            for name in self.frames_kept():
                write_parquet(getattr(self, name), staging / f"{name}.parquet", column_notes(name, self.scenario))
            (staging / SCENARIO_FILE).write_text(scenario_toml(self.scenario), encoding="utf-8")
            (staging / "run.json").write_text(json.dumps({
                "wall_seconds": self.wall_seconds,
                "stage_seconds": self.stage_seconds,
                "seed": self.scenario.run.seed,
                "made_by": provenance(),
            }, indent=2), encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
        return target

    @classmethod
    def load(cls, directory: str | Path) -> Results:
        folder = Path(directory)
        frames = {name: pd.read_parquet(folder / f"{name}.parquet") for name in FRAMES
                  if (folder / f"{name}.parquet").exists() or name != "panel"}  # older runs have no panel
        # names as the run held them (text), so a loaded run is the run as it was made
        frames = {name: frame.astype({c: "str" for c in NAMES if c in frame}) for name, frame in frames.items()}
        run_info = json.loads((folder / "run.json").read_text()) if (folder / "run.json").exists() else {}
        run_info = {key: run_info[key] for key in ("wall_seconds", "stage_seconds") if key in run_info}  # (the rest is provenance)
        return cls(scenario=load_scenario(folder / SCENARIO_FILE), **frames, **run_info)


def scenario_toml(scenario: Scenario) -> str:
    """The scenario exactly as run (every switch resolved), as TOML that loads back."""
    header = f"# Resolved scenario of a Locality run: `locality run {SCENARIO_FILE}` reproduces it.\n"
    return header + tomli_w.dumps(as_file(scenario))


def weekly_means(steps: pd.DataFrame, columns: list[str], by: str) -> pd.DataFrame:
    """Means over weeks of level columns (households in a tier, open cases), per `by`:
    rows recorded monthly or yearly (`run.record_every`) hold several weeks, counted in
    their `weeks` column, and weigh by them; weekly rows weigh one each."""
    weeks = steps["weeks"] if "weeks" in steps else pd.Series(1, index=steps.index)
    totals = steps[columns].mul(weeks, axis=0).groupby(steps[by]).sum()
    return totals.div(weeks.groupby(steps[by]).sum(), axis=0)


def pupils(child_age: np.ndarray, school_ages: str) -> np.ndarray:
    """Each household's children of school age (at home or in care)."""
    low, high = age_band(school_ages)
    return ((child_age >= low) & (child_age <= high)).sum(axis=0).astype(np.int8)


def household_frame(model) -> pd.DataFrame:
    h, ledger = model.households, model.ledger
    frame = pd.DataFrame({
        "household": np.arange(h.n),
        "neighbourhood": h.neighbourhood,
        "adults": h.adults,
        "children": h.children,
        "head_age": h.head_age,
        "working_age": h.working_age,
        "pupils": pupils(h.child_age, model.params.demography.school_ages),
        # (missing, NA, for a household that lived there when recording began)
        "arrived_week": weeks_or_missing(h.arrived_week),
        "tier": pd.Categorical.from_codes(h.tier, categories=list(TIERS)),
        "cost_total": ledger.by_agency.sum(axis=0),
    })
    for i, payer in enumerate(model.payers):
        frame[f"cost_{payer}"] = ledger.by_agency[i]
    for i, category in enumerate(CATEGORIES):
        frame[f"cost_{category}"] = ledger.by_category[i]
    load = h.severity.sum(axis=0)
    has_problem = h.severity >= model.params.needs.problem_line
    for d, domain in enumerate(DOMAINS):
        frame[f"has_{domain}"] = has_problem[d]
    frame = frame.assign(
        problems=has_problem.sum(axis=0).astype(np.int8),
        services=h.episodes,
        assessments=h.assessments,
        crises=h.crises,
        first_help_week=weeks_or_missing(h.first_help_week),
        # (missing, NA, for a household never helped, as its first-help severity is NaN)
        first_help_severity=h.first_help_severity,
        peak_severity=h.peak_severity,
        start_load=h.start_load,
        end_load=load,
        needs_fell_and_stayed_down=h.weeks_down >= model.params.outcomes.stayed_down_weeks,
    )
    return frame


def ledger_frame(model) -> pd.DataFrame:
    ledger = model.ledger
    years, payers = ledger.budget.shape
    labels = [a.label for a in model.agency_list] + ["Pooled budget (key workers)"]
    frame = pd.DataFrame({
        "year": np.repeat(np.arange(1, years + 1), payers),
        "agency": np.tile(model.payers, years),
        "label": np.tile(labels, years),
        "budget": ledger.budget.ravel(),
        "contribution_to_pool": ledger.contribution.ravel(),
        "budget_universal": ledger.universal_budget.ravel(),
        "deficit_repaid": ledger.deficit_repaid.ravel(),
    })
    spend = ledger.spend.reshape(years * payers, len(CATEGORIES))
    for i, category in enumerate(CATEGORIES):
        frame[f"spend_{category}"] = spend[:, i]
    frame["spend"] = spend.sum(axis=1)
    frame["over_spend"] = frame["spend"] - frame["budget"]
    frame["under_spend"] = np.maximum(-frame["over_spend"] - ledger.deficit_repaid.ravel(), 0.0)  # a debt repaid is not saved
    frame["reserves_drawn"] = ledger.reserves_drawn.ravel()
    frame["reserves"] = ledger.reserves.ravel()
    to_pool = model.params.finance.reinvest_in == "pool"
    frame["reinvested_in_prevention"] = 0.0 if to_pool else ledger.reinvested.ravel()
    frame["reinvested_in_pool"] = ledger.reinvested.ravel() if to_pool else 0.0
    frame["savings_received"] = ledger.savings_received.ravel()
    frame["cashed"] = ledger.cashed.ravel()
    # The ledger holds money for the place as it started; a grown place's is that many times more.
    scale = np.repeat(model.params.demography.place_scales(years), payers)
    if (scale != 1.0).any():
        money = frame.columns.drop(["year", "agency", "label"])
        frame[money] = frame[money].mul(scale, axis=0)
    return frame



def net_spend(ledger: pd.DataFrame) -> pd.Series:
    """Per row of a ledger frame (a payer in a year), what the payer's budget-holder is out
    of pocket: an agency's spend plus what it puts into the pool (its contribution and
    savings reinvested there); the pool's spend less everything put into it that year. So
    the rows add up to the place's spend, and the difference between two runs' rows is
    who pays and who saves (the wrong-pocket table)."""
    put_in = ledger["contribution_to_pool"] + ledger["reinvested_in_pool"]
    is_pool = ledger["agency"] == POOL
    given = put_in[~is_pool].groupby(ledger.loc[~is_pool, "year"]).sum()
    net = ledger["spend"] + put_in.where(~is_pool, 0.0)
    net[is_pool] -= given.reindex(ledger.loc[is_pool, "year"]).to_numpy()
    return net

def plot_yearly(runs: dict[str, pd.DataFrame], measures, title: str = ""):
    """Yearly summaries (label -> `Results.yearly()`) as one chart per measure, each from
    zero, money in £m; returns the Figure. Uses pyplot, so a notebook shows it inline."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(measures), figsize=(3.6 * len(measures), 3.0), squeeze=False)
    for axis, measure in zip(axes[0], measures):
        money = measure in MILLIONS
        for label, table in runs.items():
            axis.plot(table.index, table[measure] / (1e6 if money else 1), marker="o", label=label)
        axis.set_title(MILLIONS.get(measure, measure.replace("_", " ")))
        axis.set_xlabel("year")
        axis.set_ylim(bottom=min(0, axis.get_ylim()[0]))
    axes[0][0].legend()
    figure.suptitle(title)
    figure.tight_layout()
    return figure
