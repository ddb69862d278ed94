"""Stage 6, crises happen: a severity at its crisis line is a crisis event (a child taken
into care, an eviction, an admission, an arrest...). The response is statutory: it is
billed at unit cost to the agencies that own it, whatever their budget, and it leaves
the household shaken in other domains."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parameters.schema import Scenario
from parameters.vocabulary import CHILD_DOMAINS, DOMAIN_INDEX

from .ledger import Ledger
from .state import Households
from .week import Week


@dataclass(frozen=True)
class CrisisKind:
    name: str
    label: str
    column: int
    line: float
    after: float
    bills: tuple[tuple[int, float], ...]      # (payer index, pounds per event)
    knock_on: tuple[tuple[int, float, bool], ...]  # (domain column, severity added, children only)


def crisis_kinds(spec: Scenario, payer_index: dict[str, int]) -> list[CrisisKind]:
    kinds = []
    for name, crisis in spec.crises.items():
        kinds.append(
            CrisisKind(
                name=name,
                label=crisis.label,
                column=DOMAIN_INDEX[crisis.domain],
                line=crisis.line,
                after=crisis.after,
                bills=tuple((payer_index[agency], cost) for agency, cost in crisis.bills.items()),
                knock_on=tuple((DOMAIN_INDEX[d], amount, d in CHILD_DOMAINS) for d, amount in crisis.knock_on.items()),
            )
        )
    return kinds


class Crises:
    """Stage 6: every household whose need in a crisis kind's domain is at its line has
    that crisis this week (the kinds in order); its need drops to the kind's level
    after, others rise by the knock-on, and the bills are booked to their payers."""

    def __init__(self, households: Households, kinds: list[CrisisKind], ledger: Ledger):
        self.households, self.kinds, self.ledger = households, kinds, ledger

    def __call__(self, week: Week) -> None:
        h = self.households
        severity = h.severity
        h.crisis_now[:] = False
        h.crisis_domains[:] = False
        for k, kind in enumerate(self.kinds):
            hit = np.flatnonzero(severity[kind.column] >= kind.line)
            week.counts.crises[k] = hit.size
            if not hit.size:
                continue
            severity[kind.column, hit] = kind.after
            for column, amount, children_only in kind.knock_on:
                bump = amount * h.has_children[hit] if children_only else amount
                severity[column, hit] = np.minimum(1.0, severity[column, hit] + bump)
            h.crises[hit] += 1
            h.crisis_now[hit] = True
            h.crisis_domains[kind.column, hit] = True
            for payer, cost in kind.bills:
                self.ledger.book(payer, "crisis", hit, cost)
            if week.events:
                week.events.emit("crisis", k, hit)
