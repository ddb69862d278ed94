"""People change once a year: ageing, coming of age, births to households of an age to
have children, households leaving and newcomers taking their homes; and the place's
settled composition against Census 2011 and ONS births (checks: none of these figures was
given to the model, beyond the births derived from the same sources)."""

from types import SimpleNamespace

import numpy as np
import pytest

from locality.parameters.loader import load_scenario
from locality.parameters.vocabulary import DOMAINS
from locality.sim.demography import a_year_of_people, draw_composition, settle
from locality.sim.model import LocalityModel
from locality.sim.state import AT_HOME, NO_CHILD, NONE, SERVED
from locality.sim.stocks import children_leave, place_children

SPEC = load_scenario("thanet")
POP, DEMO = SPEC.population, SPEC.demography


def households(head_ages, child_ages, adults=1, in_care=None):
    """A composition by hand: one reference person's age per household and each
    household's children's ages (at home unless `in_care` says how many are away)."""
    n = len(head_ages)
    child_age = np.full((POP.max_children, n), NO_CHILD, np.int8)
    for i, ages in enumerate(child_ages):
        child_age[:len(ages), i] = ages
    away = np.zeros(n, np.int8) if in_care is None else np.array(in_care, np.int8)
    child_in = np.full_like(child_age, AT_HOME)
    for i, k in enumerate(away):
        child_in[:k, i] = 0  # the first children are in care (stock 0)
    filled = (child_age != NO_CHILD).sum(axis=0)
    return SimpleNamespace(head_age=np.array(head_ages, np.int8), child_age=child_age, child_in=child_in,
                           children=(filled - away).astype(np.int8), adults=np.full(n, adults, np.int8),
                           has_children=filled > 0, in_stock=away[None, :].copy(), working_age=np.zeros(n, bool),
                           school_age=np.zeros(n, bool), may_have=np.ones((len(DOMAINS), n), bool))


def still(**changes):
    """The place's demography with these rates, and nobody leaving unless asked."""
    return DEMO.model_copy(update={"move_away": 0.0, "dissolution": 0.0, **changes})


def test_children_age_and_come_of_age_some_staying_on_as_adults():
    h = households([40, 40, 40], [[17], [17, 5], [3]])
    year = a_year_of_people(h, POP, still(stays_home=1.0, birth_rate=0.0), np.random.default_rng(1), child_stocks=[0])
    assert year.came_of_age == 2 and year.stayed_on == 2
    assert h.children.tolist() == [0, 1, 1] and h.adults.tolist() == [2, 2, 1]
    assert h.has_children.tolist() == [False, True, True]
    assert sorted(h.child_age[:, 1][h.child_age[:, 1] != NO_CHILD]) == [6] and h.head_age.tolist() == [41] * 3


def test_a_child_in_care_who_comes_of_age_leaves_care_and_the_others_stay_where_they_are():
    h = households([40, 40], [[17, 4], [17, 4]], in_care=[1, 0])
    year = a_year_of_people(h, POP, still(birth_rate=0.0, stays_home=0.0), np.random.default_rng(1), child_stocks=[0])
    assert h.in_stock[0].tolist() == [0, 0] and h.children.tolist() == [1, 1] and year.left_placements.tolist() == [1]
    assert (h.child_in == AT_HOME).all()


def test_a_placement_takes_one_of_the_children_at_home_and_those_who_leave_it_come_home_or_go_for_good():
    h = households([40, 40], [[10, 4], [12, 6, 2]])
    rng = np.random.default_rng(3)
    homes = np.array([0, 1])
    place_children(h, homes, np.array([1, 2]), 0, rng)
    assert (h.child_in == 0).sum(axis=0).tolist() == [1, 2]
    assert ((h.child_in == 0) & (h.child_age == NO_CHILD)).sum() == 0  # only real children are placed
    children_leave(h, homes, np.array([1, 2]), np.array([1, 0]), 0, rng)
    assert (h.child_in == AT_HOME).all()
    assert (h.child_age[:, 0] != NO_CHILD).sum() == 2 and (h.child_age[:, 1] != NO_CHILD).sum() == 1  # two left for good


def test_births_come_only_to_households_of_an_age_to_have_children():
    h = households([30, 43, 44, 60, 17], [[], [2], [], [], []])
    year = a_year_of_people(h, POP, still(birth_rate=1.0), np.random.default_rng(1), child_stocks=[])
    # after a year's ageing the reference persons are 31, 44, 45, 61 and 18: fertile ages 18 to 44
    assert h.children.tolist() == [1, 2, 0, 0, 1] and year.births == 3
    assert (h.child_age[:, 0] == 0).sum() == 1 and h.has_children.tolist() == [True, True, False, False, True]


def test_households_leave_unless_someone_is_in_a_placement_and_newcomers_take_their_homes():
    h = households([30, 50, 80], [[], [4], []], in_care=[0, 1, 0])
    year = a_year_of_people(h, POP, still(move_away=1.0, dissolution=1.0, birth_rate=0.0), np.random.default_rng(1),
                            child_stocks=[0])
    assert year.newcomers.tolist() == [0, 2]  # the household with a child in care stays
    assert h.head_age[1] == 51


def test_a_newcomer_starts_with_no_history_with_services():
    m = LocalityModel("thanet", overrides={"population.households": 2_000, "run.years": 1, "run.warmup_weeks": 0,
                                           "demography.move_away": 1.0, "demography.dissolution": 1.0})
    h = m.households
    h.status[0, :] = SERVED
    h.crises[:] = 7
    placed = h.in_stock.sum(axis=0) > 0
    seen = {}
    m.watch("after people change", lambda week: seen.update(status=h.status[0].copy(), crises=h.crises.copy()))
    m.step()  # week 0: a year begins, people change first
    assert (seen["status"][~placed] == NONE).all() and (seen["crises"][~placed] == 0).all()
    assert (seen["status"][placed] == SERVED).all()
    assert m.latest("newcomers") == (~placed).sum() > 0


def test_people_change_only_in_a_year_s_first_week_and_the_counts_are_recorded():
    results = LocalityModel("thanet", overrides={"population.households": 3_000, "run.years": 2, "run.warmup_weeks": 0})
    results.run()
    steps = results.recorder.steps_frame()
    first = steps["week_of_year"] == 1 if "week_of_year" in steps else steps.index % 52 == 0
    for column in ("births", "came_of_age", "newcomers"):
        assert (steps.loc[~first, column] == 0).all() and (steps.loc[first, column] > 0).all(), column


@pytest.fixture(scope="module")
def settled():
    rng = np.random.default_rng(7)
    n = 60_000
    drawn = draw_composition(POP, DEMO, n, rng, newcomers=False)
    h = SimpleNamespace(**drawn, in_stock=np.zeros((0, n), np.int8), child_in=np.full_like(drawn["child_age"], AT_HOME))
    settle(h, POP, DEMO, rng)
    return h, rng


def test_the_settled_place_has_census_2011_s_children_and_ages_of_reference_persons(settled):
    h, _ = settled
    n = h.head_age.size
    children = (h.child_age != NO_CHILD).sum() / n
    assert children == pytest.approx(0.52, rel=0.15)  # Census 2011: about 11.5m dependent children in 22.1m households
    assert h.has_children.mean() == pytest.approx(0.29, rel=0.2)  # Census 2011: 29% of households
    share = np.histogram(h.head_age, bins=[16, 35, 65, 101])[0] / n
    assert share == pytest.approx([0.178, 0.548, 0.274], abs=0.04)  # Census 2011 reference persons: under 35, 35-64, 65+


def test_the_settled_place_stands_still_and_has_about_the_published_births(settled):
    h, rng = settled
    n = h.head_age.size
    before = (h.has_children.mean(), (h.child_age != NO_CHILD).sum() / n, h.head_age.mean())
    births = [a_year_of_people(h, POP, DEMO, rng, child_stocks=[]).births for _ in range(10)]
    after = (h.has_children.mean(), (h.child_age != NO_CHILD).sum() / n, h.head_age.mean())
    assert after == pytest.approx(before, rel=0.03)
    assert np.mean(births) / n * 1000 == pytest.approx(31, rel=0.15)  # ONS 2012: 729,674 births over 23.4m households


def test_each_child_is_at_home_or_in_one_placement_all_run_long():
    # (a place that does not grow: in one that does, a stock also grows with the place, not by its flows alone)
    m = LocalityModel("thanet", overrides={"population.households": 8_000, "run.years": 3, "run.warmup_weeks": 26,
                                           "demography.household_growth": 0.0})
    h = m.households
    care = [s for s, kind in enumerate(m.stock_kinds) if kind.who == "child"]
    broken = []

    def check(week):
        present = h.child_age != NO_CHILD
        if not (h.children == (present & (h.child_in == AT_HOME)).sum(axis=0)).all():
            broken.append((week.number, "children at home"))
        for s in care:
            if not (h.in_stock[s] == (present & (h.child_in == s)).sum(axis=0)).all():
                broken.append((week.number, f"stock {s}"))
        if ((h.child_in != AT_HOME) & ~present).any():
            broken.append((week.number, "a placement without a child"))

    m.watch("after everything recorded", check)
    m.run()
    assert not broken, broken[:5]
    steps = m.recorder.steps_frame()
    assert steps["entered_children_in_care"].sum() > 0
    # the stock changes by its flows only: those who came of age in care are among its leavers
    flows = steps["entered_children_in_care"] - steps["left_children_in_care"]
    assert (steps["stock_children_in_care"].diff().iloc[1:] == flows.iloc[1:]).all()


def test_inverse_transform_draws_follow_their_distributions():
    """Composition, traits and needs come from uniforms by inverse transform (so a home's
    draws are its own, whoever else moves): each follows the distribution it stands for,
    by Kolmogorov-Smirnov against scipy's own, and children and adults have their means."""
    from scipy import stats

    from locality.sim.population import draw_traits_and_needs

    rng, n = np.random.default_rng(11), 50_000
    traits = draw_traits_and_needs(SPEC, np.ones((len(DOMAINS), n), bool), rng)
    pop = SPEC.population
    a = pop.resilience_mean * pop.trait_spread
    assert stats.kstest(traits["resilience"], stats.beta(a, pop.trait_spread - a).cdf).pvalue > 1e-3
    assert stats.kstest(traits["frailty"], stats.gamma(pop.frailty_shape, scale=1 / pop.frailty_shape).cdf).pvalue > 1e-3
    scaled = traits["severity"][0] / traits["frailty"] / SPEC.needs.initial_mean[list(SPEC.needs.initial_mean)[0]]
    assert np.median(scaled) == pytest.approx(np.log(2), rel=0.05)  # an exponential's median, below any cap
    drawn = draw_composition(POP, DEMO, n, rng, newcomers=True)
    with_children = drawn["children"][drawn["has_children"]]
    assert with_children.mean() == pytest.approx(POP.children_mean, rel=0.05)
    assert drawn["adults"].mean() == pytest.approx(POP.adults_mean, rel=0.05)


def test_worklessness_and_school_absence_belong_to_the_right_ages():
    """A household whose reference person is past working age (demography.working_ages)
    has no worklessness need, and one with no child of school age (demography.school_ages)
    no school absence: not at the start, not from new problems, not from a crisis's
    knock-on; a household that ages out of either loses the need as the year turns."""
    from locality.parameters.schema import age_band
    from locality.parameters.vocabulary import DOMAIN_INDEX

    m = LocalityModel("thanet", overrides={"population.households": 3000, "run.years": 2, "run.seed": 4,
                                           "run.warmup_weeks": 0})
    h, demo = m.households, m.params.demography
    work, absence, neglect = DOMAIN_INDEX["worklessness"], DOMAIN_INDEX["school_absence"], DOMAIN_INDEX["child_neglect"]

    def ages_hold():
        low, high = age_band(demo.working_ages)
        assert (h.working_age == ((h.head_age >= low) & (h.head_age <= high))).all()
        low, high = age_band(demo.school_ages)
        assert (h.school_age == ((h.child_age >= low) & (h.child_age <= high)).any(axis=0)).all()
        assert (h.may_have[work] == h.working_age).all() and (h.may_have[absence] == h.school_age).all()
        assert (h.may_have[neglect] == h.has_children).all() and h.may_have[DOMAIN_INDEX["mental_health"]].all()
        for domain in (work, absence):
            assert (h.severity[domain, ~h.may_have[domain]] == 0).all()

    ages_hold()
    assert 0 < (~h.working_age).sum() < h.n and (h.severity[work, h.working_age] > 0).any()
    assert 0 < (h.has_children & ~h.school_age).sum() and (h.severity[absence, h.school_age] > 0).any()
    turned = []  # who can have which need is decided as the year turns, and holds all year

    def as_the_year_turns(week):
        if week.number % 52 == 0 and week.number > 0:
            ages_hold()
            turned.append(week.number)

    m.watch("after needs evolve", as_the_year_turns)
    m.run()
    assert turned == [52]
    for domain in (work, absence):
        assert (h.severity[domain, ~h.may_have[domain]] == 0).all()
    assert (h.severity[work, h.working_age] >= 0.3).any() and (h.severity[absence, h.school_age] >= 0.3).any()
