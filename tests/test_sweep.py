"""Sweeps: planned from a TOML spec, stored run by run, resumable after a kill, identical
when repeated, and refused before any run when the spec is wrong."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from locality.experiments import runner
from locality.experiments.store import Store
from locality.experiments.sweep import load_spec, plan_runs, run_sweep

pytestmark = pytest.mark.slow  # sweeps in subprocesses, a Dask cluster, signals

LOCALITY = str(Path(sys.executable).with_name("locality"))
SPEC = """
[sweep]
scenario = "sherwood"
years = 1
reps = 3
seed = 3

[set]
"population.households" = 300
"run.warmup_weeks" = 4
"regime.kind" = "integrated"

[levers]
"budget.cut" = [0.0, 0.2, 0.4]
"keyworkers.caseload" = {{ low = 3, high = 9, steps = 3 }}
{extra}
"""


def write_spec(folder: Path, extra: str = "", name: str = "spec.toml") -> Path:
    path = folder / name
    path.write_text(SPEC.format(extra=extra))
    return path


def test_a_grid_sweep_runs_every_point_and_replication(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    assert len(plan_runs(spec)) == 27
    outcome = run_sweep(spec, tmp_path / "out", workers=2, progress=False)
    assert outcome.done == outcome.planned == 27 and outcome.failed == 0
    steps = Store(tmp_path / "out").frame("steps")
    assert steps["run_id"].nunique() == 27
    assert set(steps["keyworkers.caseload"]) == {3, 6, 9}
    assert set(steps["budget.cut"]) == {0.0, 0.2, 0.4}


@pytest.mark.parametrize("design, points", [("lhs", 8), ("sobol", 8 * (2 + 2)), ("morris", 8 * (2 + 1))])
def test_sampled_designs_come_from_salib_and_respect_whole_numbers(tmp_path, design, points):
    text = SPEC.format(extra="").replace("seed = 3", f'seed = 3\ndesign = "{design}"\nsamples = 8')
    text = text.replace('"budget.cut" = [0.0, 0.2, 0.4]', '"budget.cut" = { low = 0.0, high = 0.4 }')
    text = text.replace("{ low = 3, high = 9, steps = 3 }", "{ low = 3, high = 9 }")
    path = tmp_path / "sampled.toml"
    path.write_text(text)
    spec = load_spec(path)
    runs = plan_runs(spec)
    assert len(runs) == points * 3
    caseloads = {run.params["keyworkers.caseload"] for run in runs}
    assert all(isinstance(c, int) and 3 <= c <= 9 for c in caseloads)
    assert all(0.0 <= run.params["budget.cut"] <= 0.4 for run in runs)
    assert plan_runs(load_spec(path)) == runs  # the design is reproducible from the spec


def test_duckdb_reads_the_store(tmp_path):
    import duckdb

    spec = load_spec(write_spec(tmp_path))
    spec.levers = {"budget.cut": [0.0, 0.3]}
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    rows = duckdb.sql(f"""
        SELECT "budget.cut" AS cut, count(DISTINCT run_id) AS runs, sum(crises) AS crises
        FROM '{tmp_path}/out/runs/*/steps.parquet' GROUP BY cut ORDER BY cut""").fetchall()
    assert [(cut, runs) for cut, runs, _ in rows] == [(0.0, 3), (0.3, 3)]


def test_the_cli_lists_eighteen_runs_and_resumes_after_sigterm(tmp_path):
    spec = write_spec(tmp_path).read_text().replace('"budget.cut" = [0.0, 0.2, 0.4]', '"budget.cut" = [0.0, 0.4]')
    path = tmp_path / "eighteen.toml"
    path.write_text(spec)
    out = tmp_path / "out"
    runs = out / "runs"
    sweep = subprocess.Popen([LOCALITY, "sweep", str(path), "--out", str(out), "--workers", "1"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and len([p for p in runs.glob("*") if not p.name.startswith(".")]) < 5:
        time.sleep(0.05)
    sweep.send_signal(signal.SIGTERM)
    _, stderr = sweep.communicate(timeout=60)
    assert sweep.returncode != 0 and "run the same command again" in stderr
    interrupted = len(Store(out).done())
    assert 5 <= interrupted < 18
    again = subprocess.run([LOCALITY, "sweep", str(path), "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    steps = Store(out).frame("steps")
    assert steps["run_id"].nunique() == 18
    assert len(steps) == 18 * 52  # no run twice, none lost
    listed = subprocess.run([LOCALITY, "results", str(out)], capture_output=True, text=True)
    assert "18 of 18 runs done" in listed.stdout


def test_the_same_spec_twice_gives_identical_results(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    spec.levers = {"budget.cut": [0.0, 0.3]}
    run_sweep(spec, tmp_path / "one", workers=2, progress=False)
    run_sweep(spec, tmp_path / "two", workers=1, progress=False)
    for frame in ("steps", "agencies", "ledger"):
        one = Store(tmp_path / "one").frame(frame).sort_values(["run_id"], kind="stable").reset_index(drop=True)
        two = Store(tmp_path / "two").frame(frame).sort_values(["run_id"], kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(one, two)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    spec = load_spec(write_spec(tmp_path))
    spec.levers = {"budget.cut": [0.0, 0.3]}
    real = runner.run

    def flaky(scenario, overrides=(), **kwargs):
        if dict(overrides).get("budget.cut") == 0.3:
            raise RuntimeError("simulated failure")
        return real(scenario, overrides, **kwargs)

    monkeypatch.setattr(runner, "run", flaky)
    outcome = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert outcome.done == 3 and outcome.failed == 3
    failures = Store(tmp_path / "out").failed()
    assert all("simulated failure" in f["error"] and f["params"] == {"budget.cut": 0.3} for f in failures.values())
    monkeypatch.setattr(runner, "run", real)
    outcome = run_sweep(spec, tmp_path / "out", workers=1, progress=False)  # rerun retries the failures
    assert outcome.done == 6 and outcome.failed == 0


def test_a_folder_of_another_spec_is_refused(tmp_path):
    from locality.parameters.loader import ScenarioError

    spec = load_spec(write_spec(tmp_path))
    spec.levers = {"budget.cut": [0.0]}
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    spec.levers = {"budget.cut": [0.1]}
    with pytest.raises(ScenarioError, match=r"different sweep \(the spec.s \[levers\] differs\)"):
        run_sweep(spec, tmp_path / "out", workers=1, progress=False)


@pytest.mark.parametrize(
    "extra, named",
    [
        ('"regime.kindd" = ["siloed"]', "regime.kindd"),
        ('"budget.cut_years" = []', "budget.cut_years"),
        ('"early_intervention.shift" = { low = 0.3, high = 0.1 }', "must be above low"),
        ('"keyworkers.caseload" = [0]', "keyworkers.caseload"),
    ],
)
def test_bad_specs_fail_before_any_run(tmp_path, extra, named):
    base = SPEC.replace('"keyworkers.caseload" = {{ low = 3, high = 9, steps = 3 }}', "")
    path = tmp_path / "bad.toml"
    path.write_text(base.format(extra=extra))
    result = subprocess.run([LOCALITY, "sweep", str(path), "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 2
    assert named in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "runs").exists()


def test_an_unknown_design_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(SPEC.format(extra="").replace("seed = 3", 'seed = 3\ndesign = "random"'))
    result = subprocess.run([LOCALITY, "sweep", str(path), "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 2 and "design" in result.stderr and "grid" in result.stderr


def test_a_local_dask_cluster_gives_the_same_results(tmp_path):
    from dask.distributed import LocalCluster

    spec = load_spec(write_spec(tmp_path))
    spec.levers = {"budget.cut": [0.0, 0.3]}
    run_sweep(spec, tmp_path / "local", workers=1, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        outcome = run_sweep(spec, tmp_path / "dask", progress=False, scheduler=cluster.scheduler_address)
    assert outcome.done == 6 and outcome.failed == 0
    for frame in ("steps", "ledger", "summary"):
        local = Store(tmp_path / "local").frame(frame).sort_values("run_id", kind="stable").reset_index(drop=True)
        remote = Store(tmp_path / "dask").frame(frame).sort_values("run_id", kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(local, remote)


def test_an_unreachable_scheduler_is_a_named_error(tmp_path):
    result = subprocess.run([LOCALITY, "sweep", str(write_spec(tmp_path)), "--out", str(tmp_path / "out"),
                             "--scheduler", "tcp://127.0.0.1:9"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Dask scheduler" in result.stderr and "Traceback" not in result.stderr


def test_only_the_outputs_asked_for_are_kept(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    spec.levers = {"budget.cut": [0.0, 0.3]}
    spec.sweep.keep = ["ledger"]
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    stored = {p.name for p in (tmp_path / "out" / "runs").glob("*/*.parquet")}
    assert stored == {"ledger.parquet", "summary.parquet"}
    listed = subprocess.run([LOCALITY, "results", str(tmp_path / "out")], capture_output=True, text=True)
    assert listed.returncode == 0 and "6 of 6 runs done" in listed.stdout


def posterior_spec(folder: Path, posterior: str) -> Path:
    path = write_spec(folder)
    path.write_text(path.read_text().replace("seed = 3\n", f'seed = 3\nposterior = "{posterior}"\n'))
    return path


def test_a_sweep_across_a_posterior_runs_replication_r_of_every_point_on_draw_r(tmp_path):
    pd.DataFrame({"weight": [1.0, 1.0, 2.0], "needs.shock_scale": [0.8, 1.0, 1.2]}).to_csv(tmp_path / "draws.csv", index=False)
    spec = load_spec(posterior_spec(tmp_path, "draws.csv"))  # relative to the spec, as a scenario is
    spec.levers = {"budget.cut": [0.0, 0.3]}
    runs = plan_runs(spec)
    for rep in range(spec.sweep.reps):  # common draws across the points, as common seeds
        assert len({(r.draw, r.seed) for r in runs if r.rep == rep}) == 1
    assert all(r.drawn == {"needs.shock_scale": [0.8, 1.0, 1.2][r.draw]} for r in runs)
    assert plan_runs(spec) == runs  # picked from the master seed: the same every time
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    summary = Store(tmp_path / "out").frame("summary")
    assert {"draw", "needs.shock_scale"} <= set(summary.columns)
    assert (summary["needs.shock_scale"] == summary["draw"].map({0: 0.8, 1: 1.0, 2: 1.2})).all()


def test_a_sweep_refuses_a_missing_posterior_and_a_changed_one_on_resume(tmp_path):
    with pytest.raises(Exception, match="sweep.posterior: no file nowhere.csv"):
        load_spec(posterior_spec(tmp_path, "nowhere.csv"))
    draws = tmp_path / "draws.csv"
    pd.DataFrame({"weight": [1.0], "needs.shock_scale": [0.9]}).to_csv(draws, index=False)
    spec = load_spec(posterior_spec(tmp_path, "draws.csv"))
    spec.levers = {"budget.cut": [0.0]}
    spec.sweep.reps = 1
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    pd.DataFrame({"weight": [1.0], "needs.shock_scale": [1.1]}).to_csv(draws, index=False)
    with pytest.raises(Exception, match=r"different sweep \(the posterior file's content differs\)"):  # the draws it ran on are no longer the file's
        run_sweep(spec, tmp_path / "out", workers=1, progress=False)
