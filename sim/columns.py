"""The results' columns, each declared once: its name, unit, how a period folds its weeks
(counts and money are summed, levels averaged over the weeks), whether it is a whole
number, and what it means. The recorder and the results read this table; nothing else
lists the columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from parameters.unit_costs import PRICE_YEAR
from parameters.vocabulary import CATEGORIES, TIERS

MONEY = f"£ at {PRICE_YEAR} prices"


@dataclass(frozen=True)
class Column:
    name: str
    unit: str
    fold: Literal["sum", "mean"]  # over a period's weeks: summed (events, money) or averaged (levels)
    whole: bool  # a whole number each week (kept whole when a period sums it)
    meaning: str

    @property
    def level(self) -> bool:
        return self.fold == "mean"


def _count(name: str, unit: str, meaning: str) -> Column:
    return Column(name, unit, "sum", True, meaning)


def _level(name: str, unit: str, meaning: str, whole: bool = True) -> Column:
    return Column(name, unit, "mean", whole, meaning)


def _money(name: str, meaning: str) -> Column:
    return Column(name, MONEY, "sum", False, meaning)


#: Moves between tiers: (from, to) for every pair of different tiers.
FLOWS = [(a, b) for a in range(len(TIERS)) for b in range(len(TIERS)) if a != b]


def step_columns(crisis_kinds: list[tuple[str, str]]) -> list[Column]:
    """The locality's columns, per week (or month, or year), for crisis kinds given as
    (name, label)."""
    return [
        _count("referrals", "households", "households noticed by a service (referred or flagged)"),
        _count("referrals_lost", "households", "referrals between agencies that were lost"),
        _count("assessments", "assessments", "assessments made"),
        _count("admissions", "households", "episodes of help begun"),
        _count("dropouts", "households", "cases closed because appointments were not kept"),
        _count("dropped_from_waiting", "households", "taken off a waiting list as no longer eligible"),
        _level("open_cases", "households", "agencies' open cases (late help)"),
        _level("early_help", "households", "agencies' cases in early help"),
        _level("waiting", "households", "on agencies' waiting lists"),
        _level("keyworker_families", "families", "families with a key worker"),
        _level("keyworker_waiting", "families", "families waiting for a key worker"),
        *[_count(f"crises_{name}", "crises", f"crises: {label}") for name, label in crisis_kinds],
        _count("crises", "crises", "crises of every kind"),
        *[_level(f"tier_{tier}", "households", f"households in the {tier} tier") for tier in TIERS],
        *[_count(f"flow_{TIERS[a]}_to_{TIERS[b]}", "households", f"households moving from {TIERS[a]} to {TIERS[b]}")
          for a, b in FLOWS],
        *[_money(f"spend_{category}", f"spend on {category}") for category in CATEGORIES],
        _money("spend", "spend of every kind"),
        _level("households", "households", "households in the place"),
    ]


#: Per agency (and the pooled budget), per week (or month, or year).
AGENCY_COLUMNS: list[Column] = [
    _level("budget", MONEY, "the budget of the year the week belongs to", whole=False),
    *[_money(f"spend_{category}", f"spend on {category}") for category in CATEGORIES],
    _money("spend", "spend of every kind"),
    _level("caseload", "households", "open cases (late help; the pool: families with a key worker)"),
    _level("early_help", "households", "cases in early help"),
    _level("waiting", "households", "on the waiting list"),
    _level("threshold", "need, 0 to 1", "eligibility threshold after the week's rationing (the pool: none)", whole=False),
    _level("slots", "places", "places the money left buys for next week"),
    _count("referrals", "households", "households noticed"),
    _count("referrals_lost", "households", "referrals to it that were lost"),
    _count("assessments", "assessments", "assessments made"),
]
