"""Worker processes end with the process that started them: a killed sweep or app
server leaves no workers behind, waiting forever with a model's memory."""

import os
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow  # worker processes killed and watched

STARTS_A_WORKER_AND_WAITS = """
import os, time
from locality.experiments.processes import worker_pool
pool = worker_pool(1)
print(pool.submit(os.getpid).result(), flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has gone, only not yet reaped
        return stat.read().split(") ")[-1][0] != "Z"


def test_a_worker_exits_when_the_process_that_started_it_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", STARTS_A_WORKER_AND_WAITS], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        assert alive(worker)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 30
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(worker), f"worker {worker} outlived the process that started it"
