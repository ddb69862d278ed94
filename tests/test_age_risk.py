"""New problems of some needs depend on age (`needs.age_risk`: physical health, from the
long-term conditions compendium's 58% of over-60s against 14% of under-40s): older
households get more of them, the place as it starts keeps its fitted rate on average,
and a place that ages gets more (demand that comes from people)."""

import numpy as np
import pytest
from locality.parameters.errors import ScenarioError

from locality.parameters.loader import load_scenario
from locality.parameters.vocabulary import DOMAIN_INDEX
from locality.sim.model import LocalityModel
from locality.sim.needs import age_risks, age_scale

SMALL = {"population.households": 3000, "run.years": 1, "run.warmup_weeks": 4}
HEALTH = DOMAIN_INDEX["physical_health"]


def test_age_bands_must_cover_every_age_once():
    for bands in ({"16-39": 1.0, "50-99": 2.0}, {"16-59": 1.0, "40-99": 2.0}, {"16-39": 1.0, "40-90": 2.0}, {}):
        with pytest.raises(ScenarioError, match="needs.age_risk.physical_health"):
            load_scenario("thanet", {"needs.age_risk": {"physical_health": bands}})


def test_a_household_has_the_risk_of_its_reference_persons_age_band():
    table = {"physical_health": {"16-39": 0.14, "40-59": 0.36, "60-99": 0.58}}
    risk = age_risks(table, np.array([16, 39, 40, 59, 60, 99, 100], np.int8))
    assert risk[HEALTH].tolist() == [0.14, 0.14, 0.36, 0.36, 0.58, 0.58, 0.58]  # kept past 99 by a placement: the oldest
    assert (np.delete(risk, HEALTH, axis=0) == 1.0).all()  # needs without a table: the same at every age


def test_the_scale_keeps_the_fitted_rate_for_the_place_as_it_starts():
    table = {"physical_health": {"16-39": 0.14, "40-59": 0.36, "60-99": 0.58}}
    rng = np.random.default_rng(7)
    ages, frailty = rng.integers(16, 100, 5000).astype(np.int8), rng.gamma(1.2, 1 / 1.2, 5000)
    may_have = np.ones((len(DOMAIN_INDEX), 5000), bool)
    scaled = age_risks(table, ages) * age_scale(table, ages, frailty, may_have)[:, None]
    assert (scaled * frailty).sum(axis=1) == pytest.approx(np.full(len(DOMAIN_INDEX), frailty.sum()))


def test_older_households_get_more_new_health_problems_and_the_place_keeps_its_rate():
    model = LocalityModel("thanet", overrides={**SMALL, "run.seed": 3})
    needs, h = model.needs, model.households
    rate = needs.rates[HEALTH]
    counts = np.zeros(h.n)
    weeks = range(0, 400)
    for week in weeks:  # draws only: the same households, so their ages stand still
        columns, bounds, households, _ = needs.draw_shocks(week)
        at = np.flatnonzero(columns == HEALTH)
        if at.size:
            np.add.at(counts, households[bounds[at[0]]:bounds[at[0] + 1]], 1)
    frailty = h.frailty.astype(np.float64)
    old, young = h.head_age >= 60, h.head_age < 40
    per_frailty = counts[old].sum() / frailty[old].sum(), counts[young].sum() / frailty[young].sum()
    assert per_frailty[0] / per_frailty[1] == pytest.approx(0.58 / 0.14, rel=0.2)
    growth = (1 + needs.trends[HEALTH]) ** (np.mean(list(weeks)) / 52)
    expected = rate * growth * needs.age_scale[HEALTH] * (frailty * age_risks(needs.age_risk, h.head_age)[HEALTH]).sum()
    assert counts.sum() / len(weeks) == pytest.approx(expected, rel=0.05)


def test_a_place_that_ages_gets_more_new_health_problems_and_no_more_of_the_others():
    model = LocalityModel("thanet", overrides={**SMALL, "run.seed": 3})
    needs, h = model.needs, model.households
    before = [target.total for target in needs.targets]
    h.head_age[:] = np.minimum(h.head_age + 20, 99)
    needs.people_changed()
    after = [target.total for target in needs.targets]
    assert after[HEALTH] > 1.2 * before[HEALTH]
    others = [i for i, field in enumerate(needs.who) if field is None and i != HEALTH]
    assert [after[i] for i in others] == [before[i] for i in others]
