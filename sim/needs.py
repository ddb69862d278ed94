"""Stage 1, needs evolve: problems pull on each other, spread along social ties, fade
with the household's resilience, and new ones arrive as shocks."""

from __future__ import annotations

import numpy as np

from parameters.schema import Scenario
from parameters.vocabulary import CHILD_DOMAINS, DOMAIN_INDEX, DOMAINS

from .kernels import (
    add_shocks,
    drift_towards,
    needs_interact,
    needs_settle,
    shock_households,
)
from .threads import in_background, run_parts, split


class NeedDynamics:
    """The fixed parts of the weekly update, prepared once: coupling matrix, recovery
    rates, the spread's rate and rhythm, and where shocks may land. Each week it also derives
    the whole-family measures the later stages read: `risk`, the sum of severities,
    `n_problems`, needs at or above the problem line, and `worst`, the worst need."""

    def __init__(self, spec: Scenario, households, network, rng: np.random.Generator,
                 parts: list[tuple[int, int]]):
        needs = spec.needs
        d = len(DOMAINS)
        self.coupling = np.zeros((d, d), np.float32)
        for source, targets in needs.coupling.items():
            for target, strength in targets.items():
                self.coupling[DOMAIN_INDEX[source], DOMAIN_INDEX[target]] = strength
        recovery = np.array([needs.recovery[x] for x in DOMAINS], np.float32)
        self.recovery = recovery
        self.resilience = households.resilience
        self.pull_matrix = np.ascontiguousarray(self.coupling.T)  # pull[target] = sum over sources
        # The spread is applied every `spread_every` weeks at the rate compounded over them.
        self.spread_every = needs.spread_every
        self.spread = np.float32(1.0 - (1.0 - needs.spread) ** needs.spread_every)
        self.network = network  # row-normalised CSR: neighbours' mean is network @ severity
        self.parts = parts  # the households in parts, done at once (see sim.threads)
        self.problem_line = np.float32(needs.problem_line)
        self.rates = np.array([needs.shock_rate[x] for x in DOMAINS]) * needs.shock_scale
        self.sizes = np.array([needs.shock_size[x] for x in DOMAINS])
        self.growth = spec.demand.growth
        self.child_columns = [DOMAIN_INDEX[x] for x in CHILD_DOMAINS]
        self.child_domain = np.isin(np.arange(d), self.child_columns)
        self.has_children = households.has_children
        n = households.n
        self.raw = np.zeros((d, n), np.float32)  # this week's severities before clipping
        self.risk = np.zeros(n, np.float32)
        self.n_problems = np.zeros(n, np.int64)
        self.worst = np.zeros(n, np.float32)
        # Shocks land on households in proportion to frailty (families only, for the
        # children's domains).
        frailty = households.frailty.astype(np.float64)
        families = np.flatnonzero(households.has_children)
        self.targets = {
            False: FrailtySampler(frailty, np.arange(frailty.size)),
            True: FrailtySampler(frailty[families], families),
        }
        self.rng = rng
        self._ahead = None  # (week, Future of its shocks), drawn ahead in a county

    def evolve(self, severity: np.ndarray, week: int) -> None:
        """One week of needs, in place, on (domains, households) severities, then the
        measures the later stages read. `week` counts from the start of recording."""
        spreads = week % self.spread_every == 0

        def own_dynamics_and_spread(first: int, last: int) -> None:
            needs_interact(severity, self.raw, self.pull_matrix, self.recovery, self.resilience, first, last)
            if spreads:
                network = self.network
                drift_towards(self.raw, severity, network.indptr, network.indices, network.data, self.spread, first, last)

        def settle(first: int, last: int) -> None:
            needs_settle(self.raw, severity, self.child_domain, self.has_children, self.problem_line,
                         self.risk, self.n_problems, self.worst, first, last)

        run_parts(own_dynamics_and_spread, self.parts)
        self._shock(self.raw, week)
        run_parts(settle, self.parts)

    def draw_ahead(self, week: int) -> None:
        """In a county, start drawing `week`'s shocks on a thread of their own while this
        week's later stages go on. The draws are the same as if made in `week` itself.
        The model starts them once noticing is done: from then on the week mostly uses
        one core, where noticing uses both (started before it, the draws slowed it by
        more than they saved)."""
        if len(self.parts) > 1:
            self._ahead = (week, in_background(self.draw_shocks, week))

    def _shock(self, severity: np.ndarray, week: int) -> None:
        """New problems: this week's shocks added to their households, the domains shared
        between threads (each writes only its own rows)."""
        if self._ahead is not None:
            drawn_for, shocks = self._ahead
            assert drawn_for == week, f"shocks were drawn ahead for week {drawn_for}, not {week}"
            shocks = shocks.result()
        else:
            shocks = self.draw_shocks(week)

        def place(first: int, last: int) -> None:
            for column, households, sizes in shocks[first:last]:
                add_shocks(severity[column], households, sizes)

        run_parts(place, split(len(shocks), len(self.parts), align=1))

    def draw_shocks(self, week: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """A week's new problems, as (domain, households, sizes): a Poisson count per
        domain, placed by frailty. The draws depend only on the week, never on the
        state, so two regimes meet the same shocks; and they come from a stream of their
        own, week after week in order, so they may be drawn a week ahead."""
        growth = (1.0 + self.growth) ** (week / 52.0)
        shocks = []
        for column, (rate, size) in enumerate(zip(self.rates, self.sizes)):
            target = self.targets[column in self.child_columns]
            count = self.rng.poisson(rate * growth * target.total)
            if count:
                shocks.append((column, *target.draw(count, size, self.rng)))
        return shocks


class FrailtySampler:
    """Draw households with probability in proportion to their weight, in constant time per
    draw (Walker's alias method)."""

    def __init__(self, weights: np.ndarray, ids: np.ndarray):
        self.total = float(weights.sum())
        accept, alias = _alias_table(weights, self.total)
        # Compact, with the alias resolved to its household, so a draw touches little memory.
        self.accept = accept.astype(np.float32)
        self.ids = ids.astype(np.int32)
        self.alias_ids = self.ids[alias]

    def draw(self, count: int, size: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """`count` shocks of exponential size (mean `size`): the households they land
        on (a uniform each: its whole part, scaled to the table, picks a slot; its
        fraction, the slot's own household or its alias), and their sizes."""
        households = shock_households(rng.random(count), self.accept, self.alias_ids, self.ids)
        return households, rng.exponential(size, count).astype(np.float32)


def _alias_table(weights: np.ndarray, total: float) -> tuple[np.ndarray, np.ndarray]:
    """Walker's table: slot i keeps itself with chance `accept[i]`, else gives `alias[i]`.
    Built by pairing all under-full slots with over-full ones at once, a pass at a time,
    rather than one pair at a time."""
    n = weights.size
    accept, alias = np.ones(n), np.arange(n)
    if n == 0 or total <= 0:
        return accept, alias
    scaled = weights * n / total
    small, large = np.flatnonzero(scaled < 1.0), np.flatnonzero(scaled >= 1.0)
    while small.size and large.size:
        k = min(small.size, large.size)
        s, big = small[:k], large[:k]
        accept[s] = scaled[s]
        alias[s] = big
        scaled[big] -= 1.0 - scaled[s]
        became_small = scaled[big] < 1.0
        small = np.concatenate([small[k:], big[became_small]])
        large = np.concatenate([big[~became_small], large[k:]])
    return accept, alias  # whatever is left is full up to rounding: it keeps itself
