"""The side-by-side comparison: the wrong-pocket tables add up to the change in total
spend, and an 'auto' key-worker team is what the pool buys, at any size of place."""

import numpy as np
import pytest

from locality.experiments import compare
from locality.sim.model import LocalityModel


@pytest.fixture(scope="module")
def comparison():
    return compare("thanet", common={"population.households": 3000, "run.years": 2, "run.seed": 4},
                   concurrently=True)  # A and B in two threads: compared below with one after the other


def test_wrong_pocket_rows_add_up_to_the_change_in_total_spend(comparison):
    total_change = comparison.b.ledger["spend"].sum() - comparison.a.ledger["spend"].sum()
    pocket = comparison.wrong_pocket()
    assert np.isclose(pocket["net_change"].sum(), total_change)
    by_year = comparison.spend_change_by_year()
    assert np.isclose(by_year.loc["total"].sum(), total_change)
    assert np.allclose(by_year.drop(index="total").sum(), by_year.loc["total"])
    # agencies pay into the pool what the pool receives
    pool = pocket.set_index("agency").loc["pooled_budget"]
    assert np.isclose(-pool["put_in_pool"], pocket.set_index("agency").drop(index="pooled_budget")["put_in_pool"].sum())
    assert set(pocket["verdict"]) <= {"saves", "pays", "no change"}


def test_yearly_table_puts_a_beside_b(comparison):
    table = comparison.yearly()
    assert (table["crises"]["B-A"] == table["crises"]["B"] - table["crises"]["A"]).all()
    assert list(table.index) == [1, 2]


@pytest.mark.parametrize("households", [2000, 20000])
def test_auto_key_workers_are_what_the_pool_buys(households):
    model = LocalityModel("thanet", overrides={"population.households": households, "regime.kind": "integrated",
                                               "run.years": 1, "run.warmup_weeks": 2})
    team = model.keyworkers
    assert team.count == pytest.approx(team.budget / team.cost_per_worker_year)  # part-time workers count
    assert team.slots == int(team.count * team.caseload) and team.slots > 0
    fixed = LocalityModel("thanet", overrides={"population.households": households, "regime.kind": "integrated",
                                               "keyworkers.count": 3, "run.years": 1, "run.warmup_weeks": 2})
    assert fixed.keyworkers.count == 3 and fixed.keyworkers.slots == 18


def test_running_a_and_b_in_two_threads_gives_the_same_results_as_one_after_the_other(comparison):
    import pandas as pd

    again = compare("thanet", common={"population.households": 3000, "run.years": 2, "run.seed": 4}, concurrently=False)
    for mine, theirs in ((comparison.a, again.a), (comparison.b, again.b)):
        pd.testing.assert_frame_equal(mine.steps, theirs.steps)
        pd.testing.assert_frame_equal(mine.ledger, theirs.ledger)
