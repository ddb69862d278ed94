"""The money loop, one rule at a time: a year's over-spend is met from reserves and then
repaid from the next year's budget; an under-spend refills reserves up to their usual
level; savings come from prevention first, down to the share kept whatever; named
agencies find a crisis overrun from prevention; and the ledger reports it all."""

import numpy as np
import pandas as pd
import pytest

from locality.agents import Agency
from locality.experiments.results import ledger_frame
from locality.sim.ledger import CATEGORY
from locality.sim.model import LocalityModel

SETTINGS = {"population.households": 1000, "run.years": 3, "run.warmup_weeks": 0, "demography.household_growth": 0.0}


def agency(name: str = "police", **overrides) -> Agency:  # police carry their outturn over
    model = LocalityModel("thanet", overrides={**SETTINGS, **overrides})
    return model.agency_list[list(model.params.agencies).index(name)]


def test_an_over_spend_is_met_from_reserves_first_then_repaid_from_next_year():
    police = agency(**{"finance.reserves_share": 0.1})
    police.open_year(1)
    reserves = police.balance
    assert reserves == pytest.approx(0.1 * police.base_budget)
    police.close_year(police.budget + 0.5 * reserves)  # reserves meet all of it
    assert police.drawn == pytest.approx(0.5 * reserves) and police.balance == pytest.approx(0.5 * reserves)
    police.open_year(2)
    assert police.deficit == 0
    police.close_year(police.budget + 2.0 * reserves)  # reserves meet half a reserve; the rest is a debt
    assert police.drawn == pytest.approx(0.5 * reserves) and police.balance == pytest.approx(-1.5 * reserves)
    police.open_year(3)
    assert police.deficit == pytest.approx(1.5 * reserves)
    assert police.reactive_plan + police.prevention_plan == pytest.approx(police.budget - police.deficit)


def test_an_under_spend_refills_reserves_only_up_to_their_usual_level():
    police = agency(**{"finance.reserves_share": 0.1})
    police.open_year(1)
    police.close_year(police.budget - 0.04 * police.base_budget)  # from a debt-free start at the cap
    assert police.balance == pytest.approx(0.1 * police.base_budget)
    police.balance = -0.02 * police.base_budget  # in debt: an under-spend repays it first
    police.close_year(police.budget - 0.05 * police.base_budget)
    assert police.balance == pytest.approx(0.03 * police.base_budget)


def test_savings_come_from_prevention_first_down_to_the_share_kept_then_from_casework():
    police = agency(**{"finance.prevention_kept": 0.5})
    police.open_year(0)
    prevention, reactive = police.prevention_plan, police.reactive_plan
    share = police.spec.prevention_share
    small = agency(**{"finance.prevention_kept": 0.5, "budget.cut": share * 0.25, "budget.cut_years": 1})
    small.open_year(1)
    assert small.prevention_plan == pytest.approx(prevention * 0.75)  # a small saving: prevention alone
    assert small.reactive_plan == pytest.approx(reactive)
    deep = agency(**{"finance.prevention_kept": 0.5, "budget.cut": 0.3, "budget.cut_years": 1})
    deep.open_year(1)
    assert deep.prevention_plan == pytest.approx(prevention * 0.5)  # prevention down to what is kept
    assert deep.reactive_plan == pytest.approx(0.7 * deep.base_budget - prevention * 0.5)
    assert deep.prevention_plan / prevention - 1 < deep.budget / deep.base_budget - 1  # prevention falls by more
    everything = agency(**{"finance.prevention_kept": 0.5, "budget.cut": 1.0, "budget.cut_years": 1})
    everything.open_year(1)
    assert everything.prevention_plan == 0 and everything.reactive_plan == 0  # nothing is kept from nothing


def test_the_pool_takes_its_share_of_prevention_and_casework_alike():
    pooled = agency(**{"regime.kind": "integrated", "regime.pooled_share": 0.2})
    pooled.open_year(1)
    assert pooled.prevention_plan / (pooled.prevention_plan + pooled.reactive_plan) == pytest.approx(
        pooled.spec.prevention_share)


@pytest.mark.parametrize("name, eats", [("childrens_social_care", True), ("police", False)])
def test_a_crisis_overrun_eats_prevention_only_where_the_agency_does_so(name, eats):
    one = agency(name, **{"finance.overrun_from_prevention": ["childrens_social_care"],
                          "finance.prevention_kept": 0.25})
    one.open_year(1)
    spent = np.zeros(len(CATEGORY))
    one.crisis_per_week = 0.0
    one.plan_capacity(spent, 0, CATEGORY)
    early_slots, temps = one.early_slots, one.workforce.temps
    one.crisis_per_week = 1.2 * one.reactive_plan / 52  # crises forecast to take more than all of casework's money
    one.plan_capacity(spent, 0, CATEGORY)
    assert temps > 0 and one.workforce.temps == 0  # the money will not last the year: a hiring freeze, agency staff gone
    if eats:
        kept = 0.25 * one.prevention_plan / 52
        assert one.early_slots == int(kept // one.spec.prevention_week_cost) < early_slots
    else:
        assert one.early_slots == early_slots


def test_the_ledger_reports_each_years_outturn_reserves_and_debt_repaid():
    model = LocalityModel("thanet", overrides={"population.households": 2000, "run.years": 3, "run.seed": 3, "run.warmup_weeks": 0,
                                               "budget.cut": 0.3, "budget.cut_years": 1, "finance.reserves_share": 0.02})
    model.run()
    from locality.experiments.results import ledger_frame
    ledger = ledger_frame(model)
    for agency in model.agency_list:
        rows = ledger[ledger.agency == agency.name].set_index("year")
        if not agency.carries_over:  # starts each year afresh: nothing drawn, held or repaid
            assert (rows[["deficit_repaid", "reserves_drawn", "reserves"]] == 0).all().all()
            continue
        rationed = rows["spend"] - rows["spend_universal"]
        over = rationed - (rows["budget"] - rows["budget_universal"])
        balance = 0.02 * agency.base_budget  # the run starts with reserves at their usual level
        for year in rows.index:
            if year > 1:  # the debt repaid this year is what the last year's balance owed
                assert rows.loc[year, "deficit_repaid"] == pytest.approx(max(-balance, 0.0))
            drawn = min(max(over[year], 0.0), max(balance, 0.0))
            assert rows.loc[year, "reserves_drawn"] == pytest.approx(drawn)
            balance = min(balance - over[year], 0.02 * agency.base_budget)
            assert rows.loc[year, "reserves"] == pytest.approx(balance)
    assert (ledger["under_spend"] >= 0).all()
    assert (ledger["deficit_repaid"] > 0).any() and (ledger["reserves_drawn"] > 0).any()  # both paths were taken


def test_an_agency_that_does_not_carry_over_starts_each_year_afresh():
    acute = agency("nhs_acute", **{"finance.carries_over": ["police"]})
    acute.open_year(1)
    acute.close_year(acute.budget * 1.5)
    acute.open_year(2)
    assert acute.balance == 0 and acute.deficit == 0 and acute.drawn == 0
    assert acute.reactive_plan + acute.prevention_plan == pytest.approx(acute.budget)


def test_a_share_of_an_under_spend_comes_back_as_prevention_after_the_lag():
    police = agency(**{"finance.reinvest_share": 0.5, "finance.reinvest_after_years": 2})
    police.open_year(1)
    planned = police.prevention_plan
    police.close_year(police.budget - 1000.0)  # saved 1,000: 500 set aside
    police.open_year(2)
    assert police.reinvested == 0 and police.prevention_plan == pytest.approx(planned)  # not yet
    police.close_year(police.budget)
    police.open_year(3)
    assert police.reinvested == pytest.approx(500.0)
    assert police.prevention_plan == pytest.approx(planned + 500.0)


def test_what_is_reinvested_does_not_also_go_to_reserves():
    police = agency(**{"finance.reinvest_share": 0.25, "finance.reserves_share": 0.1})
    police.open_year(1)
    police.balance = 0.0  # reserves spent: an under-spend would refill them
    police.close_year(police.budget - 1000.0)
    assert police.balance == pytest.approx(750.0)


def test_the_status_quo_warm_up_reinvests_nothing():
    police = agency(**{"finance.reinvest_share": 1.0})
    police.open_year(0)
    police.close_year(police.budget - 1000.0)
    police.open_year(1)
    assert police.reinvested == 0


def test_savings_reinvested_in_the_pool_buy_key_workers_and_are_the_agencys_put_in():
    from locality.experiments import compare

    common = {"population.households": 3000, "run.years": 3, "run.seed": 5, "regime.kind": "integrated",
              "regime.pooled_share": 0.05, "finance.reinvest_in": "pool"}
    comparison = compare("thanet", a={"finance.reinvest_share": 0.0}, b={"finance.reinvest_share": 0.5}, common=common)
    ledger = comparison.b.ledger
    pool = ledger[ledger.agency == "pooled_budget"].set_index("year")["budget"]
    agencies = ledger[ledger.agency != "pooled_budget"].groupby("year")
    put_in = agencies["contribution_to_pool"].sum() + agencies["reinvested_in_pool"].sum()
    assert np.allclose(pool, put_in)  # the pool's budget is what agencies put in, savings included
    assert agencies["reinvested_in_pool"].sum().loc[1] == 0 and agencies["reinvested_in_pool"].sum().loc[2:].sum() > 0
    pocket = comparison.wrong_pocket().set_index("agency")
    assert pocket.drop(index="pooled_budget")["reinvested"].sum() == pytest.approx(
        agencies["reinvested_in_pool"].sum().sum())


def test_reinvesting_in_a_pool_without_key_workers_is_refused_by_name():
    from locality.parameters.loader import ScenarioError, load_scenario

    with pytest.raises(ScenarioError, match="finance.reinvest_in"):
        load_scenario("thanet", {"regime.kind": "siloed", "finance.reinvest_share": 0.2, "finance.reinvest_in": "pool"})


def test_an_investment_agreement_sets_contributions_by_the_savings_each_agency_received():
    from locality.experiments import run
    from locality.experiments.results import ledger_frame

    common = {"population.households": 2000, "run.years": 3, "run.seed": 8, "regime.kind": "integrated",
              "regime.pooled_share": 0.08, "demography.household_growth": 0.0}  # (the frames on the model's own scale)
    model = LocalityModel("thanet", overrides={**common, "regime.investment_agreement": True})
    siloed = run("thanet", {**common, "regime.kind": "siloed"}).ledger
    yardstick = model.money.status_quo_crises
    agencies = [a.name for a in model.agency_list]
    assert yardstick == pytest.approx(siloed[siloed.agency != "pooled_budget"].pivot(
        index="year", columns="agency", values="spend_crisis")[agencies].to_numpy())  # siloed on the same seed
    model.run()
    ledger = ledger_frame(model)
    ledger = ledger[ledger.agency != "pooled_budget"]
    by_year = ledger.pivot(index="year", columns="agency", values="contribution_to_pool")[agencies]
    gross = np.array([[a.gross(y) for a in model.agency_list] for y in (1, 2, 3)])
    assert by_year.loc[1].to_numpy() == pytest.approx(0.08 * gross[0])  # year 1: the pooled share of each budget
    for year in (2, 3):
        received = ledger[ledger.year == year - 1].set_index("agency").loc[agencies, "savings_received"].to_numpy()
        crisis = ledger[ledger.year == year - 1].set_index("agency").loc[agencies, "spend_crisis"].to_numpy()
        assert received == pytest.approx(yardstick[year - 2] - crisis)
        paid = by_year.loc[year].to_numpy()
        assert paid.sum() == pytest.approx(0.08 * gross[year - 1].sum())  # the same total pooled
        assert (paid <= 0.5 * gross[year - 1] + 1e-6).all()  # none pays more than half its budget
        assert (paid[received <= 0] == 0).all()  # who saved nothing pays nothing
        uncapped = (received > 0) & (paid < 0.5 * gross[year - 1] - 1e-6)  # the rest pay in proportion to savings
        assert paid[uncapped] / received[uncapped] == pytest.approx(np.full(uncapped.sum(), (paid / np.maximum(received, 1e-9))[uncapped][0]))


def test_an_agreement_shares_what_a_capped_agency_cannot_pay_among_the_others():
    from locality.sim.agreement import agreed_contributions

    paid = agreed_contributions(100.0, np.array([10.0, 0.0, 1.0, -3.0]), np.array([20.0, 100.0, 1000.0, 100.0]))
    assert paid == pytest.approx([10.0, 0.0, 90.0, 0.0])  # the first pays half its budget; the other saver the rest
    assert agreed_contributions(100.0, np.array([-1.0, 0.0]), np.array([100.0, 100.0])) is None  # nobody saved
    short = agreed_contributions(100.0, np.array([10.0, 0.0]), np.array([20.0, 1000.0]))
    assert short == pytest.approx([10.0, 0.0])  # the only saver is capped: the pool comes out smaller


def test_reinvesting_a_saving_leaves_the_books_square_when_the_plan_is_spent():
    police = agency(**{"finance.reinvest_share": 1.0})
    police.open_year(1)
    police.balance = 0.0
    police.close_year(police.budget - 1000.0)  # saved 1,000, all set aside
    assert police.balance == 0
    police.open_year(2)
    assert police.reinvested == 1000.0 and police.budget == pytest.approx(police.gross(2) + 1000.0)
    police.close_year(police.reactive_plan + police.prevention_plan)  # spends exactly its plan, savings included
    assert police.balance == pytest.approx(0.0)


def test_a_year_that_only_repays_a_debt_sets_nothing_aside():
    schools = agency("schools", **{"finance.reinvest_share": 0.5})
    schools.open_year(1)
    schools.balance = -10_000.0
    schools.open_year(2)
    assert schools.deficit == 10_000.0
    schools.close_year(schools.budget - schools.deficit)  # spends what it may: the debt is repaid, nothing saved
    assert schools.balance == pytest.approx(0.0) and schools.reinvesting[-1] == 0.0


def test_a_cashed_saving_comes_out_of_next_years_reactive_budget_only():
    police = agency()
    police.open_year(2)
    plain = (police.budget, police.reactive_plan, police.prevention_plan)
    saving = 0.1 * plain[1]
    police.open_year(2, cashed=saving)
    assert police.cashed == saving
    assert (police.budget, police.reactive_plan, police.prevention_plan) == pytest.approx(
        (plain[0] - saving, plain[1] - saving, plain[2]))  # prevention untouched: the saving was crises'
    police.open_year(2, cashed=-2 * saving)  # crisis spend rose: the funder meets that share of it
    assert police.reactive_plan == pytest.approx(plain[1] + 2 * saving)
    police.open_year(2, cashed=10 * plain[1])  # never more than the reactive budget
    assert police.reactive_plan == 0 and police.cashed == pytest.approx(plain[1])


CASHING = {"population.households": 3000, "run.years": 4, "demography.household_growth": 0.0, "early_intervention.shift": 0.2,
           "early_intervention.start_year": 2, "early_intervention.double_running_years": 0}


def test_business_as_usual_cashes_nothing_and_runs_as_without_cashing():
    from locality.experiments.runner import run

    usual = {k: v for k, v in CASHING.items() if not k.startswith("early")}
    cashing = run("thanet", {**usual, "finance.cashable_share": 0.49}).ledger
    plain = run("thanet", usual).ledger
    assert (cashing["cashed"] == 0).all() and (cashing["savings_received"] == 0).all()
    pd.testing.assert_frame_equal(cashing, plain)


def test_a_policy_cashes_its_share_of_last_years_savings_against_business_as_usual():
    from locality.experiments.runner import run

    share = 0.49
    model = LocalityModel("thanet", overrides={**CASHING, "finance.cashable_share": share})
    usual = run("thanet", {**CASHING, "early_intervention.shift": 0.0}).ledger  # the same seed, no shift
    agencies = [a.name for a in model.agency_list]
    model.run()
    ledger = ledger_frame(model)
    ledger = ledger[ledger.agency != "pooled_budget"]

    def by_year(frame, column):
        return frame.pivot(index="year", columns="agency", values=column)[agencies]

    received = by_year(ledger, "savings_received")
    assert received.to_numpy() == pytest.approx((by_year(usual, "spend_crisis") - by_year(ledger, "spend_crisis")).to_numpy())
    assert (received.loc[1] == 0).all()  # the shift starts in year 2: nothing saved before it
    cashed = by_year(ledger, "cashed")
    assert (cashed.loc[[1, 2]] == 0).all().all()  # year 2 cashes year 1's savings: none
    assert cashed.loc[3:].to_numpy() == pytest.approx(share * received.loc[2:3].to_numpy())
    assert (cashed.loc[3:] != 0).any().any()  # (whether it saves is a direction, tested on ten seeds)
    assert model.money.cashable_share == share


def test_the_reference_model_refuses_cashed_savings_by_name():
    from locality.sim.reference import ReferenceModel

    with pytest.raises(ValueError, match="finance.cashable_share"):
        ReferenceModel("thanet", overrides={**SETTINGS, "finance.cashable_share": 0.3})
