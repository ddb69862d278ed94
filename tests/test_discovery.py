"""Scenario discovery: PRIM finds a known box, and 'locality discover' runs end to end."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from locality.experiments.discovery import condition_holds, prim
from locality.experiments.sweep import SweepSpec, run_sweep
from locality.parameters.loader import ScenarioError

pytestmark = pytest.mark.slow  # a sweep and scenario discovery

LOCALITY = str(Path(sys.executable).with_name("locality"))


def test_prim_recovers_a_known_box():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.random((2000, 3)), columns=["a", "b", "c"])
    holds = ((X.a > 0.6) & (X.b < 0.3)).to_numpy()
    boxes = prim(X, holds)
    assert len(boxes) == 1
    box = boxes[0]
    assert set(box.limits) == {"a", "b"}  # c does not matter
    assert abs(box.limits["a"][0] - 0.6) < 0.05 and abs(box.limits["b"][1] - 0.3) < 0.05
    assert box.coverage > 0.85 and box.density > 0.95
    assert box.significant("a") and box.significant("b")  # quasi-p values from the EMA Workbench


def test_prim_on_a_grid_of_few_values():
    grid = pd.DataFrame([(a, b) for a in (0, .1, .2, .3, .4) for b in (3, 6, 9) for _ in range(3)], columns=["cut", "caseload"])
    holds = ((grid.cut <= 0.1) & (grid.caseload >= 6)).to_numpy()
    (box,) = prim(grid, holds)
    assert set(box.limits) == {"cut", "caseload"}
    assert box.limits["cut"][0] == 0.0 and 0.1 <= box.limits["cut"][1] < 0.2  # (pasting stops between grid values)
    assert 3 < box.limits["caseload"][0] <= 6 and box.limits["caseload"][1] == 9.0
    assert box.coverage == box.density == 1.0


def test_prim_restricts_a_categorical_lever_to_a_set_of_values():
    runs = pd.DataFrame({"regime.kind": pd.Categorical(["siloed", "integrated"] * 50),
                         "budget.cut": np.repeat(np.linspace(0, 0.5, 10), 10)})
    holds = ((runs["regime.kind"] == "integrated") & (runs["budget.cut"] < 0.3)).to_numpy()
    (box,) = prim(runs, holds)
    assert box.limits["regime.kind"] == frozenset({"integrated"}) and box.significant("regime.kind")
    assert box.density == 1.0


def test_conditions_compare_with_the_baseline():
    outcomes = pd.DataFrame({"crises": [90, 110, 95], "over_spend": [-1.0, -2.0, 3.0]})
    holds = condition_holds(outcomes, "crises < baseline and overspend <= 0", {"crises": 100.0})
    assert list(holds) == [True, False, False]
    with pytest.raises(ScenarioError, match="outcomes you can use"):
        condition_holds(outcomes, "happiness > 3", {})


def test_discover_runs_end_to_end(tmp_path):
    spec = SweepSpec.model_validate({
        "sweep": {"scenario": "sherwood", "years": 1, "reps": 2, "seed": 4},
        "set": {"population.households": 2000, "run.warmup_weeks": 4, "budget.cut_years": 1},
        "levers": {"budget.cut": [0.0, 0.25, 0.5], "early_intervention.shift": [0.0, 0.2],
                   "regime.kind": ["siloed", "integrated"]},
    })
    run_sweep(spec, tmp_path / "out", workers=2, progress=False)
    result = subprocess.run([LOCALITY, "discover", str(tmp_path / "out"), "--where", "spend < baseline"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "holds in" in result.stdout and "Box 1" in result.stdout
    # the box is cuts only: it leaves out the runs without a cut, and the shift does not decide it
    import re

    low = float(re.search(r"([\d.]+) <= budget.cut <=", result.stdout).group(1))
    assert low > 0
    assert "early_intervention.shift" not in result.stdout
    assert "quasi-p" in result.stdout  # each restriction with its significance
    assert (tmp_path / "out" / "baseline.parquet").exists()
