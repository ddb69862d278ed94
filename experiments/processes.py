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
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor


def process_context():
    """Workers start from a clean server process: forking a process that already runs
    BLAS threads can deadlock the child."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["locality.experiments.runner"])  # import the model once, in the server
    return context


class WorkerPool(ProcessPoolExecutor):
    """A process pool that stops at once when the block using it raises (Ctrl-C, SIGTERM
    or an error): work not yet started is cancelled and the workers are killed, rather
    than the queue being run to its end as a plain pool's exit would."""

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None:
            return super().__exit__(exc_type, exc, traceback)
        self.stop()
        return False

    def stop(self) -> None:
        """Cancel what has not started and kill the workers running the rest.
        (`shutdown(cancel_futures=True)` alone does not stop a pool used in a `with`
        block: the block's own shutdown resets the request, and the queue runs on.)"""
        for item in list((getattr(self, "_pending_work_items", None) or {}).values()):
            item.future.cancel()
        for process in list((getattr(self, "_processes", None) or {}).values()):
            process.kill()
        self.shutdown(wait=False, cancel_futures=True)


def worker_pool(max_workers: int, initializer: Callable | None = None, initargs: tuple = ()) -> WorkerPool:
    """A pool of `max_workers` processes, each of which ignores Ctrl-C (it reaches the
    whole process group; the parent decides) and exits when this process has gone, then
    runs `initializer(*initargs)` if given."""
    return WorkerPool(max_workers=max_workers, mp_context=process_context(), initializer=_start_worker,
                      initargs=(initializer, initargs))


def _start_worker(initializer: Callable | None, initargs: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
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
