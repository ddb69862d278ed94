"""Results describe themselves: every column of every frame a run saves carries its unit
and meaning in the Parquet schema (as a sweep's files do), and any frame comes in long
format with each value beside its unit."""

import json

import pyarrow.parquet as pq
import pytest

from locality.experiments import run
from locality.experiments.described import units_of
from locality.experiments.store import Store
from locality.experiments.sweep import SweepSpec, run_sweep

SMALL = {"population.households": 200, "run.warmup_weeks": 0, "run.years": 1}


@pytest.fixture(scope="module")
def results():
    return run("sherwood", SMALL)


def test_every_column_of_every_saved_frame_has_its_unit_and_meaning(results, tmp_path):
    results.save(tmp_path / "run")
    for frame in ("steps", "agencies", "ledger", "households"):
        schema = pq.read_schema(tmp_path / "run" / f"{frame}.parquet")
        bare = [field.name for field in schema if not (field.metadata and b"unit" in field.metadata and b"meaning" in field.metadata)]
        assert not bare, f"{frame}: {bare}"
    units = units_of(tmp_path / "run" / "ledger.parquet")
    assert units["spend"] == "£ at 2013/14 prices" and units["year"] == "years"
    assert units_of(tmp_path / "run" / "steps.parquet")["referrals"] == "households"
    import duckdb  # and a reader of file metadata finds them too

    ((value,),) = duckdb.sql(f"SELECT value FROM parquet_kv_metadata('{tmp_path}/run/ledger.parquet') "
                             "WHERE key = 'locality.units'").fetchall()
    assert json.loads(value)["spend"] == "£ at 2013/14 prices"


def test_long_format_puts_each_value_beside_its_unit(results):
    tall = results.long("agencies")
    assert list(tall.columns[:4]) == ["step", "year", "week_of_year", "agency"]
    assert {"variable", "value", "unit"} <= set(tall.columns)
    spend = tall[tall["variable"] == "spend"]
    assert (spend["unit"] == "£ at 2013/14 prices").all() and len(spend) == len(results.agencies)


def test_a_sweeps_files_carry_units_and_what_the_levers_are(tmp_path):
    spec = SweepSpec.model_validate({"sweep": {"scenario": "sherwood", "years": 1}, "set": SMALL,
                                     "levers": {"budget.cut": [0.0]}})
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    (run_id,) = Store(tmp_path / "out").done()
    units = units_of(tmp_path / "out" / "runs" / run_id / "steps.parquet")
    assert units["budget.cut"] == "lever value" and units["seed"] == "seed" and units["crises"] == "crises"
    summary = pq.read_schema(tmp_path / "out" / "runs" / run_id / "summary.parquet")
    assert all(field.metadata and b"unit" in field.metadata for field in summary), "every whole-run total has its unit"


def test_names_are_stored_as_categories_and_load_back_as_the_run_had_them(results, tmp_path):
    import pandas as pd
    import polars as pl

    from locality.experiments.results import Results

    folder = results.save(tmp_path / "run")
    for frame in ("agencies", "ledger"):
        assert pq.read_schema(folder / f"{frame}.parquet").field("agency").type.value_type in ("string", "large_string")
        assert isinstance(pd.read_parquet(folder / f"{frame}.parquet")["agency"].dtype, pd.CategoricalDtype)
        assert pl.read_parquet(folder / f"{frame}.parquet")["agency"].dtype == pl.Categorical
    loaded = Results.load(folder)
    pd.testing.assert_frame_equal(loaded.agencies, results.agencies)
    assert "budget_this_year" in results.agencies and "budget" not in results.agencies  # a yearly figure, named so
