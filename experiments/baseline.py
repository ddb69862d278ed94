"""A stored baseline of small runs: proof that a change which should not move results
did not, and a record of how much a change that should move them did.

Each case is two thousand households (enough for a key worker or two) of a built-in place run for two years, in one
regime, with some levers pulled. What is stored for each frame of its results is a
fingerprint per column (a hash of its exact bytes) and the column's sum, so the file
stays small, a match is bit for bit, and a mismatch says which columns moved and by
how much.

    python -m locality.experiments.baseline            # check: exit 1 and list what moved
    python -m locality.experiments.baseline --record   # re-record (commit it alone, saying why)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

BASELINE_FILE = Path(__file__).resolve().parent.parent / "tests" / "baseline.json"
SMALL = {"population.households": 2000, "run.years": 2, "run.seed": 1}
FRAMES = ("steps", "agencies", "households", "ledger", "panel")

#: name -> (place, overrides on top of SMALL). Every built-in place in both regimes, then
#: the levers and switches users pull, one or a few at a time.
CASES: dict[str, tuple[str, dict]] = {
    **{f"{place}-{kind}": (place, {"regime.kind": kind})
       for place in ("sherwood", "thanet", "swale", "kent", "triborough") for kind in ("siloed", "integrated")},
    "thanet-cut": ("thanet", {"budget.cut": 0.28, "budget.cut_years": 2, "budget.agency_cut.police": 0.2,
                              "budget.agency_cut_years.police": 1}),
    "thanet-shift": ("thanet", {"early_intervention.shift": 0.2, "early_intervention.start_year": 1,
                                "early_intervention.double_running_years": 1}),
    "thanet-siloed-waiting-list-arrival": ("thanet", {"regime.rationing": "waiting_list",
                                                      "regime.queue_order": "arrival"}),
    "thanet-siloed-shared-assessment": ("thanet", {"regime.single_assessment": True}),
    "thanet-integrated-threshold-severity": ("thanet", {"regime.kind": "integrated", "regime.rationing": "threshold",
                                                        "regime.queue_order": "severity"}),
    "thanet-integrated-no-shared-risk": ("thanet", {"regime.kind": "integrated", "regime.shared_risk": False}),
    "thanet-key-workers-fixed": ("thanet", {"regime.kind": "integrated", "keyworkers.count": 2,
                                            "keyworkers.caseload": 3}),
    "thanet-growth-monthly-panel": ("thanet", {"demand.growth": 0.1, "run.record_every": "month", "run.panel": 40,
                                               "run.warmup_weeks": 20}),
}


def fingerprint(frame: pd.DataFrame) -> dict[str, dict]:
    """Per column: a hash of its values' exact bytes (with its dtype) and, for numbers,
    their sum (so a mismatch shows which way and how far it moved)."""
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if not (pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)):
            data = "\x1f".join(map(str, values)).encode()
            total = None
        else:
            array = np.ascontiguousarray(values.to_numpy())
            data = str(array.dtype).encode() + array.tobytes()
            total = float(np.nansum(array.astype(np.float64)))
        columns[str(name)] = {"hash": hashlib.sha256(data).hexdigest()[:20], "sum": total}
    return {"rows": len(frame), "columns": columns}


def run_case(name: str) -> dict[str, dict]:
    from locality.experiments import run

    place, overrides = CASES[name]
    results = run(place, {**SMALL, **overrides})
    return {frame: fingerprint(getattr(results, frame)) for frame in FRAMES}


def record(path: Path = BASELINE_FILE) -> None:
    stored = {name: run_case(name) for name in CASES}
    path.write_text(json.dumps({"small": SMALL, "cases": stored}, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load(path: Path = BASELINE_FILE) -> dict[str, dict]:
    stored = json.loads(path.read_text(encoding="utf-8"))
    if stored["small"] != SMALL or set(stored["cases"]) != set(CASES):
        raise ValueError(f"{path} was recorded for other cases; re-record it (python -m locality.experiments.baseline --record)")
    return stored["cases"]


def differences(expected: dict[str, dict], actual: dict[str, dict]) -> list[str]:
    """What moved between two fingerprints of one case, a line per frame or column."""
    lines = []
    for frame in FRAMES:
        was, now = expected[frame], actual[frame]
        if was["rows"] != now["rows"]:
            lines.append(f"{frame}: {was['rows']} rows, now {now['rows']}")
        for column in sorted(set(was["columns"]) | set(now["columns"])):
            old, new = was["columns"].get(column), now["columns"].get(column)
            if old is None or new is None:
                lines.append(f"{frame}.{column}: {'new' if old is None else 'gone'}")
            elif old["hash"] != new["hash"]:
                lines.append(f"{frame}.{column}: sum {old['sum']!r} -> {new['sum']!r}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m locality.experiments.baseline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="re-record the baseline from the code as it is")
    args = parser.parse_args(argv)
    if args.record:
        record()
        print(f"recorded {len(CASES)} cases into {BASELINE_FILE}")
        return 0
    expected, moved = load(), 0
    for name in CASES:
        lines = differences(expected[name], run_case(name))
        moved += bool(lines)
        print(f"{name}: {'the same bit for bit' if not lines else f'{len(lines)} moved'}")
        for line in lines[:20]:
            print(f"    {line}")
    return 1 if moved else 0


if __name__ == "__main__":
    sys.exit(main())
