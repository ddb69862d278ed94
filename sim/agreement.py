"""An investment agreement, as Greater Manchester's (`../shared/data/source_facts.md`:
agreements "that reflect where benefits are likely to fall"): each agency's contribution
to the key workers' pool is in proportion to the savings it received last year, so the
agencies whose crisis spend the team relieves pay for it. Savings are measured against
the status quo on the same seed: the scenario run siloed (common random numbers), whose
crisis spend per agency and year is the yardstick (`sim.model.status_quo_crisis_spend`)."""

from __future__ import annotations

import numpy as np


def agreed_contributions(pool: float, received: np.ndarray, most: np.ndarray) -> np.ndarray | None:
    """Each agency's contribution to a pool of `pool` pounds in proportion to the savings
    it `received` (negative savings count as none), at most `most` (its budget); None
    where nobody received any (the contributions then stay as the pooled share sets them)."""
    weights = np.maximum(received, 0.0)
    if weights.sum() <= 0:
        return None
    return np.minimum(pool * weights / weights.sum(), most)
