"""Stage 6, crises happen: each kind of crisis (a child taken into care, an eviction, an
admission, an arrest...) is a hazard that rises smoothly with the household's need in its
domain: each week a household has it with chance rate x need ** steepness. The response
is statutory: it is billed at unit cost to the agencies that own it, whatever their
budget; it leaves the need at no more than the kind's `after`, and the household shaken
in other domains. The stage hands on who had each kind of crisis (`week.crisis_hits`),
for the stocks they may lead into."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from locality.parameters.schema import Scenario
from locality.parameters.vocabulary import DOMAIN_INDEX

from .ledger import Ledger
from .noticing import bernoulli_positions
from .state import Households
from .week import Week


@dataclass(frozen=True)
class CrisisKind:
    name: str
    label: str
    column: int
    rate: float        # weekly chance at need 1
    steepness: float   # the chance is rate x need ** steepness
    after: float
    bills: tuple[tuple[int, float], ...]      # (payer index, pounds per event)
    knock_on: tuple[tuple[int, float], ...]  # (domain column, severity added where the household can have that need)


def crisis_kinds(spec: Scenario, payer_index: dict[str, int]) -> list[CrisisKind]:
    return [
        CrisisKind(
            name=name,
            label=crisis.label,
            column=DOMAIN_INDEX[crisis.domain],
            rate=crisis.rate,
            steepness=crisis.steepness,
            after=crisis.after,
            bills=tuple((payer_index[agency], cost) for agency, cost in crisis.bills.items()),
            knock_on=tuple((DOMAIN_INDEX[d], amount) for d, amount in crisis.knock_on.items()),
        )
        for name, crisis in spec.crises.items()
    ]


def who_has(kind: CrisisKind, need: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The households that have a crisis of this kind this week, each independently with
    chance rate x need ** steepness: drawn as candidates at the highest chance, `rate`
    (sparsely: the cost follows the candidates, not the households), each kept with
    chance need ** steepness. Without a need there is no crisis, whatever the steepness."""
    candidates = bernoulli_positions(rng, need.size, kind.rate)
    level = need[candidates].astype(np.float64)
    keep = (rng.random(candidates.size) < level ** kind.steepness) & (level > 0)
    return candidates[keep]


class Crises:
    """Stage 6, with its own random stream."""

    def __init__(self, households: Households, kinds: list[CrisisKind], ledger: Ledger, rng: np.random.Generator):
        self.households, self.kinds, self.ledger, self.rng = households, kinds, ledger, rng

    def __call__(self, week: Week) -> None:
        h = self.households
        severity = h.severity
        h.crisis_now[:] = False
        h.crisis_domains[:] = False
        for k, kind in enumerate(self.kinds):
            hit = who_has(kind, severity[kind.column], self.rng)
            week.counts.crises[k] = hit.size
            week.crisis_hits[k] = hit
            if not hit.size:
                continue
            severity[kind.column, hit] = np.minimum(severity[kind.column, hit], kind.after)
            for column, amount in kind.knock_on:  # (none where the household cannot have that need)
                bump = amount * h.may_have[column, hit]
                severity[column, hit] = np.minimum(1.0, severity[column, hit] + bump)
            h.crises[hit] += 1
            h.crisis_now[hit] = True
            h.crisis_domains[kind.column, hit] = True
            for payer, cost in kind.bills:
                self.ledger.book(payer, "crisis", hit, cost)
            if week.events:
                week.events.emit("crisis", k, hit)
