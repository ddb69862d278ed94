"""What made a result: Locality's version and the code's commit, Python's and the
packages' versions, so that a run or a sweep can be reproduced (or its difference
explained) from what it wrote beside its results."""

from __future__ import annotations

import functools
import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("numpy", "numba", "scipy", "pandas", "pyarrow", "networkx", "mesa", "pydantic", "salib", "pyabc")
ROOT = Path(__file__).resolve().parent.parent


def version() -> str:
    """Locality's package version (as installed), or 'unknown' when it is not installed."""
    try:
        return metadata.version("locality")
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def code_commit() -> dict[str, object]:
    """The git commit of the code that ran, and whether it had uncommitted changes (None
    when the code is not in a git work tree, as in an installed wheel)."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    if not (ROOT / ".git").exists():  # an installed copy: any git repository around it is not this code's
        return {"commit": None, "uncommitted_changes": None}
    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "uncommitted_changes": None}
    changed = git("status", "--porcelain", "--untracked-files=no", "--", "locality", "sim", "agents", "parameters", "experiments")
    return {"commit": commit, "uncommitted_changes": bool(changed)}


@functools.cache
def provenance() -> dict[str, object]:
    """Locality's version and commit, Python's version and every package that decides results."""
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {"locality": version(), **code_commit(), "python": platform.python_version(), "packages": packages}


def describe() -> str:
    """One line for `locality --version`."""
    made = provenance()
    commit = made["commit"]
    code = f", commit {commit[:12]}" + (" with uncommitted changes" if made["uncommitted_changes"] else "") if commit else ""
    return f"locality {made['locality']}{code} (Python {made['python']}, numpy {made['packages']['numpy']}, mesa {made['packages']['mesa']})"
