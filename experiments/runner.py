"""Run a scenario, or two variants of it side by side on common random numbers."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from locality.parameters.loader import DEFAULT_SCENARIO, load_scenario, parse_overrides
from locality.parameters.schema import Scenario
from locality.sim.model import LocalityModel
from locality.sim.threads import pair_at_once

from .results import Results, net_spend

Overrides = Mapping[str, Any] | list[str] | tuple[str, ...]


class RunStopped(Exception):
    """A run stopped on request before its end (nothing is returned for it)."""


def run(scenario: str | Path | Scenario = DEFAULT_SCENARIO, overrides: Overrides = (), *, progress: bool = False,
        on_week: Callable[[int, int], bool | None] | None = None, bar_position: int | None = None,
        usual: Results | None = None) -> Results:
    """Build the model for a scenario (with dotted overrides), run it to the end, and
    return its Results. Bad input raises ScenarioError before anything runs.

    `on_week(done, total)` is called after every week; returning False stops the run
    (RunStopped), which is how the app's Stop button works. `usual`: the scenario's
    business as usual, already run on the same seed, which the run then need not run
    again to measure savings against (see `LocalityModel`)."""
    spec = load_scenario(scenario, _as_mapping(overrides))
    started = time.perf_counter()
    model = LocalityModel(spec, usual=None if usual is None else (usual.scenario, usual.crisis_spend_by_agency()))
    with tqdm(total=model.total_steps, unit="week", desc=spec.place.name, disable=not progress, file=sys.stderr,
              leave=False, position=bar_position) as bar:
        while model.running:
            model.step()
            bar.update()
            if on_week is not None and on_week(model.week, model.total_steps) is False:
                raise RunStopped(f"stopped after {model.week} of {model.total_steps} weeks")
    return Results.from_model(model, wall_seconds=time.perf_counter() - started)


@dataclass
class Comparison:
    """Two runs of one place that differ only in their overrides: same seed, so the same
    households meet the same shocks (common random numbers)."""

    a: Results
    b: Results
    a_label: str
    b_label: str

    def __repr__(self) -> str:
        a, b = self.a.outcomes(), self.b.outcomes()
        spec = self.a.scenario
        return (f"<Comparison {spec.place.name}, {spec.run.years} years, seed {spec.run.seed}: "
                f"A ({self.a_label}) {a['crises']:,.0f} crises, £{a['spend'] / 1e6:,.1f}m; "
                f"B ({self.b_label}) {b['crises']:,.0f} crises, £{b['spend'] / 1e6:,.1f}m; "
                f"B-A {b['crises'] - a['crises']:+,.0f} crises, £{(b['spend'] - a['spend']) / 1e6:+,.1f}m (one seed)>")

    def _repr_html_(self) -> str:
        heading = repr(self).strip("<>").replace("&", "&amp;")
        return f"<p><b>{heading}</b></p>" + self.yearly().round(0).to_html()

    def plot(self, measures: tuple[str, ...] = ("crises", "referrals", "spend", "over_spend")):
        """A and B year by year, one chart per measure, from zero; returns the Figure."""
        from .results import plot_yearly

        return plot_yearly({f"A: {self.a_label}": self.a.yearly(), f"B: {self.b_label}": self.b.yearly()}, measures,
                           title=f"{self.a.scenario.place.name}, seed {self.a.scenario.run.seed}")

    def yearly(self) -> pd.DataFrame:
        """Per year, A beside B and the difference (B - A)."""
        a, b = self.a.yearly(), self.b.yearly()
        columns = ["referrals", "assessments", "waiting", "crises", "in_crisis_tier", "spend", "over_spend"]
        table = pd.concat({"A": a[columns], "B": b[columns], "B-A": b[columns] - a[columns]}, axis=1)
        return table.swaplevel(axis=1)[columns]

    def wrong_pocket(self) -> pd.DataFrame:
        """Per agency over the whole run, its net position under B against A: what it spends
        itself plus what it puts into the pool (its contribution, and savings it reinvests
        there), less what it spent under A. Crisis change is the saving from crises avoided
        (the wrong pocket: often not the payer's); reinvested is the change in its savings
        put back, in its own prevention or the pool; cashed is the change in what its funder
        took from its budgets for savings (`finance.cashable_share`). The pool's row is its
        own over- or under-spend, so the rows add up to the total change."""
        keys = ["agency", "label"]
        a = self.a.ledger.assign(net=net_spend(self.a.ledger)).groupby(keys, sort=False).sum(numeric_only=True)
        b = self.b.ledger.assign(net=net_spend(self.b.ledger)).groupby(keys, sort=False).sum(numeric_only=True)
        services = ["spend_assessment", "spend_prevention", "spend_intervention"]
        reinvested = ["reinvested_in_prevention", "reinvested_in_pool"]
        net_change = b["net"] - a["net"]
        table = pd.DataFrame({
            "spend_a": a["spend"],
            "spend_b": b["spend"],
            "put_in_pool": net_change - (b["spend"] - a["spend"]),
            "net_change": net_change,
            "crisis_change": b["spend_crisis"] - a["spend_crisis"],
            "services_change": b[services].sum(axis=1) - a[services].sum(axis=1),
            "reinvested": b[reinvested].sum(axis=1) - a[reinvested].sum(axis=1),
            "cashed": b["cashed"] - a["cashed"],
        })
        table["verdict"] = [_verdict(change) for change in table["net_change"]]
        return table.reset_index()

    def spend_change_by_year(self) -> pd.DataFrame:
        """Net change per agency per year (B spend + B pool contribution - A spend; the
        pool's row is its over- or under-spend): who pays and who saves, and when."""
        def net(results: Results) -> pd.DataFrame:
            return results.ledger.assign(net=net_spend(results.ledger)).pivot(index="agency", columns="year", values="net")

        order = list(self.a.ledger["agency"].drop_duplicates())
        change = (net(self.b) - net(self.a)).loc[order]
        change.loc["total"] = change.sum()
        return change


def _verdict(change: float) -> str:
    if abs(change) < 0.5:
        return "no change"
    return "saves" if change < 0 else "pays"


def compare(scenario: str | Path | Scenario = DEFAULT_SCENARIO, a: Overrides = (), b: Overrides = (), common: Overrides = (),
            *, progress: bool = False, concurrently: bool | None = None) -> Comparison:
    """Run variants A and B of one scenario on the same seed. With neither given, A is
    siloed and B integrated.

    `concurrently` runs A and B in two threads: the model's compiled kernels and most
    numpy work release the GIL, so on two cores a big place's pair takes little longer
    than one run. Each model has its own state and random streams, so the results are
    the same either way. By default, a pair runs at once where that is faster
    (`sim.threads.pair_at_once`)."""
    a_map, b_map = _as_mapping(a), _as_mapping(b)
    if not a_map and not b_map:
        a_map, b_map = {"regime.kind": "siloed"}, {"regime.kind": "integrated"}
    shared = _as_mapping(common)
    # Validate both before running either, so a typo in B does not waste A's run.
    spec_a = load_scenario(scenario, {**shared, **a_map})
    spec_b = load_scenario(scenario, {**shared, **b_map})
    if concurrently is None:
        concurrently = pair_at_once(max(spec_a.population.households, spec_b.population.households))
    if concurrently:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="locality-compare") as pool:
            runs = [pool.submit(run, spec, progress=progress, bar_position=i) for i, spec in enumerate((spec_a, spec_b))]
            result_a, result_b = (future.result() for future in runs)
    else:
        result_a, result_b = run(spec_a, progress=progress), run(spec_b, progress=progress)
    return Comparison(a=result_a, b=result_b, a_label=_label(a_map), b_label=_label(b_map))


def _as_mapping(overrides: Overrides) -> dict[str, Any]:
    if isinstance(overrides, Mapping):
        return dict(overrides)
    return dict(parse_overrides(overrides))


def _label(overrides: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in overrides.items()) or "as the scenario file says"
