"""Households' history, kept only when asked for (`run.panel`): a random sample of
households whose needs, tier and help are written down at the end of every recorded
period (week, month or year, as `run.record_every`). Without it nothing is kept per
household per step: every household of a county for ten years of weeks would take
gigabytes, where the sample takes what it asks for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from locality.parameters.vocabulary import DOMAINS, TIERS, WEEKS_PER_YEAR

from .ledger import Ledger
from .state import EARLY, NEVER, SERVED, WAITING, Households

KEY_WORKER = ["none", "waiting", "served"]  # by the team's status codes NONE, WAITING, SERVED


def weeks_or_missing(weeks: np.ndarray) -> pd.arrays.IntegerArray:
    """Weeks as a nullable integer column: missing (NA) where the week is NEVER, so the
    marker never reaches a sum, a mean or a user's table as if it were a week."""
    return pd.arrays.IntegerArray(weeks.astype(np.int32), weeks == NEVER)


class Panel:
    """Snapshots of `size` households drawn once, without replacement, from their own
    random stream (so asking for a panel changes nothing else in the run)."""

    def __init__(self, n_households: int, n_agencies: int, size: int, periods: int, rng: np.random.Generator):
        self.ids = np.sort(rng.choice(n_households, size=min(size, n_households), replace=False))
        self.n_agencies = n_agencies  # the services' rows: the agencies, then the key-worker team
        k = self.ids.size
        self.severity = np.zeros((periods, len(DOMAINS), k), np.float32)
        self.tier = np.zeros((periods, k), np.int8)
        self.helping = np.zeros((periods, k), np.int8)
        self.waiting = np.zeros((periods, k), np.int8)
        self.early_help = np.zeros((periods, k), np.int8)
        self.key_worker = np.zeros((periods, k), np.int8)
        self.crises = np.zeros((periods, k), np.int32)
        self.cost = np.zeros((periods, k), np.float64)
        self.arrived = np.zeros((periods, k), np.int32)
        self.step = np.zeros(periods, np.int64)
        self.n = 0  # periods written

    def record(self, h: Households, ledger: Ledger, step: int) -> None:
        """The sample's state at the end of a period that ends on week `step`."""
        ids, p = self.ids, self.n
        self.severity[p] = h.severity[:, ids]
        self.tier[p] = h.tier[ids]
        status = h.status[:self.n_agencies, ids]
        self.helping[p] = (status == SERVED).sum(axis=0)
        self.waiting[p] = (status == WAITING).sum(axis=0)
        self.early_help[p] = (status == EARLY).sum(axis=0)
        self.key_worker[p] = h.status[self.n_agencies, ids]
        self.crises[p] = h.crises[ids]
        self.cost[p] = ledger.by_agency[:, ids].sum(axis=0)
        self.arrived[p] = h.arrived_week[ids]
        self.step[p] = step
        self.n += 1

    def frame(self) -> pd.DataFrame:
        """One row per household per period: when, who, needs by domain, tier, agencies
        helping, giving early help and waited for, the key-worker team's standing, the
        crises of the household living there so far (since it moved in, if it arrived
        during the run: `arrived_week`), and the home's public cost so far in the run."""
        periods, k = self.n, self.ids.size
        step = np.repeat(self.step[:periods], k)
        frame = pd.DataFrame({
            "step": step,
            "year": (step - 1) // WEEKS_PER_YEAR + 1,
            "household": np.tile(self.ids, periods),
            "tier": pd.Categorical.from_codes(self.tier[:periods].ravel(), categories=list(TIERS)),
        })
        for d, domain in enumerate(DOMAINS):
            frame[f"need_{domain}"] = self.severity[:periods, d].ravel()
        return frame.assign(
            agencies_helping=self.helping[:periods].ravel(),
            agencies_early_help=self.early_help[:periods].ravel(),
            agencies_waiting=self.waiting[:periods].ravel(),
            key_worker=pd.Categorical.from_codes(self.key_worker[:periods].ravel(), categories=KEY_WORKER),
            crises_so_far=self.crises[:periods].ravel(),
            cost_so_far=self.cost[:periods].ravel(),
            arrived_week=weeks_or_missing(self.arrived[:periods].ravel()),
        )
