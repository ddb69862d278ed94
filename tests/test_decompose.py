"""`locality decompose`: the parts of integration switched on one at a time from siloed
working on common random numbers; the steps in order add up to the whole, whose last
variant is the integrated regime itself."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from locality.experiments import run
from locality.experiments.decompose import PARTS, decompose, variants

TINY = {"population.households": 400, "run.years": 1, "run.warmup_weeks": 4}
LOCALITY = str(Path(sys.executable).with_name("locality"))


@pytest.fixture(scope="module")
def found():
    return decompose("thanet", TINY, reps=2, workers=1)


def test_every_part_alone_and_in_order_is_run_once_on_the_same_seeds(found):
    assert set(found.runs["variant"]) == set(variants())
    assert found.runs.groupby("variant")["seed"].apply(sorted).map(tuple).nunique() == 1  # common seeds
    assert len(variants()) == 1 + 2 * len(PARTS) - 1  # siloed, each alone, and the steps in order from the second


def test_the_steps_in_order_add_up_to_the_whole(found):
    table = found.table.set_index(["reading", "part"])
    for measure in ("crises", "spend"):
        steps = table.loc["added in order", measure].sum()
        assert steps == pytest.approx(table.loc[("all", "integrated"), measure], rel=1e-9, abs=1e-9)


def test_every_part_on_is_the_integrated_regime_bit_for_bit(found):
    seed = found.seeds[0]
    integrated = run("thanet", {**TINY, "regime.kind": "integrated", "run.seed": seed})
    last = found.runs[(found.runs["variant"] == f"in order: {list(PARTS)[-1]}") & (found.runs["seed"] == seed)]
    assert last["crises"].item() == integrated.steps["crises"].sum()
    assert np.isclose(last["spend"].item(), integrated.steps["spend"].sum(), rtol=0, atol=1e-6)


@pytest.mark.slow  # the command in a subprocess, twenty small runs
def test_the_command_prints_each_part_and_refuses_a_bad_key_before_running(tmp_path):
    bad = subprocess.run([LOCALITY, "decompose", "sherwood", "--set", "regime.pooled_shar=0.1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "regime.pooled_shar" in bad.stderr + bad.stdout
    done = subprocess.run([LOCALITY, "decompose", "sherwood", "--households", "300", "--years", "1", "--reps", "2",
                           "--workers", "1", "--set", "run.warmup_weeks=2", "--out", str(tmp_path / "d")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for label, _ in PARTS.values():
        assert label in done.stdout
    assert (tmp_path / "d" / "decomposition.csv").exists()
