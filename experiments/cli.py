"""The `locality` command: run a scenario, compare two variants, list the built-in places.

Bad input (an unknown scenario or key, a value out of range) prints one message naming
the key and what is allowed, and exits with code 2, before anything runs. This module
only parses: a command's work is in `experiments.commands`, imported once a command is
chosen, so `--help` answers without loading the model.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from importlib import import_module
from pathlib import Path

from locality.parameters import DEFAULT_SCENARIO
from locality.parameters.errors import ScenarioError

from .defaults import CASELOADS, DEFAULT_OUTPUTS, MAX_RUNS, SPECS_DIR, TARGETS_FILE

EXIT_BAD_INPUT = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "json", False):  # one JSON document on stdout; what people read goes to stderr
            args.json_to = sys.stdout
            with contextlib.redirect_stdout(sys.stderr):
                return _handler(args)(args)
        return _handler(args)(args)
    except ScenarioError as error:
        print(f"locality: {error}", file=sys.stderr)
        if args.verbose:  # where in Locality it was refused, for a bug report
            import traceback

            traceback.print_exc(file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("locality: interrupted; nothing was written for the unfinished run", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 -- must stay open: Python flushes stdout at exit
        return 0


def _handler(args):
    """The command's function: its name in `experiments.commands`, imported now, or itself."""
    if callable(args.handler):
        return args.handler
    return getattr(import_module(".commands", __package__), args.handler)


#: Settings `locality app` gives Solara unless the user set them: no telemetry, a closed
#: tab's session (with any Play loop of the model view still running in it) shut down after
#: 30 s instead of Solara's default of a day, and no "runs on Solara" banner over the charts.
APP_ENVIRONMENT = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_KERNEL_CULL_TIMEOUT": "30s",
                   "SOLARA_THEME_SHOW_BANNER": "False"}


def app_environment(environ: dict[str, str]) -> dict[str, str]:
    """`environ` with APP_ENVIRONMENT's settings added where the user has not set them."""
    return {**APP_ENVIRONMENT, **environ}


def app_command(args) -> list[str]:
    app = Path(__file__).resolve().parent.parent / "viz" / "app.py"
    command = [sys.executable, "-m", "solara", "run", str(app), "--host", args.host, "--port", str(args.port)]
    if not args.open:
        command.append("--no-open")
    if not args.dev:
        command.append("--production")
    return command


def cmd_app(args) -> int:
    """Serve the Solara app on this machine."""
    print(f"Locality app on http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    command = app_command(args)
    # This process becomes the server, so a signal to stop it (Ctrl-C, or a service
    # manager's SIGTERM) reaches the server itself rather than leaving it running.
    os.execve(command[0], command, app_environment(dict(os.environ)))


# --- arguments ----------------------------------------------------------------------------
class _Version(argparse.Action):
    """--version, worked out only when asked for (it asks git for the commit)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from .provenance import describe

        print(describe())
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="locality",
        description="Simulate demand on local public services, siloed against integrated, under cuts.",
    )
    parser.add_argument("--version", action=_Version, help="print Locality's version, commit and key packages, and exit")
    parser.add_argument("--verbose", action="store_true",
                        help="with an error, also print where in Locality it was raised (errors are one line without it)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def posterior_option(command) -> None:
        command.add_argument("--posterior", nargs="?", const=True, default=None, metavar="FILE",
                             help="with --reps or --option: each seed also on fitted parameters drawn from the place's "
                                  "calibration posterior (or from FILE), shared by A and B; a draw never replaces a "
                                  "figure the place or you set")

    def json_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--json", action="store_true",
                         help="print the result as one JSON document on standard output (the tables go to standard error)")

    def scenario_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO,
                         help=f"a built-in scenario name or a TOML file (default: {DEFAULT_SCENARIO})")
        sub.add_argument("--years", type=int, help="years to run (run.years)")
        sub.add_argument("--seed", type=int, help="random seed (run.seed)")
        sub.add_argument("--households", type=int, help="number of households (population.households)")
        sub.add_argument("--record-every", choices=["week", "month", "year"],
                         help="rows of the saved steps and agencies results (run.record_every; default: week)")
        sub.add_argument("--panel", type=int, metavar="N",
                         help="keep the history of N sampled households, period by period (run.panel; default: none)")
        sub.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                         help="override any scenario value by its dotted key, e.g. --set budget.cut=0.28 (repeatable)")
        sub.add_argument("--out", help="folder for the results")
        sub.add_argument("--overwrite", action="store_true", help="replace results already in --out")

    run_cmd = commands.add_parser("run", help="run one scenario and print a yearly summary")
    scenario_options(run_cmd)
    run_cmd.add_argument("--profile", action="store_true", help="print the time spent in each stage of the week")
    run_cmd.add_argument("--reps", type=int, default=1, help="replications, on seeds derived from the scenario's seed")
    run_cmd.add_argument("--posterior", help="with --reps: each replication on a draw from this calibration posterior "
                                             "(e.g. parameters/scenarios/_calibrated.posterior.csv)")
    run_cmd.add_argument("--workers", type=int, help="processes for replications (default: all cores)")
    json_option(run_cmd)
    run_cmd.set_defaults(handler="cmd_run")

    compare_cmd = commands.add_parser("compare", help="run two variants on the same households and compare them")
    scenario_options(compare_cmd)
    compare_cmd.add_argument("--a", nargs="+", metavar="KEY=VALUE", help="overrides for variant A (default: regime.kind=siloed)")
    compare_cmd.add_argument("--b", nargs="+", metavar="KEY=VALUE", help="overrides for variant B (default: regime.kind=integrated)")
    compare_cmd.add_argument("--reps", type=int, default=1,
                             help="seeds to run A and B on (default: 1); with 10 or more, every figure comes with its 95%% "
                                  "interval and a verdict in words")
    compare_cmd.add_argument("--workers", type=int, help="processes for --reps (default: all cores)")
    posterior_option(compare_cmd)
    compare_cmd.add_argument("--option", nargs="+", action="append", metavar=("NAME", "KEY=VALUE"),
                             help="an option to compare, named, with its overrides (repeat for 2 to 4 options; the "
                                  "first is what the others are measured against), e.g. --option cut28 budget.cut=0.28")
    json_option(compare_cmd)
    compare_cmd.set_defaults(handler="cmd_compare")

    report_cmd = commands.add_parser(
        "report", help="A against B on several seeds, written as a report to hand round (HTML and PDF)")
    scenario_options(report_cmd)
    report_cmd.add_argument("--a", nargs="+", metavar="KEY=VALUE", help="overrides for variant A (default: regime.kind=siloed)")
    report_cmd.add_argument("--b", nargs="+", metavar="KEY=VALUE", help="overrides for variant B (default: regime.kind=integrated)")
    report_cmd.add_argument("--reps", type=int, default=10, help="seeds to run A and B on (default: 10)")
    report_cmd.add_argument("--assumptions", action="store_true",
                            help="also set each unsourced assumption low and high and say which move this answer most "
                                 "(on up to 5 of the seeds: about 17 times the runs)")
    report_cmd.add_argument("--workers", type=int, help="processes (default: all cores)")
    posterior_option(report_cmd)
    report_cmd.set_defaults(handler="cmd_report")

    decompose_cmd = commands.add_parser(
        "decompose", help="switch the parts of integration on one at a time, on the same seeds, and say what each brings")
    scenario_options(decompose_cmd)
    decompose_cmd.add_argument("--reps", type=int, default=10, help="seeds, each run by every variant (default: 10)")
    decompose_cmd.add_argument("--workers", type=int, help="processes (default: all cores)")
    decompose_cmd.set_defaults(handler="cmd_decompose")

    assumptions_cmd = commands.add_parser(
        "assumptions", help="set each unsourced assumption low and high, and say how far it moves the headlines")
    scenario_options(assumptions_cmd)
    assumptions_cmd.add_argument("--only", nargs="+", metavar="NAME",
                                 help="assumptions to try (default: all; README's table of assumptions names them)")
    assumptions_cmd.add_argument("--reps", type=int, default=10, help="seeds, each run by every variant (default: 10)")
    assumptions_cmd.add_argument("--workers", type=int, help="processes (default: all cores)")
    assumptions_cmd.set_defaults(handler="cmd_assumptions")

    payback_cmd = commands.add_parser(
        "payback", help="a policy against the status quo on the same seeds: when (if ever) its extra spend is paid back")
    scenario_options(payback_cmd)
    payback_cmd.add_argument("--policy", nargs="+", metavar="KEY=VALUE",
                             help="the policy (default: a 20%% early-intervention shift from year 2, a year of double running, "
                                  "and 49%% of its savings cashed, finance.cashable_share)")
    payback_cmd.add_argument("--reps", type=int, default=10, help="seeds, each run with and without the policy (default: 10)")
    payback_cmd.add_argument("--workers", type=int, help="processes (default: all cores)")
    payback_cmd.set_defaults(handler="cmd_payback")

    game_cmd = commands.add_parser("game", help="replay an agency game from its record: every round again, checked "
                                   "against what the room saw, then its debrief")
    game_cmd.add_argument("record", help="the game's record, a JSON file (the app keeps them in $LOCALITY_GAMES, "
                          "else ~/.locality/games, named by the game's code)")
    game_cmd.set_defaults(handler="cmd_game")

    caseloads_cmd = commands.add_parser(
        "caseloads", help="the same pool at several caseload limits: families reached, hours each, crises avoided")
    scenario_options(caseloads_cmd)
    caseloads_cmd.add_argument("--caseloads", type=int, nargs="+", default=list(CASELOADS),
                               help=f"caseload limits to try (default: {' '.join(map(str, CASELOADS))})")
    caseloads_cmd.add_argument("--reps", type=int, default=10, help="seeds, each run at every caseload (default: 10)")
    caseloads_cmd.add_argument("--workers", type=int, help="processes (default: all cores)")
    caseloads_cmd.set_defaults(handler="cmd_caseloads")

    sweep_cmd = commands.add_parser("sweep", help="run a parameter sweep from a TOML spec (resumable)")
    sweep_cmd.add_argument("spec", help="the sweep spec (TOML), or the name of an example installed with Locality: "
                                        + ", ".join(sorted(path.stem for path in SPECS_DIR.glob("*.toml"))))
    sweep_cmd.add_argument("--out", required=True, help="results folder; rerun into it to resume")
    sweep_cmd.add_argument("--workers", type=int, help="processes (default: all cores)")
    sweep_cmd.add_argument("--max-runs", type=int, default=MAX_RUNS,
                           help="refuse a spec that plans more runs than this (default: %(default)s)")
    sweep_cmd.add_argument("--scheduler", metavar="ADDRESS",
                           help="run on an existing Dask cluster, e.g. tcp://host:8786 (workers must share the --out folder)")
    sweep_cmd.set_defaults(handler="cmd_sweep")

    results_cmd = commands.add_parser("results", help="summarise a sweep's results folder")
    results_cmd.add_argument("folder")
    results_cmd.add_argument("--check", action="store_true",
                             help="check every finished run's files against its manifest (sizes, rows, checksums)")
    json_option(results_cmd)
    results_cmd.set_defaults(handler="cmd_results")

    analyse_cmd = commands.add_parser("analyse", help="Sobol or Morris sensitivity of a finished sweep's outcomes")
    analyse_cmd.add_argument("folder")
    analyse_cmd.add_argument("--outputs", nargs="+", default=list(DEFAULT_OUTPUTS),
                             help="whole-run outcomes to analyse (default: %(default)s); e.g. spend_police, needs_fell_and_stayed_down")
    json_option(analyse_cmd)
    analyse_cmd.set_defaults(handler="cmd_analyse")

    discover_cmd = commands.add_parser("discover", help="find lever ranges where a condition on the outcomes holds (PRIM)")
    discover_cmd.add_argument("folder")
    discover_cmd.add_argument("--where", required=True,
                              help='a condition on whole-run outcomes, e.g. "crises < baseline and over_spend <= 0"; '
                                   "'baseline' is the scenario with no lever changed, on the same seeds")
    discover_cmd.add_argument("--min-coverage", type=float, default=0.5, help="least share of the runs meeting the condition a box keeps")
    json_option(discover_cmd)
    discover_cmd.set_defaults(handler="cmd_discover")

    app_cmd = commands.add_parser("app", help="start the web app (Solara) on this machine")
    app_cmd.add_argument("--host", default="127.0.0.1")
    app_cmd.add_argument("--port", type=int, default=8765)
    app_cmd.add_argument("--open", action="store_true", help="open a browser too")
    app_cmd.add_argument("--dev", action="store_true", help="Solara's development mode: reload on code changes")
    app_cmd.set_defaults(handler=cmd_app)

    list_cmd = commands.add_parser("scenarios", help="list the built-in scenarios")
    list_cmd.set_defaults(handler="cmd_scenarios")

    def target_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--targets", default=str(TARGETS_FILE), help="targets file (default: parameters/targets.toml)")
        sub.add_argument("--households", type=int, help="households a measuring run samples (default: the targets file's)")
        sub.add_argument("--reps", type=int, help="replications on fresh seeds when judging (default: the targets file's)")
        sub.add_argument("--workers", type=int, help="processes (default: all cores)")

    calibrate_cmd = commands.add_parser("calibrate", help="fit uncertain parameters to the targets (ABC) and write them to a scenario file")
    target_options(calibrate_cmd)
    calibrate_cmd.add_argument("--population", type=int, help="parameter sets a generation (default: the targets file's)")
    calibrate_cmd.add_argument("--generations", type=int, help="generations at most (default: the targets file's)")
    calibrate_cmd.add_argument("--out", help="scenario file to write the fitted values to, e.g. fitted.toml")
    calibrate_cmd.add_argument("--extends", default=DEFAULT_SCENARIO,
                               help=f"the scenario the written file extends (default: {DEFAULT_SCENARIO}; "
                                    "_base to refit the built-in layer parameters/scenarios/_calibrated.toml)")
    calibrate_cmd.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    calibrate_cmd.add_argument("--only", nargs="+", metavar="PARAMETER",
                               help="refit only these calibration parameters (names in the targets file), keeping the "
                                    "other values of --out, which is updated in place with its draws")
    calibrate_cmd.add_argument("--rates", action="store_true",
                               help="fit only the crisis rates (each scaled to its crisis_rate target), updating --out in place")
    calibrate_cmd.set_defaults(handler="cmd_calibrate")

    validate_cmd = commands.add_parser("validate", help="measure every target on fresh seeds and write a validation report")
    target_options(validate_cmd)
    validate_cmd.add_argument("--out", default="validation", help="folder for report.md and its chart (default: validation)")
    validate_cmd.add_argument("--place-households", type=int, default=3000, help="households each built-in place samples")
    validate_cmd.set_defaults(handler="cmd_validate")

    costs_cmd = commands.add_parser("costs", help="list the unit costs scenarios cite, with price years and sources")
    costs_cmd.set_defaults(handler="cmd_costs")

    sources_cmd = commands.add_parser("sources", help="print every figure of a scenario with where it came from")
    sources_cmd.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO, help="a built-in scenario name or a TOML file")
    sources_cmd.add_argument("--key", default="", help="only keys starting with this, e.g. agencies.police")
    sources_cmd.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                             help="override a value first, e.g. --set unit_costs.arrest_detained=650")
    sources_cmd.set_defaults(handler="cmd_sources")
    return parser


if __name__ == "__main__":
    sys.exit(main())
