"""`locality caseloads`: the same pool at several caseload limits, each against the
integrated regime without key workers on the same seeds."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from locality.experiments.caseloads import WITHOUT, caseload_tradeoff

TINY = {"population.households": 600, "run.years": 1, "run.warmup_weeks": 4}
LOCALITY = str(Path(sys.executable).with_name("locality"))


def test_each_caseload_is_run_on_the_same_seeds_as_the_regime_without_key_workers():
    found = caseload_tradeoff("thanet", (3, 12), TINY, reps=2, workers=1)
    assert set(found.runs.index.get_level_values("variant")) == {WITHOUT, 3, 12}
    assert found.runs.groupby(level="variant").size().tolist() == [2, 2, 2]
    assert list(found.table.index) == [3, 12]
    assert found.table.loc[3, "hours_per_family"] == 12.5 and found.table.loc[3, "dose"] > found.table.loc[12, "dose"]
    per_family = found.avoided_per_family(3)
    assert np.allclose(per_family.mean(), found.table.loc[3, "avoided_per_100_families"])


def test_a_caseload_of_none_is_refused_naming_the_key():
    refused = subprocess.run([LOCALITY, "caseloads", "sherwood", "--caseloads", "0", "6"], capture_output=True, text=True)
    assert refused.returncode == 2 and "keyworkers.caseload" in refused.stdout + refused.stderr
