"""The example notebook runs from top to bottom in a fresh kernel and draws its figures
inline (no `%matplotlib inline`, no backend switched by the library)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow  # a kernel and a few runs

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "notebooks" / "first_look.ipynb"


def test_the_example_notebook_runs_and_draws_its_figures(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 2  # results.plot() and comparison.plot()
    tables = [o for o in outputs if "text/html" in o.get("data", {}) and "crises" in o["data"]["text/html"]]
    assert len(tables) >= 2  # Results and Comparison show themselves as a heading and a yearly table
