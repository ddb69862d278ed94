"""Benchmark: household-steps per second, wall time and peak memory of each built-in place,
and the speed ratio against the plain-Mesa reference implementation (sim/reference.py).

    .venv/bin/python -m locality.experiments.bench [--scenarios sherwood thanet kent] [--years N]
                                          [--reference sherwood thanet] [--reference-weeks 4]

By default each place runs for the years its speed target names (the district five, the
county ten; see TARGETS) and the table shows the target beside the time. Each scenario
runs in its own process so that its peak memory is its own. The reference steps every
household in Python, so it is timed over a few weeks only; both are compared in
household-steps per second. This prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

# Speed targets on the project's 2-core machine: (years, seconds to run them), and the
# speed-up on the per-agent reference the district should reach.
TARGETS = {"thanet": (5, 3.0), "kent": (10, 30.0)}
REFERENCE_TARGET = ("thanet", 100)
DEFAULT_YEARS = 5


def measure(scenario: str, years: int) -> dict:
    """Build and run one scenario in this process; report its figures. A tiny model runs
    first so that compiling (or loading) the compiled kernels is timed on its own."""
    from locality.sim.model import LocalityModel

    began = time.perf_counter()
    LocalityModel(scenario, overrides={"run.years": 1, "population.households": 500, "run.warmup_weeks": 4}).step()
    started = time.perf_counter()
    model = LocalityModel(scenario, overrides={"run.years": years})
    built = time.perf_counter()
    model.run()
    finished = time.perf_counter()
    households, weeks = model.households.n, model.total_steps
    warmup = model.params.run.warmup_weeks
    return {
        "scenario": scenario,
        "households": households,
        "years": years,
        "compile_s": round(started - began, 2),
        "build_s": round(built - started, 2),
        "run_s": round(finished - built, 2),
        "household_steps_per_s": round(households * weeks / (finished - built)),
        "warmup_weeks_in_build": warmup,
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "slowest_stages": sorted(model.stage_seconds.items(), key=lambda kv: -kv[1])[:3],
    }


def measure_reference(scenario: str, weeks: int) -> dict:
    """Time `weeks` weeks of the per-agent reference (after a two-week warm-up)."""
    from locality.sim.reference import ReferenceModel

    model = ReferenceModel(scenario, overrides={"run.years": 1, "run.warmup_weeks": 2})
    started = time.perf_counter()
    for _ in range(weeks):
        model.step()
    seconds = time.perf_counter() - started
    return {"scenario": scenario, "households": len(model.homes), "weeks": weeks,
            "household_steps_per_s": round(len(model.homes) * weeks / seconds)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", nargs="+", default=["sherwood", "thanet", "kent"])
    parser.add_argument("--years", type=int, default=None,
                        help=f"years to run every scenario (default: its target's years, else {DEFAULT_YEARS})")
    parser.add_argument("--reference", nargs="*", default=["sherwood", "thanet"],
                        help="scenarios to time the per-agent reference on (none to skip)")
    parser.add_argument("--reference-weeks", type=int, default=4)
    parser.add_argument("--sweep-runs", type=int, default=8,
                        help="time this many 5-year Sherwood runs as a sweep on all cores (0 to skip)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--one-reference", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.years or DEFAULT_YEARS)))
        return 0
    if args.one_reference:
        print(json.dumps(measure_reference(args.one_reference, args.reference_weeks)))
        return 0
    print(f"{'scenario':10s} {'households':>10s} {'years':>5s} {'build s':>8s} {'run s':>7s} {'target s':>8s} "
          f"{'household-steps/s':>18s} {'peak MB':>8s}  slowest stages")
    fast, compile_s = {}, 0.0
    for scenario in args.scenarios:
        years = args.years or TARGETS.get(scenario, (DEFAULT_YEARS,))[0]
        r = _in_subprocess("--one", scenario, "--years", str(years))
        fast[scenario] = r["household_steps_per_s"]
        compile_s = max(compile_s, r["compile_s"])
        stages = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in r["slowest_stages"])
        print(f"{r['scenario']:10s} {r['households']:>10,} {r['years']:>5d} {r['build_s']:>8.1f} {r['run_s']:>7.1f} "
              f"{_target(scenario, years, r['run_s']):>8s} {r['household_steps_per_s']:>18,} {r['peak_memory_mb']:>8,}  "
              f"{stages}")
    print("(build includes the warm-up weeks; run is the recorded years; compiling the kernels, timed apart, "
          f"took {compile_s:.1f} s at most)")
    if args.reference:
        print(f"\n{'reference':10s} {'households':>10s} {'weeks':>5s} {'household-steps/s':>18s} {'fast / reference':>17s}")
        for scenario in args.reference:
            r = _in_subprocess("--one-reference", scenario, "--reference-weeks", str(args.reference_weeks))
            ratio = f"{fast[scenario] / r['household_steps_per_s']:>16.0f}x" if scenario in fast else f"{'(not run fast)':>17s}"
            print(f"{scenario:10s} {r['households']:>10,} {r['weeks']:>5d} {r['household_steps_per_s']:>18,} {ratio}")
        print("(the reference: each household a Mesa agent stepping itself in Python, sim/reference.py; "
              f"the target is {REFERENCE_TARGET[1]}x on {REFERENCE_TARGET[0]})")
    if args.sweep_runs:
        _time_sweep(args.sweep_runs)
    return 0


def _target(scenario: str, years: int, run_s: float) -> str:
    """The target's seconds and whether this run met it, where a target covers these years."""
    target_years, seconds = TARGETS.get(scenario, (None, None))
    if target_years != years:
        return "-"
    return f"{seconds:.0f} {'met' if run_s <= seconds else 'MISSED'}"


def _time_sweep(runs: int) -> None:
    """Runs per minute of a sweep of the small place over 5 years, on all cores."""
    import tempfile

    from locality.experiments.replications import default_workers
    from locality.experiments.sweep import SweepSpec, run_sweep

    spec = SweepSpec.model_validate({"sweep": {"scenario": "sherwood", "years": 5, "reps": runs, "seed": 1},
                                     "levers": {"budget.cut": [0.2]}})
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        run_sweep(spec, folder, progress=False)
        minutes = (time.perf_counter() - started) / 60
    rate = runs / minutes
    print(f"\nsweep: {runs} runs of sherwood over 5 years on {default_workers()} workers: {rate:.0f} runs a minute; "
          f"1,000 runs would take about {1000 / rate:.0f} minutes")


def _in_subprocess(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "locality.experiments.bench", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
