"""The vectorised engine agrees in distribution with the plain-Mesa reference (each
household a Mesa agent stepping itself): yearly crises, tiers, referrals and spend, over
many seeds, within their confidence intervals."""

import numpy as np
import pandas as pd
import pytest

from locality.experiments import run
from locality.sim.reference import ReferenceModel

pytestmark = pytest.mark.slow  # the per-agent reference over ten seeds

SMALL = {"population.households": 300, "run.years": 1, "run.warmup_weeks": 13}
SEEDS = range(10)
MEASURES = {"crises": "sum", "referrals": "sum", "spend": "sum", "tier_complex": "mean", "tier_crisis": "mean"}


@pytest.fixture(scope="module")
def both():
    reference, fast = [], []
    for seed in SEEDS:
        model = ReferenceModel("thanet", overrides={**SMALL, "run.seed": seed})
        model.run()
        reference.append(pd.DataFrame(model.rows).agg(MEASURES))
        fast.append(run("thanet", {**SMALL, "run.seed": seed}).steps.agg(MEASURES))
    return pd.DataFrame(reference), pd.DataFrame(fast)


@pytest.mark.parametrize("measure", list(MEASURES))
def test_fast_engine_agrees_with_the_per_agent_reference(both, measure):
    reference, fast = both[0][measure], both[1][measure]
    standard_error = np.sqrt(reference.var() / len(reference) + fast.var() / len(fast))
    assert abs(reference.mean() - fast.mean()) < 3 * standard_error
    assert reference.mean() > 0 and fast.mean() > 0


def test_the_reference_steps_households_as_mesa_agents():
    model = ReferenceModel("sherwood", overrides={"population.households": 50, "run.years": 1, "run.warmup_weeks": 0})
    assert len(model.households) == 50
    model.step()
    assert len(model.rows) == 1
    assert sum(model.rows[0][f"tier_{tier}"] for tier in ("universal", "vulnerable", "complex", "crisis")) == 50
