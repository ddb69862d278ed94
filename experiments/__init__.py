"""Run scenarios and compare them: `run(scenario) -> Results`, `compare(...) -> Comparison`."""

from .results import Results
from .runner import Comparison, compare, run

__all__ = ["Comparison", "Results", "compare", "run"]
