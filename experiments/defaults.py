"""Defaults that `locality --help` shows, declared here so the help is read without
importing the model; the modules that use them import them from here."""

from pathlib import Path

#: Caseload limits `locality caseloads` tries: FIP's about 6 families a worker (source_facts.md), halved, doubled, quadrupled.
CASELOADS = (3, 6, 12, 24)
#: The most runs a sweep spec may plan unless --max-runs says more (an assumption of what a sweep needs).
MAX_RUNS = 20_000
#: Whole-run outcomes `locality analyse` reads unless told others.
DEFAULT_OUTPUTS = ("crises", "spend", "over_spend", "households_helped")
#: The calibration and validation targets.
TARGETS_FILE = Path(__file__).resolve().parent.parent / "parameters" / "targets.toml"
#: Example sweep specs installed with Locality: `locality sweep NAME` runs one by name.
SPECS_DIR = Path(__file__).resolve().parent / "specs"
#: A place that grows neither in people nor in new problems: the status quo that must stand still (issue 17).
NO_GROWTH = {"demand.growth": 0.0, "demand.trend": {}, "demography.household_growth": 0.0}
