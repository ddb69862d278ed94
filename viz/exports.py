"""What the app hands out: charts as PNG, results as CSV, and the levers as a TOML file
that loads back (checked by the same loader as the command line). Each chart and table
says what it is of (`Described`): a PNG in its title, a CSV in a header block of `#`
lines, a file in its name."""

from __future__ import annotations

import io
import pickle
import re
import tomllib
from dataclasses import dataclass

import pandas as pd
import tomli_w
from matplotlib.figure import Figure

from locality import __version__
from locality.experiments.paired import PairedComparison, options_summary
from locality.experiments.runner import Comparison
from locality.parameters.levers import changed_from_place
from locality.parameters.loader import ScenarioError, builtin_scenarios, load_scenario
from locality.parameters.unit_costs import PRICE_YEAR


DRAWN = {False: "", True: ", each seed also on fitted parameters drawn from the calibration's posterior"}


@dataclass(frozen=True)
class Described:
    """What a chart or table is of: the place, the levers that differ from its own, A and
    B, and the seeds; said as a title, a CSV header and a file name."""

    place: str
    levers: dict
    a_label: str
    b_label: str
    seeds: tuple[int, ...]
    posterior: bool = False  # each seed also on fitted parameters drawn from the calibration's posterior

    def lines(self) -> list[str]:
        spec = load_scenario(self.place, self.levers)
        own = load_scenario(self.place).population.households
        households = spec.population.households
        sample = (f"a sample of {households:,} of its {own:,} households: counts and money are the sample's"
                  if households < own else f"{households:,} households")
        changed = [said for key, _value, said in changed_from_place(self.place, self.levers)
                   if key not in ("run.seed", "population.households")]
        seeds = (f"seed {self.seeds[0]}" if len(self.seeds) == 1
                 else f"{len(self.seeds)} seeds (mean and 95% interval over them)") + DRAWN[self.posterior]
        return [f"{spec.place.name}, {sample}; {spec.run.years} years; {seeds}",
                "Levers changed from the place's own: " + ("; ".join(changed) if changed else "none"),
                f"A: {self.a_label}. B: {self.b_label}",
                f"Money in £ at {PRICE_YEAR} prices. Made by Locality {__version__}"]

    def title(self) -> str:
        return "\n".join(self.lines()[:3])

    def header(self) -> str:
        return "".join(f"# {line}\n" for line in self.lines())

    def filename(self, what: str, suffix: str) -> str:
        """locality-<place>-<lever tag>-<what>.<suffix>: a tag of the changed levers."""
        tags = [f"{key.rsplit('.', 1)[-1]}-{value}" for key, value, _ in changed_from_place(self.place, self.levers)
                if key not in ("run.seed", "population.households")]
        tag = re.sub(r"[^A-Za-z0-9.-]+", "-", "_".join(tags) or "defaults")[:60]
        return f"locality-{self.place}-{tag}{'-posterior' if self.posterior else ''}-{what}.{suffix}"


@dataclass(frozen=True)
class DescribedOptions:
    """What a table or chart of options side by side is of: the place, each option's levers
    that differ from the place's own, and the seeds (the same title, header and file name
    as `Described`)."""

    place: str
    options: tuple  # (name, {key: value}) per option, the first what the others are measured against
    seeds: tuple[int, ...]
    posterior: bool = False  # each seed also on fitted parameters drawn from the calibration's posterior

    def lines(self) -> list[str]:
        first = self.options[0][1]
        spec = load_scenario(self.place, {k: v for k, v in first.items() if k in ("population.households", "run.years")})
        own = load_scenario(self.place).population.households
        households = spec.population.households
        sample = (f"a sample of {households:,} of its {own:,} households: counts and money are the sample's"
                  if households < own else f"{households:,} households")
        lines = [f"{spec.place.name}, {sample}; {spec.run.years} years; {len(self.seeds)} seed"
                 f"{'s' if len(self.seeds) != 1 else ''} (mean and 95% interval over them), every option on the same seeds"
                 + DRAWN[self.posterior]]
        for number, (name, levers) in enumerate(self.options, 1):
            changed = [said for key, _value, said in changed_from_place(self.place, levers)
                       if key not in ("run.seed", "population.households", "run.years")]
            lines.append(f"Option {number}, {name}: " + ("; ".join(changed) if changed else "the place's own levers")
                         + (" (the others are measured against it)" if number == 1 else ""))
        return [*lines, f"Money in £ at {PRICE_YEAR} prices. Made by Locality {__version__}"]

    def title(self) -> str:
        return "\n".join(self.lines()[:-1])

    def header(self) -> str:
        return "".join(f"# {line}\n" for line in self.lines())

    def filename(self, what: str, suffix: str) -> str:
        return f"locality-{self.place}-{len(self.options)}-options{'-posterior' if self.posterior else ''}-{what}.{suffix}"


def figure_png(figure: Figure, described: Described | None = None) -> bytes:
    """The figure as PNG, titled with what it is of (when `described`). The title goes on a
    copy: the figure itself may be on show, and drawn by another thread meanwhile."""
    if described is not None:
        figure = pickle.loads(pickle.dumps(figure))
        figure.text(0.01, 1.0, described.title(), fontsize=8, horizontalalignment="left", verticalalignment="bottom",
                    transform=figure.transFigure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight" if described is not None else None)
    return buffer.getvalue()


def yearly_csv(comparison: Comparison, described: Described | None = None) -> str:
    """Per year, A beside B and the difference, one column per measure and variant
    (money to the pound, counts whole), after the header block."""
    table = comparison.yearly().round(0)
    table.columns = [f"{measure}_{variant}".replace("B-A", "difference") for measure, variant in table.columns]
    return (described.header() if described else "") + table.to_csv()


def weekly_csv(comparison: Comparison, described: Described | None = None) -> str:
    """Every recorded week of A and B, stacked with a 'variant' column, rounded to 2 places."""
    frames = [comparison.a.steps.assign(variant="A", regime=comparison.a_label),
              comparison.b.steps.assign(variant="B", regime=comparison.b_label)]
    return (described.header() if described else "") + pd.concat(frames, ignore_index=True).round(2).to_csv(index=False)


def who_pays_csv(paired: PairedComparison, described: Described | None = None) -> str:
    """Per agency and year, the net change under B with its 95% interval over the seeds, £."""
    table = paired.who_pays_by_year()
    labels = dict(zip(paired.pockets["agency"], paired.pockets["label"], strict=False))
    table.insert(1, "label", table["agency"].map(labels))
    return (described.header() if described else "") + table.round(0).to_csv(index=False)


def options_csv(found: dict[str, PairedComparison], described: DescribedOptions | None = None) -> str:
    """Per option and measure: the mean over the seeds, and the change against the first
    option with its 95% interval (money to the pound, counts to one decimal)."""
    table = options_summary(found)
    return (described.header() if described else "") + table.round(1).to_csv(index=False)


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
