"""A comparison on several seeds: A and B run on each seed (common random numbers: on a
seed both meet the same households and shocks), the difference taken seed by seed, and
summarised as a mean with its 95% interval. One seed is one draw of chance: Thanet's
saving moves from £1.0m to £2.4m between seeds 42 and 43, and single agencies change
sign. What a board is told should be the range, and `verdict` says it in words.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from locality.parameters.loader import DEFAULT_SCENARIO, ScenarioError, load_scenario
from locality.parameters.vocabulary import POOL

from .posterior import draws_for
from .processes import worker_pool
from .replications import default_workers, mean_interval, seeds_for
from .runner import Comparison, Overrides, RunStopped, _as_mapping, _label, compare, run

#: Whole-run measures compared, with how each is said (money is said in £).
MEASURES = {"crises": "crises", "spend": "spend", "over_spend": "over-spend", "households_helped": "households helped"}
MONEY = ("spend", "over_spend")
DEFAULT_REPS = 10  # the house rule for any effect stated: at least 10 seeds


@dataclass
class PairedComparison:
    """A against B on the same seeds. `runs`: whole-run outcomes per variant and seed;
    `pockets`: per seed, each agency's net change under B (`Comparison.wrong_pocket`);
    `by_year`: per seed and agency, the net change per year; `yearly`: per variant, seed
    and year, the yearly summary (for bands); `first`: the first seed's whole comparison,
    for charts."""

    a_label: str
    b_label: str
    seeds: list[int]
    runs: pd.DataFrame
    pockets: pd.DataFrame
    by_year: pd.DataFrame
    yearly: pd.DataFrame
    first: Comparison = field(repr=False)
    place: str | None = None  # the scenario as given (a built-in name or a file), to scale a sample to it
    levers: tuple = ()  # what a caller ran it with, to tell when it is out of date (the app's levers and seeds)
    draws: list[int] | None = None  # per seed, the posterior's row its parameters came from (None: the scenario's own)

    @property
    def scenario(self):
        return self.first.a.scenario

    def differences(self) -> pd.DataFrame:
        """Per seed, B less A for every measure."""
        wide = self.runs.set_index(["variant", "seed"])[list(MEASURES)]
        return (wide.loc["B"] - wide.loc["A"]).loc[self.seeds]

    def summary(self) -> pd.DataFrame:
        """Per measure: A's and B's means, and the change (B - A) with its 95% interval,
        in units and as a share of A's mean (the same interval, divided by it; missing where
        A's mean is not above zero, as for an over-spend that is an under-spend)."""
        wide = self.runs.set_index(["variant", "seed"])[list(MEASURES)]
        a, b = wide.loc["A"].loc[self.seeds], wide.loc["B"].loc[self.seeds]
        rows = []
        for measure in MEASURES:
            change = (b[measure] - a[measure]).to_numpy(dtype=float)
            low, high = mean_interval(change)
            base = float(a[measure].mean())
            per = 1.0 / base if base > 0 else float("nan")
            rows.append({"measure": measure, "a": base, "b": b[measure].mean(), "change": change.mean(),
                         "change_low": low, "change_high": high, "share": change.mean() * per, "share_low": low * per,
                         "share_high": high * per, "reps": change.size})
        return pd.DataFrame(rows).set_index("measure")

    def who_pays(self) -> pd.DataFrame:
        """Per agency over the whole run: its net change under B (spend, plus what it puts
        into the pool, less its spend under A) as a mean with its interval, and on how many
        seeds it pays (net change above £0.5) or saves."""
        rows = []
        for (agency, label), group in self.pockets.groupby(["agency", "label"], sort=False):
            net = group.set_index("seed").loc[self.seeds, "net_change"].to_numpy(dtype=float)
            low, high = mean_interval(net)
            rows.append({"agency": agency, "label": label, "net_change": net.mean(), "low": low, "high": high,
                         "pays_in": int((net > 0.5).sum()), "saves_in": int((net < -0.5).sum()), "reps": net.size})
        return pd.DataFrame(rows)

    def who_pays_by_year(self) -> pd.DataFrame:
        """Per agency and year: the net change under B, mean and 95% interval over seeds."""
        rows = []
        for (agency, year), group in self.by_year.groupby(["agency", "year"], sort=False):
            values = group["net_change"].to_numpy(dtype=float)
            low, high = mean_interval(values)
            rows.append({"agency": agency, "year": int(year), "net_change": values.mean(), "low": low, "high": high,
                         "reps": values.size})
        return pd.DataFrame(rows)

    def yearly_summary(self) -> pd.DataFrame:
        """Per variant, year and measure: the mean over seeds and its 95% interval."""
        rows = []
        for (variant, year), group in self.yearly.groupby(["variant", "year"]):
            for measure in ("crises", "referrals", "in_crisis_tier", "spend", "over_spend"):
                values = group[measure].to_numpy(dtype=float)
                low, high = mean_interval(values)
                rows.append({"variant": variant, "year": int(year), "measure": measure, "mean": values.mean(),
                             "low": low, "high": high})
        return pd.DataFrame(rows)

    def verdict(self) -> list[str]:
        """The answer in plain words (see `verdict`)."""
        return verdict(self)


def compare_paired(scenario: str | Path = DEFAULT_SCENARIO, a: Overrides = (), b: Overrides = (), common: Overrides = (),
                   reps: int = DEFAULT_REPS, master_seed: int | None = None, workers: int | None = None,
                   wanted: Callable[[], bool] | None = None, posterior: str | Path | bool | None = None,
                   first: Comparison | None = None) -> PairedComparison:
    """A and B (by default siloed and integrated) on `reps` seeds spawned from the master
    seed (default: the scenario's run.seed), each seed's pair in a worker process. With
    `wanted`, asked as pairs finish: once it says False, the pairs still running are
    stopped and RunStopped is raised (the app's runs, replaced by newer levers). With
    `posterior` (True: the place's calibration's; or a file of draws), each seed's A and
    B also share a set of fitted parameters drawn from it (`experiments.posterior`).
    `first`: the first seed's pair, already run (the app's charts, `first_seed`), taken
    as it is rather than run again; it must be of exactly the scenarios that seed's pair
    would run."""
    if reps < 1:
        raise ScenarioError(f"reps = {reps}: give at least 1 replication (10 or more to state an effect)")
    a_map, b_map, shared = _as_mapping(a), _as_mapping(b), _as_mapping(common)
    if not a_map and not b_map:
        a_map, b_map = {"regime.kind": "siloed"}, {"regime.kind": "integrated"}
    spec = load_scenario(scenario, {**shared, **a_map})  # both checked before any run
    load_scenario(scenario, {**shared, **b_map})
    master = spec.run.seed if master_seed is None else master_seed
    seeds = seeds_for(master, reps)
    draws, drawn = _drawn(scenario, posterior, master, reps, [shared, a_map, b_map])
    jobs = [(scenario, a_map, b_map, {**drawn[i], **shared, "run.seed": seed}, i == 0) for i, seed in enumerate(seeds)]
    if first is not None:
        _check_first(first, jobs[0])
        pairs = [_reduced(first, True), *_run_pairs(_pair, jobs[1:], reps, workers, wanted)]
    else:
        pairs = _run_pairs(_pair, jobs, reps, workers, wanted)
    return _paired_from(pairs, _label(a_map), _label(b_map), seeds, scenario, draws)


def first_seed(master_seed: int) -> int:
    """The seed of the first pair `compare_paired` runs from a master seed: the one whose
    charts are shown (the same whatever the number of seeds)."""
    return seeds_for(master_seed, 1)[0]


def _check_first(first: Comparison, job) -> None:
    """A pair run elsewhere stands for the first seed's only if it ran exactly the
    scenarios that seed's pair would (the seed, the levers, any drawn parameters)."""
    scenario, a, b, common, _ = job
    for given, levers, name in ((first.a, a, "A"), (first.b, b, "B")):
        if given.scenario != load_scenario(scenario, {**common, **levers}):
            raise ValueError(f"the first pair's {name} ran on other settings (seed {given.scenario.run.seed}) than "
                             f"the first seed's (seed {common['run.seed']}): run it again, or leave `first` out")


def _drawn(scenario, posterior, master: int, reps: int, set_by_user: list[dict]) -> tuple[list[int] | None, list[dict]]:
    """Per seed, the posterior's row and the fitted values it sets (none without a posterior),
    each checked to load with every variant's own levers."""
    if not posterior:
        return None, [{} for _ in range(reps)]
    draws, drawn = draws_for(scenario, posterior, master, reps, set_by_user=[key for user in set_by_user for key in user])
    for values in {json.dumps(values, sort_keys=True): values for values in drawn}.values():
        for variant in set_by_user[1:] or [{}]:
            load_scenario(scenario, {**values, **set_by_user[0], **variant})
    return draws, drawn


def _pair(job) -> dict[str, Any]:
    """One seed's A and B, reduced in the worker to what the summaries need (and, for the
    first seed, the whole comparison)."""
    scenario, a, b, common, keep = job
    return _reduced(compare(scenario, a=a, b=b, common=common, concurrently=False), keep)


def _reduced(comparison: Comparison, keep: bool) -> dict[str, Any]:
    """What the summaries need of one seed's comparison (and, if `keep`, the comparison)."""
    seed = comparison.a.scenario.run.seed
    runs = pd.DataFrame([{"variant": "A", "seed": seed, **comparison.a.outcomes()},
                         {"variant": "B", "seed": seed, **comparison.b.outcomes()}])
    by_year = (comparison.spend_change_by_year().drop(index="total").rename_axis("agency").reset_index()
               .melt(id_vars="agency", var_name="year", value_name="net_change").assign(seed=seed))
    yearly = pd.concat([comparison.a.yearly().reset_index().assign(variant="A"),
                        comparison.b.yearly().reset_index().assign(variant="B")]).assign(seed=seed)
    return {"runs": runs, "pocket": comparison.wrong_pocket().assign(seed=seed), "by_year": by_year, "yearly": yearly,
            "comparison": comparison if keep else None}


def _run_pairs(function, jobs: list, reps: int, workers: int | None, wanted: Callable[[], bool] | None) -> list:
    """`function` over the jobs (one a seed), in worker processes; stopped, with RunStopped,
    once `wanted` says False."""
    workers = min(workers or default_workers(), len(jobs))
    still = wanted or (lambda: True)
    if workers <= 1:
        done = []
        for job in jobs:
            if not still():
                raise RunStopped(f"stopped after {len(done)} of {reps} seeds")
            done.append(function(job))
        return done
    with worker_pool(workers) as pool:
        futures = [pool.submit(function, job) for job in jobs]
        while not all(future.done() for future in futures):
            if not still():
                pool.stop()
                raise RunStopped(f"stopped after {sum(f.done() for f in futures)} of {reps} seeds")
            wait([f for f in futures if not f.done()], timeout=0.2, return_when=FIRST_COMPLETED)
        return [future.result() for future in futures]


def _paired_from(pairs: list[dict], a_label: str, b_label: str, seeds: list[int], place,
                 draws: list[int] | None = None) -> PairedComparison:
    return PairedComparison(draws=draws,
        a_label=a_label, b_label=b_label, seeds=seeds,
        runs=pd.concat([pair["runs"] for pair in pairs], ignore_index=True),
        pockets=pd.concat([pair["pocket"] for pair in pairs], ignore_index=True),
        by_year=pd.concat([pair["by_year"] for pair in pairs], ignore_index=True),
        yearly=pd.concat([pair["yearly"] for pair in pairs], ignore_index=True),
        first=pairs[0]["comparison"], place=str(place) if isinstance(place, (str, Path)) else None)


MAX_OPTIONS = 4  # options side by side, the first the one the others are measured against


def compare_options(scenario: str | Path = DEFAULT_SCENARIO, options: Mapping[str, Overrides] | None = None,
                    common: Overrides = (), reps: int = DEFAULT_REPS, master_seed: int | None = None,
                    workers: int | None = None, wanted: Callable[[], bool] | None = None,
                    posterior: str | Path | bool | None = None) -> dict[str, PairedComparison]:
    """Two to four options on the same seeds: each option after the first compared with the
    first, seed by seed (common random numbers: on a seed every option meets the same
    households, and with `posterior` the same fitted parameters, as in `compare_paired`).
    Returns, per later option, its comparison with the first; the first's runs are shared
    by all of them."""
    options = {name: _as_mapping(overrides) for name, overrides in (options or {}).items()}
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise ScenarioError(f"give 2 to {MAX_OPTIONS} options (the first is what the others are measured against); "
                            f"got {len(options)}")
    if reps < 1:
        raise ScenarioError(f"reps = {reps}: give at least 1 replication (10 or more to state an effect)")
    shared = _as_mapping(common)
    for name, overrides in options.items():
        try:
            load_scenario(scenario, {**shared, **overrides})
        except ScenarioError as error:
            raise ScenarioError(f"option {name}: {error}") from None
    spec = load_scenario(scenario, shared)
    master = spec.run.seed if master_seed is None else master_seed
    seeds = seeds_for(master, reps)
    draws, drawn = _drawn(scenario, posterior, master, reps, [shared, *options.values()])
    jobs = [(scenario, options, {**drawn[i], **shared, "run.seed": seed}, i == 0) for i, seed in enumerate(seeds)]
    per_seed = _run_pairs(_options_job, jobs, reps, workers, wanted)
    first, *others = options
    return {name: _paired_from([seed_result[name] for seed_result in per_seed], first, name, seeds, scenario, draws)
            for name in others}


def _options_job(job) -> dict[str, dict[str, Any]]:
    """One seed: the first option once, every other option, each compared with the first."""
    scenario, options, common, keep = job
    (first, base), *others = options.items()
    base_run = run(scenario, {**common, **base})
    return {name: _reduced(Comparison(a=base_run, b=run(scenario, {**common, **overrides}), a_label=first, b_label=name),
                           keep) for name, overrides in others}


OPTION_MEASURES = ("crises", "spend", "over_spend")


def table_amount(measure: str, value: float, signed: bool = False) -> str:
    """A whole-run figure as the tables print it (money in £m), never '-0'."""
    digits, scale = (2, 1e6) if measure in MONEY else (0, 1.0)
    shown = round(value / scale, digits) + 0.0  # (+ 0.0 turns -0.0 into 0.0)
    return f"{shown:{'+' if signed and shown else ''},.{digits}f}"


def options_table(found: Mapping[str, PairedComparison]) -> pd.DataFrame:
    """Options side by side (`compare_options`' result): per option, the whole-run mean over
    the seeds of crises, spend and over-spend (£m), and for each after the first the change
    against the first with its 95% interval in brackets."""
    rows: dict[str, dict[str, str]] = {}
    for name, paired in found.items():
        summary = paired.summary()
        if not rows:
            rows[paired.a_label] = {m: table_amount(m, summary.loc[m, "a"]) for m in OPTION_MEASURES}
        rows[name] = {m: f"{table_amount(m, summary.loc[m, 'b'])} ({table_amount(m, summary.loc[m, 'change'], True)} "
                         f"[{table_amount(m, summary.loc[m, 'change_low'], True)}, "
                         f"{table_amount(m, summary.loc[m, 'change_high'], True)}])"
                      for m in OPTION_MEASURES}
    return pd.DataFrame(rows).T.rename(columns={"spend": "spend £m", "over_spend": "over-spend £m"})


def options_summary(found: Mapping[str, PairedComparison]) -> pd.DataFrame:
    """The same, as numbers (one row per option and measure: its mean, and the change
    against the first with its interval; the first's change is 0), for a CSV."""
    frames = []
    for name, paired in found.items():
        summary = paired.summary().reset_index()
        if not frames:
            frames.append(pd.DataFrame({"option": paired.a_label, "measure": summary["measure"], "mean": summary["a"],
                                        "change": 0.0, "change_low": 0.0, "change_high": 0.0, "reps": summary["reps"]}))
        frames.append(pd.DataFrame({"option": name, "measure": summary["measure"], "mean": summary["b"],
                                    "change": summary["change"], "change_low": summary["change_low"],
                                    "change_high": summary["change_high"], "reps": summary["reps"]}))
    return pd.concat(frames, ignore_index=True)


# --- the verdict in words ------------------------------------------------------------------
def money(pounds: float) -> str:
    """An amount of money as people say it: £850k, £1.23m (no sign: words carry it)."""
    pounds = abs(pounds)
    if pounds >= 1e6:
        return f"£{pounds / 1e6:,.2f}m"
    if pounds >= 1e3:
        return f"£{pounds / 1e3:,.0f}k"
    return f"£{pounds:,.0f}"


def verdict(paired: PairedComparison, names: tuple[str, str] = ("A", "B")) -> list[str]:
    """The answer in plain words, from the seeds: the change in crises, spend and
    over-spend with their ranges (or that it is within the noise: the 95% interval holds
    no change), then who pays and who saves, with on how many seeds. `names`: what the
    lines after the first call A and B ("siloed", "the room")."""
    a_name, b_name = names
    table, n = paired.summary(), len(paired.seeds)
    years = paired.scenario.run.years
    drawn = ("" if paired.draws is None else
             f", each on fitted parameters drawn from the calibration's posterior ({len(set(paired.draws))} distinct "
             f"set{'s' if len(set(paired.draws)) != 1 else ''}), so the ranges hold what the published rates leave uncertain")
    lines = [f"A: {paired.a_label}. B: {paired.b_label}. Over {years} year{'s' if years != 1 else ''}, "
             f"on {n} seed{'s' if n != 1 else ''} (A and B meet the same households on each{drawn}):"]
    if n < 2:
        lines.append("One seed is one draw of chance: there is no range to give. Run 10 or more replications "
                     "before taking this to anyone.")
    crises = table.loc["crises"]
    lines.append("Crises: " + _said(crises["share"], crises["share_low"], crises["share_high"], n, _share,
                                    ("fewer", "more"), b_name))
    for measure in MONEY:
        row = table.loc[measure]
        label = "Spend" if measure == "spend" else "Over-spend"
        words = ("less", "more")
        lines.append(f"{label}: " + _said(row["change"], row["change_low"], row["change_high"], n, money, words, b_name))
    scaled = _scaled_to_place(paired, table, n, b_name)
    if scaled:
        lines.append(scaled)
    lines.append(_who_pays(paired.who_pays(), n, names))
    return lines


def _scaled_to_place(paired: PairedComparison, table: pd.DataFrame, n: int, who: str = "B") -> str:
    """When the runs were a sample of the place, the whole-run changes scaled to all its
    households (an assumption, said: needs and budgets grow in proportion to households)."""
    if paired.place is None:
        return ""
    whole = load_scenario(paired.place).population.households
    sample = paired.scenario.population.households
    if whole <= sample:
        return ""
    factor = whole / sample
    crises, spend = table.loc["crises"], table.loc["spend"]

    def count(value: float) -> str:
        return f"{abs(value):,.0f}"

    return (f"The runs are a sample of {sample:,} of {paired.scenario.place.name}'s {whole:,} households; scaled to them all "
            f"(x{factor:.1f}, assuming needs and budgets grow in proportion): crises, "
            + _said(crises["change"] * factor, crises["change_low"] * factor, crises["change_high"] * factor, n, count,
                    ("fewer", "more"), who)
            + "; spend, " + _said(spend["change"] * factor, spend["change_low"] * factor, spend["change_high"] * factor,
                                  n, money, ("less", "more"), who) + ".")


def _said(mean: float, low: float, high: float, n: int, form, words: tuple[str, str], who: str) -> str:
    """'B has 4.1% fewer (2.0% to 6.2% fewer)'; or, when the interval holds zero, that the
    difference is within the noise, with its range either way."""
    less, more = words
    if n < 2:
        return f"{who}: {form(mean)} {less if mean < 0 else more} on this one seed" if mean != 0 else f"{who}: no change"
    if low <= 0 <= high:
        if low == high == 0:
            return "within the noise: no difference on any seed"
        return (f"within the noise: {who} could be from {form(low)} {less if low < 0 else more} to "
                f"{form(high)} {less if high < 0 else more} (95% interval)")
    word = less if mean < 0 else more
    near, far = sorted((abs(low), abs(high)))
    return f"{who} {form(mean)} {word} ({form(near)} to {form(far)} {word}, 95% interval)"


def _share(value: float) -> str:
    return f"{abs(value):.1%}"


def _who_pays(table: pd.DataFrame, n: int, names: tuple[str, str] = ("A", "B")) -> str:
    """Who pays and who saves under B, most moved first, each with how often it does; then
    the agencies whose change is within the noise."""
    clear, noise = [], []
    for row in table.reindex(table["net_change"].abs().sort_values(ascending=False).index).itertuples():
        name = "the key workers' pool" if row.agency == POOL else row.label
        if n >= 2 and row.low <= 0 <= row.high:
            noise.append(f"{name} (pays in {row.pays_in} of {n} runs, saves in {row.saves_in})" if row.pays_in or row.saves_in
                         else f"{name} (no change)")
            continue
        verb, often = ("pays", row.pays_in) if row.net_change > 0 else ("saves", row.saves_in)
        near, far = sorted((abs(row.low), abs(row.high)))
        ranged = f" ({money(near)} to {money(far)}; {verb} in {often} of {n} runs)" if n >= 2 else ""
        clear.append(f"{name} {verb} {money(row.net_change)}{ranged}")
    said = f"Who pays and who saves under {names[1]}, against {names[0]}: " + ("; ".join(clear) if clear else "no agency clearly")
    return said + (f". Within the noise: {', '.join(noise)}." if noise else ".")
