"""Locality as a user installs it: the built wheel in a clean virtual environment, run from
a folder that has its own `experiments/` and `sim/` (a researcher's project), must run and
find everything it ships (scenarios, sources, example specs)."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a wheel and a virtual environment, and compiles the kernels afresh

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A clean venv with the wheel installed; its dependencies are read from this
    environment's site-packages (a path only: none of its .pth files, so not our editable
    install), since installing them afresh would download a gigabyte."""
    where = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(where / "dist"), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    wheel = next((where / "dist").glob("locality-*.whl"))
    venv = where / "clean"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "locality_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return venv


def in_project(venv: Path, tmp_path: Path, *command: str) -> subprocess.CompletedProcess:
    project = tmp_path / "project"
    for own in ("experiments", "sim"):
        (project / own).mkdir(parents=True, exist_ok=True)
        (project / own / "__init__.py").write_text(f'"""The researcher\'s own {own}."""\nMINE = True\n')
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    return subprocess.run(list(command), cwd=project, env=env, capture_output=True, text=True, timeout=900)


def test_the_wheel_runs_from_a_folder_with_its_own_experiments(installed, tmp_path):
    done = in_project(installed, tmp_path, str(installed / "bin" / "locality"), "run", "sherwood", "--years", "1",
                      "--households", "400", "--set", "run.warmup_weeks=4")
    assert done.returncode == 0, done.stderr
    assert "Per year" in done.stdout and "Results written to" in done.stdout


def test_the_wheel_ships_its_data_and_leaves_the_project_s_names_alone(installed, tmp_path):
    code = ("import experiments, sim, locality\n"
            "from locality.experiments.sweep import examples, load_spec\n"
            "from locality.parameters.loader import builtin_scenarios\n"
            "assert experiments.MINE and sim.MINE, 'the project\\'s own packages'\n"
            "assert 'site-packages' in locality.__file__, locality.__file__\n"
            "assert {'sherwood', 'thanet', 'kent'} <= set(builtin_scenarios()), builtin_scenarios()\n"
            "assert load_spec('sobol_levers').sweep.design == 'sobol'\n"
            "from importlib.resources import files\n"
            "notes = files('locality.parameters') / 'data'\n"
            "assert all((notes / n).is_file() for n in ('base_rates.md', 'evidence.md', 'source_facts.md', 'unit_costs.csv'))\n"
            "print(locality.__version__)")
    done = in_project(installed, tmp_path, str(installed / "bin" / "python"), "-c", code)
    assert done.returncode == 0, done.stderr
    costs = in_project(installed, tmp_path, str(installed / "bin" / "locality"), "costs")
    assert costs.returncode == 0 and "Unit costs" in costs.stdout, costs.stderr
