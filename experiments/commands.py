"""What each `locality` command does, once its arguments are parsed (`experiments.cli`
parses them, and imports this module only then, so `locality --help` does not load the
model)."""

from __future__ import annotations

import json
import shlex
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from locality.parameters.loader import (
    DEFAULT_SCENARIO,
    ScenarioError,
    parse_overrides,
    builtin_scenarios,
    flat_figures,
    load_scenario,
    source_for,
)
from locality.parameters.unit_costs import DEFLATOR, PRICE_YEAR, catalogue, uprated_costs

from .analysis import analyse, instability
from .calibrate import (
    abc_targets,
    calibrate,
    fit_rates,
    fitted_file,
    flat_settings,
    only,
    posterior_draws,
    rates_file,
    refit_file,
    rescaled_draws,
    verify,
    with_new_keys,
    write_fitted,
)
from .caseloads import caseload_tradeoff
from .posterior import posterior_beside as posterior_path
from .assumptions import ASSUMPTIONS, HEADLINES, study_assumptions
from .decompose import decompose
from .payback import SHIFT, payback
from .discovery import discover
from .replications import replicate
from .report import write_report
from .results import Results
from .runner import Comparison, _as_mapping, compare, run
from .store import Store
from .outputs import check_out, save_or_keep
from .paired import compare_options, compare_paired, options_table, table_amount
from .provenance import provenance
from .sweep import SweepSpec, exit_at_once_on_signal, load_spec, plan_runs, run_sweep
from .targets import load_targets
from .validate import validate


def cmd_run(args) -> int:
    overrides = _common_overrides(args)
    spec = load_scenario(args.scenario, overrides)  # fail fast, before any output
    out = check_out(Path(args.out) if args.out else _default_out(args.scenario, spec.run.seed), args.overwrite)
    if args.reps > 1:
        return _run_replications(spec, args, out, overrides)
    print(f"Locality: {spec.place.name}, {spec.population.households:,} households, {spec.run.years} years, "
          f"{spec.regime.kind} regime, seed {spec.run.seed}")
    results = run(spec, progress=_interactive())
    _print_yearly(results)
    if args.profile:
        _print_profile(results)
    out = save_or_keep(results, out, overwrite=args.overwrite)
    print(f"\nResults written to {out}/ ({', '.join(results.frames_kept())} as Parquet; scenario.toml reproduces the run)")
    _json(args, {**_about(spec), "out": str(out), "outcomes": results.outcomes(),
                 "yearly": _records(results.yearly().reset_index()),
                 "crises_by_kind": _records(results.crises_by_kind().reset_index()), "made_by": provenance()})
    return 0


def _run_replications(spec, args, out: Path, overrides) -> int:
    print(f"Locality: {spec.place.name}, {spec.population.households:,} households, {spec.run.years} years, "
          f"{spec.regime.kind} regime, {args.reps} replications from master seed {spec.run.seed}"
          + (f", each on a draw from the posterior {args.posterior}" if args.posterior else ""))
    # the place and the user's overrides as given, so a posterior draw can leave what either sets
    study = replicate(args.scenario, overrides, reps=args.reps, workers=args.workers, posterior=args.posterior)
    summary = study.summary()
    table = summary.assign(shown=[_interval(row) for row in summary.itertuples()]).pivot(index="year", columns="measure", values="shown")
    columns = [m for m in ("crises", "referrals", "waiting", "in_crisis_tier", "spend", "over_spend") if m in table]
    print(f"\nPer year: mean [95% interval] over {args.reps} replications (spend in £m):")
    print(table[columns].rename(columns={"in_crisis_tier": "in crisis", "spend": "spend £m", "over_spend": "over-spend £m"}).to_string())
    saved = [save_or_keep(results, out / f"seed-{seed}", overwrite=args.overwrite) for seed, results in zip(study.seeds, study.runs)]
    folder = saved[0].parent if saved else out
    summary.to_csv(folder / "summary.csv", index=False)
    print(f"\nResults written to {folder}/ (one folder per seed, summary.csv)")
    _json(args, {**_about(spec), "reps": args.reps, "seeds": study.seeds, "draws": study.draws, "out": str(folder),
                 "summary": _records(summary), "outcomes": [r.outcomes() for r in study.runs], "made_by": provenance()})
    return 0


def _interval(row) -> str:
    scale = 1e6 if row.measure in ("spend", "over_spend") else 1.0
    digits = 2 if scale > 1 else 0
    return f"{row.mean / scale:,.{digits}f} [{row.low / scale:,.{digits}f}, {row.high / scale:,.{digits}f}]"


def _posterior_of(args):
    """--posterior as given: True (the place's calibration), a file of draws, or None. A
    word that is no file is most likely a place read as the file (`--posterior kent`)."""
    given = args.posterior
    if isinstance(given, str) and not Path(given).is_file():
        raise ScenarioError(f"--posterior {given}: no such file of draws. For the place's own calibration, put "
                            "--posterior after the place (locality compare kent --reps 10 --posterior), or give "
                            "--posterior=FILE")
    return given


def cmd_compare(args) -> int:
    args.posterior = _posterior_of(args)
    if args.reps < 1:
        raise ScenarioError(f"--reps {args.reps}: give 1 or more seeds (10 or more to state an effect)")
    if args.option:
        return _compare_options(args)
    if args.reps > 1:
        return _compare_on_seeds(args)
    if args.posterior:
        raise ScenarioError("--posterior draws each seed's fitted parameters: give --reps 2 or more (10 to state an effect)")
    common, started = _starting(args)
    comparison = compare(args.scenario, a=args.a or (), b=args.b or (), common=common, progress=_interactive())
    spec = comparison.a.scenario
    print(f"Locality: {spec.place.name}, {spec.population.households:,} households, {spec.run.years} years, seed {spec.run.seed} "
          f"(both runs meet the same households and shocks)")
    print(f"  A: {comparison.a_label}\n  B: {comparison.b_label}")
    _print_comparison(comparison)
    print("\nOne seed is one draw of chance: these figures have no range. --reps 10 runs A and B on 10 seeds and "
          "gives each its 95% interval, and a verdict in words.")
    if args.out:
        out = Path(args.out)
        a = save_or_keep(comparison.a, out / "a", overwrite=args.overwrite)
        b = save_or_keep(comparison.b, out / "b", overwrite=args.overwrite)
        print(f"\nResults written to {a}/ and {b}/")
    print(f"\n({time.perf_counter() - started:.1f} s)")
    change = comparison.spend_change_by_year()
    _json(args, {**_about(spec, regime=False), "out": str(args.out) if args.out else None, **{
        side: {"label": label, "outcomes": results.outcomes(), "yearly": _records(results.yearly().reset_index())}
        for side, label, results in (("a", comparison.a_label, comparison.a), ("b", comparison.b_label, comparison.b))},
        "spend_change_by_year": _records(change.rename_axis("agency").reset_index().rename(columns=str)),
        "wrong_pocket": _records(comparison.wrong_pocket()), "made_by": provenance()})
    return 0


def _compare_on_seeds(args) -> int:
    """`compare --reps N`: A and B on N seeds, the verdict in words and every figure with its interval."""
    common, started = _starting(args)
    paired = compare_paired(args.scenario, a=args.a or (), b=args.b or (), common=common, reps=args.reps,
                            workers=args.workers, posterior=args.posterior)
    spec = paired.scenario
    print(f"Locality: {spec.place.name}, {spec.population.households:,} households, {spec.run.years} years, "
          f"{args.reps} seeds from master seed {load_scenario(args.scenario, common).run.seed}\n")
    print("\n".join(paired.verdict()))
    summary = paired.summary()
    shown = pd.DataFrame({
        "A": [table_amount(m, summary.loc[m, "a"]) for m in summary.index],
        "B": [table_amount(m, summary.loc[m, "b"]) for m in summary.index],
        "B - A [95% interval]": [f"{table_amount(m, summary.loc[m, 'change'], True)} [{table_amount(m, summary.loc[m, 'change_low'], True)}, "
                                 f"{table_amount(m, summary.loc[m, 'change_high'], True)}]" for m in summary.index],
        "as a share of A": [f"{summary.loc[m, 'share']:+.1%} [{summary.loc[m, 'share_low']:+.1%}, {summary.loc[m, 'share_high']:+.1%}]"
                            if summary.loc[m, "share"] == summary.loc[m, "share"] else "(A is not above zero)"
                            for m in summary.index],
    }, index=summary.index)
    print("\nWhole run, mean over seeds (money in £m):")
    print(shown.to_string())
    pays = paired.who_pays()
    print("\nWho pays and who saves, whole run, £k (net change = spend B + into pool, B less A - spend A):")
    print(pd.DataFrame({"net change £k [95% interval]": [f"{_k(r.net_change)} [{_k(r.low)}, {_k(r.high)}]"
                                                         for r in pays.itertuples()],
                        "pays in": [f"{r.pays_in} of {r.reps}" for r in pays.itertuples()],
                        "saves in": [f"{r.saves_in} of {r.reps}" for r in pays.itertuples()]},
                       index=pays["label"].to_numpy()).to_string())
    _write_tables(args.out, {"summary.csv": summary.reset_index(), "who_pays.csv": pays,
                             "who_pays_by_year.csv": paired.who_pays_by_year(), "runs.csv": paired.runs,
                             "yearly.csv": paired.yearly_summary()})
    print(f"\n({time.perf_counter() - started:.1f} s)")
    _json(args, {**_about(spec, regime=False), "seeds": paired.seeds, "posterior_rows": paired.draws,
                 "a": paired.a_label, "b": paired.b_label,
                 "verdict": paired.verdict(), "summary": _records(summary.reset_index()), "who_pays": _records(pays),
                 "who_pays_by_year": _records(paired.who_pays_by_year()), "out": str(args.out) if args.out else None,
                 "made_by": provenance()})
    return 0


def _compare_options(args) -> int:
    """`compare --option NAME KEY=VALUE ...`: 2 to 4 options on the same seeds, each
    measured against the first."""
    if args.a or args.b:
        raise ScenarioError("give either --a/--b or --option (2 to 4 of them), not both")
    options = {}
    for name, *overrides in args.option:
        if "=" in name:
            raise ScenarioError(f"--option {name}: name the option first, then its settings, e.g. --option cut28 budget.cut=0.28")
        if name in options:
            raise ScenarioError(f"--option {name} is given twice; give each option a name of its own")
        options[name] = overrides
    common, started = _starting(args)
    found = compare_options(args.scenario, options, common, reps=args.reps, workers=args.workers,
                            posterior=args.posterior)
    first = next(iter(options))
    any_paired = next(iter(found.values()))
    spec = any_paired.scenario
    print(f"Locality: {spec.place.name}, {spec.population.households:,} households, {spec.run.years} years, "
          f"{args.reps} seed{'s' if args.reps != 1 else ''}; every option against {first}, seed by seed\n")
    print(f"Whole run, mean over seeds, and in brackets the change against {first} [95% interval] (money in £m):")
    print(options_table(found).to_string())
    for name, paired in found.items():
        print(f"\n{name} against {first}:")
        print("\n".join(f"  {line}" for line in paired.verdict()))
    for name, paired in found.items():
        _write_tables(args.out and str(Path(args.out) / name), {"summary.csv": paired.summary().reset_index(),
                                                                  "who_pays.csv": paired.who_pays(),
                                                                  "who_pays_by_year.csv": paired.who_pays_by_year()})
    print(f"\n({time.perf_counter() - started:.1f} s)")
    _json(args, {**_about(spec, regime=False), "against": first, "options": options,
                 "seeds": any_paired.seeds, "posterior_rows": any_paired.draws, "made_by": provenance(),
                 "compared": {name: {"verdict": paired.verdict(), "summary": _records(paired.summary().reset_index()),
                                     "who_pays": _records(paired.who_pays())} for name, paired in found.items()}})
    return 0


def _k(pounds: float) -> str:
    """Thousands of pounds, signed, never '-0'."""
    rounded = round(pounds / 1e3)
    return f"{rounded:+,.0f}" if rounded else "0"


def cmd_report(args) -> int:
    """A against B on several seeds, written as report.html and report.pdf."""
    from locality.viz.handout import command_for, sections, write_handout

    args.posterior = _posterior_of(args)
    common, started = _starting(args)
    out = check_out(Path(args.out) if args.out else
                    Path("results") / f"report-{Path(args.scenario).stem}-{time.strftime('%Y%m%d-%H%M%S')}", args.overwrite)
    a, b = _as_mapping(args.a or ()), _as_mapping(args.b or ())
    paired = compare_paired(args.scenario, a=a, b=b, common=common, reps=args.reps, workers=args.workers,
                            posterior=args.posterior)
    print("\n".join(paired.verdict()))
    swings = None
    if args.assumptions:
        print("\nSetting each assumption low and high...", flush=True)
        sides = (a, b) if a or b else ({"regime.kind": "siloed"}, {"regime.kind": "integrated"})  # as compare_paired
        study = study_assumptions(args.scenario, common, reps=min(args.reps, 5), workers=args.workers,
                                  headlines={"this": ("this comparison", *sides)})
        swings = study.swings
    shared = dict(parse_overrides(common)) | {"run.seed": load_scenario(args.scenario, common).run.seed}
    parts = sections(paired, args.scenario, shared, command_for(args.scenario, a, b, shared, args.reps, args.posterior), swings)
    page, pdf = write_handout(parts, out)
    print(f"\nReport written to {page} and {pdf} ({time.perf_counter() - started:.1f} s)")
    return 0


def _starting(args) -> tuple[list[str], float]:
    """A command's overrides, checked that its --out may be written, and when it started."""
    common = _common_overrides(args)
    if args.out:
        check_out(args.out, args.overwrite)
    return common, time.perf_counter()


def cmd_decompose(args) -> int:
    common, started = _starting(args)
    found = decompose(args.scenario, common, reps=args.reps, workers=args.workers)
    spec = load_scenario(args.scenario, common)
    print(f"Where integration's effect comes from: {spec.place.name}, {spec.population.households:,} households, "
          f"{spec.run.years} years, {args.reps} seeds from master seed {spec.run.seed}; every variant starts from the same "
          f"households and shocks on a seed, and people change alike in each (once a placement keeps a different "
          f"household from moving, the shocks after are fresh draws: the intervals hold, but pair less tightly). Key workers run on {spec.regime.pooled_share:.0%} of each agency's budget "
          "(regime.pooled_share).")
    if spec.regime.pooled_share == 0:
        print("  (regime.pooled_share is 0: key workers have no money; set it to see what they do)")
    print("\nChange against siloed working, mean [95% interval over seeds]: crises as a share of siloed crises, "
          "spend in £m over the run.")
    width = int(found.table["label"].str.len().max())
    for reading, heading in (("alone", "Each part alone (siloed with that part on):"),
                             ("added in order", "The parts added in order (each step against the one before; they add up to the whole):"),
                             ("all", "The whole:")):
        print(f"\n{heading}\n{'':<{width}}  {'crises':>28}  {'spend £m':>24}")
        for row in found.table[found.table["reading"] == reading].itertuples():
            crises = f"{row.crises:+.2%} [{row.crises_low:+.2%}, {row.crises_high:+.2%}]"
            spend = f"{row.spend / 1e6:+,.2f} [{row.spend_low / 1e6:+,.2f}, {row.spend_high / 1e6:+,.2f}]"
            print(f"{row.label:<{width}}  {crises:>28}  {spend:>24}")
    _write_tables(args.out, {"decomposition.csv": found.table, "runs.csv": found.runs})
    print(f"\n({time.perf_counter() - started:.1f} s)")
    return 0


def cmd_assumptions(args) -> int:
    unknown = [name for name in args.only or () if name not in ASSUMPTIONS]
    if unknown:
        raise ScenarioError(f"--only: no assumption {', '.join(unknown)}; choose from {', '.join(ASSUMPTIONS)}")
    common, started = _starting(args)
    found = study_assumptions(args.scenario, common, names=args.only, reps=args.reps, workers=args.workers)
    spec = load_scenario(args.scenario, common)
    print(f"Which assumptions drive the headlines: {spec.place.name}, {spec.population.households:,} households, "
          f"{spec.run.years} years, {args.reps} seeds from master seed {spec.run.seed}; each headline's two sides on "
          "the same seeds, at each assumption's low and high value in turn (the rest as the scenario has them).")
    as_is = found.table[found.table["setting"] == "as is"].set_index("headline")
    for headline, (label, _a, _b) in HEADLINES.items():
        row = as_is.loc[headline]
        print(f"\n{label}, as the scenario is: crises {row.crises:+.2%} [{row.crises_low:+.2%}, {row.crises_high:+.2%}], "
              f"spend £{row.spend / 1e6:+,.2f}m [{row.spend_low / 1e6:+,.2f}, {row.spend_high / 1e6:+,.2f}] over the run")
        rows = found.swings[found.swings["headline"] == headline]
        shown = pd.DataFrame({
            "low": [f"{ASSUMPTIONS[n].low:g}{' x' if ASSUMPTIONS[n].factor else ''}" for n in rows["assumption"]],
            "high": [f"{ASSUMPTIONS[n].high:g}{' x' if ASSUMPTIONS[n].factor else ''}" for n in rows["assumption"]],
            "crises at low": rows["crises at low"].map("{:+.2%}".format).to_numpy(),
            "crises at high": rows["crises at high"].map("{:+.2%}".format).to_numpy(),
            "spend £m at low": (rows["spend at low"] / 1e6).map("{:+,.2f}".format).to_numpy(),
            "spend £m at high": (rows["spend at high"] / 1e6).map("{:+,.2f}".format).to_numpy(),
            "swing in crises [95%]": [f"{r['crises swing']:+.2%} [{r['crises swing_low']:+.2%}, {r['crises swing_high']:+.2%}]"
                                      for _, r in rows.iterrows()],
        }, index=rows["assumption"].to_numpy())
        print(shown.to_string())
    print("\nLargest swing in crises first (the swing: the effect at high less at low, seed by seed). What each is: " + "; ".join(f"{a.name}: {a.what}" for a in ASSUMPTIONS.values()
                                                                       if args.only is None or a.name in args.only))
    _write_tables(args.out, {"effects.csv": found.table, "swings.csv": found.swings, "runs.csv": found.runs})
    print(f"\n({time.perf_counter() - started:.1f} s)")
    return 0


def cmd_game(args) -> int:
    """Replay an agency game from its record (the JSON file the app keeps for each game):
    each round run again from the decisions alone, compared with the figures the room saw;
    then the debrief of a finished game."""
    from .game import PLACE, Game, debrief, replay

    path = Path(args.record)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such game record (the app keeps them in $LOCALITY_GAMES, else ~/.locality/games)")
    try:
        record = Game.from_json(path.read_text())
    except (ValueError, TypeError) as error:
        raise ScenarioError(f"{path} is not an agency game's record: {error}") from None
    print(f"Game {record.code}: {record.place}, seed {record.seed}, {len(record.decided)} of {record.rounds} rounds played, "
          f"tables: {', '.join(f'{agency} ({table})' for agency, table in record.tables.items())}")
    again = replay(record)
    for year, (decided, figures) in enumerate(zip(record.decided, again), start=1):
        whole = figures[PLACE]
        said = "; ".join(f"{agency} {decision}" for agency, decision in decided.items()) or "nothing new"
        print(f"  year {year}: {whole['crises']:,.0f} crises, spend £{whole['spend'] / 1e6:,.2f}m; decided: {said}")
    if again != record.results:
        differ = [year for year, (a, b) in enumerate(zip(again, record.results), start=1) if a != b]
        print(f"The replay differs from the record in year(s) {differ}: the game was played on another version of "
              "Locality (`locality --version` says which this is).")
        return 1
    print("The replay gives every figure the room saw, exactly.")
    if record.over:
        found = debrief(record)
        print("\nDebrief: the room against the same years siloed and integrated (same households and seed)")
        print(found.totals().round(0).to_string())
        print(found.who_pays()[["agency", "put_in_pool", "crisis_change", "net_change", "verdict"]].round(0).to_string(index=False))
    return 0


def cmd_payback(args) -> int:
    common, started = _starting(args)
    found = payback(args.scenario, args.policy or (), common, reps=args.reps, workers=args.workers)
    spec = load_scenario(args.scenario, common)
    policy = " ".join(args.policy) if args.policy else " ".join(f"{k}={v}" for k, v in SHIFT.items())
    print(f"Does it pay back? {spec.place.name}, {spec.population.households:,} households, {spec.run.years} years, "
          f"{args.reps} seeds from master seed {spec.run.seed}: {policy}, against the status quo on the same seeds.")
    print("\n" + found.summary())
    table = found.by_year
    shown = found.shown()
    print("\nPer year, the policy against the status quo, mean [95% interval over seeds]:")
    print(shown.to_string())
    print(f"\nWho pays and who saves over the {found.horizon} years (net change: spend and what it put into the pool;")
    print("the pool's row is its spend less what it was given, so the rows add up to the change; cashed is what")
    print("funders took from budgets, already in the change, not to be added to it), mean [95% interval over seeds]:")
    print(found.who_pays().to_string())
    _write_tables(args.out, {"payback.csv": table.reset_index(), "payback_by_agency.csv": found.by_agency,
                             "payback_years.csv": found.years.rename("payback_year").rename_axis("seed").reset_index()})
    print(f"\n({time.perf_counter() - started:.1f} s)")
    return 0


def cmd_caseloads(args) -> int:
    common, started = _starting(args)
    found = caseload_tradeoff(args.scenario, args.caseloads, common, reps=args.reps, workers=args.workers)
    spec = load_scenario(args.scenario, common)
    print(f"The caseload trade-off: {spec.place.name}, {spec.population.households:,} households, {spec.run.years} "
          f"years, integrated with {spec.regime.pooled_share:.0%} of each agency's budget pooled for key workers, "
          f"{args.reps} seeds from master seed {spec.run.seed}. Each caseload against the integrated regime without "
          "key workers (and so with nothing pooled: the agencies keep the money), on the same seeds: mean [95% interval "
          "over seeds]. Families reached count episodes begun (a family taken on twice counts twice).")
    shown = pd.DataFrame({
        "hours a family a week": found.table["hours_per_family"].map("{:.1f}".format),
        "effect per week (x caseload 6)": found.table["dose"].map("{:.2f}".format),
        "families reached": [f"{r.families_reached:,.0f} [{r.families_reached_low:,.0f}, {r.families_reached_high:,.0f}]"
                             for r in found.table.itertuples()],
        "crises avoided": [f"{r.crises_avoided:,.0f} [{r.crises_avoided_low:,.0f}, {r.crises_avoided_high:,.0f}]"
                           for r in found.table.itertuples()],
        "per 100 families": [f"{r.avoided_per_100_families:.1f} [{r.avoided_per_100_families_low:.1f}, "
                             f"{r.avoided_per_100_families_high:.1f}]" for r in found.table.itertuples()],
    }, index=found.table.index)
    print(shown.to_string())
    _write_tables(args.out, {"caseloads.csv": found.table.reset_index(), "runs.csv": found.runs})
    print(f"\n({time.perf_counter() - started:.1f} s)")
    return 0


def cmd_sweep(args) -> int:
    spec = load_spec(args.spec, max_runs=args.max_runs)  # the whole spec is checked before any run
    check_out(args.out, may_hold_files=True)  # (a folder of this sweep's results is resumed; another is refused by the store)
    runs = plan_runs(spec)
    print(f"Sweep of {spec.sweep.scenario}: {spec.sweep.design} design, {len(runs) // spec.sweep.reps} points x "
          f"{spec.sweep.reps} replications = {len(runs)} runs, {spec.sweep.years} years each, into {args.out}/")
    try:
        outcome = run_sweep(spec, args.out, workers=args.workers, progress=_interactive(), scheduler=args.scheduler)
    except KeyboardInterrupt:
        exit_at_once_on_signal()  # a second Ctrl-C while this is said exits at once
        done = len(Store(args.out).done())
        print(f"locality: sweep stopped with {done} of {len(runs)} runs done and saved (runs not started were "
              f"cancelled, runs in flight stopped); run the same command again to finish the rest: "
              f"locality sweep {shlex.quote(args.spec)} --out {shlex.quote(args.out)}", file=sys.stderr)
        return 130
    print(f"{outcome.done} of {outcome.planned} runs done ({outcome.ran_now} run now), {outcome.failed} failed.")
    try:
        charts = write_report(args.out)
    except OSError as error:
        charts = []
        print(f"locality: the sweep's report could not be written ({error.strerror or error}); the runs are saved")
    if charts:
        print(f"Report: {len(charts)} chart(s) of each lever's effect on crises and spend in {Path(args.out) / 'report'}/")
    if outcome.failed:
        print(f"Failed runs are recorded in {args.out}/failed/ with their errors; rerunning retries them.")
    print(f"See them with: locality results {shlex.quote(args.out)}")
    return 0 if not outcome.failed else 1


def cmd_results(args) -> int:
    store = Store(args.folder)
    spec = store.spec()
    if args.check:
        wrong = store.unsound()
        for run_id, problem in wrong.items():
            print(f"  run {run_id}: {problem}")
        print(f"{len(store.done())} finished run(s) checked against their manifests: "
              + (f"{len(wrong)} do not match; rerun the sweep into {args.folder} to run them again" if wrong else "all match"))
        _json(args, {"folder": str(args.folder), "checked": len(store.done()), "unsound": wrong})
        return 1 if wrong else 0
    per_run = store.frame("summary")
    levers = list(spec["levers"])
    planned = len(plan_runs(SweepSpec.model_validate(spec)))
    failed = store.failed()
    print(f"Sweep of {spec['sweep']['scenario']}, {spec['sweep']['design']} design: {len(per_run)} "
          f"of {planned} runs done, {len(failed)} failed.")
    points = per_run.groupby(levers, dropna=False).agg(
        runs=("run_id", "nunique"), **{column: (column, "mean") for column in SUMMARY_COLUMNS}) if len(per_run) else None
    if points is not None:
        table = points.copy()
        table["spend"] = _millions(table["spend"])
        table["over_spend"] = _millions(table["over_spend"])
        table[["crises", "referrals"]] = table[["crises", "referrals"]].round(0).astype(int)
        print("\nPer point, mean over its replications of whole-run totals (spend and over-spend in £m):")
        print(table.rename(columns={"spend": "spend £m", "over_spend": "over-spend £m"}).to_string())
    for record in failed.values():
        print(f"  failed {record['run_id']} {record['params']} seed {record['seed']}: {record['error']}")
    _json(args, {"folder": str(args.folder), "scenario": spec["sweep"]["scenario"], "design": spec["sweep"]["design"],
                 "planned": planned, "done": len(per_run), "failed": list(failed.values()), "levers": levers,
                 "points": [] if points is None else _records(points.reset_index())})
    return 0


def cmd_analyse(args) -> int:
    tables = analyse(args.folder, outputs=args.outputs, plot=True)
    spec = SweepSpec.model_validate(Store(args.folder).spec())
    for output, table in tables.items():
        print(f"\nWhat moves {output.replace('_', ' ')} (most first; _conf: half-width of the 95% interval):")
        print(table.round(3).to_string(index=False))
        for warning in instability(spec, table):
            print(f"  warning: {warning}")
    print(f"\nCharts written to {Path(args.folder) / 'analysis'}/")
    _json(args, {"folder": str(args.folder), "design": spec.sweep.design,
                 "outputs": {output: _records(table) for output, table in tables.items()},
                 "warnings": {output: instability(spec, table) for output, table in tables.items()},
                 "charts": str(Path(args.folder) / "analysis")})
    return 0


def cmd_discover(args) -> int:
    boxes, holding, total = discover(args.folder, args.where, min_coverage=args.min_coverage)
    print(f"'{args.where}' holds in {holding} of {total} runs.")
    if not boxes:
        print("No range of the levers where it usually holds (density of 50% or more) was found.")
    for number, box in enumerate(boxes, 1):
        print(f"\nBox {number}: coverage {box.coverage:.0%} (of the runs where it holds, the share inside), "
              f"density {box.density:.0%} (of the runs inside, the share where it holds), {box.runs} runs")
        for lever, limit in box.limits.items():
            shown = (f"{lever} in {{{', '.join(sorted(map(str, limit)))}}}" if isinstance(limit, frozenset)
                     else f"{limit[0]:g} <= {lever} <= {limit[1]:g}")
            qp = box.qp.get(lever)
            said = "" if qp is None else f"  (quasi-p {qp:.2g}{'' if box.significant(lever) else ': not significant'})"
            print(f"  {shown}{said}")
        if not box.limits:
            print("  (any value of every lever)")
    _json(args, {"folder": str(args.folder), "where": args.where, "holding": holding, "runs": total, "boxes": [
        {"coverage": box.coverage, "density": box.density, "mass": box.mass, "runs": box.runs,
         "limits": {lever: ({"in": sorted(map(str, limit))} if isinstance(limit, frozenset)
                            else {"low": float(limit[0]), "high": float(limit[1])}) for lever, limit in box.limits.items()},
         "quasi_p": box.qp, "significant": {lever: box.significant(lever) for lever in box.limits}} for box in boxes]})
    return 0


def cmd_scenarios(args) -> int:
    print("Built-in scenarios (locality run NAME):")
    for name, path in builtin_scenarios().items():
        try:
            spec = load_scenario(path)
        except ScenarioError as error:
            print(f"  {name:10s} (invalid: {error})")
            continue
        marker = "  (default)" if name == DEFAULT_SCENARIO else ""
        print(f"  {name:10s} {spec.population.households:>9,} households  {spec.place.description}{marker}")
    return 0


def cmd_costs(args) -> int:
    costs = uprated_costs()
    print(f"Unit costs (parameters/data/unit_costs.csv), uprated to {PRICE_YEAR} prices by the {DEFLATOR}.")
    print("A scenario cites an item as { cost = \"item\" }; its [unit_costs] table or --set unit_costs.ITEM=POUNDS replaces one.\n")
    for item, row in catalogue().items():
        print(f"  {item:38s} £{costs[item]:>10,.2f} {row.unit.replace('_', ' '):18s} "
              f"(£{row.cash:,.2f} at {row.price_year}; {row.source})")
    return 0


def cmd_sources(args) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    print(f"Every figure of {scenario.place.name} with its source (dotted keys work with --set):")
    for key, value in flat_figures(scenario.model_dump()):
        if args.key and not key.startswith(args.key):
            continue
        print(f"  {key} = {value!r}\n      {source_for(scenario, key) or 'no source given'}")
    return 0


def cmd_calibrate(args) -> int:
    targets = _targets_with(args)
    if args.rates:
        return _calibrate_rates(targets, args)
    if args.only:
        if not (args.out and Path(args.out).exists()):
            raise ScenarioError("--only refits some parameters of a fitted file and keeps the rest: "
                                "--out must name that file (e.g. parameters/scenarios/_calibrated.toml)")
        try:
            targets = only(targets, args.only)
        except ValueError as error:
            raise ScenarioError(str(error)) from None
    elif args.out and Path(args.out).exists() and not args.overwrite:
        raise ScenarioError(f"{args.out} exists; pass --overwrite to replace it")
    params, calibration = targets.calibration.parameters, targets.calibration
    print(f"Calibrating {', '.join(params)} to {len(abc_targets(targets))} targets: ABC-SMC, "
          f"{args.population or calibration.population} sets a generation for up to "
          f"{args.generations or calibration.generations} generations ({targets.measure.households:,} households a run)")
    posterior = calibrate(targets, population=args.population, generations=args.generations, workers=args.workers,
                          progress=_interactive())
    print(f"\nPosterior after {posterior.generations} generations ({posterior.simulations} simulations): the set "
          "closest on re-running (the fitted values), weighted median and 90% range, against the prior")
    print(posterior.summary.round(4).to_string())
    print("\nCrisis rates, each scaled to its target with the fitted values:")
    rates = fit_rates(targets, posterior.fitted, reps=args.reps, workers=args.workers, progress=_interactive())
    print(rates.to_string(float_format=lambda x: f"{x:.4g}"))
    # Judge the fit before writing it: the factors are relative to the scenarios as they
    # are now, and once written the scenarios already carry them.
    print("\nHow close each fitted target came, on fresh seeds not used for fitting:")
    settings = {f"crises.{row.crisis}.rate": row.rate for row in rates.itertuples()}
    _print_verdicts(verify(targets, posterior.fitted, reps=args.reps, names=list(targets.fitted()),
                           workers=args.workers, progress=_interactive(), settings=settings))
    if args.out and args.only:
        _write_refit(targets, posterior, rates, args)
    elif args.out:
        out = write_fitted(args.out, fitted_file(targets, posterior, args.extends, rates=rates))
        draws = posterior_path(out)
        posterior_draws(targets, posterior, args.extends).to_csv(draws, index=False)
        print(f"\nFitted values with their uncertainty written to {out} (extends '{args.extends}'); "
              f"the posterior's {len(posterior.samples)} weighted draws to {draws}")
    return 0


def _write_refit(targets, posterior, rates, args) -> None:
    """Put a narrower refit's values into --out in place of its own, and scale the draws
    beside it by as much, so they stay centred on the values in force."""
    out = Path(args.out)
    existing = out.read_text(encoding="utf-8")
    before = {key: value["value"] for key, value in flat_settings(tomllib.loads(existing)).items()}
    fitted = fitted_file(targets, posterior, args.extends, rates=rates)
    after = {key: value["value"] for key, value in flat_settings(tomllib.loads(fitted)).items()}
    narrow = posterior_draws(targets, posterior, args.extends)  # before --out changes: the factors apply to the values it had
    write_fitted(out, refit_file(existing, fitted, args.only))
    draws = posterior_path(out)
    if draws.exists():
        rescaled = rescaled_draws(pd.read_csv(draws), before, after)
        with_new_keys(rescaled, narrow, targets.measure.calibration_seed).to_csv(draws, index=False)
    print(f"\n{', '.join(args.only)} refitted in {out}, its other values kept"
          + (f"; the draws in {draws} scaled to match" if draws.exists() else ""))


def _calibrate_rates(targets, args) -> int:
    """Scale each crisis rate to its target and write the rates into --out, keeping what
    else that file fits (it is updated in place: the crisis rates are its only change)."""
    print(f"Fitting crisis rates to {sum(t.metric == 'crisis_rate' for t in targets.fitted().values())} targets "
          f"({targets.measure.households:,} households a run)")
    fitted = fit_rates(targets, reps=args.reps, workers=args.workers, progress=_interactive())
    print(fitted.to_string(float_format=lambda x: f"{x:.4g}"))
    if args.out:
        existing = Path(args.out).read_text(encoding="utf-8") if Path(args.out).exists() else None
        out = write_fitted(args.out, rates_file(fitted, existing, args.extends))
        print(f"\nCrisis rates written to {out}")
    return 0


def cmd_validate(args) -> int:
    targets = _targets_with(args)
    report = validate(targets, args.out, reps=args.reps, place_households=args.place_households,
                      workers=args.workers, progress=_interactive())
    _print_verdicts(pd.read_csv(Path(args.out) / "targets.csv", index_col="target"))
    print(f"\nValidation report: {report} (with targets.png, targets.csv, places.csv)")
    return 0


def _targets_with(args):
    targets = load_targets(args.targets)
    if args.households:
        targets = targets.model_copy(update={"measure": targets.measure.model_copy(update={"households": args.households})})
    return targets


def _print_verdicts(table: pd.DataFrame) -> None:
    shown = table[["role", "low", "high", "model", "model_low", "model_high", "verdict"]].copy()
    print(shown.round(4).to_string())


# --- printing ---------------------------------------------------------------------------
def _print_yearly(results: Results) -> None:
    table = results.yearly()
    shown = pd.DataFrame({
        "crises": table["crises"],
        "referrals": table["referrals"],
        "assessments": table["assessments"],
        "waiting": table["waiting"],
        "key-worker families": table["keyworker_families"],
        "in crisis": table["in_crisis_tier"],
        "budget £m": _millions(table["budget"]),
        "spend £m": _millions(table["spend"]),
        "over-spend £m": _millions(table["over_spend"]),
    })
    print("\nPer year (waiting, key-worker families and households in crisis are weekly averages):")
    print(shown.to_string())
    print("\nCrises by kind:")
    print(results.crises_by_kind().to_string())
    print(f"\nRan in {results.wall_seconds:.1f} s")


def _print_profile(results: Results) -> None:
    total = sum(results.stage_seconds.values()) or 1.0
    print("\nWhere the time went (per stage of the week):")
    for stage, seconds in sorted(results.stage_seconds.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:22s} {seconds:8.2f} s  {100 * seconds / total:5.1f}%")


def _print_comparison(comparison: Comparison) -> None:
    table = comparison.yearly()
    for column in ("spend", "over_spend"):
        table[column] = table[column].map(lambda v: round(v / 1e6, 2))
    table = table.rename(columns={"spend": "spend £m", "over_spend": "over-spend £m", "in_crisis_tier": "in crisis"}, level=0)
    print("\nPer year, A beside B (B-A is the difference):")
    print(table.to_string())

    print("\nWho pays and who saves, per year, £k: B spend + what B puts into the pool more than A - A spend (negative = saves;")
    print("the pool's row is its own over- or under-spend, so the column adds up to the change in total spend)")
    by_year = (comparison.spend_change_by_year() / 1e3).round(0)
    print(by_year.to_string())

    pocket = comparison.wrong_pocket()
    shown = pd.DataFrame({
        "agency": pocket["label"],
        "spend A £k": (pocket["spend_a"] / 1e3).round(0),
        "spend B £k": (pocket["spend_b"] / 1e3).round(0),
        "into pool £k": (pocket["put_in_pool"] / 1e3).round(0),
        "net change £k": (pocket["net_change"] / 1e3).round(0),
        "crisis spend £k": (pocket["crisis_change"] / 1e3).round(0),
        "own services £k": (pocket["services_change"] / 1e3).round(0),
        "reinvested £k": (pocket["reinvested"] / 1e3).round(0),
        "cashed £k": (pocket["cashed"] / 1e3).round(0),
        "": pocket["verdict"],
    })
    print("\nThe wrong-pocket table, whole run (net change = spend B + into pool, B less A - spend A; crisis spend")
    print("is what crises avoided saved the agency, whoever paid for the change; reinvested: its savings put")
    print("back, in its own prevention or the pool, B less A; cashed: what its funder took from its budgets")
    print("for savings, finance.cashable_share, B less A):")
    print(shown.to_string(index=False))


SUMMARY_COLUMNS = ["crises", "referrals", "spend", "over_spend"]  # what `results` shows per point


def _about(spec, regime: bool = True) -> dict:
    """What a run was: its place, size, years, seed (and regime), for a JSON document."""
    about = {"scenario": spec.place.name, "households": spec.population.households, "years": spec.run.years,
             "seed": spec.run.seed}
    return about | ({"regime": spec.regime.kind} if regime else {})


def _records(frame: pd.DataFrame) -> list[dict]:
    """A table as JSON records: numbers as numbers, missing as null."""
    return json.loads(frame.to_json(orient="records"))


def _json(args, document: dict) -> None:
    """With --json: the command's result as one JSON document on standard output (what it
    would have printed for people has gone to standard error)."""
    if getattr(args, "json", False):
        print(json.dumps(document, indent=1, allow_nan=False, default=_plain), file=args.json_to)
        args.json_to.flush()


def _plain(value):
    """numpy and pandas scalars, and paths, as JSON values."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _write_tables(out: str | None, tables: dict[str, pd.DataFrame]) -> None:
    """Write a command's tables as CSV files into --out, if it was given, and say where."""
    if not out:
        return
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / name, index=False)
    print(f"\nWritten to {folder}: {', '.join(tables)}")


def _millions(series: pd.Series) -> pd.Series:
    return (series / 1e6).round(2)


def _common_overrides(args) -> list[str]:
    overrides = []
    for flag, key in (("years", "run.years"), ("seed", "run.seed"), ("households", "population.households"),
                      ("record_every", "run.record_every"), ("panel", "run.panel")):
        value = getattr(args, flag)
        if value is not None:
            overrides.append(f"{key}={value}")
    return overrides + list(args.overrides)


def _default_out(scenario: str, seed: int) -> Path:
    name = Path(scenario).stem
    return Path("results") / f"{name}-seed{seed}-{time.strftime('%Y%m%d-%H%M%S')}"


def _interactive() -> bool:
    return sys.stderr.isatty()


