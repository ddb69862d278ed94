"""UK unit costs with their sources, uprated to one price year.

The catalogue is `parameters/data/unit_costs.csv` (copied unchanged from the project's
shared data: GMCA/New Economy Unit Cost Database v1.4 and a few others). Its figures
come at many price years; `uprated` brings each to PRICE_YEAR with the HM Treasury GDP
deflator (`parameters/data/gdp_deflator.csv`, which says where each index comes from).

A scenario figure can be written as a reference to the catalogue instead of a number:

    intervention_week_cost = { cost = "social_worker_hour", times = 3, note = "3 hours a week (assumption)" }
    bills = { housing = { cost = ["eviction_complex", "homelessness_application"] } }
    intervention_week_cost = { cost = "drug_treatment_structured", per = "week" }

`cost` names one item or a list (summed); `times` scales the sum (or, with a list, gives
one weight per item); `per` converts time-based units (a year, a month, six months, a
week) to the unit the model wants. The loader resolves references after overrides, so a
scenario's own `[unit_costs]` table (or `--set unit_costs.arrest_detained=650`) changes
every figure built on that item.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
PRICE_YEAR = "2013/14"
DEFLATOR = "HM Treasury GDP deflator at market prices (financial years)"

# A few catalogue rows give a calendar year; this is the financial year they stand for.
CALENDAR_YEARS = {"2012": "2011/12"}  # Children and Young People Now, February 2012: within 2011/12

# Weeks in each time-based unit of the catalogue; units not listed (an event, an hour,
# a case) cannot be converted and need `times` to say how many make the model's unit.
WEEKS_IN_UNIT = {
    "per_week": 1.0,
    "per_month": 52.0 / 12.0,
    "per_case_6_months": 26.0,
    "per_year": 52.0,
    "per_first_year": 52.0,
}
WEEKS_IN_PER = {"week": 1.0, "year": 52.0}


class CostReferenceError(ValueError):
    """A unit-cost reference that cannot be resolved, worded for the user."""


@dataclass(frozen=True)
class UnitCost:
    """One catalogue row: its cash value at its own price year, and where it came from."""

    item: str
    domain: str
    payer: str
    cash: float
    unit: str
    price_year: str
    source: str
    note: str

    @property
    def financial_year(self) -> str:
        return CALENDAR_YEARS.get(self.price_year, self.price_year)

    def uprated(self, to_year: str = PRICE_YEAR) -> float:
        """The cost at `to_year` prices (GDP deflator ratio)."""
        index = deflator()
        return self.cash * index[to_year] / index[self.financial_year]


@cache
def deflator() -> dict[str, float]:
    """Financial year -> GDP deflator index."""
    with open(DATA_DIR / "gdp_deflator.csv", newline="", encoding="utf-8") as handle:
        return {row["financial_year"]: float(row["index"]) for row in csv.DictReader(handle)}


@cache
def catalogue() -> dict[str, UnitCost]:
    """Every unit cost in the shipped CSV, by item name."""
    with open(DATA_DIR / "unit_costs.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    items = {
        row["item"]: UnitCost(row["item"], row["domain"], row["payer"], float(row["cost_gbp"]), row["unit"],
                              row["price_year"], row["source"], row["note"])
        for row in rows
    }
    missing = sorted({c.financial_year for c in items.values()} - set(deflator()))
    if missing:
        raise RuntimeError(f"gdp_deflator.csv has no index for price years {missing}")
    return items


def uprated_costs(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Item -> cost at PRICE_YEAR prices, with a scenario's own figures in place of the catalogue's."""
    costs = {item: cost.uprated() for item, cost in catalogue().items()}
    costs.update(overrides or {})
    return costs


def check_items(names) -> None:
    """Raise CostReferenceError for any name that is not a catalogue item."""
    known = catalogue()
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(str(name), list(known), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise CostReferenceError(f"'{name}' is not an item of unit_costs.csv.{hint} `locality costs` lists them.")


@dataclass(frozen=True)
class CostReference:
    """A scenario figure built from catalogue items: sum(weight * cost converted to `per`)."""

    items: tuple[str, ...]
    weights: tuple[float, ...]
    per: str | None = None
    note: str = ""

    @classmethod
    def parse(cls, spec: Mapping[str, Any], where: str) -> CostReference:
        allowed = {"cost", "times", "per", "note"}
        unknown = set(spec) - allowed
        if unknown:
            raise CostReferenceError(f"{where}: unknown key(s) {sorted(unknown)} in a unit-cost reference; allowed: {sorted(allowed)}")
        items = spec["cost"] if isinstance(spec["cost"], list) else [spec["cost"]]
        times = spec.get("times", 1.0)
        weights = list(times) if isinstance(times, list) else [float(times)] * len(items)
        if len(weights) != len(items) or not all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights):
            raise CostReferenceError(f"{where}.times: give one number, or one number per item of `cost` ({len(items)})")
        per = spec.get("per")
        if per is not None and per not in WEEKS_IN_PER:
            raise CostReferenceError(f"{where}.per = {per!r}: allowed are {', '.join(WEEKS_IN_PER)}")
        try:
            check_items(items)
        except CostReferenceError as exc:
            raise CostReferenceError(f"{where}.cost: {exc}") from None
        return cls(tuple(items), tuple(float(w) for w in weights), per, str(spec.get("note", "")))

    def _factor(self, item: str) -> float:
        """How many of the item's units make one of `per` (1 if no conversion is asked)."""
        if self.per is None:
            return 1.0
        unit = catalogue()[item].unit
        if unit not in WEEKS_IN_UNIT:
            return 1.0  # an hour, an event or a case: `times` says how many
        return WEEKS_IN_PER[self.per] / WEEKS_IN_UNIT[unit]

    def value(self, costs: Mapping[str, float]) -> float:
        return round(sum(w * costs[i] * self._factor(i) for i, w in zip(self.items, self.weights)), 2)

    def source(self, costs: Mapping[str, float], overridden: set[str] = frozenset()) -> str:
        """Plain words: which items, at which price year, how combined."""
        parts = []
        for item, weight in zip(self.items, self.weights):
            row = catalogue()[item]
            scale = f"{weight:g} x " if weight != 1 else ""
            unit = row.unit.replace("_", " ")
            if item in overridden:
                parts.append(f"{scale}{item} £{costs[item]:,.2f} {unit} (the scenario's own figure)")
            else:
                parts.append(f"{scale}{item} £{row.cash:,.2f} {unit} ({row.price_year}, {row.source}), "
                             f"£{costs[item]:,.2f} at {PRICE_YEAR} prices")
        per = f", converted to per {self.per}" if self.per else ""
        note = f"; {self.note}" if self.note else ""
        return "unit_costs.csv: " + " + ".join(parts) + per + note

    def as_toml(self) -> dict[str, Any]:
        """The reference as it is written in a scenario file."""
        spec: dict[str, Any] = {"cost": self.items[0] if len(self.items) == 1 else list(self.items)}
        if any(w != 1.0 for w in self.weights):
            spec["times"] = self.weights[0] if len(set(self.weights)) == 1 else list(self.weights)
        if self.per:
            spec["per"] = self.per
        if self.note:
            spec["note"] = self.note
        return spec


def is_cost_reference(node: Any) -> bool:
    return isinstance(node, dict) and "cost" in node and not isinstance(node.get("cost"), dict)
