"""A standing worker process that runs scenarios one at a time beside this process, so
that a small place's A and B use both cores: two runs in threads of one process take
turns for the GIL between kernels (most of a small place's week), two processes do not.

The process is started once and warmed up, so a run does not wait for imports or for
the compiled kernels to load. Runs from several callers (several app sessions) queue
for it in turn; each can be stopped on its own, and none stops another. Whether a run
is still wanted, and how far it has got, cross the process boundary as shared numbers
in a slot of its own rather than as messages: reading them each week costs nothing, and
a run no longer wanted stops at its next week.
"""

from __future__ import annotations

import itertools
import multiprocessing
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from locality.sim.threads import spare_threads

from .processes import worker_pool
from .results import Results
from .runner import run

SLOTS = 256  # runs queued or running at once, at most; a slot is reused 256 runs later

_shared: StandingWorker | None = None
_shared_lock = threading.Lock()

# In the worker process: set once by _attach when it starts.
_owner = None  # the job each slot is for: a job whose slot has another owner is not wanted
_stopped = None  # 1 in a slot whose job was asked to stop
_done = None  # fraction of its weeks each slot's job has run


def _attach(owner, stopped, done) -> None:
    global _owner, _stopped, _done
    _owner, _stopped, _done = owner, stopped, done


def _run_job(job: int, scenario: Any, overrides: Mapping[str, Any]) -> Results:
    slot = job % SLOTS

    def on_week(done: int, total: int) -> bool:
        still_wanted = _owner[slot] == job and not _stopped[slot]
        if still_wanted:
            _done[slot] = done / total
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
        """Fraction of its weeks run so far."""
        slot = self.job % SLOTS
        return self.worker._done[slot] if self.worker._owner[slot] == self.job else float(self.future.done())

    def stop(self) -> None:
        """Stop at its next week (the Future then raises RunStopped); a run still queued
        stops at its first."""
        slot = self.job % SLOTS
        with self.worker._lock:
            if self.worker._owner[slot] == self.job:
                self.worker._stopped[slot] = 1


class StandingWorker:
    """`submit(scenario, overrides)` queues a run for the worker process and returns it
    as a RemoteRun. A worker that died is started afresh on the next submit."""

    def __init__(self) -> None:
        self._owner = multiprocessing.RawArray("q", SLOTS)
        self._stopped = multiprocessing.RawArray("b", SLOTS)
        self._done = multiprocessing.RawArray("d", SLOTS)
        self._jobs = itertools.count(1)
        self._lock = threading.Lock()
        self._pool = self._start()

    def _start(self):
        return worker_pool(1, _attach, (self._owner, self._stopped, self._done))

    def submit(self, scenario: Any, overrides: Mapping[str, Any]) -> RemoteRun:
        with self._lock:
            job = next(self._jobs)
            slot = job % SLOTS
            self._owner[slot], self._stopped[slot], self._done[slot] = job, 0, 0.0
            try:
                future = self._pool.submit(_run_job, job, scenario, dict(overrides))
            except BrokenProcessPool:  # the worker died (killed, out of memory): start another
                self._pool = self._start()
                future = self._pool.submit(_run_job, job, scenario, dict(overrides))
        return RemoteRun(future, job, self)

    def shutdown(self) -> None:
        """Stop every run and end the worker process."""
        with self._lock:
            for slot in range(SLOTS):
                self._stopped[slot] = 1
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
