"""Worker processes for sweeps, replications, calibration and the app's standing worker:
how they start, and that they end with the process that started them.

A pool's workers wait for work on a queue whose writing end they hold themselves, so if
the process that started them is killed (SIGKILL, or SIGTERM with no handler) they would
wait forever, each holding a model's memory. Every worker therefore watches its parent
and exits as soon as it has gone.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor


def process_context():
    """Workers start from a clean server process: forking a process that already runs
    BLAS threads can deadlock the child."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["experiments.runner"])  # import the model once, in the server
    return context


def worker_pool(max_workers: int, initializer: Callable | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of `max_workers` processes, each of which exits when this process has gone,
    then runs `initializer(*initargs)` if given."""
    return ProcessPoolExecutor(max_workers=max_workers, mp_context=process_context(), initializer=_start_worker,
                               initargs=(initializer, initargs))


def _start_worker(initializer: Callable | None, initargs: tuple) -> None:
    exit_with_parent()
    if initializer is not None:
        initializer(*initargs)


def exit_with_parent() -> None:
    """In a worker process: exit at once when the process that started it has gone,
    rather than wait for work that will never come."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
