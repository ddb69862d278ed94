"""The validation report's cut response: each cut against the status quo on the same
seeds, year by year, and the verdicts read from it."""

import numpy as np
import pandas as pd
import pytest

from locality.experiments import run
from locality.experiments.vicious_cycle import MEASURES, cut_response, cycle_table, verdict

TINY = {"households": 500, "years": 2, "reps": 2}


@pytest.fixture(scope="module")
def response():
    return cut_response(cuts=(0.5,), cut_years=1, workers=1, **TINY)


def test_each_cut_has_every_measure_every_year_with_its_interval(response):
    assert list(response["year"]) == [1, 2]
    for measure in MEASURES:
        known = response[measure].notna()  # none in the status quo on any seed (children in care, in a small place)
        assert (response[f"{measure}_low"][known] <= response[measure][known]).all()
        assert (response[measure][known] <= response[f"{measure}_high"][known]).all()
    assert response["crises"].notna().all()
    assert np.allclose(response["budget"], -0.5)  # a cut reached in a year takes half the rationed budget


def test_the_change_is_the_cut_run_against_the_status_quo_on_the_same_seed(response):
    from locality.experiments.defaults import NO_GROWTH
    from locality.experiments.replications import seeds_for

    seed = seeds_for(2929, 2)[0]
    common = {"population.households": 500, "run.years": 2, **NO_GROWTH, "run.record_every": "year",
              "budget.cut_years": 1, "run.seed": seed}
    base, cut = run("thanet", common), run("thanet", {**common, "budget.cut": 0.5})
    crises = cut.steps.groupby("year")["crises"].sum() / base.steps.groupby("year")["crises"].sum() - 1
    other = seeds_for(2929, 2)[1]
    base2 = run("thanet", {**common, "run.seed": other})
    cut2 = run("thanet", {**common, "run.seed": other, "budget.cut": 0.5})
    crises2 = cut2.steps.groupby("year")["crises"].sum() / base2.steps.groupby("year")["crises"].sum() - 1
    assert response["crises"].to_numpy() == pytest.approx(((crises + crises2) / 2).to_numpy())


def synthetic(prevention: float, crises_first: float, crises_last: float) -> pd.DataFrame:
    rows = []
    for year, crises in ((1, crises_first), (2, crises_last)):
        row = {"cut": 0.3, "year": year, "cut_years": 1}
        for measure, value in (("budget", -0.3), ("prevention", prevention), ("crisis_spend", 0.01),
                               ("crises", crises), ("in_care", 0.0)):
            row |= {measure: value, f"{measure}_low": value - 0.01, f"{measure}_high": value + 0.01}
        rows.append(row)
    return pd.DataFrame(rows)


def test_the_verdicts_read_the_last_year_against_the_budget_and_the_first_year():
    assert all(verdict(synthetic(prevention=-0.5, crises_first=0.02, crises_last=0.05), 0.3).values())
    shy = verdict(synthetic(prevention=-0.1, crises_first=0.05, crises_last=0.02), 0.3)
    assert shy == {"prevention falls by at least the budget's share": False, "crises rise": True,
                   "the effect grows after the cut is reached": False}
    assert cycle_table(synthetic(-0.5, 0.02, 0.05), 0.3).loc[2, "crises"] == "+5.0% [+4.0%, +6.0%]"
