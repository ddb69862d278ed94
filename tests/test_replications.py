"""Replications: seeds derive from one master seed, results do not depend on how many
processes ran them, and intervals contain their means."""

import numpy as np
import pandas as pd

from experiments.replications import mean_interval, replicate, seeds_for

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
