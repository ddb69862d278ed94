"""Two threads inside one run, for the week's biggest passes over households at county
scale; and when two runs (A and B) are worth running at once.

The compiled kernels release the GIL, so the two halves of a pass (households split at
a block boundary, or agencies split in two) run at once on two cores. Each half writes
only its own part of the output, so a run gives the same results, bit for bit, on one
thread or two. Work that can run ahead of the week (next week's shocks) goes to a
thread of its own. Small places stay on one thread, where handing work to a thread
costs more than it saves; so do the worker processes of sweeps, replications and
calibration, which already fill the cores one run each.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import pairwise

import numpy as np

from .kernels import BLOCK

FROM_HOUSEHOLDS = 100_000  # below this, one thread is faster (measured: experiments.bench)
MAX_THREADS = 2  # engine: the passes split in at most two parts (measured: more gained nothing here)
PAIR_FROM_HOUSEHOLDS = 30_000  # below this, two runs go faster one after the other than at once
_pool: ThreadPoolExecutor | None = None
_background: ThreadPoolExecutor | None = None


def spare_threads() -> int:
    """Threads a run may use: up to two on a machine with two cores or more, one in a
    sweep's (or replications', or calibration's) worker process, which fill the cores
    one run each already."""
    return 1 if multiprocessing.parent_process() is not None else min(MAX_THREADS, os.cpu_count() or 1)


def threads_for(households: int) -> int:
    """How many threads a run of this size uses: two only for a county-sized place."""
    return spare_threads() if households >= FROM_HOUSEHOLDS else 1


def pair_at_once(households: int) -> bool:
    """Whether to run two variants of a place (A and B) at once, in two threads. Their
    kernels run in parallel, but their Python between kernels takes turns for the GIL;
    in a small place that is most of the week, so there the pair is faster in turn."""
    return spare_threads() > 1 and households >= PAIR_FROM_HOUSEHOLDS


def split(n: int, parts: int, align: int = BLOCK) -> list[tuple[int, int]]:
    """`parts` ranges covering range(n), about equal, cut at multiples of `align` (the
    kernels' blocks of households, by default)."""
    blocks = (n + align - 1) // align
    cuts = [min(n, round(blocks * p / parts) * align) for p in range(parts + 1)]
    return [(lo, hi) for lo, hi in pairwise(cuts) if hi > lo] or [(0, n)]


def split_by_cost(costs, parts: int) -> list[tuple[int, int]]:
    """`parts` ranges covering range(len(costs)), cut where the running total of `costs`
    comes nearest to each equal share, so that the parts take about as long."""
    running = np.cumsum(costs)
    cuts = [0, *(int(np.abs(running - running[-1] * p / parts).argmin()) + 1 for p in range(1, parts)), len(costs)]
    return [(lo, hi) for lo, hi in pairwise(cuts) if hi > lo]


def run_parts(task: Callable[[int, int], object], parts: list[tuple[int, int]]) -> None:
    """`task(lo, hi)` for each part: the first here, the others on the shared pool, all
    at once; returns when all are done (and raises what any of them raised)."""
    global _pool
    if len(parts) == 1:
        task(*parts[0])
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="locality-half")
    others = [_pool.submit(task, lo, hi) for lo, hi in parts[1:]]
    try:
        task(*parts[0])
    finally:
        for other in others:
            other.result()


def in_background(task: Callable, *args) -> Future:
    """`task(*args)` on a thread of its own, for work that can run ahead of the week (it
    must touch nothing the week's stages touch); the Future gives its result."""
    global _background
    if _background is None:
        _background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="locality-ahead")
    return _background.submit(task, *args)
