"""People in statutory placements, as stocks with durations: children in care, adults in
custody, households in temporary accommodation, patients in hospital. Crises lead into
them (a share of each kind that `entered_by` names); each week everyone inside leaves with
a chance of one over the stock's mean weeks, and some come back home; every week inside
is billed to the stock's payer as statutory spend, whatever its budget. A child or an
adult who goes leaves the household's count while away.

The stage "stocks move" comes after crises and before money, so what placements cost this
week is in the crisis spend agencies plan around."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parameters.schema import Scenario

from .crises import CrisisKind
from .ledger import Ledger
from .state import Households
from .week import Week

# engine: the placements are drawn again for the settled needs after the warm-up's first 1/SETTLE_AFTER
SETTLE_AFTER = 2


@dataclass(frozen=True)
class StockKind:
    name: str
    label: str
    entered_by: tuple[int, ...]  # crisis kinds, by index
    share: float
    who: str                     # "child", "adult" or "household"
    leave_chance: float          # weekly: one over the mean weeks inside
    returns: float
    payer: int
    week_cost: float


def stock_kinds(spec: Scenario, payer_index: dict[str, int]) -> list[StockKind]:
    crisis_index = {name: k for k, name in enumerate(spec.crises)}
    return [StockKind(name, stock.label, tuple(crisis_index[c] for c in stock.entered_by), stock.share, stock.who,
                      1.0 / stock.mean_weeks, stock.returns, payer_index[stock.payer], stock.week_cost)
            for name, stock in spec.stocks.items()]


def _members(h: Households, who: str) -> np.ndarray | None:
    """The household count a stock takes its people from, or None for whole households."""
    return {"child": h.children, "adult": h.adults}.get(who)


def seed_stocks(h: Households, kinds: list[StockKind], crises: list[CrisisKind], rng: np.random.Generator) -> None:
    """Start each stock where it settles for the needs as they are now, rather than empty:
    a household's expected number inside is its weekly chance of going in (from its needs
    now) times the mean weeks inside, drawn as a Poisson count (a yes or no for whole
    households), no more than it has at home. Leaving is memoryless (a weekly chance), so
    such a draw is the stock settled, not just its size. Anyone already inside comes home
    first: drawn again once the warm-up's needs have settled, the stocks settle with them."""
    for s, kind in enumerate(kinds):
        members = _members(h, kind.who)
        if members is not None:
            members += h.in_stock[s].astype(members.dtype)
        h.in_stock[s] = 0
        entering = np.zeros(h.n)
        for k in kind.entered_by:
            crisis = crises[k]
            need = h.severity[crisis.column].astype(np.float64)
            entering += crisis.rate * np.where(need > 0, need ** crisis.steepness, 0.0) * kind.share
        expected = entering / kind.leave_chance
        if members is None:
            inside = (rng.random(h.n) < np.minimum(expected, 1.0)).astype(np.int8)
        else:
            inside = np.minimum(rng.poisson(expected), members).astype(np.int8)
            members -= inside
        h.in_stock[s] = inside


class StocksMove:
    """Stage: leaving, then entering from this week's crises, then the week's bills. The
    stocks are drawn settled for the households' needs when the stage is made
    (`settle`), and may be drawn again once needs have settled."""

    def __init__(self, households: Households, kinds: list[StockKind], crises: list[CrisisKind], ledger: Ledger,
                 rng: np.random.Generator):
        self.households, self.kinds, self.crises, self.ledger, self.rng = households, kinds, crises, ledger, rng
        self.settle()

    def settle(self) -> None:
        """Every stock drawn afresh, settled for the needs as they are (`seed_stocks`)."""
        seed_stocks(self.households, self.kinds, self.crises, self.rng)
        # Per stock, the households inside at the end of last week (or a few more): only
        # this stage puts people in, so next week's leavers are among them, and a stock's
        # households are found without a pass over every household.
        self.inside = [np.flatnonzero(row) for row in self.households.in_stock]

    def __call__(self, week: Week) -> None:
        h, rng = self.households, self.rng
        for s, kind in enumerate(self.kinds):
            count, members = h.in_stock[s], _members(h, kind.who)
            inside = self.inside[s]
            inside = inside[count[inside] > 0]
            leavers = rng.binomial(count[inside], kind.leave_chance)
            count[inside] -= leavers.astype(count.dtype)
            if members is not None:
                members[inside] += rng.binomial(leavers, kind.returns).astype(members.dtype)
            week.counts.stock_left[s] = leavers.sum()

            hits = [week.crisis_hits[k] for k in kind.entered_by]  # each in index order, without repeats
            hit = hits[0] if len(hits) == 1 else np.unique(np.concatenate(hits))
            goes = hit[rng.random(hit.size) < kind.share]
            goes = goes[members[goes] > 0] if members is not None else goes[count[goes] == 0]
            if members is not None:
                members[goes] -= 1
            count[goes] += 1
            week.counts.stock_entered[s] = goes.size
            if week.events:
                week.events.emit("placed", s, goes)

            inside = np.union1d(inside[count[inside] > 0], goes)
            self.inside[s] = inside
            if kind.week_cost:
                self.ledger.book(kind.payer, "crisis", inside, count[inside] * kind.week_cost)
