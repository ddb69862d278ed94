"""Calibration targets as data, and how the model's value for each is measured.

`parameters/targets.toml` lists figures the model should reproduce, each with its source
and range. Targets that share a scenario, variant and length share one run, so measuring
every target costs a handful of runs, not one per target.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from locality.agents.keyworkers import families_per_worker
from locality.parameters.loader import ScenarioError, figures_matching, load_scenario, split_sources

from .results import Results, weekly_means
from .defaults import TARGETS_FILE
from .runner import run



class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Target(_Strict):
    label: str
    metric: Literal["prevalence", "multi_problem_families", "need_growth", "extra_spend",
                    "keyworker_caseload", "crisis_rate", "spend_per_multi_problem_family", "stock_level",
                    "stock_entries", "caseload_children", "referral_children", "rereferral_share",
                    "enquiry_share", "plan_share", "children_on_plans", "treated_in_year",
                    "co_occurrence"]
    scenario: str
    variant: str
    baseline: str | None = None
    years: int = Field(ge=1, le=25)
    low: float
    high: float
    unit: str = ""
    role: Literal["fit", "check"]
    fitted_by: str | None = Field(None, description="the command that fits it (or how it was fitted), where that is not the ABC "
                                  "(`locality calibrate`), which then leaves it out of its distance")
    source: str = Field(min_length=1)
    domain: str | None = None
    domains: list[str] | None = Field(None, description="co_occurrence: the problems all had at once")
    crisis: str | None = None
    stock: str | None = None
    agency: str | None = None
    per: Literal["households", "people", "adults", "children"] = "households"
    scale: float = Field(1000.0, gt=0, description="rates are per this many of `per` (1,000 households, 10,000 children)")
    among: Literal["households", "children", "pupils", "working_age"] = "households"
    min_problems: int = 6
    year: int | None = None

    @model_validator(mode="after")
    def _range(self) -> Target:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        if self.metric == "co_occurrence" and len(self.domains or ()) < 2:
            raise ValueError("metric co_occurrence needs domains, the problems had at once (two or more), "
                             'e.g. domains = ["domestic_abuse", "mental_health"]')
        if self.metric == "treated_in_year" and not self.agency:
            raise ValueError('metric treated_in_year needs agency, the service that treats, e.g. agency = "substance_misuse_services"')
        return self

    def off_centre(self, value: float) -> float:
        """How far from the middle of the range, in half-widths: 0 at the middle, 1 at
        either end. Calibration aims at the middle, so that a fitted model does not sit
        on an edge where the noise of a few runs flips its verdict."""
        half = max((self.high - self.low) / 2, 1e-9)
        return abs(value - (self.low + self.high) / 2) / half

    def inside(self, value: float) -> bool:
        return self.low <= value <= self.high


class Unrepresented(_Strict):
    """A published rate the panel leaves out, with why: the model has nothing it could
    count as that rate, or counts something that the rate does not define alike."""

    label: str
    source: str = Field(min_length=1)
    why: str = Field(min_length=1)


class Parameter(_Strict):
    label: str
    keys: list[str] = Field(min_length=1)
    low: float
    high: float
    set: bool = False


class Calibration(_Strict):
    population: int = Field(ge=2, description="parameter sets per generation of ABC-SMC")
    generations: int = Field(ge=1, le=50, description="generations at most")
    tolerance: float = Field(ge=0.0, description="stop once the generation's tolerance (distance) is below this")
    min_acceptance: float = Field(ge=0.0, le=1.0, description="stop when a generation accepts fewer of the sets it tries")
    parameters: dict[str, Parameter] = Field(min_length=1)


class Measure(_Strict):
    households: int = Field(ge=100)
    calibration_seed: int = Field(ge=0)
    validation_seed: int = Field(ge=0)
    reps: int = Field(ge=1)


class TargetSet(_Strict):
    measure: Measure
    variants: dict[str, dict[str, Any]]
    targets: dict[str, Target] = Field(min_length=1)
    calibration: Calibration
    unrepresented: dict[str, Unrepresented] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_variants(self) -> TargetSet:
        for name, target in self.targets.items():
            for variant in (target.variant, target.baseline):
                if variant is not None and variant not in self.variants:
                    raise ValueError(f"targets.{name} names variant '{variant}'; variants are {', '.join(self.variants)}")
        return self

    def fitted(self) -> dict[str, Target]:
        return {name: t for name, t in self.targets.items() if t.role == "fit"}

    def runs_needed(self, names: Iterable[str] | None = None) -> list[tuple[str, str, int]]:
        """(scenario, variant, years) of every run the chosen targets need, each once."""
        chosen = [self.targets[n] for n in (names or self.targets)]
        needed = {(t.scenario, v, t.years) for t in chosen for v in (t.variant, t.baseline) if v}
        return sorted(needed)


def load_targets(path: str | Path = TARGETS_FILE) -> TargetSet:
    """Read and check a targets file; errors name the target and field."""
    try:
        raw, sources = split_sources(tomllib.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot be read as TOML ({exc})") from None
    for table in ("targets", "unrepresented"):
        for name, entry in (raw.get(table) or {}).items():
            if isinstance(entry, dict) and f"{table}.{name}" in sources:
                entry["source"] = sources[f"{table}.{name}"]  # an entry's source is part of the entry
    try:
        return TargetSet.model_validate(raw)
    except ValidationError as exc:
        lines = [f"Invalid targets file ({Path(path).name}):"]
        lines += [f"  {'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise ScenarioError("\n".join(lines)) from None


# ---- Parameters: multipliers over scenario values -------------------------------------

def parameter_overrides(scenario: str, parameters: Mapping[str, Parameter], values: Mapping[str, float]) -> dict[str, float]:
    """Dotted overrides that apply each parameter's factor (or value) to the keys it matches."""
    dump = load_scenario(scenario).model_dump()
    overrides: dict[str, float] = {}
    for name, parameter in parameters.items():
        for key, current in figures_matching(dump, parameter.keys).items():
            overrides[key] = float(values[name]) if parameter.set else float(current) * float(values[name])
    return overrides


# ---- Metrics --------------------------------------------------------------------------

def _share_among(t: Target, h: pd.DataFrame, has: np.ndarray) -> float:
    """The share of households, or (as `among` says) of the children or children of
    school age living in them, in households that `has` (one truth per household)."""
    weight = h[t.among] if t.among in ("children", "pupils") else None
    return float(np.average(has, weights=weight))


def _prevalence(t: Target, runs) -> float:
    """The share of households (or of children, of children of school age, or of
    households of working age: `among`) in households with the problem."""
    h = runs[t.variant].households
    if t.among == "working_age":
        h = h[h["working_age"]]
    return _share_among(t, h, h[f"has_{t.domain}"].to_numpy())


def _co_occurrence(t: Target, runs) -> float:
    """The share of households (or children, as `among` says) in households with every
    one of `domains` at once."""
    h = runs[t.variant].households
    return _share_among(t, h, np.logical_and.reduce([h[f"has_{d}"].to_numpy() for d in t.domains]))


def _population(t: Target, results: Results) -> float:
    """The mean number of `t.per` over the run: households; adults or children, whether at
    home or in a placement (custody, hospital, care); or people (both)."""
    steps, stocks = results.steps, results.scenario.stocks
    if t.per == "households":
        return float(steps["households"].mean())
    away = {who: sum(steps[f"stock_{name}"].mean() for name, s in stocks.items() if s.who == who)
            for who in ("adult", "child")}
    adults, children = steps["adults"].mean() + away["adult"], steps["children"].mean() + away["child"]
    return float({"adults": adults, "children": children, "people": adults + children}[t.per])


def _multi_problem_families(t: Target, runs) -> float:
    h = runs[t.variant].households
    return float(((h["children"] > 0) & (h["problems"] >= t.min_problems)).mean())


def _need_growth(t: Target, runs) -> float:
    """Yearly growth (compound, first to last year) of households with at least one problem."""
    steps = runs[t.variant].steps
    needing = (steps["households"] - steps["tier_universal"]).groupby(steps["year"]).mean()
    if len(needing) < 2:
        return 0.0
    return float((needing.iloc[-1] / needing.iloc[0]) ** (1 / (len(needing) - 1)) - 1)


def _extra_spend(t: Target, runs) -> float:
    """(variant - baseline) spend in the target's year, as a share of the baseline's."""
    def spend(results: Results) -> float:
        return float(results.ledger.loc[results.ledger["year"] == t.year, "spend"].sum())

    base = spend(runs[t.baseline])
    return (spend(runs[t.variant]) - base) / base if base else 0.0


def _keyworker_caseload(t: Target, runs) -> float:
    results = runs[t.variant]
    pool = results.agencies[results.agencies["agency"] == "pooled_budget"]
    workers = pool["slots"] / families_per_worker(results.scenario.keyworkers)
    working = workers > 0
    return float(pool.loc[working, "caseload"].sum() / workers[working].sum()) if working.any() else 0.0


def _crisis_rate(t: Target, runs) -> float:
    """Crises of a kind a year, per `scale` of `per`."""
    results = runs[t.variant]
    return float(results.steps[f"crises_{t.crisis}"].sum() / _population(t, results) * t.scale / t.years)


def _stock_level(t: Target, runs) -> float:
    """The mean number in a statutory stock, per `scale` of `per`."""
    results = runs[t.variant]
    return float(results.steps[f"stock_{t.stock}"].mean() / _population(t, results) * t.scale)


def _stock_entries(t: Target, runs) -> float:
    """Entries into a statutory stock a year, per `scale` of `per`."""
    results = runs[t.variant]
    return float(results.steps[f"entered_{t.stock}"].sum() / _population(t, results) * t.scale / t.years)


def _children_per_family(results: Results) -> float:
    h = results.households
    return float(h.loc[h["children"] > 0, "children"].mean())


def _agency_rows(t: Target, runs) -> pd.DataFrame:
    """The target's agency's rows of its variant's run."""
    agencies = runs[t.variant].agencies
    return agencies[agencies["agency"] == t.agency]


def _screened_in(rows: pd.DataFrame) -> float:
    """Referrals an agency screened in (a contact screened out at the front door is no
    referral in the Department for Education's count)."""
    return float(rows["referrals"].sum() - rows["screened_out"].sum())


def _caseload_children(t: Target, runs) -> float:
    """Children in the families an agency has open cases with (help or early help), plus
    those of its stocks paid for by it (children in care), per `scale` children."""
    results, rows = runs[t.variant], _agency_rows(t, runs)
    families = weekly_means(rows, ["caseload", "early_help"], "agency").sum(axis=1).iloc[0]
    in_care = sum(results.steps[f"stock_{name}"].mean() for name, s in results.scenario.stocks.items()
                  if s.who == "child" and s.payer == t.agency)
    return float((families * _children_per_family(results) + in_care) / _population(t, results) * t.scale)


def _referral_children(t: Target, runs) -> float:
    """Children in the families referred to an agency a year, per `scale` children: the
    referrals it screened in (the Department for Education counts a contact screened
    out at the front door as no referral)."""
    results = runs[t.variant]
    children = _screened_in(_agency_rows(t, runs)) * _children_per_family(results)
    return float(children / _population(t, results) * t.scale / t.years)


def _rereferral_share(t: Target, runs) -> float:
    """The share of an agency's referrals that came within a year of the household's last
    referral to it (the Department for Education's re-referral rate)."""
    rows = _agency_rows(t, runs)
    referrals = _screened_in(rows)
    return float(rows["rereferrals"].sum() / referrals) if referrals else 0.0


def _enquiry_share(t: Target, runs) -> float:
    """Section 47 enquiries as a share of the referrals the agency screened in."""
    rows = _agency_rows(t, runs)
    referrals = _screened_in(rows)
    return float(rows["enquiries"].sum() / referrals) if referrals else 0.0


def _plan_share(t: Target, runs) -> float:
    """Child protection plans started as a share of section 47 enquiries."""
    rows = _agency_rows(t, runs)
    return float(rows["plans_started"].sum() / rows["enquiries"].sum()) if rows["enquiries"].sum() else 0.0


def _children_on_plans(t: Target, runs) -> float:
    """Children on child protection plans on an average week, per `scale` children."""
    return float(_agency_rows(t, runs)["children_on_plans"].mean() / _population(t, runs[t.variant]) * t.scale)


def _treated_in_year(t: Target, runs) -> float:
    """People an agency helped in a year as the National Drug Treatment Monitoring System
    counts people in treatment: those in treatment as the year starts (its open cases,
    late help, on an average week) plus the episodes begun in the year, per `scale` of
    `per`. One person a household, and a household with two episodes in a year counts
    twice."""
    rows = _agency_rows(t, runs)
    open_cases = weekly_means(rows, ["caseload"], "agency")["caseload"].iloc[0]
    begun = rows["admissions"].sum() / t.years
    return float((open_cases + begun) / _population(t, runs[t.variant]) * t.scale)


def _spend_per_family(t: Target, runs) -> float:
    h = runs[t.variant].households
    families = h[(h["children"] > 0) & (h["problems"] >= t.min_problems)]
    return float(families["cost_total"].mean() / t.years) if len(families) else 0.0


METRICS: dict[str, Callable[[Target, Mapping[str, Results]], float]] = {
    "prevalence": _prevalence,
    "multi_problem_families": _multi_problem_families,
    "need_growth": _need_growth,
    "extra_spend": _extra_spend,
    "keyworker_caseload": _keyworker_caseload,
    "crisis_rate": _crisis_rate,
    "spend_per_multi_problem_family": _spend_per_family,
    "stock_level": _stock_level,
    "stock_entries": _stock_entries,
    "caseload_children": _caseload_children,
    "referral_children": _referral_children,
    "rereferral_share": _rereferral_share,
    "enquiry_share": _enquiry_share,
    "plan_share": _plan_share,
    "children_on_plans": _children_on_plans,
    "treated_in_year": _treated_in_year,
    "co_occurrence": _co_occurrence,
}


@dataclass(frozen=True)
class MeasureJob:
    """Everything one measurement needs, picklable for a worker process."""

    targets: TargetSet
    names: tuple[str, ...]
    values: Mapping[str, float]      # parameter values (empty: the scenarios as they are)
    seed: int
    settings: Mapping[str, Any] = field(default_factory=dict)  # dotted values set outright (fitted crisis rates)


def measure(job: MeasureJob) -> dict[str, float]:
    """Run what the chosen targets need (on one seed) and return each target's value."""
    spec = job.targets
    runs: dict[tuple[str, str, int], Results] = {}
    for scenario, variant, years in spec.runs_needed(job.names):
        overrides = parameter_overrides(scenario, spec.calibration.parameters, job.values) if job.values else {}
        overrides |= dict(job.settings) | spec.variants[variant] | {
            "population.households": spec.measure.households, "run.years": years, "run.seed": job.seed,
            "run.record_every": "week"}  # the measures below read weekly rows
        runs[(scenario, variant, years)] = run(scenario, overrides)
    values = {}
    for name in job.names:
        target = spec.targets[name]
        mine = {v: runs[(target.scenario, v, target.years)] for v in (target.variant, target.baseline) if v}
        values[name] = METRICS[target.metric](target, mine)
    return values

