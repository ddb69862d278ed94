"""The results store of a sweep: one folder per finished run, written whole or not at all;
failed runs recorded beside them with their error; the spec that made them kept at the
top, so that a different spec is not mixed into the same folder.

    DIR/sweep.json                      the spec and its fingerprint
    DIR/runs/<run_id>/steps.parquet     per week, with the run's levers, seed and ids as columns
    DIR/runs/<run_id>/agencies.parquet  per week per agency
    DIR/runs/<run_id>/ledger.parquet    per year per agency
    DIR/runs/<run_id>/panel.parquet     sampled households per period, if run.panel asked for them
    DIR/runs/<run_id>/summary.parquet   one row of whole-run outcomes (what analyses read)
    DIR/failed/<run_id>.json            the error and parameters of a run that raised

DuckDB reads it as it is: SELECT * FROM 'DIR/runs/*/steps.parquet'.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from parameters.loader import ScenarioError

FRAMES = ("steps", "agencies", "ledger")
SPEC_FILE = "sweep.json"


class Store:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs = self.root / "runs"
        self.failures = self.root / "failed"

    def claim(self, spec) -> None:
        """Make the folder this spec's, or check that it already is."""
        marker = self.root / SPEC_FILE
        if marker.exists():
            held = json.loads(marker.read_text())
            if held.get("digest") != spec.digest():
                raise ScenarioError(
                    f"'{self.root}' holds results of a different sweep spec; rerun with that spec to resume it, "
                    f"or choose another --out folder for this one (nothing was run)")
            return
        if self.root.exists() and any(self.root.iterdir()):
            raise ScenarioError(f"'{self.root}' already holds other files; choose an empty or new --out folder (nothing was run)")
        self.runs.mkdir(parents=True, exist_ok=True)
        _write_atomic(marker, json.dumps({"digest": spec.digest(), "spec": spec.model_dump(mode="json")}, indent=2))

    def spec(self) -> dict:
        marker = self.root / SPEC_FILE
        if not marker.exists():
            raise ScenarioError(f"'{self.root}' is not a sweep results folder (no {SPEC_FILE})")
        return json.loads(marker.read_text())["spec"]

    def done(self) -> set[str]:
        return {p.name for p in self.runs.iterdir() if p.is_dir() and not p.name.startswith(".")} if self.runs.exists() else set()

    def failed(self) -> dict[str, dict]:
        if not self.failures.exists():
            return {}
        return {p.stem: json.loads(p.read_text()) for p in self.failures.glob("*.json")}

    def write_run(self, run, results, keep=FRAMES) -> None:
        """Write one run's frames (those in `keep`, and always its one-row summary) with its
        identity as columns; all files or none."""
        target = self.runs / run.run_id
        if target.exists():
            return  # another worker finished the same run first: keep one copy
        identity = {"run_id": run.run_id, "point": run.point, "rep": run.rep, "seed": run.seed, **run.params}
        if run.draw is not None:  # the posterior's row and the values it set, beside the levers
            identity |= {"draw": run.draw, **{key: value for key, value in run.drawn.items() if key not in run.params}}
            # (a drawn value the spec's [set] overrides is stored as drawn, not as run: [set] is in the spec)
        staging = Path(tempfile.mkdtemp(prefix=f".{run.run_id}-", dir=self.runs))
        try:
            panel = ("panel",) if not results.panel.empty else ()  # asked for with run.panel: always kept
            for name in (*keep, *panel, "summary"):
                frame = pd.DataFrame([results.outcomes()]) if name == "summary" else getattr(results, name)
                frame = frame.assign(**{key: value for key, value in identity.items()})
                frame.to_parquet(staging / f"{name}.parquet", index=False)
            try:
                os.rename(staging, target)
            except OSError:
                pass  # finished elsewhere meanwhile
        finally:
            if staging.exists():
                shutil.rmtree(staging)
        failure = self.failures / f"{run.run_id}.json"
        if failure.exists():
            failure.unlink()

    def write_failure(self, run, error: str) -> None:
        self.failures.mkdir(parents=True, exist_ok=True)
        record = {"run_id": run.run_id, "point": run.point, "rep": run.rep, "seed": run.seed, "params": run.params,
                  "draw": run.draw, "drawn": run.drawn, "error": error}
        _write_atomic(self.failures / f"{run.run_id}.json", json.dumps(record, indent=2))

    def frame(self, name: str = "steps") -> pd.DataFrame:
        """One frame of every finished run, stacked."""
        files = sorted(self.runs.glob(f"*/{name}.parquet"))
        if not files:
            return pd.DataFrame()
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)
