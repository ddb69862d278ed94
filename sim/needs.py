"""Stage 1, needs evolve: problems pull on each other, spread along social ties, fade
with the household's resilience, and new ones arrive as shocks."""

from __future__ import annotations

import numpy as np

from parameters.schema import Scenario
from parameters.vocabulary import CHILD_DOMAINS, DOMAIN_INDEX, DOMAINS


class NeedDynamics:
    """The fixed parts of the weekly update, prepared once: coupling matrix, how much of
    each severity survives a week, and where shocks may land."""

    def __init__(self, spec: Scenario, households, network, rng: np.random.Generator):
        needs = spec.needs
        d = len(DOMAINS)
        self.coupling = np.zeros((d, d), np.float32)
        for source, targets in needs.coupling.items():
            for target, strength in targets.items():
                self.coupling[DOMAIN_INDEX[source], DOMAIN_INDEX[target]] = strength
        recovery = np.array([needs.recovery[x] for x in DOMAINS], np.float32)
        self.keep = (1.0 - np.outer(recovery, households.resilience)).astype(np.float32)  # (D, N)
        self.pull_matrix = np.ascontiguousarray(self.coupling.T)  # pull[target] = sum over sources
        self.spread = np.float32(needs.spread)
        self.network = network
        self.rates = np.array([needs.shock_rate[x] for x in DOMAINS])
        self.sizes = np.array([needs.shock_size[x] for x in DOMAINS])
        self.growth = spec.demand.growth
        self.child_columns = [DOMAIN_INDEX[x] for x in CHILD_DOMAINS]
        self.child_mask = households.has_children.astype(np.float32)
        # Shocks land on households in proportion to frailty: draw by inverse CDF.
        frailty = households.frailty.astype(np.float64)
        family_frailty = np.where(households.has_children, frailty, 0.0)
        self.targets = {
            False: (np.cumsum(frailty), frailty.sum()),
            True: (np.cumsum(family_frailty), family_frailty.sum()),
        }
        self.rng = rng

    def evolve(self, severity: np.ndarray, week: int) -> None:
        """One week of needs, in place, on (domains, households) severities. `week` counts
        from the start of recording."""
        pull = self.pull_matrix @ severity
        pull *= 1.0 - severity
        neighbours = (self.network @ severity.T).T
        neighbours -= severity
        neighbours *= self.spread
        severity *= self.keep
        severity += pull
        severity += neighbours
        self._shock(severity, week)
        np.clip(severity, 0.0, 1.0, out=severity)
        for column in self.child_columns:
            severity[column] *= self.child_mask

    def _shock(self, severity: np.ndarray, week: int) -> None:
        """New problems: a Poisson count per domain, placed by frailty. The draws depend
        only on the week, never on the state, so two regimes meet the same shocks."""
        growth = (1.0 + self.growth) ** (week / 52.0)
        for column, (rate, size) in enumerate(zip(self.rates, self.sizes)):
            cumulative, total = self.targets[column in self.child_columns]
            count = self.rng.poisson(rate * growth * total)
            if count == 0:
                continue
            who = np.searchsorted(cumulative, self.rng.random(count) * total, side="right")
            who = np.minimum(who, severity.shape[1] - 1)
            np.add.at(severity[column], who, self.rng.exponential(size, count).astype(np.float32))
