"""Where a command's results go: the --out folder checked before anything runs (a folder,
writable, with room), and results saved so that a failure to write loses nothing that
was computed (they go to a fallback folder the message names)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from locality.parameters.loader import ScenarioError

LEAST_FREE_BYTES = 50 * 2**20  # 50 MiB: room for a district's run of ten years as Parquet, with margin (measured: about 20 MiB)


def check_out(out: str | Path, overwrite: bool = False, *, may_hold_files: bool = False) -> Path:
    """`out` as a folder that can be written, or a ScenarioError saying why not and what
    to do, before any work is done: not a file, not a folder that holds files (unless
    `overwrite` or `may_hold_files`), inside a folder this user may write, with room."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out '{out}' is a file; give a folder (nothing was run)")
    if out.is_dir() and any(out.iterdir()) and not (overwrite or may_hold_files):
        raise ScenarioError(f"'{out}' already holds files; choose another --out folder or add --overwrite (nothing was run)")
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ScenarioError(f"--out '{out}': '{existing}' is a file, so no folder can be made there (nothing was run)")
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".locality-probe-"):
            pass
    except OSError as error:
        raise ScenarioError(f"--out '{out}': cannot write in '{existing}' ({error.strerror}); choose a folder you "
                            "can write (nothing was run)") from None
    free = shutil.disk_usage(existing).free
    if free < LEAST_FREE_BYTES:
        raise ScenarioError(f"--out '{out}': only {free / 2**20:.0f} MiB free on its disk, less than the "
                            f"{LEAST_FREE_BYTES / 2**20:.0f} MiB a run may need; free some room or choose another disk "
                            "(nothing was run)")
    return out


def save_or_keep(results, out: Path, overwrite: bool = False) -> Path:
    """Save `results` into `out`; if that fails (a full disk, a folder gone), save them
    into a fallback folder under the system's temporary folder instead and say so; if
    that fails too, the error says the results are lost and why."""
    try:
        return results.save(out, overwrite=overwrite)
    except OSError as first:
        fallback = Path(tempfile.gettempdir()) / f"locality-unsaved-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        try:
            results.save(fallback)
        except OSError as second:
            raise ScenarioError(f"could not write the results to '{out}' ({first.strerror or first}) nor to "
                                f"'{fallback}' ({second.strerror or second}); the tables printed above are all that is left") from None
        print(f"locality: could not write the results to '{out}' ({first.strerror or first}); "
              f"they are saved in {fallback}/ instead")
        return fallback
