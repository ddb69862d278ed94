"""An investment agreement, as Greater Manchester's (`parameters/data/source_facts.md`:
agreements "that reflect where benefits are likely to fall"): each agency's contribution
to the key workers' pool is in proportion to the savings it received last year, so the
agencies whose crisis spend the team relieves pay for it. Savings are measured against
business as usual on the same seed: the scenario run siloed with no early-intervention
shift (common random numbers; any reinvestment kept in the agencies' own prevention, as
siloed has no pool; `sim.model.business_as_usual`), whose crisis spend per agency and
year is the yardstick (`sim.model.status_quo_crisis_spend`)."""

from __future__ import annotations

import numpy as np

from locality.parameters.schema import Regime as RegimeSpec


NOTHING_LEFT = 1e-9  # numerical: a share of the pool this small left over ends the sharing
#: No agency pools more than this share of its budget: regime.pooled_share's own bound.
MOST_POOLED = next(m.le for m in RegimeSpec.model_fields["pooled_share"].metadata if hasattr(m, "le"))


def agreed_contributions(pool: float, received: np.ndarray, gross: np.ndarray) -> np.ndarray | None:
    """Each agency's contribution to a pool of `pool` pounds in proportion to the savings
    it `received` (negative savings count as none), none paying more than `MOST_POOLED`
    of its budget (`gross`): what a capped agency cannot pay is shared among the others
    in the same proportions, and only if every saver is capped does the pool come out
    smaller. None where nobody received any savings (the contributions then stay as the
    pooled share sets them)."""
    weights = np.maximum(received, 0.0)
    if weights.sum() <= 0:
        return None
    most = MOST_POOLED * gross
    paid = np.zeros_like(weights)
    open_ = weights > 0
    left = pool
    while left > NOTHING_LEFT * max(pool, 1.0) and open_.any():
        share = np.where(open_, left * weights / weights[open_].sum(), 0.0)
        paid = np.minimum(paid + share, most)
        left = pool - paid.sum()
        open_ = open_ & (paid < most)
    return paid
