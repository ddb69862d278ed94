"""Property-based (hypothesis): whatever value an override gives a scenario's figure, the
loader either refuses it with the project's error (ScenarioError, never a TypeError or a
pydantic internal) or accepts it, and then a short run gives finite results. Before these
guards, inf, 1e308, a cost of 2.2e-308 or `true` were accepted and crashed or poisoned a run."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from locality.experiments.runner import run
from locality.parameters.loader import ScenarioError, flat_figures, load_scenario, read_raw, split_sources

pytestmark = pytest.mark.slow  # a hundred short runs

SMALL = {"population.households": 150, "run.warmup_weeks": 0, "run.years": 1, "run.seed": 3}


def numeric_keys() -> list[str]:
    """Every figure of the Sherwood scenario, as dotted keys (lists left aside)."""
    values, _ = split_sources(read_raw("sherwood"))
    return sorted(key for key, _ in flat_figures(values))


KEYS = numeric_keys()
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1e308, -1e308, 2.2e-308, 1e-9, 3, 1_000_000, 10**20]),
    st.integers(min_value=-10**6, max_value=10**7),
    st.booleans(),
    st.sampled_from(["inf", "nan", "", "0.5", "yes"]),
)


def test_the_keys_cover_the_scenario():
    assert len(KEYS) > 100 and "budget.cut" in KEYS and "population.frailty_shape" in KEYS


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), value=VALUES)
def test_an_override_is_refused_by_name_or_runs_to_finite_results(key, value):
    overrides = {**SMALL, key: value}
    try:
        load_scenario("sherwood", overrides)
    except ScenarioError as error:
        assert key.split(".")[0] in str(error) or "population" in str(error)  # names where the problem is
        return
    if key in SMALL:
        return  # (the run's own size: a big value would make a long run, and is tried elsewhere)
    results = run("sherwood", overrides)
    for name, number in results.outcomes().items():
        assert math.isfinite(number), f"{key}={value!r} gave {name} = {number}"
