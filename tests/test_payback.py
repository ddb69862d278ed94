"""`locality payback`: a policy against the status quo on the same seeds, and the year
from which its cumulated extra spend is no longer a cost."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from locality.experiments import run
from locality.experiments.payback import payback, payback_year

TINY = {"population.households": 500, "run.years": 3, "run.warmup_weeks": 4}
LOCALITY = str(Path(sys.executable).with_name("locality"))


@pytest.mark.parametrize("cumulated, year", [
    ([5, 8, 3, -1, -2], 4),         # a cost, paid back in year 4 and stays paid
    ([5, -1, 2, -1, -3], 4),        # paid back in year 2, a cost again in 3: paid back for good in 4
    ([5, 8, 9, 10, 11], np.nan),    # never within the run
    ([0, -2, -3, -4, -5], 2),       # never a cost: saves from year 2
    ([0, 0, 0, 0, 0], np.nan),      # no change at all
    ([5, 8, 3, -1, 0.5], np.nan),   # a cost again at the end
])
def test_the_payback_year_is_when_the_cumulated_cost_ends_for_good(cumulated, year):
    found = payback_year(np.array(cumulated, float))
    assert (np.isnan(found) and np.isnan(year)) or found == year


@pytest.fixture(scope="module")
def found():
    return payback("thanet", common=TINY, reps=2, workers=1)


def test_the_change_is_the_policy_run_against_the_status_quo_on_each_seed(found):
    shift = {"early_intervention.shift": 0.2, "early_intervention.start_year": 2, "early_intervention.double_running_years": 1,
             "finance.cashable_share": 0.49}  # the default policy, savings cashed
    changes = []
    for seed in found.seeds:
        base = run("thanet", {**TINY, "run.seed": seed})
        shifted = run("thanet", {**TINY, "run.seed": seed, **shift})
        changes.append((shifted.steps.groupby("year")["spend"].sum() - base.steps.groupby("year")["spend"].sum()).to_numpy())
    assert found.by_year["change"].to_numpy() == pytest.approx(np.mean(changes, axis=0))
    assert found.by_year.loc[1, "change"] == pytest.approx(0.0, abs=1e-6)  # nothing differs before the shift starts
    assert found.by_year["cumulated"].to_numpy() == pytest.approx(found.by_year["change"].cumsum().to_numpy())
    assert (found.by_year["cumulated_low"] <= found.by_year["cumulated"]).all()
    assert found.by_year.loc[[1, 2], "cashed"].abs().max() == 0  # year 3 is the first to cash (year 2's savings)
    assert (found.by_year.loc[3:, "cashed"] != 0).all()


def test_a_policy_handed_its_business_as_usual_run_makes_the_run_it_makes_alone():
    """Payback hands each seed's status quo run to the policy as the yardstick of its
    cashed savings rather than running that twin again: bit for bit the same run; a run
    of another seed, or of other levers, is refused."""
    import pandas as pd

    shift = {"early_intervention.shift": 0.2, "early_intervention.start_year": 2, "finance.cashable_share": 0.49}
    base = run("thanet", {**TINY, "run.seed": 7})
    alone = run("thanet", {**TINY, "run.seed": 7, **shift})
    handed = run("thanet", {**TINY, "run.seed": 7, **shift}, usual=base)
    pd.testing.assert_frame_equal(alone.ledger, handed.ledger, check_exact=True)
    assert alone.outcomes() == handed.outcomes() and handed.ledger["cashed"].abs().sum() > 0
    for other in ({"run.seed": 8}, {"budget.cut": 0.1}):
        with pytest.raises(ValueError, match="business-as-usual run handed in"):
            run("thanet", {**TINY, "run.seed": 7, **shift, **other}, usual=base)


def test_the_summary_says_how_many_seeds_paid_back(found):
    text = found.summary()
    assert f"of {len(found.seeds)} seeds" in text and "cumulated change in spend" in text


def test_the_command_refuses_a_bad_policy_by_its_key():
    done = subprocess.run([LOCALITY, "payback", "--policy", "early_intervention.shift=2"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "early_intervention.shift" in done.stderr + done.stdout


def test_who_pays_adds_up_to_the_change_in_the_places_spend(found):
    """Per payer, the net changes over the run add up to the cumulated change at its end,
    and each payer's crisis part is its own change in crisis spend."""
    assert found.by_agency["net"].sum() == pytest.approx(found.by_year["cumulated"].iloc[-1], rel=1e-9, abs=1e-3)
    assert found.by_agency["spend_crisis"].sum() == pytest.approx(found.by_year["spend_crisis"].sum(), rel=1e-9, abs=1e-3)
    shown = found.who_pays()
    assert len(shown) == len(found.by_agency) and "Pooled budget (key workers)" in shown.index


def test_who_pays_counts_the_pool_once():
    """Under a pooled policy, agencies' contributions are theirs and the pool's row is its
    spend less what it was given, so the rows still add up to the place's change."""
    pooled = payback("thanet", policy={"regime.kind": "integrated", "regime.pooled_share": 0.1}, common=TINY, reps=2,
                     workers=1)
    assert pooled.by_agency["net"].sum() == pytest.approx(pooled.by_year["cumulated"].iloc[-1], rel=1e-9, abs=1e-3)
