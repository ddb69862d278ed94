"""The benchmark still runs end to end and prints a table a reader can paste: the fast
engine's figures and its ratio against the per-agent reference."""

import re

import pytest

from locality.experiments import bench

pytestmark = pytest.mark.slow  # the benchmark end to end


def test_benchmark_prints_the_fast_engine_and_its_ratio_against_the_reference(capsys):
    assert bench.main(["--scenarios", "sherwood", "--years", "1", "--reference", "sherwood",
                       "--reference-weeks", "1", "--sweep-runs", "0"]) == 0
    printed = capsys.readouterr().out
    fast_row = re.search(r"^sherwood\s+[\d,]+\s+1\s+[\d.]+\s+[\d.]+\s+-\s+([\d,]+)\s+([\d,]+)", printed, re.MULTILINE)
    assert fast_row, printed
    steps_per_s, peak_mb = (int(x.replace(",", "")) for x in fast_row.groups())
    assert steps_per_s > 0 and peak_mb > 0
    ratio = re.search(r"^sherwood\s+[\d,]+\s+1\s+[\d,]+\s+(\d+)x$", printed, re.MULTILINE)
    assert ratio and int(ratio.group(1)) > 1, printed


def test_a_run_is_held_to_its_target_only_over_the_years_the_target_names():
    assert bench._target("kent", 10, 29.0) == "30 met"
    assert bench._target("kent", 10, 31.0) == "30 MISSED"
    assert bench._target("kent", 5, 10.0) == "-"
    assert bench._target("sherwood", 5, 1.0) == "-"
