"""Groups of keys scaled by one factor, in sweep specs: `[groups] recovery = ["needs.recovery.*"]`
and a lever `recovery = { low, high }` vary every recovery rate together."""

import pytest

from locality.experiments.store import Store
from locality.experiments.sweep import load_spec, plan_runs, run_sweep
from locality.parameters.loader import ScenarioError, figures_matching, load_scenario

SPEC = """
[sweep]
scenario = "sherwood"
years = 1
reps = 2
seed = 5
{design}

[set]
"population.households" = 200
"run.warmup_weeks" = 4

[levers]
recovery = {recovery}
"budget.cut" = [0.0, 0.2]

[groups]
recovery = {keys}
"""


def write(tmp_path, recovery="[0.8, 1.25]", keys='["needs.recovery.*"]', design=""):
    path = tmp_path / "groups.toml"
    path.write_text(SPEC.format(recovery=recovery, keys=keys, design=design))
    return path


def test_a_group_lever_scales_each_of_its_keys_from_the_scenario_s_value(tmp_path):
    spec = load_spec(write(tmp_path))
    runs = plan_runs(spec)
    assert len(runs) == 2 * 2 * 2 and {run.params["recovery"] for run in runs} == {0.8, 1.25}
    base = figures_matching(load_scenario("sherwood", spec.set).model_dump(), ["needs.recovery.*"])
    assert len(base) >= 5
    for run in runs:
        overrides = run.overrides(spec)
        assert "recovery" not in overrides
        factor = run.params["recovery"]
        assert {k: overrides[k] for k in base} == pytest.approx({k: v * factor for k, v in base.items()})
        assert overrides["budget.cut"] == run.params["budget.cut"]
        scenario = load_scenario("sherwood", overrides)
        assert scenario.needs.recovery == pytest.approx({k.rsplit(".", 1)[1]: v * factor for k, v in base.items()})


def test_a_sampled_design_takes_a_group_as_a_range(tmp_path):
    path = write(tmp_path, recovery="{ low = 0.8, high = 1.2 }", design='design = "lhs"\nsamples = 4')
    path.write_text(path.read_text().replace('"budget.cut" = [0.0, 0.2]', '"budget.cut" = { low = 0.0, high = 0.2 }'))
    spec = load_spec(path)
    assert all(0.8 <= run.params["recovery"] <= 1.2 for run in plan_runs(spec))


@pytest.mark.parametrize("recovery, keys, says", [
    ("[0.8, 1.2]", '["needs.recovry.*"]', "groups.recovery: needs.recovry.* match no figure"),
    ("[0.8, 1.2]", '[]', "groups.recovery"),
    ("[-1.0, 1.2]", '["needs.recovery.*"]', "needs.recovery"),  # a factor that makes a rate negative
])
def test_a_bad_group_is_named_before_any_run(tmp_path, recovery, keys, says):
    with pytest.raises(ScenarioError, match=says.replace("*", r"\*").replace(".", r"\.")):
        load_spec(write(tmp_path, recovery=recovery, keys=keys))


def test_a_group_that_is_not_a_lever_is_refused(tmp_path):
    path = write(tmp_path)
    path.write_text(path.read_text() + 'budgets = ["agencies.*.budget"]\n')
    with pytest.raises(ScenarioError, match="group 'budgets' is not varied"):
        load_spec(path)


@pytest.mark.slow
def test_a_sweep_stores_the_factor_and_the_factor_moves_results(tmp_path):
    spec = load_spec(write(tmp_path, recovery="[0.5, 1.5]"))
    outcome = run_sweep(spec, tmp_path / "out", workers=2, progress=False)
    assert outcome.failed == 0 and outcome.done == 8
    summary = Store(tmp_path / "out").frame("summary")
    assert summary["recovery"].dtype == float
    crises = summary.groupby("recovery")["crises"].mean()
    assert crises[1.5] < crises[0.5]  # faster recovery from every need: fewer crises
