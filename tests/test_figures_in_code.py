"""Figures about the world live in the scenario schema and files, each with a source or
the word assumption (tests/test_scenarios.py checks the files). The model's code
(sim/ and agents/) may hold no bare number but 0 and 1 (and -1, and indices): any other
is a named constant at module level, with a comment on its line or the line above
saying what it is, and so a fact of the engine (a layout, a code, a numerical guard),
never a figure that belongs in a scenario."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL_CODE = sorted([*ROOT.glob("sim/*.py"), *ROOT.glob("agents/*.py")])
PLAIN = {0, 1, -1}


def bare_numbers(source: str) -> list[tuple[int, object]]:
    """(line, number) for each number in `source` that is neither plain, an index, nor in a
    commented module-level constant."""
    tree, lines = ast.parse(source), source.splitlines()
    named = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        commented = "#" in lines[node.lineno - 1] or lines[node.lineno - 2].strip().startswith("#")
        if names and all(name.isupper() for name in names) and commented:
            named |= {id(n) for n in ast.walk(node)}
    indices = {id(n.slice) for n in ast.walk(tree) if isinstance(n, ast.Subscript)}
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value not in PLAIN
                and id(node) not in named and id(node) not in indices):
            found.append((node.lineno, node.value))
    return found


@pytest.mark.parametrize("path", MODEL_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_model_code_holds_no_bare_figure(path):
    found = bare_numbers(path.read_text(encoding="utf-8"))
    assert not found, (f"{path.name}: bare numbers {found}; a figure about the world goes into parameters/schema.py "
                       "and the scenario files with a source, a fact of the engine into a commented constant")


def test_the_check_catches_a_bare_figure():
    assert bare_numbers("def f(x):\n    return x >= 0.5\n") == [(2, 0.5)]
    assert bare_numbers("LINE = 0.5  # assumption\ndef f(x):\n    return x[3] >= LINE\n") == []
    assert bare_numbers("LINE = 0.5\n") == [(1, 0.5)]  # named, but nothing says what it is
