"""The shape the model keeps (docs/architecture.md): stages talk through the week object,
never through the model; only the engine knows about threads; stages apply kernels
through the engine, never by calling them."""

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
STAGES = ["needs", "noticing", "assessing", "allocating", "help", "crises", "money", "recorder", "regimes", "services"]
ENGINE = {"engine"}  # the one module that may use the threading helpers
REFERENCE = {"reference"}  # the plain-Mesa reference, written apart on purpose


def tree(name: str) -> ast.Module:
    return ast.parse((SIM / f"{name}.py").read_text(encoding="utf-8"))


def imported(module: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[-1])
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[-1] for a in node.names}
    return names


@pytest.mark.parametrize("name", sorted(p.stem for p in SIM.glob("*.py")))
def test_only_the_engine_uses_the_threading_helpers(name):
    uses = imported(tree(name)) & {"threads", "run_parts", "split", "split_by_cost", "in_background", "threads_for"}
    assert not uses or name in ENGINE | {"threads"}, f"sim/{name}.py uses {sorted(uses)}"


@pytest.mark.parametrize("name", STAGES)
def test_a_stage_applies_kernels_through_the_engine(name):
    """A stage module names kernels only to declare them as its rules' implementations
    (`from . import kernels`, then `@rule(kernels.x)`): it imports none by name and calls
    none."""
    module = tree(name)
    by_name = [a.name for node in ast.walk(module) if isinstance(node, ast.ImportFrom) and node.module == "kernels"
               for a in node.names]
    calls = [node.lineno for node in ast.walk(module) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
             and node.func.value.id == "kernels"]
    assert not by_name, f"sim/{name}.py imports kernels by name: {by_name}"
    assert not calls, f"sim/{name}.py calls a kernel directly at lines {calls}"


@pytest.mark.parametrize("name", sorted(p.stem for p in SIM.glob("*.py") if p.stem not in {"model"} | REFERENCE))
def test_no_stage_takes_the_model(name):
    """Stages receive the state and rules they need, typed, and the week; not the model."""
    module = tree(name)
    arguments = [arg for node in ast.walk(module) if isinstance(node, (ast.FunctionDef, ast.Lambda))
                 for arg in node.args.args + node.args.kwonlyargs]
    annotations = {ast.unparse(arg.annotation) for arg in arguments if arg.annotation is not None}
    assert not {"m", "model"} & {arg.arg for arg in arguments}, f"sim/{name}.py has a function taking the model"
    assert not {"LocalityModel", "mesa.Model"} & annotations, f"sim/{name}.py has a function typed to take the model"
    assert "LocalityModel" not in imported(module)


def test_the_week_is_made_afresh_each_week():
    """Nothing of one week's hand-offs survives into the next."""
    from locality.sim.model import LocalityModel

    model = LocalityModel("sherwood", overrides={"population.households": 300, "run.years": 1, "run.warmup_weeks": 1})
    weeks = []
    model.watch("after everything recorded", weeks.append)
    model.step()
    model.step()
    assert weeks[0] is not weeks[1] and weeks[0].counts is not weeks[1].counts
    assert weeks[1].number == weeks[0].number + 1


def test_an_observer_at_a_point_that_does_not_exist_is_refused():
    from locality.sim.model import LocalityModel

    model = LocalityModel("sherwood", overrides={"population.households": 300, "run.years": 1, "run.warmup_weeks": 0})
    with pytest.raises(ValueError, match="no point 'after help work' in the week; the points are: before people change"):
        model.watch("after help work", print)


def test_a_declaration_table_with_a_missing_column_is_refused():
    from locality.sim.tables import read_table

    assert read_table("name  unit\nreferrals  households\n# a note\n") == [{"name": "referrals", "unit": "households"}]
    with pytest.raises(ValueError, match="has 1 columns, the header 2"):
        read_table("name  unit\nreferrals households\n")  # one space does not part two columns
