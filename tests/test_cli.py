"""The `locality` command as a user meets it: bad input exits 2 with the key named and no
traceback; runs print a yearly summary and write results that reproduce the run."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

LOCALITY = str(Path(sys.executable).with_name("locality"))
QUICK = ["sherwood", "--years", "1", "--households", "500", "--set", "run.warmup_weeks=4"]


def locality(*args, cwd=None):
    return subprocess.run([LOCALITY, *args], check=False, capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.slow  # a subprocess each; the loader's messages are also tested in process (test_scenarios)
@pytest.mark.parametrize(
    "args, named",
    [
        (["run", "--set", "regime.kindd=integrated"], "regime.kindd"),
        (["run", "--set", "run.years=lots"], "run.years"),
        (["run", "--set", "agencies.police.budget_per_household=-1"], "budget_per_household"),
        (["run", "--set", "keyworkers.caseload=0"], "keyworkers.caseload"),
        (["run", "--set", "budget.cut=1.2"], "budget.cut"),
        (["run", "--years", "0"], "run.years"),
        (["run", "no-such-place"], "no-such-place"),
        (["run", "--set", "regime.kind"], "key=value"),
        (["compare", "--b", "keyworkers.caseload=0"], "keyworkers.caseload"),
    ],
)
def test_bad_input_exits_2_with_the_key_named_and_no_traceback(args, named, tmp_path):
    result = locality(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "results").exists()  # nothing ran, nothing was written


def test_a_bad_scenario_file_exits_2_naming_the_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "sherwood"\n[keyworkers]\ncaseload = { value = 0, source = "a typo" }\n')
    result = locality("run", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert "keyworkers.caseload = 0" in result.stderr and "Traceback" not in result.stderr


def test_scenarios_lists_the_built_in_places():
    result = locality("scenarios")
    assert result.returncode == 0
    for name in ("thanet", "sherwood", "kent"):
        assert name in result.stdout


@pytest.mark.slow  # a whole run (or two) in a subprocess
def test_run_prints_a_yearly_summary_and_writes_reproducible_results(tmp_path):
    out = tmp_path / "out"
    result = locality("run", *QUICK, "--seed", "4", "--out", str(out), "--profile")
    assert result.returncode == 0, result.stderr
    assert "crises" in result.stdout and "over-spend" in result.stdout
    assert "needs evolve" in result.stdout  # the profile
    for name in ("steps", "agencies", "households", "ledger"):
        assert (out / f"{name}.parquet").is_file()
    again = tmp_path / "again"
    assert locality("run", str(out / "scenario.toml"), "--out", str(again)).returncode == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "steps.parquet"), pd.read_parquet(again / "steps.parquet"))


def test_run_refuses_to_overwrite_results(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier work")
    result = locality("run", *QUICK, "--out", str(out))
    assert result.returncode == 2 and "--overwrite" in result.stderr
    assert (out / "keep.txt").read_text() == "earlier work"


@pytest.mark.slow  # a whole run (or two) in a subprocess
def test_compare_prints_both_regimes_and_the_wrong_pocket_table(tmp_path):
    result = locality("compare", *QUICK, "--out", str(tmp_path / "cmp"))
    assert result.returncode == 0, result.stderr
    assert "A: regime.kind=siloed" in result.stdout and "B: regime.kind=integrated" in result.stdout
    assert "wrong-pocket" in result.stdout and "Pooled budget" in result.stdout
    assert (tmp_path / "cmp" / "a" / "ledger.parquet").is_file() and (tmp_path / "cmp" / "b" / "ledger.parquet").is_file()


def test_app_turns_telemetry_off_and_culls_closed_sessions_unless_the_user_chose(monkeypatch):
    from locality.experiments import cli

    calls = []

    def becomes(program, command, env):  # os.execve: this process becomes the server, never to return
        calls.append((command, env))
        raise SystemExit(0)

    monkeypatch.setattr(cli.os, "execve", becomes)
    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    monkeypatch.setenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "True")  # the user's own choice wins
    with pytest.raises(SystemExit):
        cli.main(["app", "--port", "8799"])
    command, env = calls[-1]
    assert command[0] == sys.executable
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "30s" and env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "True"
    assert "--production" in command and "--no-open" in command and command[command.index("--port") + 1] == "8799"

    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", "2m")
    monkeypatch.delenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE")
    with pytest.raises(SystemExit):
        cli.main(["app", "--dev"])
    command, env = calls[-1]
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "2m" and env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert "--production" not in command
