"""Replications: seeds derive from one master seed, results do not depend on how many
processes ran them, and intervals contain their means."""

import numpy as np
import pandas as pd
import pytest

from locality.experiments.replications import mean_interval, replicate, seeds_for
from locality.parameters.loader import ScenarioError

QUICK = {"population.households": 400, "run.years": 1, "run.warmup_weeks": 4}


def test_seeds_derive_from_the_master_seed():
    assert seeds_for(7, 4) == seeds_for(7, 4)
    assert seeds_for(7, 4) != seeds_for(8, 4)
    assert len(set(seeds_for(7, 50))) == 50


def test_parallel_and_serial_replications_agree():
    parallel = replicate("sherwood", QUICK, reps=3, master_seed=5, workers=2)
    serial = replicate("sherwood", QUICK, reps=3, master_seed=5, workers=1)
    pd.testing.assert_frame_equal(parallel.summary(), serial.summary())
    summary = parallel.summary()
    assert (summary["low"] <= summary["mean"]).all() and (summary["mean"] <= summary["high"]).all()
    assert set(summary["reps"]) == {3}


def test_interval_narrows_with_more_values():
    rng = np.random.default_rng(0)
    few, many = rng.normal(10, 2, 5), rng.normal(10, 2, 500)
    assert np.diff(mean_interval(many)) < np.diff(mean_interval(few))
    assert mean_interval(np.array([3.0])) == (3.0, 3.0)


def test_replications_draw_across_a_posterior_by_weight(tmp_path):
    """Each replication runs on a draw from the posterior, picked by weight from the
    master seed: a draw of no weight is never run, and the same study picks the same."""
    draws = pd.DataFrame({"weight": [0.0, 1.0, 3.0], "needs.shock_scale": [5.0, 0.5, 1.5]})
    path = tmp_path / "fitted.posterior.csv"
    draws.to_csv(path, index=False)
    settings = {"population.households": 300, "run.years": 1, "run.warmup_weeks": 2}
    study = replicate("sherwood", settings, reps=8, master_seed=3, workers=1, posterior=path)
    assert 0 not in study.draws and set(study.draws) <= {1, 2}
    assert [r.scenario.needs.shock_scale for r in study.runs] == [draws["needs.shock_scale"][i] for i in study.draws]
    again = replicate("sherwood", settings, reps=8, master_seed=3, workers=1, posterior=path)
    assert again.draws == study.draws


def test_a_posterior_without_weights_is_refused_by_name(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"needs.shock_scale": [1.0]}).to_csv(path, index=False)
    with pytest.raises(ScenarioError, match="weight"):
        replicate("sherwood", {"population.households": 300}, reps=2, workers=1, posterior=path)
