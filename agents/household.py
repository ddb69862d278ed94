"""A household as a Mesa agent: a thin view on one row of the model's arrays.

The model owns the state of every household in numpy arrays; creating a Mesa agent per
household would cost seconds at county scale. Views are made on demand
(`model.household(i)`), for the few households a person wants to follow.
"""

from __future__ import annotations

import mesa

from locality.parameters.vocabulary import DOMAINS, TIERS
from locality.sim.state import EARLY, SERVED, WAITING

STANDING = {WAITING: "waiting", SERVED: "served", EARLY: "early help"}


class Household(mesa.Agent):
    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _state(self):
        return self.model.households

    @property
    def severity(self) -> dict[str, float]:
        column = self._state.severity[:, self.index]
        return {d: float(column[i]) for i, d in enumerate(DOMAINS)}

    @property
    def tier(self) -> str:
        return TIERS[int(self._state.tier[self.index])]

    @property
    def engagement(self) -> float:
        return float(self._state.engagement[self.index])

    @property
    def composition(self) -> dict[str, int]:
        return {"adults": int(self._state.adults[self.index]), "children": int(self._state.children[self.index])}

    @property
    def agencies(self) -> dict[str, str]:
        """The agencies this household is waiting for or getting help from, and how."""
        column = self._state.status[:, self.index]
        return {a.name: STANDING[int(column[a.index])] for a in self.model.agency_list if int(column[a.index]) in STANDING}

    @property
    def key_worker(self) -> str | None:
        """Waiting for a key worker, served by one, or None (the team's row of `status`)."""
        return STANDING.get(int(self._state.status[self.model.services.team_index, self.index]))

    @property
    def public_cost(self) -> float:
        return float(self.model.ledger.by_agency[:, self.index].sum())
