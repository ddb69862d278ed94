"""People in statutory placements, as stocks with durations: children in care, adults in
custody, households in temporary accommodation, patients in hospital. Crises lead into
them (a share of each kind that `entered_by` names); each week everyone inside leaves with
a chance of one over the stock's mean weeks, and some come back home; every week inside
is billed to the stock's payer as statutory spend, whatever its budget. A child or an
adult who goes leaves the household's count while away; a child is one of the
household's children (its place records where it is), who may come home, leave the
household for good, or leave care on coming of age (`sim.demography`).

The stage "stocks move" comes after crises and before money, so what placements cost this
week is in the crisis spend agencies plan around."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from locality.parameters.schema import Scenario

from .crises import CrisisKind
from .ledger import Ledger
from .state import AT_HOME, NO_CHILD, Households
from .week import Week

# engine: the placements are drawn again for the settled needs after the warm-up's first 1/SETTLE_AFTER, leaving the rest
# for the stocks to settle under every way out of them (a child in care also leaves at the leaving age)
SETTLE_AFTER = 4


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


def _pick(eligible: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each column of `eligible` (children's places, households), one of its True
    places at random (any place where a column has none)."""
    keys = rng.random(eligible.shape)
    keys[~eligible] = -1.0
    return keys.argmax(axis=0)


def place_children(h: Households, homes: np.ndarray, counts: np.ndarray, s: int, rng: np.random.Generator) -> None:
    """`counts[i]` children of household `homes[i]`, chosen at random among those at
    home, go into stock `s` (each child's place records where it is; the counts of
    children at home and inside are the caller's)."""
    for round_ in range(int(counts.max(initial=0))):
        those = homes[counts > round_]
        eligible = (h.child_age[:, those] != NO_CHILD) & (h.child_in[:, those] == AT_HOME)
        place = _pick(eligible, rng)
        found = eligible[place, np.arange(those.size)]
        h.child_in[place[found], those[found]] = s


def children_leave(h: Households, homes: np.ndarray, leaving: np.ndarray, coming_home: np.ndarray, s: int,
                   rng: np.random.Generator) -> None:
    """`leaving[i]` children of household `homes[i]` leave stock `s`, chosen at random
    among those inside; the first `coming_home[i]` of them come home, the rest leave the
    household for good (adopted, or on to a home of their own): their places empty."""
    for round_ in range(int(leaving.max(initial=0))):
        going = leaving > round_
        those = homes[going]
        inside = h.child_in[:, those] == s
        place = _pick(inside, rng)
        found = inside[place, np.arange(those.size)]
        h.child_in[place[found], those[found]] = AT_HOME
        gone = found & (coming_home[going] <= round_)
        h.child_age[place[gone], those[gone]] = NO_CHILD


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
        if kind.who == "child":
            h.child_in[h.child_in == s] = AT_HOME
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
        if kind.who == "child":
            homes = np.flatnonzero(inside)
            place_children(h, homes, inside[homes], s, rng)


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
                back = rng.binomial(leavers, kind.returns)
                members[inside] += back.astype(members.dtype)
                if kind.who == "child":
                    children_leave(h, inside, leavers, back, s, rng)
            week.counts.stock_left[s] += leavers.sum()  # (children coming of age left care as people changed)

            hits = [week.crisis_hits[k] for k in kind.entered_by]  # each in index order, without repeats
            hit = hits[0] if len(hits) == 1 else np.unique(np.concatenate(hits))
            goes = hit[rng.random(hit.size) < kind.share]
            goes = goes[members[goes] > 0] if members is not None else goes[count[goes] == 0]
            if members is not None:
                members[goes] -= 1
            if kind.who == "child":
                place_children(h, goes, np.ones(goes.size, np.int64), s, rng)
            count[goes] += 1
            week.counts.stock_entered[s] = goes.size
            if week.events:
                week.events.emit("placed", s, goes)

            inside = np.union1d(inside[count[inside] > 0], goes)
            self.inside[s] = inside
            if kind.week_cost:
                self.ledger.book(kind.payer, "crisis", inside, count[inside] * kind.week_cost)
