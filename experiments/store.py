"""The results store of a sweep: one folder per finished run, published whole in one
rename or not at all, with a manifest that lets it be checked; failed runs recorded
beside them with their error; the spec that made them, and the scenario it ran, kept at
the top, so that a different spec or an edited scenario is not mixed into the same folder.

    DIR/sweep.json                      the spec, the scenario's content and their fingerprint
    DIR/runs/<run_id>/steps.parquet     per week, with the run's levers, seed and ids as columns
    DIR/runs/<run_id>/agencies.parquet  per week per agency
    DIR/runs/<run_id>/ledger.parquet    per year per agency
    DIR/runs/<run_id>/panel.parquet     sampled households per period, if run.panel asked for them
    DIR/runs/<run_id>/summary.parquet   one row of whole-run outcomes (what analyses read)
    DIR/runs/<run_id>/manifest.json     the run's files with their rows, sizes and checksums
    DIR/failed/<run_id>.json            the error and parameters of a run that raised
    DIR/.staging/                       runs being written (never under runs/, so no reader sees them)
    DIR/.lock                           held by the sweep writing the folder

DuckDB reads it as it is: SELECT * FROM 'DIR/runs/*/steps.parquet'. A run killed while
it was being written leaves its half in .staging, which the next sweep on the folder
removes; under runs/ there is only ever whole runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from locality.parameters.loader import ScenarioError

from .described import SWEEP, column_notes, write_parquet
from .provenance import provenance

FRAMES = ("steps", "agencies", "ledger")
SPEC_FILE = "sweep.json"
MANIFEST = "manifest.json"
STAGING = ".staging"
LOCK = ".lock"


class Store:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs = self.root / "runs"
        self.failures = self.root / "failed"
        self.staging = self.root / STAGING

    # --- claiming and locking ------------------------------------------------------------------
    def claim(self, identity: dict, describe_change=None) -> None:
        """Make the folder this sweep's, or check that it already is. `identity` holds the
        sweep's `digest` and what it was made from; `describe_change(held, identity)` says
        in words what differs when the digests do not match."""
        marker = self.root / SPEC_FILE
        if not self.refuse_another(identity, describe_change):
            _write_atomic(marker, json.dumps(identity, indent=2))  # first: a folder left by a failed start is resumed, not refused
        self.runs.mkdir(parents=True, exist_ok=True)  # (again if it was removed: runs are published into it)

    def refuse_another(self, identity: dict, describe_change=None) -> bool:
        """Refuse a folder that holds another sweep's results, or other files; True if it
        already holds this sweep's (so it is resumed). Writes nothing."""
        marker = self.root / SPEC_FILE
        if marker.exists():
            held = _read_json(marker, what="the sweep's record")
            if held.get("digest") != identity["digest"]:
                change = describe_change(held, identity) if describe_change else "its spec differs"
                raise ScenarioError(
                    f"'{self.root}' holds results of a different sweep ({change}); rerun with what made them to resume, "
                    f"or choose another --out folder (nothing was run)")
            return True
        if self.root.exists() and any(p.name != LOCK for p in self.root.iterdir()):
            raise ScenarioError(f"'{self.root}' already holds other files; choose an empty or new --out folder (nothing was run)")
        return False

    @contextlib.contextmanager
    def lock(self):
        """Hold the folder for one writer: a second sweep on it is refused, naming the first."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / LOCK
        handle = open(path, "a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise ScenarioError(f"'{self.root}' is being written by another sweep ({holder}); wait for it to "
                                    "finish or stop it, or choose another --out folder (nothing was run)") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} on {socket.gethostname()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}")
            handle.flush()
            yield self
        finally:
            handle.close()  # (closing releases the lock; a killed process releases it too)

    def tidy(self) -> int:
        """Remove what a killed writer left half done: staged runs, and (from older
        versions) hidden folders under runs/. Call only while holding the lock."""
        leftovers = [*(self.staging.iterdir() if self.staging.exists() else ()),
                     *(p for p in (self.runs.iterdir() if self.runs.exists() else ())
                       if p.name.startswith(".") or not (p / MANIFEST).is_file())]  # (a run without its manifest is redone)
        for path in leftovers:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
        return len(leftovers)

    # --- reading ---------------------------------------------------------------------------------
    def spec(self) -> dict:
        marker = self.root / SPEC_FILE
        if not marker.exists():
            raise ScenarioError(f"'{self.root}' is not a sweep results folder (no {SPEC_FILE})")
        held = _read_json(marker, what="the sweep's record")
        if not isinstance(held, dict) or not isinstance(held.get("spec"), dict):
            raise ScenarioError(f"{marker}: the sweep's record holds no spec; the folder may be damaged")
        return held["spec"]

    def done(self) -> set[str]:
        """The runs published whole (a folder under runs/ with its manifest)."""
        if not self.runs.exists():
            return set()
        return {p.name for p in self.runs.iterdir() if not p.name.startswith(".") and (p / MANIFEST).is_file()}

    def unsound(self) -> dict[str, str]:
        """Finished runs whose files no longer match their manifest, with what is wrong."""
        wrong = {}
        for run_id in sorted(self.done()):
            problem = check_run(self.runs / run_id)
            if problem:
                wrong[run_id] = problem
        return wrong

    def discard(self, run_ids) -> None:
        """Remove runs (that failed their check) so that the next sweep runs them again."""
        for run_id in run_ids:
            shutil.rmtree(self.runs / run_id, ignore_errors=True)

    def failed(self) -> dict[str, dict]:
        if not self.failures.exists():
            return {}
        return {p.stem: _read_json(p, what="a failed run's record") for p in self.failures.glob("*.json")}

    def frame(self, name: str = "steps") -> pd.DataFrame:
        """One frame of every finished run, stacked (each run once)."""
        files = [self.runs / run_id / f"{name}.parquet" for run_id in sorted(self.done())]
        files = [f for f in files if f.is_file()]
        if not files:
            return pd.DataFrame()
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)

    # --- writing ---------------------------------------------------------------------------------
    def write_run(self, run, results, keep=FRAMES) -> None:
        """Write one run's frames (those in `keep`, and always its one-row summary) with its
        identity as columns, and its manifest; then publish the folder in one rename."""
        target = self.runs / run.run_id
        if target.exists():
            return  # another worker finished the same run first: keep one copy
        identity = {"run_id": run.run_id, "point": run.point, "rep": run.rep, "seed": run.seed,
                    **{key: json.dumps(value) if isinstance(value, (list, dict)) else value for key, value in run.params.items()}}
        # (a lever whose value is a list, finance.carries_over say, is stored as its JSON text)
        if run.draw is not None:  # the posterior's row and the values it set, beside the levers
            identity |= {"draw": run.draw, **{key: value for key, value in run.drawn.items() if key not in run.params}}
            # (a drawn value the spec's [set] overrides is stored as drawn, not as run: [set] is in the spec)
        self.staging.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{run.run_id}-", dir=self.staging))
        try:
            panel = ("panel",) if not results.panel.empty else ()  # asked for with run.panel: always kept
            files = {}
            for name in (*keep, *panel, "summary"):
                frame = pd.DataFrame([results.outcomes()]) if name == "summary" else getattr(results, name)
                frame = frame.assign(**{key: value for key, value in identity.items()})
                path = staging / f"{name}.parquet"
                notes = column_notes(name, results.scenario) | SWEEP
                notes |= {key: ("lever value", "the value this run's design point (or posterior draw) set")
                          for key in identity if key not in SWEEP}
                write_parquet(frame, path, notes)
                files[path.name] = {"rows": len(frame), **_fingerprint(path)}
            manifest = {"run_id": run.run_id, "seed": run.seed, "files": files, "made_by": provenance()}
            _write_atomic(staging / MANIFEST, json.dumps(manifest, indent=2))
            _hold_for_tests()
            self.runs.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, target)
            except OSError:
                if not (target / MANIFEST).is_file():
                    raise  # not finished elsewhere meanwhile: the run is not published, and must not count as done
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


def _hold_for_tests() -> None:
    """A test hook: with LOCALITY_TEST_HOLD_PUBLISH set to a file path, a run about to be
    published touches that file and waits, so a test can kill the sweep at that moment."""
    hold = os.environ.get("LOCALITY_TEST_HOLD_PUBLISH")
    if hold:
        Path(hold).touch()
        time.sleep(3600)


def check_run(folder: Path) -> str | None:
    """What is wrong with a published run's files against its manifest, or None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return "its manifest is missing or unreadable"
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if path.stat().st_size != expected["bytes"] or _fingerprint(path)["sha256"] != expected["sha256"]:
            return f"{name} has changed since it was written (size or checksum)"
        try:
            rows = pq.ParquetFile(path).metadata.num_rows
        except Exception:  # noqa: BLE001 - any unreadable file is a fault of the store, reported as such
            return f"{name} cannot be read as Parquet"
        if rows != expected["rows"]:
            return f"{name} has {rows} rows where {expected['rows']} were written"
    return None


def _fingerprint(path: Path) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def _read_json(path: Path, what: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: {what} cannot be read ({exc}); the folder may be damaged") from None


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)
