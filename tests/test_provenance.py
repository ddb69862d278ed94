"""Every run and every sweep records what made it: Locality's version, the code's commit
(and whether it had uncommitted changes), Python's and the packages' versions, the seed;
`locality --version` says the same in one line; results show themselves briefly."""

import json
import subprocess
import sys
from pathlib import Path

from locality.experiments import compare, run
from locality.experiments.provenance import provenance
from locality.experiments.store import Store
from locality.experiments.sweep import SweepSpec, run_sweep

LOCALITY = str(Path(sys.executable).with_name("locality"))
SMALL = {"population.households": 200, "run.warmup_weeks": 0, "run.years": 1, "run.seed": 7}


def test_a_saved_run_records_its_code_packages_and_seed(tmp_path):
    run("sherwood", SMALL).save(tmp_path / "run")
    recorded = json.loads((tmp_path / "run" / "run.json").read_text())
    assert recorded["seed"] == 7
    made = recorded["made_by"]
    assert made["locality"] and made["python"].startswith("3.")
    assert made["commit"] is None or len(made["commit"]) == 40
    assert {"numpy", "pandas", "mesa", "numba", "pyarrow"} <= {k for k, v in made["packages"].items() if v}


def test_a_sweep_and_each_of_its_runs_record_what_made_them(tmp_path):
    spec = SweepSpec.model_validate({"sweep": {"scenario": "sherwood", "years": 1},
                                     "set": {"population.households": 200, "run.warmup_weeks": 0},
                                     "levers": {"budget.cut": [0.0]}})
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert json.loads((tmp_path / "out" / "sweep.json").read_text())["made_by"] == provenance()
    (run_id,) = Store(tmp_path / "out").done()
    manifest = json.loads((tmp_path / "out" / "runs" / run_id / "manifest.json").read_text())
    steps = Store(tmp_path / "out").frame("steps")
    assert manifest["made_by"] == provenance() and manifest["seed"] == int(steps["seed"].iloc[0])


def test_version_prints_one_line():
    said = subprocess.run([LOCALITY, "--version"], capture_output=True, text=True, timeout=60)
    assert said.returncode == 0 and said.stdout.startswith("locality ") and said.stdout.count("\n") == 1


def test_results_and_comparisons_show_themselves_in_a_line():
    results = run("sherwood", SMALL)
    assert repr(results).startswith("<Results Sherwood, 200 households, 1 years, siloed, seed 7:")
    assert len(repr(results)) < 400 and "<table" in results._repr_html_()
    both = compare("sherwood", b={"regime.kind": "integrated"}, common=SMALL)
    assert repr(both).startswith("<Comparison Sherwood") and "(one seed)" in repr(both) and len(repr(both)) < 400
