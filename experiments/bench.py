"""Benchmark: household-steps per second, wall time and peak memory of each built-in place.

    .venv/bin/python -m experiments.bench [--scenarios sherwood thanet kent] [--years 5]

Each scenario runs in its own process so that its peak memory is its own. This prints
figures; it asserts nothing (speed targets are not tests).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def measure(scenario: str, years: int) -> dict:
    """Build and run one scenario in this process; report its figures."""
    from sim.model import LocalityModel

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
        "build_s": round(built - started, 2),
        "run_s": round(finished - built, 2),
        "household_steps_per_s": round(households * weeks / (finished - built)),
        "warmup_weeks_in_build": warmup,
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "slowest_stages": sorted(model.stage_seconds.items(), key=lambda kv: -kv[1])[:3],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", nargs="+", default=["sherwood", "thanet", "kent"])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.years)))
        return 0
    print(f"{'scenario':10s} {'households':>10s} {'years':>5s} {'build s':>8s} {'run s':>7s} {'household-steps/s':>18s} {'peak MB':>8s}  slowest stages")
    for scenario in args.scenarios:
        out = subprocess.run([sys.executable, "-m", "experiments.bench", "--one", scenario, "--years", str(args.years)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        stages = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in r["slowest_stages"])
        print(f"{r['scenario']:10s} {r['households']:>10,} {r['years']:>5d} {r['build_s']:>8.1f} {r['run_s']:>7.1f} "
              f"{r['household_steps_per_s']:>18,} {r['peak_memory_mb']:>8,}  {stages}")
    print("(build includes the warm-up weeks; run is the recorded years)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
