"""Run scenarios and compare them: `run(scenario) -> Results`, `compare(...) -> Comparison`.

The names are imported when first used (PEP 562), so that importing one of the package's
light modules (the command line's parser, say) does not load the model."""

__all__ = ["Comparison", "PairedComparison", "Results", "compare", "compare_paired", "run"]


def __getattr__(name: str):
    if name == "Results":
        from .results import Results

        return Results
    if name in ("PairedComparison", "compare_paired"):
        from . import paired

        return getattr(paired, name)
    if name in ("Comparison", "compare", "run"):
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'locality.experiments' has no attribute {name!r}")
