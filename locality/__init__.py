"""Locality: demand on local public services, siloed against integrated, under cuts.

Everything installs under this one name (`locality.sim`, `locality.experiments`, ...), so a
researcher's own `experiments/` or `sim/` folder cannot shadow it. In the source tree each
subpackage is a top-level folder (`sim/`, `agents/`, `parameters/`, `experiments/`, `viz/`)
mapped here by pyproject.toml.

The everyday entry points are here too, imported on first use so `import locality` is quick:
`locality.run(scenario)`, `locality.compare(...)` (one seed), `locality.compare_paired(...)`
(A and B on several seeds, with intervals and a verdict in words), `locality.Results.load(path)`.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("locality")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["Comparison", "PairedComparison", "Results", "compare", "compare_paired", "run", "__version__"]


def __getattr__(name: str):
    if name in ("Comparison", "PairedComparison", "Results", "compare", "compare_paired", "run"):
        from . import experiments

        return getattr(experiments, name)
    raise AttributeError(f"module 'locality' has no attribute {name!r}")
