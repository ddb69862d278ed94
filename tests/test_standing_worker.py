"""The standing worker process that runs the app's B beside A: same results as a run
here, a replaced or stopped run stops, and a worker that died is started again."""

import os
import signal

import pytest

from locality.experiments.runner import RunStopped, run
from locality.experiments.standing_worker import StandingWorker

SMALL = {"population.households": 400, "run.years": 1, "run.warmup_weeks": 4, "run.seed": 7}
LONG = {**SMALL, "run.years": 25}


@pytest.fixture(scope="module")
def worker():
    standing = StandingWorker()
    yield standing
    standing.shutdown()


def test_a_run_in_the_worker_is_the_run_here(worker):
    remote = worker.submit("sherwood", SMALL)
    there, here = remote.future.result(timeout=120), run("sherwood", SMALL)
    assert there.steps.equals(here.steps) and there.ledger.equals(here.ledger)
    assert remote.done == 1.0


def test_runs_queue_in_turn_and_stopping_one_stops_no_other(worker):
    """Two callers (two app sessions): the second's run waits for the first's, and each
    stops only its own."""
    first = worker.submit("sherwood", LONG)
    second = worker.submit("sherwood", SMALL)
    third = worker.submit("sherwood", LONG)
    third.stop()  # still queued: it stops at its first week
    first.stop()
    with pytest.raises(RunStopped):
        first.future.result(timeout=120)
    assert second.future.result(timeout=120).scenario.run.years == 1
    with pytest.raises(RunStopped):
        third.future.result(timeout=120)
    first.stop()  # long over: it must not stop a later run
    assert worker.submit("sherwood", SMALL).future.result(timeout=120).scenario.run.seed == 7


def test_stop_stops_a_run_between_weeks(worker):
    remote = worker.submit("sherwood", LONG)
    remote.stop()
    with pytest.raises(RunStopped):
        remote.future.result(timeout=120)


def test_a_worker_that_died_is_started_again(worker):
    remote = worker.submit("sherwood", LONG)
    os.kill(next(iter(worker._pool._processes)), signal.SIGKILL)
    with pytest.raises(Exception, match="terminated abruptly"):
        remote.future.result(timeout=120)
    assert worker.submit("sherwood", SMALL).future.result(timeout=120).scenario.run.years == 1
