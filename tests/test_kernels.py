"""The compiled kernels against the plain numpy they replace: the same households, the
same numbers, on a model's real state."""

import numpy as np
import pytest

from sim.model import LocalityModel
from sim.state import EARLY, NONE, SERVED, WAITING


@pytest.mark.parametrize("housing_threshold", [None, 0.2])  # 0.2: below the problem line (0.3)
def test_candidates_are_the_households_each_agency_could_notice(housing_threshold):
    """Above the threshold: every free household whose need reaches it. Below it (early
    help), drawn with chance 1: every free household with a problem under it."""
    overrides = {"population.households": 2000, "run.years": 1, "run.warmup_weeks": 12, "run.seed": 5}
    if housing_threshold is not None:
        overrides["agencies.housing.threshold"] = housing_threshold
    m = LocalityModel("sherwood", overrides=overrides)
    m.evolve_needs()
    candidates = m.candidates.find(m)
    agency, household, in_crisis, chance = candidates.above()
    h, line = m.households, np.float32(m.params.needs.problem_line)
    found, found_household = candidates.sample_below(m, np.random.default_rng(0), 1.0)  # with chance 1: all of them
    assert household.size and found.size
    for a in m.agency_list:
        need = a.need_of(h, np.arange(h.n))
        free = (h.status[a.index] == NONE) & m.clients[a.index] & (h.keyworker != SERVED)
        threshold = np.float32(a.threshold)
        above = np.flatnonzero(free & (need >= threshold))
        mine = agency == a.index
        assert np.array_equal(household[mine], above), a.name
        below = np.flatnonzero(free & (need < threshold) & (need >= line))
        assert np.array_equal(found_household[found == a.index], below), a.name
        assert np.array_equal(in_crisis[mine], h.crisis_domains[np.ix_(a.domains, above)].any(axis=0))
        serving = h.status[:, above] == SERVED
        expected = 1 - np.prod(1 - m.referral_odds[:, [a.index]] * serving, axis=0)
        assert np.allclose(chance[mine], expected)
    if housing_threshold is not None:  # housing now notices needs under the problem line too
        housing = m.agency_list[list(m.params.agencies).index("housing")]
        need = housing.need_of(h, household[agency == housing.index])
        assert (need < line).any()


def test_the_week_tally_matches_the_tiers_by_definition():
    m = LocalityModel("sherwood", overrides={"population.households": 2000, "run.years": 1, "run.seed": 6})
    for _ in range(5):
        m.step()
    h, needs = m.households, m.params.needs
    problems = (h.severity >= np.float32(needs.problem_line)).sum(axis=0)
    tier = np.where(problems >= 1, 1, 0)
    tier = np.where(problems >= needs.complex_count, 2, tier)
    tier = np.where((h.severity.max(axis=0) >= np.float32(needs.acute_line)) | h.crisis_now, 3, tier)
    assert np.array_equal(h.tier, tier)
    assert np.array_equal(np.bincount(h.tier, minlength=4), m.recorder.week[m.recorder.at["tier_universal"]:][:4])
    standing = np.stack([(h.status == s).sum(axis=1) for s in range(4)], axis=1)
    assert np.array_equal(m.standing, standing)


def test_the_social_drift_is_the_sparse_product_it_replaces():
    from sim.kernels import drift_towards
    m = LocalityModel("sherwood", overrides={"population.households": 3000, "run.years": 1, "run.seed": 8})
    for _ in range(3):
        m.step()
    severity, network, rate = m.households.severity, m.dynamics.network, m.dynamics.spread
    start = np.random.default_rng(3).random(severity.shape).astype(np.float32)
    expected = start + rate * ((network @ severity.T).T - severity)
    drifted = start.copy()
    half = severity.shape[1] // 2
    for first, last in ((0, half), (half, severity.shape[1])):  # in two parts, as two threads would
        drift_towards(drifted, severity, network.indptr, network.indices, network.data, rate, first, last)
    assert np.array_equal(drifted, expected)


def test_first_by_picks_the_same_households_as_a_stable_sort():
    from sim.regimes import first_by

    rng = np.random.default_rng(3)
    for key in (rng.integers(0, 5, 200), rng.random(200).astype(np.float32), np.zeros(50)):
        for k in (0, 1, 7, 49, 50, 300):
            assert set(first_by(key, k)) == set(np.argsort(key, kind="stable")[:k])


def test_standing_lists_each_status_in_index_order():
    from sim.regimes import standing_lists

    column = np.random.default_rng(4).integers(0, 4, 1000).astype(np.int8)
    waiting, served, early = standing_lists(column)
    for listed, status in zip((waiting, served, early), (1, 2, 3)):
        assert np.array_equal(listed, np.flatnonzero(column == status))


def test_the_books_list_each_agency_s_households_by_standing_in_index_order():
    m = LocalityModel("sherwood", overrides={"population.households": 3000, "run.years": 1, "run.seed": 7})
    for _ in range(4):
        m.step()
    status = m.households.status
    assert (status == WAITING).any() and (status == SERVED).any() and (status == EARLY).any()
    m.agency_parts = [(0, 5), (5, len(m.agency_list))]  # in two parts, as two threads would
    for a, (listed, waiting, served, early) in enumerate(m.books.find(m)):
        assert np.array_equal(listed, np.flatnonzero(status[a] != NONE))
        for found, standing in ((waiting, WAITING), (served, SERVED), (early, EARLY)):
            assert np.array_equal(found, np.flatnonzero(status[a] == standing))


def test_early_help_finds_each_household_in_the_band_with_the_chance_given():
    m = LocalityModel("sherwood", overrides={"population.households": 2000, "run.years": 1, "run.seed": 5})
    m.evolve_needs()
    everyone = m.candidates.sample_below(m, np.random.default_rng(0), 1.0)[0].size
    found = [m.candidates.sample_below(m, np.random.default_rng(seed), 0.1)[0].size for seed in range(200)]
    assert np.mean(found) == pytest.approx(0.1 * everyone, rel=0.05)
