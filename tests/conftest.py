"""Shared fixtures: small runs cached per session, so several tests read one run."""

from __future__ import annotations

import os

import pytest

from locality.experiments import run
from locality.experiments.replications import in_workers

# A mid-size place: Thanet's dynamics on 8,000 households, quick enough to run many times.
MID = {"population.households": 8000, "run.years": 5}
SMALL = {"population.households": 1500, "run.years": 2}
SEEDS = (1, 2, 3)

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")


_RUNS: dict[tuple, object] = {}  # (scenario, sorted overrides) -> its results, for the whole session


def _run_job(key: tuple) -> object:
    scenario, items = key
    return run(scenario, dict(items))


def cached_runs(scenario: str, many: list[dict]) -> list:
    """Each run once per distinct (scenario, overrides) in the test session; those not yet
    run are run together on the machine's cores (worker processes: a run is single-threaded)."""
    keys = [(scenario, tuple(sorted(overrides.items()))) for overrides in many]
    missing = list(dict.fromkeys(key for key in keys if key not in _RUNS))
    _RUNS.update(zip(missing, in_workers(_run_job, missing)))
    return [_RUNS[key] for key in keys]


def cached_run(scenario: str = "thanet", **overrides):
    """Run once per distinct (scenario, overrides) in the test session."""
    return cached_runs(scenario, [overrides])[0]


@pytest.fixture(scope="session")
def small_run():
    return cached_run("thanet", **SMALL, **{"run.seed": 7, "demography.household_growth": 0.0})  # (identities on one scale)


@pytest.fixture(scope="session")
def small_integrated_run():
    return cached_run("thanet", **SMALL, **{"run.seed": 7, "regime.kind": "integrated", "keyworkers.count": 3,
                                            "demography.household_growth": 0.0})


def pytest_collection_modifyitems(items):
    """Hand the longest files out first: with two test workers taking a file each
    (`-n 2 --dist loadfile`, pyproject.toml's default), a long file that starts last
    makes the whole suite wait for it. Files whose every test is slow come first, then
    files with some slow tests, then the rest, each in the usual order (a stable sort:
    only the order changes, never what runs)."""
    slow, every = {}, {}
    for item in items:
        is_slow = item.get_closest_marker("slow") is not None
        slow[item.path] = slow.get(item.path, False) or is_slow
        every[item.path] = every.get(item.path, True) and is_slow
    items.sort(key=lambda item: 0 if every[item.path] else 1 if slow[item.path] else 2)
