"""The caseload trade-off on Thanet at its own size: a smaller caseload gives each family
more (crises avoided per family reached fall from 3 families a worker to 24), and the
place does best between the ends. Ten seeds, each difference taken seed by seed with its
95% interval. A file of its own, so that with two test workers (`pytest -n 2 --dist
loadfile`) the second runs it beside test_directions."""

import numpy as np
import pytest

from locality.experiments.caseloads import caseload_tradeoff
from locality.experiments.replications import mean_interval

pytestmark = pytest.mark.slow  # Thanet at its own size: four variants on ten seeds, five years each


def effect(change: np.ndarray) -> tuple[str, float]:
    """The mean change with its 95% interval, in words, and the interval's low end."""
    low, high = mean_interval(change)
    return f"{np.mean(change):+.1f} [{low:+.1f}, {high:+.1f}] on {np.size(change)} seeds", low


def test_the_caseload_trades_depth_for_breadth_and_the_place_does_best_between_the_ends():
    """The same pool at 3, 6 and 24 families per key worker, against the integrated
    regime without key workers on the same seeds (common random numbers). It rests on
    the assumed dose-response of a plan (keyworkers.half_hours, dose_steepness). On these
    seeds 6 families a worker avoided 178 [83, 272] more crises than 3 and 587 [502, 672]
    more than 24 (3 December 2026)."""
    found = caseload_tradeoff("thanet", (3, 6, 24), {"run.years": 5}, reps=10, master_seed=1)
    deeper, low = effect(found.avoided_per_family(3) - found.avoided_per_family(24))
    assert low > 0, f"crises avoided per 100 families reached, 3 less 24 families a worker: {deeper}"
    for end in (3, 24):
        better, low = effect(found.avoided(6) - found.avoided(end))
        assert low > 0, f"crises the team avoided, 6 less {end} families a worker: {better}"
