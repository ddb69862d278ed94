"""Stage: the universal services every household uses (a GP, a school place), billed each
week to the agencies that pay for them, per person, adult, child or household at home,
outside their rationed budgets (each agency's budget for a year includes what its
universal services will cost that year, so they never ration help). With them, the
public cost of a household and of an agency can be set beside published totals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from locality.parameters.schema import Scenario
from locality.parameters.vocabulary import CATEGORIES, WEEKS_PER_YEAR

from . import kernels
from .engine import Engine, rule
from .ledger import Ledger
from .state import PER_ADULT, PER_CHILD, PER_HOUSEHOLD, PER_PERSON, Households
from .week import Week

UNIVERSAL = CATEGORIES.index("universal")
PER = {"household": PER_HOUSEHOLD, "adult": PER_ADULT, "child": PER_CHILD, "person": PER_PERSON}  # whom a service is billed per


@dataclass(frozen=True)
class UniversalKind:
    name: str
    payer: int
    per: str  # one of PER
    year_cost: float


def universal_kinds(spec: Scenario, payer_index: dict[str, int]) -> list[UniversalKind]:
    return [UniversalKind(name, payer_index[service.payer], service.per, service.year_cost)
            for name, service in spec.universal.items()]


@rule(kernels.bill_universal, over="households")
def bill_universal(*, adults, children, payers, per, week_cost, paid_by_payer, paid_universal):
    """A week of universal services for every household: service k costs `week_cost[k]`
    per household, adult, child or person at home (`per[k]`, coded as in PER), billed to
    `payers[k]` in its per-household books and the universal category's, the services in
    order."""
    users = {PER_HOUSEHOLD: np.ones(adults.size), PER_ADULT: adults.astype(np.float64),
             PER_CHILD: children.astype(np.float64), PER_PERSON: adults.astype(np.float64) + children.astype(np.float64)}
    for k in range(payers.size):
        amount = users[int(per[k])] * week_cost[k]
        paid_by_payer[payers[k]] += amount
        paid_universal += amount


class UniversalServices:
    def __init__(self, households: Households, kinds: list[UniversalKind], ledger: Ledger, engine: Engine):
        self.households, self.kinds, self.ledger, self.engine = households, kinds, ledger, engine
        self.payers = np.array([kind.payer for kind in kinds], np.int64)
        self.per = np.array([PER[kind.per] for kind in kinds], np.int64)
        self.week_cost = np.array([kind.year_cost / WEEKS_PER_YEAR for kind in kinds])

    def users(self, per: str) -> np.ndarray:
        """Each household's users of a service billed `per` person, adult, child or household."""
        h = self.households
        return {"household": np.ones(h.n), "adult": h.adults.astype(np.float64),
                "child": h.children.astype(np.float64), "person": h.adults.astype(np.float64) + h.children}[per]

    def year_cost(self, payer: int) -> float:
        """What a payer's universal services cost over a year, for the households as they are."""
        return sum(kind.year_cost * float(self.users(kind.per).sum()) for kind in self.kinds if kind.payer == payer)

    def __call__(self, week: Week) -> None:
        """Bill the week, and hand on who is at home (`week.at_home`: adults, children)."""
        h, ledger = self.households, self.ledger
        adults, children = int(h.adults.sum(dtype=np.int64)), int(h.children.sum(dtype=np.int64))
        week.at_home = (adults, children)
        if not self.kinds:
            return
        self.engine.run(bill_universal, adults=h.adults, children=h.children, payers=self.payers, per=self.per,
                        week_cost=self.week_cost, paid_by_payer=ledger.by_agency,
                        paid_universal=ledger.by_category[UNIVERSAL])
        users = {"household": h.n, "adult": adults, "child": children, "person": adults + children}
        for kind, cost in zip(self.kinds, self.week_cost):
            ledger.book_total(kind.payer, "universal", users[kind.per] * cost)
