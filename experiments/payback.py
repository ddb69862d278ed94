"""Does an investment pay back, and when? A policy (by default, an early-intervention
shift with a year of double running) against the status quo on the same seeds, over
years: the net change in the place's spend each year and cumulated, and the payback
year, the first year from which the cumulated change is no longer a cost, seed by seed.
The J-curve, where there is one, comes out of the runs; nothing here is fitted to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from locality.parameters.loader import load_scenario

from locality.sim.model import business_as_usual, same_run

from .replications import in_workers, mean_interval, seeds_for
from .results import net_spend
from .runner import Overrides, _as_mapping, run

#: The parts of the change in spend shown beside it: what crises cost, and prevention.
PARTS = ("spend_crisis", "spend_prevention")
AGENCY_PARTS = (*PARTS, "cashed")  # and, per payer, what its funder cashed
#: The default policy: a 20% shift from year 2 with a year of double running (assumptions, the
#: size of the shifts the source documents discuss), its savings cashed at the share Greater
#: Manchester counted cashable (£110m of £224m across public services, source_facts.md; taking
#: that share of local crisis spend avoided is an assumption): without cashing, money crises no
#: longer cost is spent again on casework and can never pay anything back.
SHIFT = {"early_intervention.shift": 0.2, "early_intervention.start_year": 2, "early_intervention.double_running_years": 1,
         "finance.cashable_share": 0.49}


@dataclass
class Payback:
    """Per year, the net change in spend (and in its crisis and prevention parts, and what
    funders cashed) and in crises, with intervals (`by_year`); per seed, the payback year
    or none within the run (`years`). Spend that falls because an agency repays a debt or
    refills its reserves is rationed help, not a saving: the crisis part says how much is
    crises avoided."""

    by_year: pd.DataFrame
    years: pd.Series  # per seed: the payback year, NaN where the run ends first
    horizon: int
    seeds: list[int]
    # per payer over the whole run: the net change (spend and what it put into the pool) and its
    # crisis, prevention and cashed parts, each with its interval over seeds: who pays and who saves
    by_agency: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def share_paid_back(self) -> float:
        return float(self.years.notna().mean())

    def shown(self) -> pd.DataFrame:
        """Per year, the change in spend, cumulated, and in crises, each as mean [95%
        interval], in words a reader can scan (money in £m)."""
        def text(row, name: str, scale: float, form: str) -> str:
            values = [getattr(row, name) / scale, getattr(row, f"{name}_low") / scale, getattr(row, f"{name}_high") / scale]
            return f"{values[0]:{form}} [{values[1]:{form}}, {values[2]:{form}}]"

        rows = list(self.by_year.itertuples())
        return pd.DataFrame({"spend change £m": [text(r, "change", 1e6, "+,.2f") for r in rows],
                             "cumulated £m": [text(r, "cumulated", 1e6, "+,.2f") for r in rows],
                             "of which crises £m": [text(r, "spend_crisis", 1e6, "+,.2f") for r in rows],
                             "of which prevention £m": [text(r, "spend_prevention", 1e6, "+,.2f") for r in rows],
                             "cashed £m": [text(r, "cashed", 1e6, "+,.2f") for r in rows],
                             "crises": [text(r, "crises", 1.0, "+.1%") for r in rows]}, index=self.by_year.index)

    def who_pays(self) -> pd.DataFrame:
        """Per payer over the whole run, the net change and its parts, mean [95% interval]
        in £m, biggest payer first: where a policy pays back and where it does not."""
        def text(row, name: str) -> str:
            return f"{row[name] / 1e6:+,.2f} [{row[f'{name}_low'] / 1e6:+,.2f}, {row[f'{name}_high'] / 1e6:+,.2f}]"

        table = self.by_agency.sort_values("net", ascending=False)
        return pd.DataFrame({column: [text(row, name) for _, row in table.iterrows()]
                             for column, name in (("net change £m", "net"), ("of which crises £m", "spend_crisis"),
                                                  ("of which prevention £m", "spend_prevention"),
                                                  ("cashed £m", "cashed"))}, index=table["label"])

    def summary(self) -> str:
        """The answer in words."""
        n, paid = len(self.years), int(self.years.notna().sum())
        last = self.by_year.iloc[-1]
        money = (f"by year {self.horizon} the cumulated change in spend is £{last['cumulated'] / 1e6:+,.2f}m "
                 f"[{last['cumulated_low'] / 1e6:+,.2f}, {last['cumulated_high'] / 1e6:+,.2f}]")
        if paid == 0:
            return f"It does not pay back within {self.horizon} years on any of {n} seeds: {money}."
        years = self.years.dropna()
        return (f"It pays back on {paid} of {n} seeds within {self.horizon} years; on those, in year {years.median():g} "
                f"at the median (from {int(years.min())} to {int(years.max())}); {money}.")


def payback(scenario: str = "thanet", policy: Overrides = (), common: Overrides = (), reps: int = 10,
            master_seed: int | None = None, workers: int | None = None) -> Payback:
    """Run the status quo and the policy (default: `SHIFT`) on the same `reps` seeds and
    measure when the policy's extra spend is paid back. (Savings cashed are measured
    against business as usual, siloed with no shift: where `common` makes the status quo
    something else, that yardstick is not the status quo compared against.)"""
    shared, chosen = _as_mapping(common), _as_mapping(policy) or dict(SHIFT)
    spec = load_scenario(scenario, {**shared, **chosen})  # fail before any run
    load_scenario(scenario, shared)
    seeds = seeds_for(spec.run.seed if master_seed is None else master_seed, reps)
    runs = _run_seeds([(scenario, shared, {**shared, **chosen}, seed) for seed in seeds], workers)
    by = runs.set_index(["variant", "seed"]).sort_index()
    years = spec.run.years
    spend = {v: np.array([[by.loc[(v, s), f"spend {y}"] for y in range(1, years + 1)] for s in seeds])
             for v in ("status quo", "policy")}
    crises = {v: np.array([[by.loc[(v, s), f"crises {y}"] for y in range(1, years + 1)] for s in seeds])
              for v in ("status quo", "policy")}
    change = spend["policy"] - spend["status quo"]
    cumulated = change.cumsum(axis=1)
    crisis_change = crises["policy"] / crises["status quo"] - 1
    part = {name: np.array([[by.loc[("policy", s), f"{name} {y}"] - by.loc[("status quo", s), f"{name} {y}"]
                             for y in range(1, years + 1)] for s in seeds]) for name in (*PARTS, "cashed")}
    rows = []
    for y in range(years):
        row: dict[str, Any] = {"year": y + 1}
        for name, values in (("change", change[:, y]), ("cumulated", cumulated[:, y]), ("crises", crisis_change[:, y]),
                             *((name, part[name][:, y]) for name in (*PARTS, "cashed"))):
            low, high = mean_interval(values)
            row |= {name: float(values.mean()), f"{name}_low": low, f"{name}_high": high}
        rows.append(row)
    return Payback(by_year=pd.DataFrame(rows).set_index("year"),
                   years=pd.Series([payback_year(c) for c in cumulated], index=seeds, dtype=float),
                   horizon=years, seeds=seeds, by_agency=_by_agency(by, seeds))


def _by_agency(by: pd.DataFrame, seeds: list[int]) -> pd.DataFrame:
    """Per payer, the policy's change over the run on each seed, as mean and interval."""
    payers = sorted({key.split(" ", 2)[2] for key in by.columns if key.startswith("payer net ")})
    rows = []
    for payer in payers:
        row: dict[str, Any] = {"payer": payer, "label": by.loc[("policy", seeds[0]), f"payer label {payer}"]}
        for name in ("net", *AGENCY_PARTS):
            values = np.array([by.loc[("policy", s), f"payer {name} {payer}"] - by.loc[("status quo", s), f"payer {name} {payer}"]
                               for s in seeds], float)
            low, high = mean_interval(values)
            row |= {name: float(values.mean()), f"{name}_low": low, f"{name}_high": high}
        rows.append(row)
    return pd.DataFrame(rows)


def payback_year(cumulated: np.ndarray) -> float:
    """The first year (1-based) from which a cumulated change in spend, having been a
    cost, stays at or below nothing to the end of the run; NaN if it never does. A policy
    that never cost anything pays back in the year it starts to save."""
    costs = cumulated > 0
    if costs[-1]:
        return float("nan")
    if not costs.any():
        saving = np.flatnonzero(cumulated < 0)
        return float(saving[0] + 1) if saving.size else float("nan")
    return float(np.flatnonzero(costs)[-1] + 2)


def _run_seeds(jobs: list, workers: int | None) -> pd.DataFrame:
    """Each seed's status quo and policy (`_seed_pair`), a seed to a worker: a row per run."""
    return pd.DataFrame([row for pair in in_workers(_seed_pair, jobs, workers) for row in pair])


def _seed_pair(job) -> list[dict[str, Any]]:
    """One seed's status quo, then its policy (in the worker). Where the status quo is the
    policy's business as usual (`sim.model.same_run`), the policy measures the savings
    funders cash against it rather than running that twin again: a third fewer runs."""
    scenario, status_quo, policy, seed = job
    before = run(scenario, {**status_quo, "run.seed": seed})
    spec = load_scenario(scenario, {**policy, "run.seed": seed})
    usual = before if same_run(before.scenario, business_as_usual(spec)) else None
    after = run(spec, usual=usual)
    return [{"variant": "status quo", "seed": seed, **_yearly(before)}, {"variant": "policy", "seed": seed, **_yearly(after)}]


def _yearly(results) -> dict[str, float]:
    """Spend, its parts and crises per year (in the worker)."""
    columns = ["spend", "crises", *PARTS]
    per_year = results.steps.groupby("year")[columns].sum()
    per_year["cashed"] = results.ledger.groupby("year")["cashed"].sum()
    found: dict[str, Any] = {f"{m} {y}": float(v) for m in [*columns, "cashed"] for y, v in per_year[m].items()}
    ledger = results.ledger.assign(net=net_spend(results.ledger))  # (the rows add up to the place's spend)
    for (payer, label), rows in ledger.groupby(["agency", "label"], sort=False):
        found[f"payer label {payer}"] = label
        found |= {f"payer {name} {payer}": float(rows[name].sum()) for name in ("net", *AGENCY_PARTS)}
    return found
