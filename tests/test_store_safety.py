"""A results store that cannot mislead: a run killed while it is being published is never
seen (by Store, `locality results` or the README's DuckDB query) and is redone on resume;
SIGTERM and Ctrl-C stop a sweep on the pool path; a scenario edited between interruption
and resume is refused, naming what changed; a sweep resumes from any directory; a
damaged finished run is found and redone; one folder takes one writer; a lever written
`0` beside `0.2` is stored as one type."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from locality.experiments.store import STAGING, Store
from locality.experiments.sweep import load_spec, run_sweep
from locality.parameters.loader import ScenarioError

LOCALITY = str(Path(sys.executable).with_name("locality"))
SPEC = """
[sweep]
scenario = "{scenario}"
years = 1
reps = {reps}
seed = 5

[set]
"population.households" = 300
"run.warmup_weeks" = 4

[levers]
"budget.cut" = [0, 0.3]
"""
DUCKDB_QUERY = """SELECT "budget.cut" AS cut, count(DISTINCT run_id) AS runs, count(*) AS rows, sum(crises) AS crises
                  FROM '{out}/runs/*/steps.parquet' GROUP BY cut ORDER BY cut"""


def write_spec(folder: Path, scenario: str = "sherwood", reps: int = 3, name: str = "spec.toml") -> Path:
    path = folder / name
    path.write_text(SPEC.format(scenario=scenario, reps=reps))
    return path


def on_disk(out: Path) -> int:
    runs = out / "runs"
    return len([p for p in runs.iterdir() if not p.name.startswith(".")]) if runs.exists() else 0


def wait_for(condition, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline and not condition():
        time.sleep(0.05)
    assert condition(), "timed out"


def uninterrupted(tmp_path: Path, spec_path: Path) -> list:
    out = tmp_path / "whole"
    run_sweep(load_spec(spec_path), out, workers=1, progress=False)
    return duckdb.sql(DUCKDB_QUERY.format(out=out)).fetchall()


def test_a_lever_written_0_beside_0_2_is_one_type_in_every_run_and_every_reader_agrees(tmp_path):
    import polars as pl

    spec = load_spec(write_spec(tmp_path, reps=2))
    out = tmp_path / "out"
    run_sweep(spec, out, workers=1, progress=False)
    for steps in (out / "runs").glob("*/steps.parquet"):
        assert pd.read_parquet(steps)["budget.cut"].dtype == "float64"
    by_duckdb = [(cut, runs, crises) for cut, runs, _, crises in duckdb.sql(DUCKDB_QUERY.format(out=out)).fetchall()]
    frames = [pd.read_parquet(path) for path in sorted(out.glob("runs/*/steps.parquet"))]
    by_pandas = pd.concat(frames).groupby("budget.cut").agg(runs=("run_id", "nunique"), crises=("crises", "sum"))
    by_polars = (pl.scan_parquet(str(out / "runs" / "*" / "steps.parquet")).group_by("budget.cut")
                 .agg(pl.col("run_id").n_unique().alias("runs"), pl.col("crises").sum()).sort("budget.cut").collect())
    assert [(cut, 2) for cut in (0.0, 0.3)] == [(cut, runs) for cut, runs, _ in by_duckdb]
    assert by_duckdb == [(cut, row.runs, row.crises) for cut, row in by_pandas.iterrows()]
    assert by_duckdb == [tuple(row) for row in by_polars.iter_rows()]


@pytest.mark.slow
def test_a_kill_while_a_run_is_published_is_never_seen_and_resume_redoes_it(tmp_path):
    spec_path = write_spec(tmp_path)
    whole = uninterrupted(tmp_path, spec_path)
    out, hold = tmp_path / "out", tmp_path / "holding"
    sweep = subprocess.Popen([LOCALITY, "sweep", str(spec_path), "--out", str(out), "--workers", "1"],
                             env={**os.environ, "LOCALITY_TEST_HOLD_PUBLISH": str(hold)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(hold.exists)  # the first run is written in full and about to be published
    sweep.kill()
    sweep.wait(timeout=30)
    assert any((out / STAGING).iterdir())  # its half is left where a killed process leaves it ...
    assert on_disk(out) == 0 and Store(out).frame("steps").empty  # ... and no reader sees it
    assert not list(out.glob("runs/*/steps.parquet"))  # (pathlib's glob, like DuckDB's, would match a hidden folder)
    listed = subprocess.run([LOCALITY, "results", str(out)], capture_output=True, text=True)
    assert "0 of 6 runs done" in listed.stdout, listed.stdout + listed.stderr
    again = subprocess.run([LOCALITY, "sweep", str(spec_path), "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert not any((out / STAGING).iterdir())  # the next sweep on the folder removed it
    assert duckdb.sql(DUCKDB_QUERY.format(out=out)).fetchall() == whole
    steps = Store(out).frame("steps")
    assert steps["run_id"].nunique() == 6 and len(steps) == 6 * 52
    assert "6 of 6 runs done" in subprocess.run([LOCALITY, "results", str(out)], capture_output=True, text=True).stdout


def pool_sweep(tmp_path: Path, runs_first: int) -> tuple[subprocess.Popen, Path]:
    """A sweep of 40 runs on two workers, once `runs_first` are on disk."""
    spec_path = tmp_path / "many.toml"
    spec_path.write_text(write_spec(tmp_path).read_text().replace("reps = 3", "reps = 20"))
    out = tmp_path / "out"
    sweep = subprocess.Popen([LOCALITY, "sweep", str(spec_path), "--out", str(out), "--workers", "2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: on_disk(out) >= runs_first)
    return sweep, out


@pytest.mark.slow
def test_sigterm_stops_a_pool_sweep_and_the_count_it_prints_is_the_count_on_disk(tmp_path):
    sweep, out = pool_sweep(tmp_path, runs_first=2)
    sweep.send_signal(signal.SIGTERM)
    _, stderr = sweep.communicate(timeout=30)
    assert sweep.returncode == 130, stderr
    printed = int(re.search(r"stopped with (\d+) of 40 runs", stderr).group(1))
    assert printed == on_disk(out) < 40
    time.sleep(3)  # no worker goes on to publish a run after the sweep has said it stopped
    assert on_disk(out) == printed


@pytest.mark.slow
def test_two_ctrl_c_end_a_pool_sweep_within_five_seconds(tmp_path):
    sweep, _ = pool_sweep(tmp_path, runs_first=1)
    first = time.time()
    sweep.send_signal(signal.SIGINT)
    time.sleep(0.2)
    if sweep.poll() is None:
        sweep.send_signal(signal.SIGINT)
    sweep.communicate(timeout=30)
    assert time.time() - first < 5
    assert sweep.returncode in (130, -signal.SIGINT)  # (while Python shuts down, the second ends it by its default action)


def test_a_scenario_edited_between_interruption_and_resume_is_refused_naming_what_changed(tmp_path):
    place = tmp_path / "place.toml"
    place.write_text('extends = "sherwood"\n\n[demand]\ngrowth = { value = 0.035, source = "assumption" }\n')
    spec_path = write_spec(tmp_path, scenario="place.toml", reps=1)
    spec = load_spec(spec_path)
    spec.levers = {"budget.cut": [0.0]}
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    place.write_text(place.read_text().replace("0.035", "0.5"))
    with pytest.raises(ScenarioError, match=r"the scenario changed since it started: demand.growth 0.035 -> 0.5"):
        run_sweep(spec, tmp_path / "out", workers=1, progress=False)


def test_a_sweep_resumes_from_another_directory(tmp_path):
    (tmp_path / "study").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "study" / "place.toml").write_text('extends = "sherwood"\n')
    write_spec(tmp_path / "study", scenario="place.toml", reps=1)
    first = subprocess.run([LOCALITY, "sweep", "spec.toml", "--out", "out"], cwd=tmp_path / "study",
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    again = subprocess.run([LOCALITY, "sweep", "../study/spec.toml", "--out", "../study/out"], cwd=tmp_path / "elsewhere",
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "2 of 2 runs done (0 run now)" in again.stdout


def test_a_damaged_finished_run_is_reported_and_redone(tmp_path):
    spec = load_spec(write_spec(tmp_path, reps=1))
    out = tmp_path / "out"
    run_sweep(spec, out, workers=1, progress=False)
    before = Store(out).frame("summary").sort_values("run_id").reset_index(drop=True)
    damaged = sorted((out / "runs").glob("*/summary.parquet"))[0]
    damaged.write_bytes(damaged.read_bytes()[:100])  # truncated, as a full disk or a kill mid-copy leaves it
    checked = subprocess.run([LOCALITY, "results", str(out), "--check"], capture_output=True, text=True)
    assert checked.returncode == 1 and damaged.parent.name in checked.stdout and "1 do not match" in checked.stdout
    outcome = run_sweep(spec, out, workers=1, progress=False)
    assert outcome.ran_now == 1 and outcome.done == 2
    after = Store(out).frame("summary").sort_values("run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    assert subprocess.run([LOCALITY, "results", str(out), "--check"], capture_output=True, text=True).returncode == 0


def test_one_folder_takes_one_writer(tmp_path):
    spec = load_spec(write_spec(tmp_path, reps=1))
    with Store(tmp_path / "out").lock():
        with pytest.raises(ScenarioError, match=r"is being written by another sweep \(pid \d+"):
            run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert run_sweep(spec, tmp_path / "out", workers=1, progress=False).done == 2


def test_a_spec_planning_a_million_runs_is_refused_with_the_number_before_anything_is_planned(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_text(SPEC.format(scenario="sherwood", reps=1).replace('"budget.cut" = [0, 0.3]',
                                                                     '"budget.cut" = { low = 0.0, high = 0.5, steps = 1000000 }'))
    started = time.time()
    refused = subprocess.run([LOCALITY, "sweep", str(path), "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert refused.returncode == 2 and "plans 1,000,000 runs, more than the limit of 20,000" in refused.stderr
    assert time.time() - started < 30 and not (tmp_path / "out").exists()
    with pytest.raises(ScenarioError, match="plans 1,000,000 runs"):
        load_spec(path, max_runs=999_999)


def test_a_sweep_that_cannot_write_records_the_runs_as_failed_and_the_next_finishes_them(tmp_path, monkeypatch):
    spec = load_spec(write_spec(tmp_path, reps=1))

    def full_disk(self, run, results, keep=()):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(Store, "write_run", full_disk)
        outcome = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert (outcome.done, outcome.failed) == (0, 2)
    assert all("No space left on device" in record["error"] for record in Store(tmp_path / "out").failed().values())
    outcome = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert (outcome.done, outcome.failed) == (2, 0)


def test_a_sweep_whose_runs_folder_was_removed_publishes_again_rather_than_losing_every_run(tmp_path):
    import shutil

    spec = load_spec(write_spec(tmp_path, reps=1))
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    shutil.rmtree(tmp_path / "out" / "runs")  # to redo the runs, say
    outcome = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert (outcome.done, outcome.ran_now) == (2, 2)


def test_specs_that_would_store_runs_wrongly_are_refused_or_stored_as_text(tmp_path):
    from locality.experiments.sweep import SweepSpec, design_points

    base = {"sweep": {"scenario": "sherwood", "years": 1}, "set": {"population.households": 200}}
    with pytest.raises(ScenarioError, match="repeats points"):  # 1 to 2 in 5 steps, rounded to whole numbers
        design_points(SweepSpec.model_validate({**base, "levers": {"keyworkers.caseload": {"low": 1, "high": 2, "steps": 5}}}))
    with pytest.raises(ScenarioError, match="at most 2 categories"):
        design_points(SweepSpec.model_validate({**base, "sweep": {**base["sweep"], "design": "morris", "samples": 4},
                                                "levers": {"budget.cut": {"low": 0, "high": 0.5},
                                                           "regime.queue_order": ["severity", "arrival", "x"]}}))
    mixed = design_points(SweepSpec.model_validate({**base, "levers": {"keyworkers.count": ["auto", 4]}}))
    assert [point["keyworkers.count"] for point in mixed] == ["auto", "4"]  # one type in every run's file
    listed = SweepSpec.model_validate({**base, "set": {**base["set"], "run.warmup_weeks": 0},
                                       "levers": {"finance.carries_over": [["police"], ["police", "housing"]]}})
    assert run_sweep(listed, tmp_path / "out", workers=1, progress=False).done == 2
    assert set(Store(tmp_path / "out").frame("summary")["finance.carries_over"]) == {'["police"]', '["police", "housing"]'}


def test_sampled_values_of_a_table_of_whole_numbers_are_rounded():
    from locality.experiments.sweep import SweepSpec, design_points

    spec = SweepSpec.model_validate({"sweep": {"scenario": "sherwood", "design": "lhs", "samples": 10},
                                     "levers": {"budget.agency_cut_years.police": {"low": 1, "high": 5},
                                                "budget.agency_cut.police": {"low": 0, "high": 0.5}}})
    points = design_points(spec)
    assert all(isinstance(p["budget.agency_cut_years.police"], int) for p in points)
    assert all(isinstance(p["budget.agency_cut.police"], float) for p in points)
