"""What the app hands out: charts as PNG, results as CSV, and the levers as a TOML file
that loads back (checked by the same loader as the command line)."""

from __future__ import annotations

import io
import tomllib

import pandas as pd
import tomli_w
from matplotlib.figure import Figure

from locality.experiments.runner import Comparison
from locality.parameters.loader import ScenarioError, builtin_scenarios, load_scenario


def figure_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    return buffer.getvalue()


def yearly_csv(comparison: Comparison) -> str:
    """Per year, A beside B and the difference, one column per measure and variant."""
    table = comparison.yearly()
    table.columns = [f"{measure}_{variant}".replace("B-A", "difference") for measure, variant in table.columns]
    return table.to_csv()


def weekly_csv(comparison: Comparison) -> str:
    """Every recorded week of A and B, stacked with a 'variant' column."""
    frames = [comparison.a.steps.assign(variant="A", regime=comparison.a_label),
              comparison.b.steps.assign(variant="B", regime=comparison.b_label)]
    return pd.concat(frames, ignore_index=True).to_csv(index=False)


def levers_toml(place: str, regime_a: str, regime_b: str, overrides: dict, a: dict | None = None,
                b: dict | None = None) -> str:
    """The app's settings as a file: the place, the two regimes, the shared overrides, and
    what only A or only B sets (regime mixes, cuts by agency)."""
    return tomli_w.dumps({"place": place, "regime_a": regime_a, "regime_b": regime_b, "overrides": overrides,
                          "a": a or {}, "b": b or {}})


def read_levers(text: str) -> tuple[str, str, str, dict, dict, dict]:
    """Parse and check a levers file; raise ScenarioError naming what is wrong. Returns the
    place, the regimes of A and B, the shared overrides, and A's and B's own."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"the levers file is not valid TOML ({error})") from None
    place = raw.get("place")
    if place not in builtin_scenarios():
        raise ScenarioError(f"place = {place!r} in the levers file is not a built-in place ({', '.join(builtin_scenarios())})")
    overrides = raw.get("overrides", {})
    kinds = (raw.get("regime_a", "siloed"), raw.get("regime_b", "integrated"))
    own = (raw.get("a", {}), raw.get("b", {}))
    if not all(isinstance(extra, dict) for extra in own):
        raise ScenarioError("[a] and [b] in the levers file must be tables of dotted keys and values")
    for kind, extra in zip(kinds, own):
        load_scenario(place, {**overrides, **extra, "regime.kind": kind})  # names any bad key or value
    return place, kinds[0], kinds[1], overrides, own[0], own[1]
