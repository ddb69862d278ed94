"""Agencies' own decisions by year (`scenario.decisions`, what the agency game's tables
make): each takes effect from its year, holds until replaced, touches only what it
decides, and is checked where it is typed."""

from __future__ import annotations

import pytest

from locality.experiments.runner import run
from locality.parameters.errors import ScenarioError
from locality.parameters.loader import load_scenario

SMALL = {"population.households": 1500, "run.years": 3, "run.seed": 7}
POOLING = {"regime.key_workers": True, "regime.pooled_share": 0.0, "keyworkers.routes": ["agency_referral", "crisis"]}


@pytest.fixture(scope="module")
def status_quo():
    return run("thanet", SMALL)


def raised_by_rationing(status_quo) -> str:
    """An agency whose threshold rationing has raised above its own by the end of year 1
    (which one depends on the model's state, so the tests find it rather than name it)."""
    year = status_quo.agencies.query("year == 1")
    for name, agency in load_scenario("thanet").agencies.items():
        if year.loc[year["agency"] == name, "threshold"].iloc[-1] > agency.threshold + 0.01:
            return name
    raise AssertionError("no agency's threshold was raised by rationing in year 1: the tests below need one")


def test_deciding_what_the_agency_does_anyway_changes_nothing(status_quo):
    name = raised_by_rationing(status_quo)
    own = load_scenario("thanet").agencies[name]
    same = run("thanet", {**SMALL, f"decisions.{name}.2.prevention_share": own.prevention_share,
                          "decisions.police.2.pooled_share": 0.0})
    assert same.steps.equals(status_quo.steps)
    assert same.ledger.equals(status_quo.ledger)


def test_a_threshold_decided_is_where_the_year_starts_even_where_rationing_had_raised_it(status_quo):
    name = raised_by_rationing(status_quo)
    own = load_scenario("thanet").agencies[name]
    decided = run("thanet", {**SMALL, f"decisions.{name}.2.threshold": own.threshold})
    weeks = decided.agencies.query(f"agency == '{name}' and year == 2")["threshold"].to_numpy()
    before = status_quo.agencies.query(f"agency == '{name}' and year == 1")["threshold"].to_numpy()
    assert before[-1] > own.threshold + 0.01  # raised by the end of year 1, where no decision was made
    assert weeks[0] <= own.threshold + 0.005  # a manager's decision sets the bar as the year opens (one step of rationing at most)


def test_a_threshold_holds_from_its_year_and_rationing_returns_to_it(status_quo):
    lowered = run("thanet", {**SMALL, "decisions.childrens_social_care.2.threshold": 0.2})
    lowest = lowered.agencies[lowered.agencies.agency == "childrens_social_care"].groupby("year")["threshold"].min()
    before = status_quo.agencies[status_quo.agencies.agency == "childrens_social_care"].groupby("year")["threshold"].min()
    # lowered in year 3 too: a decision holds until replaced, so rationing may raise the
    # threshold but the floor it falls back to is the one decided, below the scenario's
    assert lowest.loc[3] < before.loc[3] - 0.05
    assert lowest.loc[2] >= 0.2 and lowest.loc[3] >= 0.2  # never below the threshold decided
    steps = lowered.steps.groupby("year")["referrals"].sum()
    assert steps.loc[1] == status_quo.steps.groupby("year")["referrals"].sum().loc[1]  # year 1 is as it was


def test_a_prevention_share_moves_money_from_casework_to_prevention(status_quo):
    more = run("thanet", {**SMALL, "decisions.housing.2.prevention_share": 0.5})
    housing = more.ledger[more.ledger.agency == "housing"].set_index("year")
    before = status_quo.ledger[status_quo.ledger.agency == "housing"].set_index("year")
    assert housing.loc[1, "spend_prevention"] == before.loc[1, "spend_prevention"]
    # (early help is spent only as families take it up, so prevention rises by less than the share moved)
    assert housing.loc[[2, 3], "spend_prevention"].sum() > 1.05 * before.loc[[2, 3], "spend_prevention"].sum()
    assert housing.loc[2, "spend_intervention"] < before.loc[2, "spend_intervention"]


def test_what_a_table_pools_funds_key_workers_and_nothing_pooled_is_the_siloed_run(status_quo):
    nobody = run("thanet", {**SMALL, **POOLING})
    assert nobody.outcomes()["crises"] == status_quo.outcomes()["crises"]
    assert nobody.ledger["spend"].sum() == pytest.approx(status_quo.ledger["spend"].sum())
    pooled = run("thanet", {**SMALL, **POOLING, "decisions.police.1.pooled_share": 0.2})
    police = pooled.ledger[pooled.ledger.agency == "police"].set_index("year")
    assert police["contribution_to_pool"].gt(0).all()
    assert police.loc[1, "contribution_to_pool"] == pytest.approx(0.2 * (police.loc[1, "budget"] - police.loc[1, "budget_universal"]
                                                                        + police.loc[1, "contribution_to_pool"]))
    assert pooled.steps["keyworker_families"].sum() > 0


@pytest.mark.parametrize("override, named", [
    ({"decisions.polce.2.threshold": 0.3}, "unknown agency 'polce'"),
    ({"decisions.police.4.threshold": 0.3}, "outside the run's years 1 to 3"),
    ({"decisions.police.2.threshold": 1.5}, "decisions.police.2.threshold"),
    ({"decisions.police.2.pooled_share": 0.1}, "regime.key_workers=true"),
])
def test_a_bad_decision_is_named_where_it_was_typed(override, named):
    with pytest.raises(ScenarioError, match=named.replace(".", r"\.").replace("(", r"\(")):
        load_scenario("thanet", {**SMALL, **override})
