"""A standing worker process that runs one scenario at a time beside this process, so
that a small place's A and B use both cores: two runs in threads of one process take
turns for the GIL between kernels (most of a small place's week), two processes do not.

The process is started once and warmed up, so a run does not wait for imports or for
the compiled kernels to load. Which run is wanted, and how far it has got, cross the
process boundary as two shared numbers rather than messages: reading them each week
costs nothing, and a run that is no longer wanted stops at its next week.
"""

from __future__ import annotations

import itertools
import multiprocessing
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from sim.threads import spare_threads

from .processes import worker_pool
from .results import Results
from .runner import run

_shared: StandingWorker | None = None
_shared_lock = threading.Lock()

# In the worker process: set once by _attach when it starts.
_wanted = None  # id of the job wanted now (0: none); any other job stops at its next week
_done = None  # fraction of its weeks the wanted job has run


def _attach(wanted, done) -> None:
    global _wanted, _done
    _wanted, _done = wanted, done


def _run_job(job: int, scenario: Any, overrides: Mapping[str, Any]) -> Results:
    def on_week(done: int, total: int) -> bool:
        still_wanted = _wanted.value == job
        if still_wanted:
            _done.value = done / total
        return still_wanted

    return run(scenario, overrides, on_week=on_week)


@dataclass
class RemoteRun:
    """One run handed to the worker: its Future, how far it has got, and a way to stop it."""

    future: Future
    job: int
    worker: StandingWorker

    @property
    def done(self) -> float:
        """Fraction of its weeks run so far (as last reported, while it is the one wanted)."""
        return self.worker._done.value if self.worker._wanted.value == self.job else float(self.future.done())

    def stop(self) -> None:
        """Stop at its next week (the Future then raises RunStopped), unless a later run
        has replaced it already."""
        with self.worker._lock:
            if self.worker._wanted.value == self.job:
                self.worker._wanted.value = 0


class StandingWorker:
    """`submit(scenario, overrides)` starts a run in the worker process and returns it as
    a RemoteRun. A new submit replaces the run before it, which stops at its next week.
    A worker that died is started afresh on the next submit."""

    def __init__(self) -> None:
        self._wanted = multiprocessing.RawValue("q", 0)
        self._done = multiprocessing.RawValue("d", 0.0)
        self._jobs = itertools.count(1)
        self._lock = threading.Lock()
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return worker_pool(1, _attach, (self._wanted, self._done))

    def submit(self, scenario: Any, overrides: Mapping[str, Any]) -> RemoteRun:
        with self._lock:
            job = next(self._jobs)
            self._wanted.value, self._done.value = job, 0.0
            try:
                future = self._pool.submit(_run_job, job, scenario, dict(overrides))
            except BrokenProcessPool:  # the worker died (killed, out of memory): start another
                self._pool = self._start()
                future = self._pool.submit(_run_job, job, scenario, dict(overrides))
        return RemoteRun(future, job, self)

    def shutdown(self) -> None:
        self._wanted.value = 0
        self._pool.shutdown(wait=True, cancel_futures=True)


def shared() -> StandingWorker | None:
    """This process's one standing worker, started on first use (and kept across a
    reload of the app's code); None on a machine with one core, where a second process
    would only take turns with this one."""
    global _shared
    with _shared_lock:
        if _shared is None and spare_threads() > 1:
            _shared = StandingWorker()
        return _shared
