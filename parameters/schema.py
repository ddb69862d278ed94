"""The scenario schema: every lever and figure the model reads, with its bounds.

Pydantic does the checking; `parameters.loader` turns its complaints into one message
per bad key. Field descriptions double as the "what is allowed" half of that message.
A field the app offers as a lever also carries, in `json_schema_extra`, its label and
unit as a person would say them; `parameters.levers` reads them with the field's bounds.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from .unit_costs import check_items
from .vocabulary import DOMAINS, POOL

MOST_MONEY = 1e10  # £10bn: above any English public body's whole yearly budget; a bound of sense against typos and overflow
LEAST_MONEY = 0.01  # a penny: a positive amount of pounds below it is a typo (and a divisor that overflows)


def _zero_or_a_penny(value: float) -> float:
    if 0.0 < value < LEAST_MONEY:
        raise ValueError(f"{value!r} pounds is below a penny; give 0 or an amount of at least 0.01")
    return value


def _not_a_boolean(value):
    """true and false are not numbers (pydantic would read true as 1)."""
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is a yes/no, not a number; give a number")
    return value


Domain = Literal[DOMAINS]  # type: ignore[valid-type]
Fraction = Annotated[float, BeforeValidator(_not_a_boolean), Field(ge=0.0, le=1.0, description="a fraction from 0 to 1")]
Money = Annotated[float, BeforeValidator(_not_a_boolean), Field(ge=0.0, le=MOST_MONEY, description="pounds, 0 or from a penny to £10bn"),
                  AfterValidator(_zero_or_a_penny)]
PerDomain = dict[Domain, Fraction]


class Section(BaseModel):
    """A table of a scenario file: unknown keys are errors, not silently ignored; numbers
    are finite (no inf or nan) and never written as true or false."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_not_booleans(cls, value, info):
        field = cls.model_fields.get(info.field_name)
        if field is None or _admits_bool(field.annotation) or _is_settings(field.annotation):
            return value  # (a table of settings is checked by its own model)
        if isinstance(value, bool) and _admits_text(field.annotation) and not _admits_number(field.annotation):
            raise ValueError(f"{str(value).lower()} is a yes/no; give one of the words allowed, in quotes")
        _no_boolean_within(value)  # (a table's values too: budget.agency_cut_years.police = true is not 1)
        return value


def _no_boolean_within(value, where: str = "") -> None:
    if isinstance(value, bool):
        raise ValueError(f"{where + ' = ' if where else ''}{str(value).lower()} is a yes/no, not a number; give a number")
    if isinstance(value, dict):
        for key, inner in value.items():
            if not isinstance(inner, dict):  # (tables of settings are checked by their own model)
                _no_boolean_within(inner, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for inner in value:
            _no_boolean_within(inner, where)


def _is_settings(annotation) -> bool:
    return any(isinstance(a, type) and issubclass(a, BaseModel) for a in (annotation, *typing.get_args(annotation)))


def _admits_text(annotation) -> bool:
    return annotation is str or typing.get_origin(annotation) is Literal or any(_admits_text(a) for a in typing.get_args(annotation))


def _admits_number(annotation) -> bool:
    return annotation in (int, float) or any(_admits_number(a) for a in typing.get_args(annotation))


def _admits_bool(annotation) -> bool:
    if annotation is bool or annotation is typing.Any:
        return True
    return any(_admits_bool(a) for a in typing.get_args(annotation))


class Place(Section):
    name: str
    description: str = ""


class Population(Section):
    households: int = Field(ge=1, le=5_000_000, description="number of households, 1 to 5,000,000",
                            json_schema_extra={"label": "Households", "unit": "households"})
    share_with_children: Fraction
    adults_mean: float = Field(ge=1.0, le=6.0, description="mean adults per household, 1 to 6")
    children_mean: float = Field(ge=1.0, le=8.0, description="mean children in a household with children")
    resilience_mean: Fraction
    engagement_mean: Fraction
    frailty_shape: float = Field(gt=0.0, description="gamma shape of household frailty (smaller clusters problems more), > 0")
    neighbourhood_size: int = Field(ge=10, le=5_000_000, description="households per neighbourhood, 10 to 5,000,000")
    ties: int = Field(ge=0, le=50, description="social ties per household, an even number 0 to 50")
    rewiring: Fraction
    kin_share: Fraction
    kin_reach: int = Field(ge=1, le=10_000, description="how many neighbourhoods away kin ties reach, at least 1")
    initial_cap: float = Field(gt=0.0, le=1.0, description="highest starting need of any household, above 0 and at most 1")
    max_adults: int = Field(ge=1, le=20, description="adults in a household at most, 1 to 20")
    max_children: int = Field(ge=1, le=20, description="children in a household at most, 1 to 20")
    trait_spread: float = Field(gt=0.0, le=1000.0, description="concentration (a + b) of the beta draws of resilience and engagement, above 0")
    network_patterns: int = Field(ge=1, le=100, description="small-world tie patterns shared by neighbourhoods of one size, 1 to 100")

    @model_validator(mode="after")
    def _even_ties(self) -> Population:
        if self.ties % 2:
            raise ValueError(f"population.ties must be even (ties are made in pairs), got {self.ties}")
        return self


YOUNGEST_AGE = 16  # the youngest a household's reference person may be (ONS counts household reference persons from 16)
OLDEST_AGE = 99  # the oldest a household's reference person may be drawn (households end at 100: sim.demography.OLDEST)


def age_band(text: str) -> tuple[int, int]:
    """"18-44" as (18, 44): ages from and to, both included."""
    low, _, high = text.partition("-")
    if not (low.strip().isdigit() and high.strip().isdigit()) or int(low) > int(high):
        raise ValueError(f"'{text}' is not an age band: write it as from-to in whole years, e.g. \"18-44\"")
    return int(low), int(high)


class Demography(Section):
    """How people change, once a year: everyone ages; children are born to households
    whose reference person is of an age to have them, and come of age at `leaving_age`
    (some stay on as adults, the rest leave); households leave the place (moving away,
    or ending in old age) and a newcomer household takes each home. Before the run, the
    households live `settle_years` of this, so the mix of ages starts where these rates
    hold it."""

    head_ages: dict[str, Fraction] = Field(description="the starting mix of the ages of household reference persons, by age band (\"16-24\": share)")
    newcomer_head_ages: dict[str, Fraction] = Field(description="ages of the reference persons of households that form or move in, by age band")
    newcomers_with_children: Fraction = Field(description="share of newcomer households that bring children")
    birth_rate: Fraction = Field(description="yearly chance of a birth in a household whose reference person is within fertile_ages")
    fertile_ages: str = Field(description="the reference person's ages at which a household may have a child, as a band (\"18-44\")")
    working_ages: str = Field("16-64", description="the reference person's ages at which a household is of working age, "
                              "and so can be workless, as a band (\"16-64\")")
    school_ages: str = Field("5-15", description="a child's ages of compulsory schooling, as a band (\"5-15\"): only a "
                             "household with a child of these ages can have school absence")
    leaving_age: int = Field(ge=16, le=21, description="age at which a child stops being a child of the household, 16 to 21")
    stays_home: Fraction = Field(description="share of those coming of age who stay on in the household as adults")
    move_away: Fraction = Field(description="yearly chance that a household leaves the place")
    dissolve_from: int = Field(ge=40, le=110, description="reference person's age from which households also end at the dissolution rate, 40 to 110")
    dissolution: Fraction = Field(description="yearly chance that a household ends (death, a care home) once its reference person is dissolve_from or older")
    settle_years: int = Field(ge=0, le=200, description="years of people changing before the run starts, so the age mix starts settled, 0 to 200")
    household_growth: float = Field(
        0.0, ge=-0.05, le=0.1, description="yearly growth of the place's households as projected, -0.05 to 0.1 (0.008 is "
        "0.8%): from year 2 each simulated home stands for this much more of the place each year, so demand grows with "
        "people, and what a cash budget buys per household falls (unless budget.follows_households)",
        json_schema_extra={"label": "Household growth", "unit": "share a year"})

    def place_scale(self, year: int) -> float:
        """The place's households in `year` (1-based; 0 is the warm-up) over those it
        starts with: how many of its homes each simulated home stands for. The place is
        as its scenario declares it in the warm-up and year 1, and grows from year 2."""
        return (1.0 + self.household_growth) ** max(year - 1, 0)

    def place_scales(self, years: int) -> np.ndarray:
        """`place_scale` of years 1 to `years`, in order."""
        return np.array([self.place_scale(year) for year in range(1, years + 1)])

    @model_validator(mode="after")
    def _bands(self) -> Demography:
        age_band(self.fertile_ages)
        age_band(self.working_ages)
        age_band(self.school_ages)
        for table in ("head_ages", "newcomer_head_ages"):
            bands = getattr(self, table)
            if not bands:
                raise ValueError(f"demography.{table} needs at least one age band")
            for band in bands:
                low, high = age_band(band)
                if low < YOUNGEST_AGE or high > OLDEST_AGE:
                    raise ValueError(f"demography.{table}: band '{band}' must lie within {YOUNGEST_AGE} to {OLDEST_AGE}: a household's "
                                     f"reference person is {YOUNGEST_AGE} or older, and a household ends at {OLDEST_AGE + 1}")
            total = sum(bands.values())
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"demography.{table}: the shares add up to {total:.4f}; they must add up to 1")
        return self


class Run(Section):
    years: int = Field(ge=1, le=25, description="years to run, 1 to 25", json_schema_extra={"label": "Years", "unit": "years"})
    seed: int = Field(ge=0, le=2**63 - 1, description="random seed, a whole number from 0 to 2^63 - 1", json_schema_extra={"label": "Seed", "unit": "seed"})
    warmup_weeks: int = Field(ge=0, le=520, description="weeks run before recording starts, 0 to 520")
    record_every: Literal["week", "month", "year"] = Field(
        "week", description="rows of the steps and agencies results: 'week', 'month' or 'year' "
                            "(counts and spend summed over the period, levels averaged over its weeks)")
    panel: int = Field(0, ge=0, le=20_000, description=(
        "households (a random sample) whose needs, tier and help are kept at every recorded period, "
        "0 to 20,000; 0 keeps none (memory: 10,000 households weekly for 10 years add about 800 MB "
        "at the peak)"))


RegimeKind = Literal["siloed", "integrated"]
Rationing = Literal["threshold", "waiting_list"]
QueueOrder = Literal["severity", "arrival"]


@dataclass(frozen=True)
class Switches:
    """The regime in force: each part of integration on or off, how agencies ration and
    whom they help first, and the share of budgets pooled for key workers."""

    shared_risk: bool
    single_assessment: bool
    key_workers: bool
    rationing: Rationing
    queue_order: QueueOrder
    pooled_share: float


class Regime(Section):
    """How agencies notice, assess and allocate: `kind` gives every switch its default,
    and a switch set here overrides it. Only what was set is stored (a saved scenario
    keeps the same choices, so changing its `kind` later changes every switch left to
    it); `switches()` gives the regime in force."""

    kind: RegimeKind = Field(json_schema_extra={"label": "Regime"})
    shared_risk: bool | None = Field(None, description="a whole-family risk score finds families early (integrated default)")
    single_assessment: bool | None = Field(None, description="one shared assessment instead of one per agency (integrated default)")
    key_workers: bool | None = Field(None, description="key workers hold whole-family plans (integrated default)")
    rationing: Rationing | None = Field(None, description="how agencies ration when demand outruns capacity: 'threshold' (raise eligibility, siloed default) or 'waiting_list' (keep eligibility, queue; integrated default)")
    queue_order: QueueOrder | None = Field(None, description="who is helped first: 'severity' (worst first, siloed default) or 'arrival' (first found, integrated default)")
    pooled_share: float = Field(0.0, ge=0.0, le=0.5, description="share of each agency's budget pooled for the key-worker team, 0 to 0.5 (pooled only while key workers run)",
                                json_schema_extra={"label": "Pooled for key workers", "unit": "share of budgets"})

    investment_agreement: bool = Field(False, description="each agency's contribution to the pool in proportion to the "
                                       "savings in crisis spend it received last year against business as usual on the "
                                       "same seed (siloed, no early-intervention shift; year 1: as pooled_share sets it); "
                                       "the total pooled is unchanged",
                                       json_schema_extra={"label": "Investment agreement", "unit": ""})

    def switches(self) -> Switches:
        """Each switch as set, else as `kind` has it. Money is pooled only for a team of
        key workers: without one, nothing is pooled."""
        joined = self.kind == "integrated"

        def chosen(value, default):
            return default if value is None else value

        key_workers = chosen(self.key_workers, joined)
        return Switches(
            shared_risk=chosen(self.shared_risk, joined),
            single_assessment=chosen(self.single_assessment, joined),
            key_workers=key_workers,
            rationing=chosen(self.rationing, "waiting_list" if joined else "threshold"),
            queue_order=chosen(self.queue_order, "arrival" if joined else "severity"),
            pooled_share=self.pooled_share if key_workers else 0.0,
        )


Route = Literal["risk_score", "agency_referral", "crisis"]


class Tier(Section):
    """One tier of key work (Greater Manchester's tiered model): which families it takes,
    on what caseload, with what share of the team's workers."""

    caseload_times: float = Field(ge=0.1, le=20.0, description="its caseload as a multiple of keyworkers.caseload, 0.1 to 20 "
                                  "(so the caseload lever moves every tier)")
    min_problems: int = Field(ge=1, le=9, description="problems above the problem line a family needs for this tier, 1 to 9")
    risk_threshold: float = Field(ge=0.0, le=9.0, description="whole-family risk score a family needs for this tier, 0 to 9")
    worker_share: Fraction = Field(description="share of the team's key workers in this tier")
    services_times: float = Field(ge=0.0, le=5.0, description="services a family's plan draws in this tier, as a "
                                  "multiple of keyworkers.services_per_family_week, 0 to 5")


class KeyWorkers(Section):
    count: Annotated[int, Field(ge=0, le=100_000)] | Literal["auto"] = Field(
        "auto", description="key workers: a whole number 0 or more, or 'auto' for as many as the pooled budget buys each year",
        json_schema_extra={"label": "Key workers", "unit": "key workers"})
    caseload: int = Field(ge=1, le=100, description="families per key worker, 1 to 100",
                          json_schema_extra={"label": "Caseload", "unit": "families per key worker"})
    cost_per_worker_year: Money
    services_per_family_week: Money
    assessment_cost: Money
    plan_weeks: int = Field(ge=1, le=520, description="longest plan in weeks")
    effect: Fraction = Field(description="weekly share of severity a plan removes at full engagement and low severity, at the reference dose (reference_hours of contact a week)")
    week_hours: float = Field(ge=1.0, le=60.0, description="hours a full-time key worker spends working with families a week, 1 to 60")
    reference_hours: float = Field(ge=0.1, le=60.0, description="contact hours a week per family at which `effect` holds, 0.1 to 60 (in hours, whatever week_hours and caseload are)")
    half_hours: float = Field(ge=0.1, le=60.0, description="contact hours a week per family at which a plan does half the most it can, 0.1 to 60")
    dose_steepness: float = Field(ge=0.5, le=6.0, description="how sharply a plan's effect rises with contact hours around half_hours (a Hill coefficient), 0.5 to 6")
    whole_family_bonus: float = Field(ge=1.0, le=3.0, description="multiplier on help when the plan covers the whole family, 1 to 3")
    trust_gain: Fraction
    risk_threshold: float = Field(ge=0.0, le=9.0, description="whole-family risk score (sum of severities) that flags a family, 0 to 9")
    min_problems: int = Field(ge=1, le=9, description="problems above the problem line needed to flag a family, 1 to 9")
    detection: Fraction
    recovered_share: Fraction = Field(description="a waiting family leaves the key-worker list once its risk score falls below this share of risk_threshold")
    domain_effect: dict[Domain, Annotated[float, Field(ge=0.0, le=5.0)]] = Field(
        {}, description="a plan's effect in each need domain relative to `effect`, 0 to 5 (a domain not named: 1)")
    routes: list[Route] = Field(min_length=1, description="how families reach the team, one or more of 'risk_score' "
                                "(shared data flags them; needs regime.shared_risk), 'agency_referral' (an agency with "
                                "an open case refers them) and 'crisis' (a crisis brings them)")
    agency_referral: Fraction = Field(description="weekly chance that one agency with an open case of a family the team "
                                      "would take refers it to the team")
    consent: Fraction = Field(description="share of families asked who agree to work with a key worker")
    asked_again_weeks: int = Field(ge=0, le=520, description="weeks before a family that declined is asked again, 0 to 520")
    tiered: bool = Field(False, description="Greater Manchester's tiered model: the team works in the tiers of `tiers`, "
                         "each taking the families it is for on its own caseload (false: one tier, `caseload`, "
                         "`min_problems` and `risk_threshold`)",
                         json_schema_extra={"label": "Tiered key work", "unit": ""})
    tiers: dict[str, Tier] = Field({}, description="the tiers of the tiered model, most intensive first")

    @model_validator(mode="after")
    def _tiers_fit(self) -> KeyWorkers:
        if self.tiered and not self.tiers:
            raise ValueError("keyworkers.tiered is true but keyworkers.tiers names no tier; add [keyworkers.tiers.NAME] tables or set tiered = false")
        total = sum(tier.worker_share for tier in self.tiers.values())
        if self.tiers and abs(total - 1.0) > 1e-6:
            raise ValueError(f"keyworkers.tiers: the worker_share of the tiers add up to {total:g}, not 1; "
                             "make them add up to 1")
        return self

    def domain_effects(self) -> dict[str, float]:
        """Every domain's plan effect relative to `effect` (1 where none is given)."""
        return {domain: self.domain_effect.get(domain, 1.0) for domain in DOMAINS}


class Budget(Section):
    cut: Fraction = Field(json_schema_extra={"label": "Budget cut", "unit": "share"})
    cut_years: int = Field(ge=1, le=25, description="years over which the cut is reached, 1 to 25",
                           json_schema_extra={"label": "Years to reach the cut", "unit": "years"})
    agency_cut: dict[str, Fraction] = {}
    agency_cut_years: dict[str, Annotated[int, Field(ge=1, le=25)]] = Field(
        {}, description="years over which an agency's own cut is reached, 1 to 25 (default: cut_years)")
    follows_households: bool = Field(
        False, description="whether budgets grow with the place's households (demography.household_growth): false "
        "(the default) sets them in cash, so a growing place has less to spend per household")


class EarlyIntervention(Section):
    shift: Fraction = Field(json_schema_extra={"label": "Early-intervention shift", "unit": "share of reactive budget"})
    start_year: int = Field(ge=1, le=25, description="first year of the shift, 1 to 25",
                            json_schema_extra={"label": "Shift from year", "unit": "year"})
    double_running_years: int = Field(ge=0, le=10, description="years in which old and new services both run, 0 to 10")


class Demand(Section):
    """How the rate of new problems changes over the years: a trend per need domain
    (`trend`), each defaulting to `growth` where the scenario names none."""

    growth: float = Field(ge=-0.5, le=1.0, description="yearly growth of new problems per household (beyond the "
                          "place's growth in households) in every domain that `trend` does not name, -0.5 to 1 (0.035 is 3.5%)",
                          json_schema_extra={"label": "Demand growth", "unit": "share a year"})
    trend: dict[Domain, Annotated[float, Field(ge=-0.5, le=1.0)]] = Field(
        {}, description="yearly growth of new problems in a domain, -0.5 to 1, where it differs from `growth`")

    def trends(self) -> dict[str, float]:
        """Every domain's yearly growth of new problems."""
        return {domain: self.trend.get(domain, self.growth) for domain in DOMAINS}


class Needs(Section):
    problem_line: Fraction
    acute_line: Fraction
    complex_count: int = Field(ge=1, le=9, description="problems above the problem line that make a family complex, 1 to 9")
    shock_rate: PerDomain
    shock_scale: float = Field(1.0, ge=0.0, le=5.0, description="multiplies every shock rate: a place's deprivation against the national base, 0 to 5")
    shock_size: PerDomain
    recovery: PerDomain
    initial_mean: PerDomain
    spread: Fraction
    spread_every: int = Field(1, ge=1, le=13, description="weeks between applications of the spread, at the compounded rate, 1 to 13")
    coupling: dict[Domain, dict[Domain, Annotated[float, Field(ge=0.0, le=0.2)]]] = {}
    age_risk: dict[Domain, dict[str, Annotated[float, Field(gt=0.0, le=100.0)]]] = Field(
        {}, description="relative chance of new problems in a domain by the household reference person's age band "
        "(\"16-39\": risk), the bands covering 16 to 99 once each; a domain not named has the same chance at every age")

    @model_validator(mode="after")
    def _ages_covered(self) -> Needs:
        for domain, bands in self.age_risk.items():
            if not bands:
                raise ValueError(f"needs.age_risk.{domain} needs at least one age band (\"16-99\" = 1 for the same "
                                 "chance at every age), or leave the domain out")
            covered = sorted(age_band(band) for band in bands)
            expected_from = YOUNGEST_AGE
            for low, high in covered:
                if low != expected_from:
                    raise ValueError(f"needs.age_risk.{domain}: the age bands must cover {YOUNGEST_AGE} to {OLDEST_AGE} once each, "
                                     f"without gaps or overlaps; the band from {low} should start at {expected_from}")
                expected_from = high + 1
            if expected_from != OLDEST_AGE + 1:
                raise ValueError(f"needs.age_risk.{domain}: the age bands must reach {OLDEST_AGE}; the last ends at "
                                 f"{expected_from - 1}")
        return self

    @model_validator(mode="after")
    def _all_domains(self) -> Needs:
        for table in ("shock_rate", "shock_size", "recovery", "initial_mean"):
            missing = [d for d in DOMAINS if d not in getattr(self, table)]
            if missing:
                raise ValueError(f"needs.{table} lacks a value for {', '.join(missing)}")
        if self.acute_line <= self.problem_line:
            raise ValueError("needs.acute_line must be above needs.problem_line")
        return self


class Outcomes(Section):
    """How the results judge a household's needs to have fallen and stayed down."""

    fallen_share: Fraction = Field(description="needs have fallen while their sum is below this share of their sum when help first came")
    stayed_down_weeks: int = Field(ge=1, le=520, description="weeks running with needs fallen that count as staying down, 1 to 520")


class Services(Section):
    """How help works, common to every agency."""

    lateness: Fraction
    assessment_fatigue: Fraction
    fatigue_memory_weeks: int = Field(ge=1, le=520, description="weeks an assessment keeps wearing engagement down, 1 to 520")
    assessment_valid_weeks: int = Field(ge=1, le=520, description="weeks an assessment stays valid, 1 to 520: a household "
                                        "referred again within it is not assessed again (by the same agency when siloed, by "
                                        "any service when the assessment is shared)")
    list_review_weeks: int = Field(ge=1, le=52, description="weeks between reviews of a household's place on a waiting list, "
                                   "1 to 52: it leaves the list only at a review that finds its need below the threshold")
    crisis_referred_to: list[str] = Field(
        [], description="agencies to which a crisis in their domains is referred whatever the household's need (a duty to "
        "notify or to take an application); the others hear of a crisis only when the need is above their threshold")
    engagement_recovery: Fraction
    dropout: Fraction
    early_detection: Fraction
    referral_loss: Fraction
    threshold_step: Fraction
    target_wait_weeks: float = Field(gt=0.0, description="waiting list, in weeks of capacity, above which thresholds rise")
    relax_share: Fraction = Field(description="thresholds fall back once the waiting list is under this share of target_wait_weeks")
    crisis_forecast_weeks: int = Field(ge=1, le=520, description="weeks of crisis spend an agency averages to plan capacity, 1 to 520")
    fatigue_from: float = Field(ge=0.0, le=100.0, description="decaying count of recent assessments at or above which another assessment wears engagement down")


class Workforce(Section):
    """Agencies' staff as a stock (`agents.workforce`): the posts the money funds, staff
    in post who leave and are hired with a lag, agency staff covering vacancies at a
    premium, and what happens to help above a safe caseload."""

    turnover: float = Field(ge=0.0, le=2.0, description="share of staff in post who leave in a year, 0 to 2")
    hiring_weeks: float = Field(ge=1.0, le=520.0, description="weeks it takes on average to fill a vacant post "
                                "(and to shed posts no longer funded), 1 to 520")
    agency_cover: Fraction = Field(description="share of vacant posts covered by agency staff while money allows")
    agency_premium: float = Field(ge=0.0, le=5.0, description="what an agency worker costs more than an employed one, "
                                  "as a share of the employed cost, 0 to 5")
    overload_limit: float = Field(ge=1.0, le=5.0, description="most open cases a worker holds, as a multiple of the "
                                  "safe caseload (above it the least needy cases close), 1 to 5")
    overload_elasticity: float = Field(ge=0.0, le=5.0, description="how help weakens above a safe caseload: its "
                                       "effect times (safe caseload / cases per worker) to this power, 0 to 5")


class Finance(Section):
    """How money carries from one year to the next, as councils manage it. An agency
    that carries its outturn over (`carries_over`) meets an over-spend from its
    reserves and, once they are gone, from next year's budget; an under-spend goes to
    reserves, up to their usual level (`reserves_share`), the rest back to the funder.
    Savings (a cut, a debt to repay) come first from what is discretionary, prevention,
    down to the share an agency keeps whatever, and only then from casework. Agencies
    named in `overrun_from_prevention` also find crisis spend above its forecast from
    this year's prevention money. A share of each agency's under-spend can be reinvested
    (`reinvest_share`) in its own prevention or in the key workers' pool, some years on
    (the source documents ask for this: Sherwood, Cheshire West's Children's Investment
    Unit); the rest goes to reserves or back to the funder. A funder may also cash a share
    of the crisis spend an agency avoided against business as usual (`cashable_share`),
    taking it from the next year's reactive budget: without that, money crises no longer
    cost is spent again on casework and a policy's savings never show in spend."""

    carries_over: list[str] = Field(
        [], description="agencies whose outturn carries into the next year (the rest start each year afresh)")
    reserves_share: Fraction = Field(description="an agency's usual reserves, and the most it holds, as a share of its yearly "
                                     "budget, 0 to 1 (the warm-up starts there; the run starts where the status quo left them)")
    prevention_kept: Fraction = Field(description="share of its planned prevention an agency keeps however much it must save, 0 to 1")
    overrun_from_prevention: list[str] = Field(
        [], description="agencies that pay for crisis spend above its forecast out of this year's prevention money")
    reinvest_share: Fraction = Field(
        0.0, description="share of an agency's under-spend (its savings against its own budget) reinvested, 0 to 1",
        json_schema_extra={"label": "Savings reinvested", "unit": "share of under-spend"})
    reinvest_in: Literal["prevention", "pool"] = Field(
        "prevention", description="where reinvested savings go: 'prevention' (the agency's own early help) or 'pool' (the key workers' pooled budget)")
    reinvest_after_years: int = Field(1, ge=1, le=5, description="years after the under-spend that it is reinvested, 1 to 5")
    cashable_share: Fraction = Field(
        0.0, description="share of the change in an agency's crisis spend last year, against business as usual on the "
        "same seed (siloed, no early-intervention shift), that its funder takes from (or, where crises rose, adds to) "
        "its reactive budget this year, 0 to 1: savings cashed rather than re-spent on casework. A funder's policy "
        "and an assumption: Greater Manchester counted £110m of its £224m of estimated savings across public services "
        "as cashable (source_facts.md), about 0.49; that a funder meets the same share of a rise is an assumption too "
        "(it keeps noise between the run and its twin from cutting budgets one way only)",
        json_schema_extra={"label": "Savings cashed", "unit": "share of crisis spend avoided"})


class Protection(Section):
    """Child protection, for the agency that holds it (children's social care): a referral
    screened in whose need reaches `enquiry_line` starts a section 47 enquiry, at
    `enquiry_cost`; one whose need reaches `plan_line` also starts a child protection plan.
    A plan holds the agency's case open (it does not close on recovery or at its longest)
    until a review conference ends it: the first `first_review_weeks` after the plan
    began, then every `review_every_weeks`, each ending the plan if the family's need is
    below the agency's threshold."""

    enquiry_line: Fraction = Field(description="need at a referral at which a section 47 enquiry starts")
    plan_line: Fraction = Field(description="need at a referral at which a child protection plan starts (at or above enquiry_line)")
    enquiry_cost: Money
    first_review_weeks: int = Field(ge=1, le=104, description="weeks from a plan's start to its first review conference, 1 to 104")
    review_every_weeks: int = Field(ge=1, le=104, description="weeks between later review conferences, 1 to 104")

    @model_validator(mode="after")
    def _line_order(self) -> Protection:
        if self.plan_line < self.enquiry_line:
            raise ValueError(f"plan_line ({self.plan_line}) must not be below enquiry_line ({self.enquiry_line}): "
                             "a plan follows an enquiry")
        return self


class Agency(Section):
    label: str
    domains: list[Domain] = Field(min_length=1)
    clients: Literal["all", "families", "adults_only"] = "all"
    budget_per_household: Money
    prevention_share: Fraction
    threshold: Fraction
    max_threshold: Fraction
    detection: Fraction
    assessment_cost: Money
    intervention_week_cost: Money
    prevention_week_cost: Money
    effect: Fraction
    prevention_effect: Fraction
    max_weeks: int = Field(ge=1, le=520, description="longest episode of help in weeks")
    course_weeks: int = Field(0, ge=0, le=520, description="weeks of a planned course of help before a case may close "
                              "on recovery, 0 to 520 (0: it closes as soon as every need in its domains is below the "
                              "problem line)")
    refers_to: dict[str, Fraction] = {}
    safe_caseload: float = Field(ge=0.1, le=10_000.0, description="open cases a full-time worker can hold safely, 0.1 to 10,000")
    staff_share: Fraction = Field(description="share of intervention_week_cost that is staff time (the rest: services "
                                  "the agency commissions per case)")
    protection: Protection | None = Field(None, description="child protection (section 47 enquiries and plans), for "
                                          "the agency that holds it")

    @model_validator(mode="after")
    def _threshold_order(self) -> Agency:
        if self.max_threshold < self.threshold:
            raise ValueError(f"max_threshold ({self.max_threshold}) must not be below threshold ({self.threshold})")
        return self


class Decision(Section):
    """What an agency's managers decide for one year, as a table does in the agency game
    (`locality.experiments.game`): each figure left out stays as the agency's own."""

    threshold: Fraction | None = Field(None, description="the eligibility threshold the agency sets as this year opens "
                                       "and holds to, 0 to 1 (it replaces one rationing had raised; rationing may raise "
                                       "it again while the waiting list is long, and returns it to this)")
    prevention_share: Fraction | None = Field(None, description="share of the agency's budget planned for prevention this year, 0 to 1")
    pooled_share: float | None = Field(None, ge=0.0, le=0.5, description="share of the agency's budget put into the key "
                                       "workers' pool this year, 0 to 0.5 (needs key workers: regime.key_workers=true)")


class Crisis(Section):
    """A kind of crisis: a hazard that rises with the need in its domain. Each week a
    household has it with chance rate x need ** steepness; the statutory response is
    billed whatever the budget, leaves the need at no more than `after`, and shakes
    other domains (`knock_on`)."""

    label: str
    domain: Domain
    rate: Fraction = Field(description="weekly chance of the crisis for a household whose need in the domain is 1 (fitted to its published rate)")
    steepness: float = Field(ge=0.0, le=5.0, description="how the chance rises with the need: rate x need ** steepness, 0 to 5 (1: in proportion)")
    after: Fraction = Field(description="the response leaves the need at no more than this")
    bills: dict[str, Money] = Field(min_length=1)
    knock_on: dict[Domain, Annotated[float, Field(ge=0.0, le=1.0)]] = {}


class Stock(Section):
    """People in a statutory placement (children in care, custody, temporary
    accommodation, hospital): entered through crises, left at a weekly chance, costing
    their payer every week they last."""

    label: str
    entered_by: list[str] = Field(min_length=1, description="the crisis kinds that lead into it")
    share: Fraction = Field(description="share of those crises that lead into it")
    who: Literal["child", "adult", "household"] = Field(description="who goes: a child or an adult leaves the household's count while away; a household goes whole")
    mean_weeks: float = Field(ge=1.0, le=1040.0, description="mean weeks in it, 1 to 1,040 (leaving is a weekly chance of one over this)")
    returns: Fraction = Field(description="share of those leaving who come back to the household")
    payer: str = Field(description="the agency that pays for every week of it")
    week_cost: Money = Field(description="pounds a week per person (or household) in it")


class UniversalService(Section):
    """A service every household uses (a GP, a school place): its yearly cost per person,
    child or household, paid by an agency outside its rationed budget."""

    label: str
    payer: str
    per: Literal["person", "adult", "child", "household"]
    year_cost: Money = Field(description="pounds a year per person, adult, child or household")


class BudgetHolder(Section):
    """One organisation's spend in the place, as a resource map gives it."""

    label: str
    total: Money


class ResourceMap(Section):
    """Who spends what in the place (Community Budget pilots mapped this); agencies'
    budgets can be written as shares of a holder's total."""

    households: int = Field(ge=1, le=100_000_000, description="households the resource map covers, 1 to 100,000,000")
    holders: dict[str, BudgetHolder] = Field(min_length=1)


class Scenario(Section):
    place: Place
    population: Population
    run: Run
    regime: Regime
    keyworkers: KeyWorkers
    budget: Budget
    early_intervention: EarlyIntervention
    demand: Demand
    demography: Demography
    needs: Needs
    outcomes: Outcomes
    services: Services
    workforce: Workforce
    finance: Finance
    agencies: dict[str, Agency] = Field(min_length=1)
    crises: dict[str, Crisis] = Field(min_length=1)
    stocks: dict[str, Stock] = {}
    universal: dict[str, UniversalService] = {}
    unit_costs: dict[str, Money] = Field({}, description="the scenario's own figures for items of unit_costs.csv, in pounds at 2013/14 prices")
    resource_map: ResourceMap | None = None
    decisions: dict[str, dict[int, Decision]] = Field(
        {}, description="agencies' own decisions by year of the run (1 on), as the agency game records them: "
        "decisions.<agency>.<year> = {threshold, prevention_share, pooled_share}")

    @field_validator("unit_costs")
    @classmethod
    def _known_items(cls, value: dict[str, float]) -> dict[str, float]:
        check_items(value)
        return value

    @model_validator(mode="after")
    def _agency_names_exist(self) -> Scenario:
        known = set(self.agencies)
        if POOL in known:
            raise ValueError(f"agencies.{POOL} is reserved for the pooled budget")

        def check(where: str, names) -> None:
            for name in names:
                if name not in known:
                    raise ValueError(f"{where} names unknown agency '{name}'; agencies are: {', '.join(sorted(known))}")

        check("budget.agency_cut", self.budget.agency_cut)
        check("budget.agency_cut_years", self.budget.agency_cut_years)
        check("finance.carries_over", self.finance.carries_over)
        check("finance.overrun_from_prevention", self.finance.overrun_from_prevention)
        check("services.crisis_referred_to", self.services.crisis_referred_to)
        for name, agency in self.agencies.items():
            check(f"agencies.{name}.refers_to", agency.refers_to)
        for name, crisis in self.crises.items():
            check(f"crises.{name}.bills", crisis.bills)
        for name, stock in self.stocks.items():
            check(f"stocks.{name}.payer", [stock.payer])
            unknown = [kind for kind in stock.entered_by if kind not in self.crises]
            if unknown:
                raise ValueError(f"stocks.{name}.entered_by names unknown crisis kind(s) {unknown}; "
                                 f"crises are: {', '.join(self.crises)}")
        for name, service in self.universal.items():
            check(f"universal.{name}.payer", [service.payer])
        check("decisions", self.decisions)
        for name, years in self.decisions.items():
            late = [year for year in years if not 1 <= year <= self.run.years]
            if late:
                raise ValueError(f"decisions.{name} names year(s) {late}, outside the run's years 1 to {self.run.years}")
            pooling = [year for year, decision in years.items() if decision.pooled_share]
            if pooling and not self.regime.switches().key_workers:
                raise ValueError(f"decisions.{name}.{pooling[0]}.pooled_share puts money into a pool, but this regime has no "
                                 "key workers to spend it: set regime.key_workers=true (or regime.kind=integrated)")
        if self.finance.reinvest_share > 0 and self.finance.reinvest_in == "pool" and not self.regime.switches().key_workers:
            raise ValueError("finance.reinvest_in is 'pool' but this regime has no key workers to spend it: set "
                             "regime.kind=integrated (or regime.key_workers=true), or finance.reinvest_in=prevention")
        return self
