"""Figures a scenario derives rather than states: unit costs and shares of a resource map.

Two kinds of reference may stand where a number would:

- `{ cost = "item", ... }`: built from the unit-cost catalogue (see `unit_costs`).
- `{ holder = "kcc", share = 0.2, note = "..." }`: an agency's `budget_per_household` as a
  share of one budget holder's spend in the place's resource map
  (`[resource_map.holders.kcc] total = ...`), divided by the households the map covers.

References are taken out of the raw scenario before overrides and put back, resolved,
after them; so an override of a unit cost or a holder's total flows into every figure
built on it, and an override of the figure itself replaces the reference. The resolved
figure's source says how it was built.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .unit_costs import (
    CostReference,
    CostReferenceError,
    check_items,
    is_cost_reference,
    uprated_costs,
)


@dataclass(frozen=True)
class BudgetShare:
    """budget_per_household = share * holder's total / households in the map."""

    holder: str
    share: float
    note: str = ""

    @classmethod
    def parse(cls, spec: Mapping[str, Any], where: str) -> BudgetShare:
        unknown = set(spec) - {"holder", "share", "note"}
        if unknown:
            raise CostReferenceError(f"{where}: unknown key(s) {sorted(unknown)} in a resource-map share; allowed: holder, share, note")
        share = spec.get("share")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0.0 <= share <= 1.0:
            raise CostReferenceError(f"{where}.share = {share!r}: give the fraction of the holder's spend, 0 to 1")
        return cls(str(spec["holder"]), float(share), str(spec.get("note", "")))

    def value(self, resource_map: Mapping[str, Any], where: str) -> float:
        holder = _holder(resource_map, self.holder, where)
        return round(self.share * float(holder["total"]) / float(resource_map["households"]), 2)

    def source(self, resource_map: Mapping[str, Any], holder_source: str | None) -> str:
        holder = resource_map["holders"][self.holder]
        label = holder.get("label", self.holder)
        origin = f" ({holder_source})" if holder_source else ""
        note = f"; {self.note}" if self.note else ""
        return (f"resource map: {self.share:.1%} of {label} £{float(holder['total']):,.0f}{origin}, "
                f"over {int(resource_map['households']):,} households{note}")

    def as_toml(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"holder": self.holder, "share": self.share}
        if self.note:
            spec["note"] = self.note
        return spec


Reference = CostReference | BudgetShare


def _holder(resource_map: Mapping[str, Any] | None, name: str, where: str) -> Mapping[str, Any]:
    holders = (resource_map or {}).get("holders", {})
    if name not in holders:
        known = ", ".join(holders) or "none: add a [resource_map.holders.<name>] table"
        raise CostReferenceError(f"{where}.holder = '{name}' is not a budget holder of the resource map (holders: {known})")
    return holders[name]


def is_reference(node: Any) -> bool:
    return is_cost_reference(node) or (isinstance(node, dict) and "holder" in node and "share" in node)


def extract(raw: dict, prefix: str = "") -> dict[str, Reference]:
    """Replace every reference in `raw` (in place) by None and return them by dotted key."""
    found: dict[str, Reference] = {}
    for key, node in list(raw.items()):
        dotted = f"{prefix}{key}"
        if isinstance(node, dict) and set(node) == {"value", "source"}:
            continue
        if is_cost_reference(node):
            found[dotted] = CostReference.parse(node, dotted)
            raw[key] = None
        elif is_reference(node):
            found[dotted] = BudgetShare.parse(node, dotted)
            raw[key] = None
        elif isinstance(node, dict):
            found.update(extract(node, f"{dotted}."))
    return found


def resolve(raw: dict, sources: dict[str, str], references: Mapping[str, Reference]) -> None:
    """Put each reference's value into `raw` and its source into `sources` (both in place)."""
    own_costs = raw.get("unit_costs") or {}
    try:
        check_items(own_costs)
    except CostReferenceError as exc:
        raise CostReferenceError(f"unit_costs: {exc}") from None
    costs = uprated_costs(own_costs)
    resource_map = raw.get("resource_map")
    if resource_map is not None:
        check_resource_map(resource_map)
    claimed: dict[str, float] = defaultdict(float)
    for key, reference in references.items():
        node, leaf = _parent(raw, key)
        if isinstance(reference, CostReference):
            node[leaf] = reference.value(costs)
            sources[key] = reference.source(costs, set(own_costs))
        else:
            node[leaf] = reference.value(resource_map, key)
            sources[key] = reference.source(resource_map, sources.get(f"resource_map.holders.{reference.holder}.total"))
            claimed[reference.holder] += reference.share
    for holder, share in claimed.items():
        if share > 1.0 + 1e-9:
            raise CostReferenceError(f"resource_map.holders.{holder}: agencies' shares add up to {share:.0%} of its spend; they must not pass 100%")


def check_resource_map(resource_map: Any) -> None:
    """The resource map checked by its schema before any figure is built on it, each
    fault named by its key (a holder's total of '' or true would otherwise fail deep
    inside the arithmetic)."""
    from pydantic import ValidationError

    from .messages import plain
    from .schema import ResourceMap

    try:
        ResourceMap.model_validate(resource_map)
    except ValidationError as exc:
        faults = []
        for error in exc.errors():
            where = ".".join(["resource_map", *(str(part) for part in error["loc"])])
            got = f" = {error['input']!r}" if not isinstance(error["input"], dict) else ""
            faults.append(f"{where}{got}: {plain(error['msg'])}")
        raise CostReferenceError("; ".join(faults)) from None


def _parent(raw: dict, key: str) -> tuple[dict, str]:
    parts = key.split(".")
    node = raw
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    return node, parts[-1]


def written(dump: dict, references: Mapping[str, Reference]) -> dict:
    """A scenario dump with its live references written back in place of their values."""
    for key, reference in references.items():
        node, leaf = _parent(dump, key)
        node[leaf] = reference.as_toml()
    return dump
