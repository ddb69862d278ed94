"""A comparison on several seeds: the differences are taken seed by seed on common random
numbers, every figure has its interval, and the verdict in words says when a difference is
within the noise."""

import numpy as np
import pytest

from locality.experiments.paired import compare_paired, first_seed, money
from locality.experiments.runner import compare
from locality.parameters.loader import ScenarioError

SMALL = {"population.households": 400, "run.years": 2, "run.warmup_weeks": 8}


@pytest.fixture(scope="module")
def paired():
    return compare_paired("sherwood", common=SMALL, reps=4, workers=2)


def test_each_seed_s_difference_is_that_seed_s_own_comparison(paired):
    seed = paired.seeds[2]
    one = compare("sherwood", common={**SMALL, "run.seed": seed})
    row = paired.differences().loc[seed]
    assert row["crises"] == one.b.outcomes()["crises"] - one.a.outcomes()["crises"]
    assert row["spend"] == pytest.approx(one.b.outcomes()["spend"] - one.a.outcomes()["spend"])
    assert paired.first.a.scenario.run.seed == paired.seeds[0]


def test_a_first_pair_run_already_is_taken_as_it_is_and_only_if_it_is_that_seed_s():
    """The app's charts are the first seed's pair: handed in, it is not run again, and the
    answer is the one running every seed gives; a pair of other settings is refused."""
    shown = compare("sherwood", common={**SMALL, "run.seed": first_seed(42)})
    assert first_seed(42) == compare_paired("sherwood", common=SMALL, reps=1, master_seed=42, workers=1).seeds[0]
    again = compare_paired("sherwood", common={**SMALL, "run.seed": 42}, reps=4, workers=2, first=shown)
    whole = compare_paired("sherwood", common={**SMALL, "run.seed": 42}, reps=4, workers=2)
    assert again.first is shown and again.verdict() == whole.verdict()
    assert again.differences().equals(whole.differences())
    with pytest.raises(ValueError, match="other settings"):
        compare_paired("sherwood", common={**SMALL, "run.seed": 42, "budget.cut": 0.1}, reps=2, workers=1, first=shown)


def test_the_summary_s_interval_holds_its_mean_and_who_pays_counts_the_seeds(paired):
    summary = paired.summary()
    assert (summary["change_low"] <= summary["change"]).all() and (summary["change"] <= summary["change_high"]).all()
    assert summary.loc["crises", "change"] == pytest.approx(paired.differences()["crises"].mean())
    pays = paired.who_pays()
    net = paired.pockets.pivot(index="seed", columns="agency", values="net_change")
    for row in pays.itertuples():
        assert row.pays_in == int((net[row.agency] > 0.5).sum()) and row.saves_in == int((net[row.agency] < -0.5).sum())
        assert row.net_change == pytest.approx(net[row.agency].mean())
    # the agencies' net changes add up to the change in total spend, seed by seed
    assert np.allclose(net.sum(axis=1).loc[paired.seeds], paired.differences()["spend"], atol=1.0)


def test_a_scenario_against_itself_is_within_the_noise():
    same = compare_paired("sherwood", a={"budget.cut": 0.0}, b={"budget.cut": 0.0}, common=SMALL, reps=3, workers=2)
    said = same.verdict()
    assert said[1].startswith("Crises: within the noise") and said[2].startswith("Spend: within the noise")
    assert "no agency clearly" in said[-1]


def test_the_verdict_names_ranges_in_words_not_signs(paired):
    said = "\n".join(paired.verdict())
    assert "on 4 seeds" in said and "95% interval" in said
    assert "£-" not in said and "-£" not in said
    assert any(word in said for word in ("within the noise", "fewer", "more"))


def test_one_seed_says_it_has_no_range():
    one = compare_paired("sherwood", common={**SMALL, "run.years": 1}, reps=1)
    assert "no range" in one.verdict()[1]


def test_money_is_said_as_people_say_it():
    assert [money(v) for v in (-6276, 850_000, 1_234_567, 12.4)] == ["£6k", "£850k", "£1.23m", "£12"]


def test_bad_input_is_refused_before_any_run():
    with pytest.raises(ScenarioError, match="reps"):
        compare_paired("sherwood", reps=0)
    with pytest.raises(ScenarioError, match="keyworkers.caseload"):
        compare_paired("sherwood", b={"keyworkers.caseload": 0}, reps=2)


def test_a_sample_s_answer_is_also_scaled_to_the_whole_place_and_says_so(paired):
    scaled = [line for line in paired.verdict() if line.startswith("The runs are a sample")]
    assert len(scaled) == 1 and "of 400 of Sherwood's 2,800 households" in scaled[0] and "x7.0" in scaled[0]
    change = paired.summary().loc["crises"]
    if not change["change_low"] <= 0 <= change["change_high"]:
        assert f"{abs(change['change'] * 7):,.0f}" in scaled[0]


def test_options_on_the_same_seeds_each_against_the_first(paired):
    from locality.experiments.paired import compare_options

    found = compare_options("sherwood", {"siloed": {"regime.kind": "siloed"}, "integrated": {"regime.kind": "integrated"},
                                         "cut": {"regime.kind": "siloed", "budget.cut": 0.3}}, common=SMALL, reps=4, workers=2)
    assert list(found) == ["integrated", "cut"]
    # integrated against siloed is the same comparison compare_paired made, seed by seed
    assert found["integrated"].seeds == paired.seeds
    assert found["integrated"].differences().equals(paired.differences())
    assert found["cut"].summary().loc["spend", "change"] < 0  # a 30% cut spends less
    assert (found["cut"].runs[found["cut"].runs["variant"] == "A"]["crises"].to_numpy()
            == found["integrated"].runs[found["integrated"].runs["variant"] == "A"]["crises"].to_numpy()).all()


@pytest.mark.parametrize("options, says", [
    ({"only": {}}, "give 2 to 4 options"),
    ({str(i): {} for i in range(5)}, "give 2 to 4 options"),
    ({"a": {}, "b": {"keyworkers.caseload": 0}}, "option b: .*keyworkers.caseload"),
])
def test_options_are_checked_before_any_run(options, says):
    from locality.experiments.paired import compare_options

    with pytest.raises(ScenarioError, match=says):
        compare_options("sherwood", options, reps=2)


def test_shares_are_of_a_s_mean_and_missing_where_it_is_not_above_zero(paired):
    summary = paired.summary()
    crises = summary.loc["crises"]
    assert crises["share_low"] == pytest.approx(crises["change_low"] / crises["a"])
    over = summary.loc["over_spend"]
    assert over["a"] > 0 or np.isnan(over["share"])  # an under-spend has no share to change by
