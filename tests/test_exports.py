"""What the app hands out describes itself: a CSV starts with a header block naming the
place, the sample, the levers changed from the place's own, A and B, and the seeds; a file
name carries the place and a lever tag; a PNG has a title; who pays comes with ranges."""

import io

import pandas as pd
import pytest

from locality.experiments.paired import compare_paired
from locality.experiments.runner import compare
from locality.viz.exports import Described, figure_png, who_pays_csv, yearly_csv
from locality.viz.charts import ALL_CHARTS

LEVERS = {"population.households": 400, "run.years": 1, "run.seed": 5, "budget.cut": 0.28, "run.warmup_weeks": 4}


@pytest.fixture(scope="module")
def described():
    return Described("kent", LEVERS, "siloed", "integrated", (5,))


def test_the_header_names_the_sample_the_changed_levers_and_the_seed(described):
    header = described.header().splitlines()
    assert all(line.startswith("# ") for line in header)
    assert "Kent, a sample of 400 of its" in header[0] and "seed 5" in header[0]
    assert "Budget cut: 28%" in header[1] and "Households" not in header[1]
    assert header[2] == "# A: siloed. B: integrated" and "2013/14" in header[3]


def test_file_names_carry_the_place_and_a_lever_tag(described):
    name = described.filename("yearly", "csv")
    assert name.startswith("locality-kent-") and "cut-0.28" in name and name.endswith("-yearly.csv")
    assert Described("kent", {"run.seed": 1}, "a", "b", (1,)).filename("weekly", "csv") == "locality-kent-defaults-weekly.csv"


def test_a_csv_reads_back_past_its_header_with_rounded_figures(described):
    comparison = compare("kent", common=LEVERS)
    text = yearly_csv(comparison, described)
    table = pd.read_csv(io.StringIO(text), comment="#", index_col="year")
    assert (table["spend_A"] == table["spend_A"].round(0)).all()
    figure = ALL_CHARTS["Crises"](comparison)
    titled = figure_png(figure, described)
    assert titled[:4] == b"\x89PNG" and len(titled) != len(figure_png(figure))  # the export has its title
    assert not figure.texts  # the figure on show is left as it was


def test_who_pays_comes_per_agency_per_year_with_its_interval():
    paired = compare_paired("sherwood", common={"population.households": 300, "run.years": 2, "run.warmup_weeks": 4},
                            reps=3, workers=2)
    over = Described("sherwood", {"run.years": 2}, paired.a_label, paired.b_label, tuple(paired.seeds))
    text = who_pays_csv(paired, over)
    assert "3 seeds (mean and 95% interval over them)" in text.splitlines()[0]
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert set(table.columns) >= {"agency", "label", "year", "net_change", "low", "high", "reps"}
    assert set(table["year"]) == {1, 2} and (table["low"] <= table["high"]).all() and (table["reps"] == 3).all()


def test_levers_inside_tables_are_named_too():
    from locality.parameters.levers import changed_from_place

    changed = changed_from_place("sherwood", {"budget.agency_cut.police": 0.2, "unit_costs.arrest_detained": 650.0})
    assert [key for key, _, _ in changed] == ["budget.agency_cut.police", "unit_costs.arrest_detained"]
    assert changed[0][2] == "budget.agency_cut.police: 0.2"
