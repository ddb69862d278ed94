"""The command line for other programs: `--json` gives one JSON document on standard output
(the tables people read go to standard error), `--help` does not load the model, and the
example sweep specs are found by name wherever Locality is installed."""

import json
import math
import subprocess
import sys

import pytest

from locality.experiments import cli
from locality.experiments.results import Results
from locality.experiments.store import Store
from locality.experiments.sweep import SweepSpec, examples, load_spec, plan_runs, run_sweep
from locality.parameters.loader import ScenarioError

QUICK = ["sherwood", "--years", "1", "--households", "300", "--set", "run.warmup_weeks=4"]


def json_of(capsys, *args) -> tuple[dict, str]:
    code = cli.main([*args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out), err  # stdout is the JSON document and nothing else


def test_run_json_is_the_run_s_outcomes_and_yearly_table(capsys, tmp_path):
    doc, err = json_of(capsys, "run", *QUICK, "--out", str(tmp_path / "r"))
    saved = Results.load(doc["out"])
    assert doc["outcomes"] == pytest.approx(saved.outcomes())
    assert [row["year"] for row in doc["yearly"]] == [1]
    assert doc["yearly"][0]["crises"] == saved.yearly()["crises"].iloc[0]
    assert doc["households"] == 300 and doc["seed"] == saved.scenario.run.seed and doc["made_by"]["locality"]
    assert "Per year" in err  # what people read went to stderr


def test_compare_json_has_both_sides_and_the_wrong_pocket_table(capsys):
    doc, _ = json_of(capsys, "compare", *QUICK)
    assert doc["a"]["label"] == "regime.kind=siloed" and doc["b"]["label"] == "regime.kind=integrated"
    assert {row["agency"] for row in doc["wrong_pocket"]} >= {"police", "childrens_social_care"}
    total = [row for row in doc["spend_change_by_year"] if row["agency"] == "total"][0]
    assert total["1"] == pytest.approx(doc["b"]["outcomes"]["spend"] - doc["a"]["outcomes"]["spend"], rel=1e-9, abs=1e-3)


def test_help_does_not_load_the_model():
    code = ("import sys, locality.experiments.cli as c\n"
            "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('pandas', 'numpy', 'numba', 'mesa', 'pydantic')"
            " or m.startswith(('locality.sim', 'locality.agents'))]\n"
            "print(heavy, file=sys.stderr)\nsys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage: locality" in done.stdout and "sweep" in done.stdout


def test_the_example_specs_are_found_by_name():
    assert set(examples()) >= {"cuts_and_caseloads", "sobol_levers"}
    spec = load_spec("sobol_levers")
    assert spec.sweep.design == "sobol" and plan_runs(spec)
    assert load_spec("experiments/specs/cuts_and_caseloads.toml").sweep.scenario == "sherwood"
    with pytest.raises(ScenarioError, match="cuts_and_caseloads, sobol_levers"):
        load_spec("sobol_lever")


@pytest.mark.slow
def test_results_analyse_and_discover_json_on_a_sweep(capsys, tmp_path):
    spec = SweepSpec.model_validate({
        "sweep": {"scenario": "sherwood", "years": 1, "reps": 1, "seed": 2, "design": "sobol", "samples": 4},
        "set": {"population.households": 200, "run.warmup_weeks": 4, "budget.cut_years": 1},
        "levers": {"budget.cut": {"low": 0.0, "high": 0.5}, "regime.kind": ["siloed", "integrated"]},
    })
    out = tmp_path / "sweep"
    run_sweep(spec, out, workers=2, progress=False)
    capsys.readouterr()
    summary = Store(out).frame("summary")

    doc, _ = json_of(capsys, "results", str(out))
    assert doc["planned"] == doc["done"] == len(summary) == 16 and doc["failed"] == []
    assert sum(point["runs"] for point in doc["points"]) == 16
    assert doc["levers"] == ["budget.cut", "regime.kind"]

    doc, _ = json_of(capsys, "analyse", str(out), "--outputs", "crises", "spend")
    assert set(doc["outputs"]) == {"crises", "spend"}
    assert {row["lever"] for row in doc["outputs"]["crises"]} == {"budget.cut", "regime.kind"}
    assert doc["warnings"]["crises"]  # 4 samples are too few, and it says so

    doc, _ = json_of(capsys, "discover", str(out), "--where", "spend < baseline")
    assert doc["runs"] == 16 and 0 <= doc["holding"] <= 16
    for box in doc["boxes"]:
        assert 0 < box["density"] <= 1 and box["limits"]
        assert all(("low" in limit) or ("in" in limit) for limit in box["limits"].values())
        assert all(not math.isnan(p) for p in box["quasi_p"].values())


def test_compare_on_seeds_gives_the_verdict_and_intervals(capsys, tmp_path):
    doc, err = json_of(capsys, "compare", *QUICK, "--reps", "3", "--workers", "2", "--out", str(tmp_path / "c"))
    assert len(doc["seeds"]) == 3 and doc["verdict"][1].startswith("Crises:")
    crises = [row for row in doc["summary"] if row["measure"] == "crises"][0]
    assert crises["change_low"] <= crises["change"] <= crises["change_high"] and crises["reps"] == 3
    assert {row["agency"] for row in doc["who_pays"]} >= {"police", "pooled_budget"}
    assert (tmp_path / "c" / "who_pays_by_year.csv").is_file()
    assert "Who pays and who saves" in err and "-0 " not in err


def test_compare_options_side_by_side(capsys):
    doc, err = json_of(capsys, "compare", *QUICK, "--reps", "2", "--workers", "2", "--option", "now", "regime.kind=siloed",
                       "--option", "joined", "regime.kind=integrated", "--option", "cut", "budget.cut=0.3")
    assert doc["against"] == "now" and list(doc["compared"]) == ["joined", "cut"]
    assert any(line.startswith("Spend") for line in doc["compared"]["cut"]["verdict"])
    assert "cut against now:" in err
    assert cli.main(["compare", *QUICK, "--option", "budget.cut=0.3", "--option", "x", "budget.cut=0.1"]) == 2
    assert cli.main(["compare", *QUICK, "--reps", "0"]) == 2
