"""The levers as the schema declares them. A field that a page offers as a lever carries
its label and unit in its own `json_schema_extra`, and its bounds are its own `ge`/`le`
constraints: this module reads both, so that a label or a bound is written once, in
`parameters.schema`, and every page that offers the lever says the same. Also a place's
own value for a lever and the source its scenario gives for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import reduce
from typing import Annotated, get_args, get_origin

from pydantic.fields import FieldInfo

from .loader import load_scenario, schema_at, source_for
from .schema import Scenario


@dataclass(frozen=True)
class Lever:
    """One field of the scenario as a lever: what it is called, its unit, its bounds (None
    where the schema sets none) and its kind of value (int, float, or str for a choice)."""

    key: str
    label: str
    unit: str
    low: float | None
    high: float | None
    kind: type

    @property
    def is_share(self) -> bool:
        """A fraction, shown as a percentage ("share", "share of budgets", "share a year")."""
        return self.unit.startswith("share")

    @property
    def names_unit(self) -> bool:
        """The label already says the unit ("Households", "Years to reach the cut")."""
        return self.unit.lower() in self.label.lower()

    def heading(self) -> str:
        """The label, with the unit where neither it nor a percentage says it: "Caseload
        (families per key worker)", for a control that does not show its value."""
        return self.label if self.names_unit or self.is_share else f"{self.label} ({self.unit})"

    @property
    def after_number(self) -> str:
        """What follows the number when a value is said: "%" and the rest of a share's unit
        ("% of budgets"), the unit (" families per key worker"), or nothing where the label
        names it. (The app's sliders say it in the browser, as the thumb moves.)"""
        if self.is_share:
            return "%" + self.unit.removeprefix("share")
        return "" if self.names_unit else f" {self.unit}"

    def amount(self, value) -> str:
        """A value as a person says it: a share as a percentage followed by the rest of its
        unit ("5% of budgets", "2.82% a year"), a number with its unit unless the label
        already names it ("6 families per key worker", but "Years: 5"), a word as it is."""
        if isinstance(value, str):
            return value
        number = f"{100 * value:.2f}".rstrip("0").rstrip(".") if self.is_share else f"{value:,}"
        return number + self.after_number

    def narrowed(self, low: float | None = None, high: float | None = None) -> Lever:
        """The lever within a page's own limits: they may stop short of the schema's
        bounds, never go past them."""
        low = self.low if low is None else low
        high = self.high if high is None else high
        if (self.low is not None and low < self.low) or (self.high is not None and high > self.high):
            raise ValueError(f"{self.key}: {low} to {high} goes past the schema's bounds, {self.low} to {self.high}")
        return replace(self, low=low, high=high)


def lever(key: str) -> Lever:
    """The lever at a dotted key ("budget.cut"), as its field in the schema declares it. A
    key that is not a field of the schema, or a field with no label, is refused by name."""
    *table, name = key.split(".")
    model = schema_at(table)
    field = model.model_fields.get(name) if model is not None else None
    if field is None:
        raise ValueError(f"'{key}' is not a key of the scenario schema (parameters/schema.py)")
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if "label" not in extra:
        raise ValueError(f"'{key}' is not a lever: its field in parameters/schema.py has no label in json_schema_extra")
    kind, constraints = _kind_and_constraints(field)
    return Lever(key=key, label=extra["label"], unit=extra.get("unit", ""), low=_bound(constraints, "ge", "gt"),
                 high=_bound(constraints, "le", "lt"), kind=kind)


def _kind_and_constraints(field: FieldInfo) -> tuple[type, list]:
    """A field's kind of value and its constraints. Pydantic has already moved the bounds
    of an Annotated type such as Fraction into the field's own metadata; a union such as
    keyworkers.count (a bounded whole number, or "auto") keeps them in its Annotated member."""
    kind, constraints = field.annotation, list(field.metadata)
    for member in get_args(field.annotation):
        if get_origin(member) is Annotated:
            kind, *infos = get_args(member)
            constraints += [constraint for info in infos for constraint in info.metadata]
    return (kind if kind in (int, float) else str), constraints


def _bound(constraints: list, *names: str) -> float | None:
    """The first of annotated_types' Ge/Gt (or Le/Lt) among the constraints, else None."""
    return next((getattr(constraint, name) for constraint in constraints for name in names
                 if hasattr(constraint, name)), None)


def value_at(spec: Scenario, key: str):
    """The value at a dotted key of a loaded scenario, through its tables too
    (budget.agency_cut.police; None for an entry the table does not hold)."""
    return reduce(lambda node, part: node.get(part) if isinstance(node, dict) else getattr(node, part), key.split("."), spec)


def place_defaults(place: str, keys: Iterable[str]) -> dict[str, tuple[object, str | None]]:
    """A place's own value for each key and the source its scenario gives for it (None
    where it gives none), from one load of the place."""
    spec = load_scenario(place)
    return {key: (value_at(spec, key), source_for(spec, key)) for key in keys}


def changed_from_place(place: str, values: dict) -> list[tuple[str, object, str]]:
    """(key, value, "Label: amount") for each lever in `values` that differs from the
    place's own value: what a summary line or an export must name so a figure is not read
    as the place's status quo."""
    own = place_defaults(place, values)
    return [(key, value, "{}: {}".format(*label_and_amount(key, value))) for key, value in values.items()
            if value != own[key][0]]


def label_and_amount(key: str, value) -> tuple[str, str]:
    """A lever's label and its value as a person says it; any other setting by its key."""
    try:
        about = lever(key)
    except ValueError:
        return key, str(value)
    return about.label, about.amount(value)


def entry_bounds(table_key: str) -> tuple[float | None, float | None]:
    """The bounds of every entry of a table of numbers ("budget.agency_cut": each agency's
    cut), as the schema types its values."""
    *table, name = table_key.split(".")
    model = schema_at(table)
    field = model.model_fields.get(name) if model is not None else None
    if field is None or get_origin(field.annotation) is not dict:
        raise ValueError(f"'{table_key}' is not a table of numbers in the scenario schema (parameters/schema.py)")
    value = get_args(field.annotation)[1]
    constraints = [c for info in get_args(value)[1:] for c in getattr(info, "metadata", [info])] if get_origin(value) is Annotated else []
    return _bound(constraints, "ge", "gt"), _bound(constraints, "le", "lt")
