"""--out is checked before anything runs (a file, a folder that cannot be written, a disk
without room: one line, exit 2, nothing run), and a run whose save fails keeps its
results in a fallback folder it names."""

import shutil
from collections import namedtuple
from pathlib import Path

import pytest

from locality.experiments import cli, outputs
from locality.experiments.results import Results

QUICK = ["--set", "population.households=200", "--set", "run.warmup_weeks=0", "--years", "1"]


def test_an_out_that_is_a_file_is_refused_before_the_run(tmp_path, capsys):
    (tmp_path / "afile").write_text("")
    assert cli.main(["run", "sherwood", *QUICK, "--out", str(tmp_path / "afile")]) == cli.EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert "is a file; give a folder (nothing was run)" in error and "Traceback" not in error
    assert cli.main(["run", "sherwood", *QUICK, "--out", str(tmp_path / "afile" / "below")]) == cli.EXIT_BAD_INPUT


def test_an_out_on_a_full_disk_is_refused_before_the_run(tmp_path, monkeypatch, capsys):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(outputs.shutil, "disk_usage", lambda path: usage(3 * 2**20, 3 * 2**20, 2**20))
    assert cli.main(["run", "sherwood", *QUICK, "--out", str(tmp_path / "out")]) == cli.EXIT_BAD_INPUT
    assert "only 1 MiB free" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_save_that_fails_keeps_the_results_in_a_folder_it_names(tmp_path, monkeypatch, capsys):
    real_save = Results.save

    def full_disk(self, directory, overwrite=False):
        if Path(directory).is_relative_to(tmp_path):
            raise OSError(28, "No space left on device")
        return real_save(self, directory, overwrite)

    monkeypatch.setattr(Results, "save", full_disk)
    assert cli.main(["run", "sherwood", *QUICK, "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert "No space left on device" in said and "they are saved in" in said
    fallback = Path(said.split("they are saved in ")[1].split("/ instead")[0])
    try:
        assert (fallback / "steps.parquet").is_file() and (fallback / "scenario.toml").is_file()
        assert len(Results.load(fallback).steps) == 52
    finally:
        shutil.rmtree(fallback, ignore_errors=True)


def test_check_out_accepts_a_new_folder_and_a_resumable_one(tmp_path):
    assert outputs.check_out(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    (tmp_path / "held").mkdir()
    (tmp_path / "held" / "x").write_text("")
    with pytest.raises(Exception, match="already holds files"):
        outputs.check_out(tmp_path / "held")
    assert outputs.check_out(tmp_path / "held", may_hold_files=True)


@pytest.mark.parametrize("override, named", [
    ("agencies.police.budget_per_household=inf", "agencies.police.budget_per_household = inf: give a finite number"),
    ("population.frailty_shape=inf", "population.frailty_shape = inf"),
    ("keyworkers.cost_per_worker_year=inf", "keyworkers.cost_per_worker_year = inf"),
    ("agencies.police.assessment_cost=inf", "agencies.police.assessment_cost = inf"),
    ("agencies.police.intervention_week_cost=2.2e-308", "below a penny"),
    ("budget.cut=true", "budget.cut = True: true is a yes/no, not a number"),
    ("population.households=true", "population.households = True"),
    ("resource_map.holders.kcc=5", "resource_map.holders.kcc = 5: give a table"),
    ("agencies.nosuch.threshold=0.5", "'nosuch' is not one of agencies (known: adult_social_care"),
    ("keyworkers.count=-1", "keyworkers.count = -1: give a number greater than or equal to 0, or 'auto'"),
    ("budget.agency_cut_years.police=true", "police = true is a yes/no, not a number"),
    ("run.record_every=true", "give one of the words allowed"),
])
def test_inputs_that_once_crashed_or_poisoned_a_run_exit_2_with_one_line_and_no_out(override, named, tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main(["run", "sherwood", "--set", "regime.kind=integrated", "--set", override, "--out", str(out)])
    error = capsys.readouterr().err
    assert code == cli.EXIT_BAD_INPUT
    assert error.count("\n") == 1 and named in error, error
    assert not out.exists()


@pytest.mark.parametrize("content, said", [
    (bytes(range(256)) * 2, "not a text file (not UTF-8)"),
    (b"a = " + b"[" * 3000 + b"]" * 3000, "nested too deeply"),
    (b"extends = 5\n", "extends = 5: give the name of a scenario or a file"),
])
def test_malformed_scenario_and_spec_files_give_one_line(content, said, tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    assert cli.main(["run", str(path), "--out", str(tmp_path / "out")]) == cli.EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and said in error
    if b"extends" not in content:
        assert cli.main(["sweep", str(path), "--out", str(tmp_path / "out")]) == cli.EXIT_BAD_INPUT
        assert said in capsys.readouterr().err


@pytest.mark.parametrize("record", ["{not json", '{"digest": "x"}'])
def test_a_damaged_sweep_record_is_said_in_one_line(record, tmp_path, capsys):
    (tmp_path / "sweep.json").write_text(record)
    assert cli.main(["results", str(tmp_path)]) == cli.EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "the folder may be damaged" in error


def test_verbose_adds_where_the_error_was_raised_after_the_one_line(capsys):
    assert cli.main(["--verbose", "run", "sherwood", "--set", "budget.cut=2"]) == cli.EXIT_BAD_INPUT
    error = capsys.readouterr().err
    first, *rest = error.splitlines()
    assert first.startswith("locality: budget.cut = 2") and any("Traceback" in line for line in rest)
