"""Sensitivity analysis: Sobol indices rank a toy response's inputs as its formula says,
and the analysis runs end to end on a small Sobol sweep of the model."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from SALib.sample import sobol

from locality.experiments.analysis import analyse, instability, sensitivity
from locality.experiments.store import Store
from locality.experiments.sweep import SweepSpec, design_points, identity, load_spec, plan_runs, planned_count, run_sweep
from locality.parameters.loader import ScenarioError

pytestmark = pytest.mark.slow  # a sweep and its sensitivity analysis

LOCALITY = str(Path(sys.executable).with_name("locality"))


def test_sobol_ranks_a_known_response_correctly():
    spec = SweepSpec.model_validate({"sweep": {"design": "sobol", "scenario": "sherwood"},
                                     "levers": {name: {"low": 0, "high": 1} for name in ("a", "b", "c")}})
    X = sobol.sample({"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}, 256, calc_second_order=False, seed=2)
    Y = 4 * X[:, 0] + 2 * X[:, 1] + 0 * X[:, 2]  # variance shares 0.8, 0.2, 0
    table = sensitivity(spec, X, Y)
    assert list(table["lever"]) == ["a", "b", "c"]
    assert table.set_index("lever")["S1"].round(1).to_dict() == {"a": 0.8, "b": 0.2, "c": 0.0}


def test_morris_ranks_a_known_response_correctly():
    from SALib.sample import morris

    spec = SweepSpec.model_validate({"sweep": {"design": "morris", "scenario": "sherwood"},
                                     "levers": {name: {"low": 0, "high": 1} for name in ("a", "b", "c")}})
    X = morris.sample({"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}, 20, num_levels=4, seed=2)
    table = sensitivity(spec, X, 0.5 * X[:, 0] + 3 * X[:, 2] ** 2)
    assert list(table["lever"]) == ["c", "a", "b"]


def test_analysis_runs_end_to_end_on_a_model_sweep(tmp_path):
    path = tmp_path / "sobol.toml"
    path.write_text("""
[sweep]
scenario = "sherwood"
years = 1
reps = 1
seed = 2
design = "sobol"
samples = 4

[set]
"population.households" = 300
"run.warmup_weeks" = 4

[levers]
"budget.cut" = { low = 0.0, high = 0.5 }
"early_intervention.shift" = { low = 0.0, high = 0.3 }
""")
    spec = load_spec(path)
    Store(tmp_path / "unfinished").claim(identity(spec))  # a sweep that has not run yet
    with pytest.raises(ScenarioError, match="not finished"):
        analyse(tmp_path / "unfinished")
    run_sweep(spec, tmp_path / "out", workers=2, progress=False)
    result = subprocess.run([LOCALITY, "analyse", str(tmp_path / "out"), "--outputs", "crises", "spend_police"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "What moves crises" in result.stdout and "budget.cut" in result.stdout
    assert "warning: 4 base samples is few for Sobol indices" in result.stdout  # and not presented as a finding
    assert (tmp_path / "out" / "analysis" / "crises.png").stat().st_size > 1000


def test_analysis_refuses_a_grid_sweep(tmp_path):
    spec = SweepSpec.model_validate({"sweep": {"scenario": "sherwood", "years": 1},
                                     "set": {"population.households": 200, "run.warmup_weeks": 2},
                                     "levers": {"budget.cut": [0.0, 0.2]}})
    run_sweep(spec, tmp_path / "grid", workers=1, progress=False)
    with pytest.raises(ScenarioError, match="sobol' or 'morris"):
        analyse(tmp_path / "grid")


def test_sobol_indices_warn_when_too_few_samples_leave_them_unstable():
    from SALib.sample import sobol

    spec = SweepSpec.model_validate({"sweep": {"design": "sobol", "scenario": "sherwood", "samples": 1024},
                                     "levers": {name: {"low": 0, "high": 1} for name in ("a", "b")}})
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1]] * 2}
    X = sobol.sample(problem, 1024, calc_second_order=False, seed=1)
    assert instability(spec, sensitivity(spec, X, 4 * X[:, 0] + X[:, 1])) == []
    few = spec.model_copy(update={"sweep": spec.sweep.model_copy(update={"samples": 8})})
    X = sobol.sample(problem, 8, calc_second_order=False, seed=1)
    said = instability(few, sensitivity(few, X, 4 * X[:, 0] + X[:, 1]))
    assert said and "8 base samples is few" in said[0]


def test_sampled_designs_take_a_categorical_lever():
    spec = SweepSpec.model_validate({"sweep": {"design": "lhs", "scenario": "sherwood", "samples": 20},
                                     "levers": {"budget.cut": {"low": 0, "high": 0.5}, "regime.kind": ["siloed", "integrated"]}})
    kinds = [point["regime.kind"] for point in design_points(spec)]
    assert set(kinds) == {"siloed", "integrated"} and 6 <= kinds.count("integrated") <= 14


def test_a_sobol_design_with_a_categorical_lever_plans_every_point_as_its_own_run():
    """Saltelli's matrices swap one column at a time: swapping in the same name gives a point
    equal to another. Each must still be a run of its own, or the analysis waits forever for
    the points that shared an id."""
    spec = SweepSpec.model_validate({
        "sweep": {"scenario": "sherwood", "years": 1, "seed": 2, "design": "sobol", "samples": 4},
        "levers": {"budget.cut": {"low": 0.0, "high": 0.5}, "regime.kind": ["siloed", "integrated"]},
    })
    runs = plan_runs(spec)
    assert len({run.run_id for run in runs}) == len(runs) == planned_count(spec) == 16
    assert len({json.dumps(run.params, sort_keys=True) for run in runs}) < 16  # the design does repeat points
