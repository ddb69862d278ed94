"""The stored baseline (tests/baseline.json): small runs of every built-in place in both
regimes and with the levers users pull reproduce bit for bit. A change meant to move
results re-records it (`python -m locality.experiments.baseline --record`) in a commit of its
own that says why; any other change must leave it as it is."""

import pytest

from locality.experiments import baseline


@pytest.fixture(scope="module")
def stored():
    return baseline.load()


@pytest.mark.parametrize("case", list(baseline.CASES))
def test_the_code_reproduces_the_stored_baseline(stored, case):
    moved = baseline.differences(stored[case], baseline.run_case(case))
    assert not moved, f"{case} moved (if meant, re-record in its own commit):\n  " + "\n  ".join(moved[:30])


def test_a_moved_column_is_reported_with_its_sums():
    frame = {"rows": 2, "columns": {"crises": {"hash": "a", "sum": 3.0}, "spend": {"hash": "b", "sum": 1.0}}}
    moved = {"rows": 2, "columns": {"crises": {"hash": "c", "sum": 4.0}, "spend": {"hash": "b", "sum": 1.0}}}
    same = dict.fromkeys(baseline.FRAMES, frame)
    assert baseline.differences(same, {**same, "steps": moved}) == ["steps.crises: sum 3.0 -> 4.0"]
