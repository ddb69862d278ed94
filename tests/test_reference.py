"""The vectorised engine agrees in distribution with the plain-Mesa reference (each
household a Mesa agent stepping itself): yearly crises, tiers, referrals and spend, over
many seeds, within their confidence intervals; in both regimes, under Greater
Manchester's tiered key work, and child protection plans under a cut."""

import numpy as np
import pandas as pd
import pytest

from locality.experiments import run
from locality.experiments.replications import in_workers
from locality.sim.reference import ReferenceModel

pytestmark = pytest.mark.slow  # the per-agent reference over ten seeds

SHORT = {"run.years": 1, "run.warmup_weeks": 13}
# A team big enough to hold a dozen families needs more households and a larger pool
# than the default 5% of a few hundred households' budgets buys (that is about one family).
REGIMES = {
    "siloed": {"population.households": 300, "regime.kind": "siloed"},
    "integrated": {"population.households": 600, "regime.kind": "integrated", "regime.pooled_share": 0.1},
    "tiered": {"population.households": 600, "regime.kind": "integrated", "regime.pooled_share": 0.25,
               "keyworkers.tiered": True},
    # child protection under a cut in force at once (rationing raises thresholds; plans are not rationed)
    "protection": {"population.households": 1500, "regime.kind": "siloed", "budget.cut": 0.28, "budget.cut_years": 1},
}
SEEDS = range(10)
MEASURES = {"crises": "sum", "referrals": "sum", "spend": "sum", "spend_intervention": "sum", "spend_assessment": "sum",
            "tier_complex": "mean", "tier_crisis": "mean"}
TEAM = {"keyworker_families": "mean", "keyworker_waiting": "mean"}
PLANS = {"plans_started": "sum", "plans_ended": "sum"}  # children's social care's


def both_engines(job) -> tuple[pd.Series, pd.Series]:
    """One seed of a regime, on the reference and on the fast engine: each run's measures.
    Module-level, so that the seeds can run in worker processes."""
    regime, seed = job
    settings = {**SHORT, **REGIMES[regime], "run.seed": seed}
    measures = {"siloed": MEASURES, "protection": {**MEASURES, **PLANS}}.get(regime, {**MEASURES, **TEAM})
    model = ReferenceModel("thanet", overrides=settings)
    model.run()
    results = run("thanet", settings)
    plans = [name for name in PLANS if name in measures]  # recorded per agency
    fast = pd.concat([results.steps.agg({k: v for k, v in measures.items() if k not in PLANS}),
                      results.agencies.query("agency == 'childrens_social_care'")[plans].sum()])
    return pd.DataFrame(model.rows).agg(measures), fast


@pytest.fixture(scope="module", params=list(REGIMES))
def both(request):
    """Ten seeds of a regime on both engines, the seeds shared among the machine's cores
    (the reference steps each household in Python: about 13 s a seed for 1,500 of them)."""
    pairs = in_workers(both_engines, [(request.param, seed) for seed in SEEDS])
    return request.param, pd.DataFrame([r for r, _ in pairs]), pd.DataFrame([f for _, f in pairs])


def test_fast_engine_agrees_with_the_per_agent_reference(both):
    regime, reference, fast = both
    for measure in reference.columns:
        standard_error = np.sqrt(reference[measure].var() / len(reference) + fast[measure].var() / len(fast))
        gap = abs(reference[measure].mean() - fast[measure].mean())
        assert gap < 3 * standard_error, f"{regime}, {measure}: reference {reference[measure].mean():.4g}, " \
                                         f"fast {fast[measure].mean():.4g}, standard error {standard_error:.3g}"
        assert reference[measure].mean() > 0 and fast[measure].mean() > 0, f"{regime}, {measure}: nothing happened"


def test_the_reference_steps_households_as_mesa_agents():
    model = ReferenceModel("sherwood", overrides={"population.households": 50, "run.years": 1, "run.warmup_weeks": 0})
    assert len(model.households) == 50
    model.step()
    assert len(model.rows) == 1
    assert sum(model.rows[0][f"tier_{tier}"] for tier in ("universal", "vulnerable", "complex", "crisis")) == 50


def test_the_reference_refuses_what_it_does_not_implement():
    with pytest.raises(ValueError, match="investment_agreement"):
        ReferenceModel("thanet", overrides={"population.households": 50, "regime.kind": "integrated",
                                            "regime.investment_agreement": True})
