"""Calibration by approximate Bayesian computation: ABC-SMC (sequential Monte Carlo, with
pyabc) for the needs' dynamics, and scaling for the crisis rates.

Method: a population of `calibration.population` parameter sets is drawn from the prior
(uniform over each parameter's [low, high] in targets.toml); each set runs the targets'
scenarios once, on a seed of its own, and is scored by its distance to the fitted targets
(the root mean square of how far each value falls from the middle of its range, in
half-widths: 1 at an edge). Sets within the generation's tolerance are kept; each next
generation perturbs the kept sets and lowers the tolerance (pyabc's adaptive epsilon),
for up to `calibration.generations` generations, until the tolerance reaches
`calibration.tolerance` or too few sets are accepted (Toni et al., 2009; Klinger et al.,
2018). The last generation, weighted, is the posterior: it is kept beside the scenario as
a file of parameter draws (`posterior_draws`), from which replications can draw.

The fitted value is one of the posterior's sets, not its medians: the parameters trade off
against each other (more shocks or less recovery give the same prevalence), so medians
taken one parameter at a time can combine into a set far from every target. Each set was
run once, so the closest on that run is partly the luckiest; the closest sets are
therefore run again on `measure.reps` selection seeds of their own (never the validation
seeds), and the one closest on average is the fitted set. The fit is then judged on fresh
seeds never used for fitting (`verify`). Seeds are drawn afresh for each simulation, so
the posterior carries the model's own noise as well as the parameters'; with several
worker processes the order of simulations, and so the posterior, varies from run to run.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w
from tqdm.auto import tqdm

from locality.parameters.loader import builtin_scenarios, load_scenario, set_dotted

from .processes import worker_pool
from .replications import default_workers, mean_interval, seeds_for
from .targets import MeasureJob, TargetSet, measure, parameter_overrides

CLOSEST_RERUN = 10  # the posterior's closest sets run again on selection seeds, to choose the fitted one


@dataclass
class Posterior:
    """The posterior's sets with their weights and distances, and a summary per parameter."""

    samples: pd.DataFrame     # one row per set: parameter values, weight, distance, distance_again
    summary: pd.DataFrame     # per parameter: the fitted set's value, weighted median, q05, q95, prior low and high
    generations: int = 0
    simulations: int = 0

    @property
    def fitted(self) -> dict[str, float]:
        """The set closest on re-running (see the module docstring)."""
        return self.summary["closest"].to_dict()


def calibrate(targets: TargetSet, *, population: int | None = None, generations: int | None = None,
              workers: int | None = None, progress: bool = False) -> Posterior:
    """ABC-SMC on the fitted targets; see the module docstring for the method."""
    import pyabc  # imported here: it is only needed to calibrate

    params = targets.calibration.parameters
    names = tuple(abc_targets(targets))
    prior = pyabc.Distribution(**{name: pyabc.RV("uniform", p.low, max(p.high - p.low, 1e-12))
                                  for name, p in params.items()})
    middles = {name: (targets.targets[name].low + targets.targets[name].high) / 2 for name in names}

    def simulate(values: Mapping[str, float]) -> dict[str, float]:
        seed = int(np.random.default_rng().integers(2**31))
        return measure(MeasureJob(targets, names, {k: float(v) for k, v in dict(values).items()}, seed))

    def distance(simulated: Mapping[str, float], _observed: Mapping[str, float]) -> float:
        return _distance(targets, simulated)

    workers = workers or default_workers()
    sampler = (pyabc.sampler.SingleCoreSampler() if workers <= 1 else
               pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers))
    abc = pyabc.ABCSMC(simulate, prior, distance, population_size=population or targets.calibration.population,
                       sampler=sampler)
    with tempfile.TemporaryDirectory() as folder:
        history = abc.new(f"sqlite:///{Path(folder) / 'abc.db'}", middles)
        history = abc.run(minimum_epsilon=targets.calibration.tolerance,
                          max_nr_populations=generations or targets.calibration.generations,
                          min_acceptance_rate=targets.calibration.min_acceptance)
        last_population = history.get_population_extended(t="last")  # per set: parameters, weight, distance
        simulations = int(history.total_nr_simulations)
        last = int(history.max_t) + 1
    frame = pd.DataFrame({name: last_population[f"par_{name}"].to_numpy(float) for name in params})
    frame["weight"] = last_population["w"].to_numpy() / last_population["w"].sum()
    frame["distance"] = last_population["distance"].to_numpy()
    closest = frame["distance"].nsmallest(min(CLOSEST_RERUN, len(frame))).index
    frame["distance_again"] = np.nan
    frame.loc[closest, "distance_again"] = _distance_again(targets, names, frame.loc[closest, list(params)],
                                                           workers, progress)
    summary = pd.DataFrame({
        "closest": frame.loc[frame["distance_again"].idxmin(), list(params)].astype(float),
        "median": {n: _weighted_quantile(frame[n], frame["weight"], 0.5) for n in params},
        "q05": {n: _weighted_quantile(frame[n], frame["weight"], 0.05) for n in params},
        "q95": {n: _weighted_quantile(frame[n], frame["weight"], 0.95) for n in params},
        "prior_low": {n: p.low for n, p in params.items()},
        "prior_high": {n: p.high for n, p in params.items()},
    })
    return Posterior(frame, summary, last, simulations)


def _weighted_quantile(values: pd.Series, weights: pd.Series, q: float) -> float:
    order = np.argsort(values.to_numpy())
    cumulative = np.cumsum(weights.to_numpy()[order])
    return float(values.to_numpy()[order][np.searchsorted(cumulative, q * cumulative[-1])])


def abc_targets(targets: TargetSet) -> dict:
    """The fitted targets that the approximate Bayesian computation fits: all but the crisis
    rates, which `fit_rates` fits by scaling each kind's rate, and those another command
    fits (`fitted_by`: children's social care's front door and protection lines)."""
    return {name: t for name, t in targets.fitted().items() if t.metric != "crisis_rate" and t.fitted_by is None}


def _distance_again(targets: TargetSet, names: tuple[str, ...], sets: pd.DataFrame, workers: int | None,
                    progress: bool) -> list[float]:
    """Each set's distance from the mean of its targets over `measure.reps` selection seeds."""
    reps = targets.measure.reps
    seeds = seeds_for(targets.measure.calibration_seed + 1, reps)
    jobs = [MeasureJob(targets, names, {k: float(v) for k, v in row.items()}, seed)
            for _, row in sets.iterrows() for seed in seeds]
    values = pd.DataFrame(_measure_all(jobs, workers, progress, "re-running kept sets"))
    means = values.groupby(np.arange(len(values)) // reps).mean()
    return [_distance(targets, row.to_dict()) for _, row in means.iterrows()]


def _distance(targets: TargetSet, values: Mapping[str, float]) -> float:
    gaps = [targets.targets[name].off_centre(value) for name, value in values.items()]
    return float(np.sqrt(np.mean(np.square(gaps))))


def _measure_all(jobs: Sequence[MeasureJob], workers: int | None, progress: bool, label: str) -> list[dict[str, float]]:
    workers = min(workers or default_workers(), len(jobs))
    bar = tqdm(total=len(jobs), desc=label, unit="run", disable=not progress)
    try:
        if workers <= 1:
            results = []
            for job in jobs:
                results.append(measure(job))
                bar.update()
            return results
        with worker_pool(workers) as pool:
            results = []
            for value in pool.map(measure, jobs):
                results.append(value)
                bar.update()
            return results
    finally:
        bar.close()


def fit_rates(targets: TargetSet, values: Mapping[str, float] | None = None, *, rounds: int = 3,
              reps: int | None = None, workers: int | None = None, progress: bool = False) -> pd.DataFrame:
    """Each crisis kind's `rate` scaled until the status quo meets the middle of its fitted
    `crisis_rate` target. A kind's crises are close to proportional to its rate (the rate
    scales the chance at every level of need), so each round measures the crises a unit of
    rate brings, on `measure.reps` calibration seeds of its own, and sets the rate to the
    target's middle over that yield, pooled over every round so far (rare crises are
    noisy: pooling gives the later rounds all the runs' events); the rounds also take up
    what crises do to needs and budgets. Returns per target: the crisis, the rate before
    and after, and the value measured in the last round."""
    rated = {name: t for name, t in targets.fitted().items() if t.metric == "crisis_rate"}
    if not rated:
        return pd.DataFrame()
    places = {t.scenario for t in rated.values()}
    if len(places) > 1:
        raise ValueError(f"crisis rates are fitted on one place; the targets name {sorted(places)}")
    crises = load_scenario(places.pop()).crises
    start = {t.crisis: crises[t.crisis].rate for t in rated.values()}
    rate = dict(start)
    per_round = reps or targets.measure.reps
    yields: dict[str, list[float]] = {name: [] for name in rated}  # per round: the value a unit of rate brings
    for round_ in range(rounds):
        seeds = seeds_for(targets.measure.calibration_seed + 2 + round_, per_round)
        settings = {f"crises.{crisis}.rate": value for crisis, value in rate.items()}
        jobs = [MeasureJob(targets, tuple(rated), dict(values or {}), seed, settings) for seed in seeds]
        measured = pd.DataFrame(_measure_all(jobs, workers, progress, "fitting crisis rates")).mean()
        for name, target in rated.items():
            yields[name].append(measured[name] / rate[target.crisis])
            pooled = float(np.mean(yields[name]))
            if pooled > 0:
                rate[target.crisis] = min(1.0, (target.low + target.high) / 2 / pooled)
    return pd.DataFrame({"crisis": [t.crisis for t in rated.values()],
                         "rate_before": [start[t.crisis] for t in rated.values()],
                         "rate": [rate[t.crisis] for t in rated.values()],
                         "measured": [measured[name] for name in rated],
                         "low": [t.low for t in rated.values()], "high": [t.high for t in rated.values()]},
                        index=list(rated))


def rates_file(fitted: pd.DataFrame, existing: str | None, extends: str) -> str:
    """The fitted scenario file with the crisis rates set (keeping what else it fits)."""
    document = tomllib.loads(existing) if existing else {"extends": extends}
    today = dt.date.today().isoformat()
    for _, row in fitted.iterrows():
        set_dotted(document, f"crises.{row['crisis']}.rate", {"value": float(f"{row['rate']:.4g}"),
                                                              "source": _rate_source(row, today)})
    header = ("# Fitted by `locality calibrate`: the needs' parameters by approximate Bayesian computation,\n"
              f"# the crisis rates by scaling to their targets (last on {today}), against parameters/targets.toml.\n"
              "# Rerun the command to refit; do not edit by hand.\n")
    return header + tomli_w.dumps(document)


def _rate_source(row: pd.Series, today: str) -> str:
    return (f"fitted: `locality calibrate` on {today}, scaled so the status quo meets targets.{row.name} "
            f"({row['low']:g} to {row['high']:g}; before the last scaling it measured {row['measured']:.3g})")


def verify(targets: TargetSet, values: Mapping[str, float] | None = None, *, reps: int | None = None,
           names: Sequence[str] | None = None, workers: int | None = None, progress: bool = False,
           settings: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Every chosen target measured on fresh seeds: mean, 95% interval, range and verdict."""
    names = tuple(names or targets.targets)
    reps = reps or targets.measure.reps
    seeds = seeds_for(targets.measure.validation_seed, reps)
    jobs = [MeasureJob(targets, names, dict(values or {}), seed, dict(settings or {})) for seed in seeds]
    measured = pd.DataFrame(_measure_all(jobs, workers, progress, "validating"))
    rows = []
    for name in names:
        target = targets.targets[name]
        mean = float(measured[name].mean())
        low, high = mean_interval(measured[name].to_numpy()) if reps > 1 else (mean, mean)
        rows.append({
            "target": name, "label": target.label, "role": target.role, "scenario": target.scenario,
            "variant": target.variant, "low": target.low, "high": target.high, "unit": target.unit,
            "model": mean, "model_low": low, "model_high": high, "reps": reps,
            "verdict": "pass" if target.inside(mean) else "miss", "source": target.source,
        })
    return pd.DataFrame(rows).set_index("target")


def reference_scenario(targets: TargetSet, extends: str) -> str:
    """The runnable scenario whose current values the fitted factors multiply."""
    if extends in builtin_scenarios():
        return extends
    return next(iter(targets.fitted().values())).scenario


def fitted_file(targets: TargetSet, posterior: Posterior, extends: str, note: str = "",
                rates: pd.DataFrame | None = None) -> str:
    """A scenario file that extends `extends` and sets every fitted value, with its uncertainty."""
    params = targets.calibration.parameters
    reference = reference_scenario(targets, extends)
    central = parameter_overrides(reference, params, posterior.fitted)
    low = parameter_overrides(reference, params, posterior.summary["q05"].to_dict())
    high = parameter_overrides(reference, params, posterior.summary["q95"].to_dict())
    owner = {key: name for name in params for key in parameter_overrides(reference, {name: params[name]}, posterior.fitted)}
    today = dt.date.today().isoformat()
    document: dict = {"extends": extends}
    for key, value in central.items():
        name = owner[key]
        row = posterior.summary.loc[name]
        how = "set to" if params[name].set else "factor"
        source = (f"calibrated: `locality calibrate` on {today}, ABC-SMC ({posterior.generations} generations, "
                  f"{len(posterior.samples)} sets in the posterior, {posterior.simulations} simulations) against "
                  f"parameters/targets.toml; {params[name].label} {how} {row['closest']:.4g}, the posterior's set "
                  f"closest on re-running (posterior: weighted median {row['median']:.4g}, 90% {row['q05']:.4g} to "
                  f"{row['q95']:.4g}; prior {row['prior_low']:.4g} to {row['prior_high']:.4g}); this value {value:.4g} "
                  f"(90%: {min(low[key], high[key]):.4g} to {max(low[key], high[key]):.4g})")
        set_dotted(document, key, {"value": round(value, 6), "source": source})
    for _, row in (rates if rates is not None else pd.DataFrame()).iterrows():
        set_dotted(document, f"crises.{row['crisis']}.rate", {"value": float(f"{row['rate']:.4g}"),
                                                              "source": _rate_source(row, today)})
    header = (f"# Fitted by `locality calibrate` on {today}: the needs' dynamics by approximate Bayesian computation\n"
              f"# (ABC-SMC; the posterior's draws are in the .posterior.csv beside this file), its factors applied to\n"
              f"# the targets' scenarios as they stood (refitting the built-in layer refines the last fit); the\n"
              f"# crisis rates by scaling each to its target. Rerun the command to refit; do not edit by hand.{note}\n")
    return header + tomli_w.dumps(document)


def only(targets: TargetSet, names: Sequence[str]) -> TargetSet:
    """The targets with only these calibration parameters left to fit (`--only`): the
    others keep the values the scenarios have now."""
    params = targets.calibration.parameters
    unknown = [name for name in names if name not in params]
    if unknown:
        raise ValueError(f"--only: no calibration parameter {', '.join(map(repr, unknown))} in the targets file; "
                         f"choose from {', '.join(params)}")
    calibration = targets.calibration.model_copy(update={"parameters": {name: params[name] for name in names}})
    return targets.model_copy(update={"calibration": calibration})


def refit_file(existing: str, fitted: str, names: Sequence[str]) -> str:
    """A fitted scenario file (`existing`) with the values of a narrower refit (`fitted`,
    as `fitted_file` wrote it) in place of its own, everything else kept, and a line
    in its header saying what was refitted."""
    document = tomllib.loads(existing)
    _merge(document, {key: value for key, value in tomllib.loads(fitted).items() if key != "extends"})
    header = [line for line in existing.splitlines() if line.startswith("#")]
    header.append(f"# {dt.date.today().isoformat()}: {', '.join(names)} refitted alone "
                  f"(`locality calibrate --only`), the other values kept; the crisis rates rescaled with them.")
    return "\n".join(header) + "\n" + tomli_w.dumps(document)


def _merge(into: dict, new: dict) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and "value" not in value and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def flat_settings(document: dict, prefix: str = "") -> dict[str, dict]:
    """Every {value, source} setting of a scenario document by its dotted key."""
    found = {}
    for key, value in document.items():
        if isinstance(value, dict) and "value" in value:
            found[prefix + key] = value
        elif isinstance(value, dict):
            found |= flat_settings(value, f"{prefix}{key}.")
    return found


def rescaled_draws(draws: pd.DataFrame, before: Mapping[str, float], after: Mapping[str, float]) -> pd.DataFrame:
    """The posterior's draws with each refitted key scaled by how far the refit moved its
    value (`after` over `before`), so the draws stay centred on the values in force and
    keep the joint spread of the fit they came from."""
    draws = draws.copy()
    for key, value in after.items():
        if key in draws and before.get(key):
            draws[key] = draws[key] * (value / before[key])
    return draws


def with_new_keys(draws: pd.DataFrame, narrow: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The posterior's draws with the keys a narrower refit fitted that they lack
    (`narrow`: its own draws, weight and keys) added, each row given one of the narrow
    draws resampled by weight: independent of the other keys, as the refit fitted them
    alone with the others held at the values in force."""
    new = [key for key in narrow.columns if key != "weight" and key not in draws]
    if not new:
        return draws
    weights = narrow["weight"].to_numpy(np.float64)
    rows = np.random.default_rng(seed).choice(len(narrow), size=len(draws), p=weights / weights.sum())
    return draws.assign(**{key: narrow[key].to_numpy()[rows] for key in new})


def posterior_draws(targets: TargetSet, posterior: Posterior, extends: str) -> pd.DataFrame:
    """The posterior as scenario values: a row per set, its weight, and the value of every
    key the parameters set, so replications can run on draws from it."""
    params = targets.calibration.parameters
    reference = reference_scenario(targets, extends)
    rows = [{"weight": row["weight"], **parameter_overrides(reference, params, row[list(params)].to_dict())}
            for _, row in posterior.samples.iterrows()]
    return pd.DataFrame(rows)


def write_fitted(path: str | Path, text: str) -> Path:
    """Write atomically, so a killed calibration never leaves half a scenario file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(path.suffix + ".partial")
    staging.write_text(text, encoding="utf-8")
    staging.replace(path)
    return path
