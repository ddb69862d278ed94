"""Results that describe themselves: each column's unit and meaning, from the tables that
declare the results' columns (`sim/columns.py` for the steps and agencies frames; below
for the ledger and the households, which are built here in `experiments.results`),
written into the Parquet schema of every file a run or a sweep saves (field metadata
`unit` and `meaning`, which DuckDB, pyarrow and Polars read), and a long format in which
every value sits beside its unit."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from locality.parameters.vocabulary import CATEGORIES, DOMAINS, POOL
from locality.sim.columns import AGENCY_COLUMNS, MONEY, step_columns

IDENTITY = {  # columns that say when and where a row is
    "step": ("weeks", "the week of the run a row ends on (1 is the first recorded week)"),
    "year": ("years", "the year of the run (1 is the first)"),
    "week_of_year": ("weeks", "the week of the year, 1 to 52"),
    "month": ("months", "the month of the year, 1 to 12"),
    "weeks": ("weeks", "weeks the row holds (levels are averaged over them, counts and money summed)"),
    "agency": ("name", f"the agency (or '{POOL}', the pooled budget for key workers)"),
    "label": ("name", "the agency's name as people say it"),
}
LEDGER = {  # per year per agency; every figure is money
    "budget": "the year's budget for what the agency rations (after cuts, shifts and debt), a yearly figure",
    "contribution_to_pool": "put into the key workers' pooled budget this year",
    "budget_universal": "the part of the budget for universal services",
    "deficit_repaid": "past over-spend repaid from this year's budget",
    **{f"spend_{category}": f"spent on {category} this year" for category in CATEGORIES},
    "spend": "spent this year, every kind",
    "over_spend": "spend less budget (negative: under-spend)",
    "under_spend": "budget less spend, net of debt repaid (0 when over)",
    "reserves_drawn": "this year's over-spend met from reserves",
    "reserves": "reserves at the year's end (negative: a debt)",
    "reinvested_in_prevention": "past under-spend put back into the agency's prevention",
    "reinvested_in_pool": "past under-spend put into the key workers' pool",
    "savings_received": "crisis spend saved against business as usual run on the same seed (with an investment agreement or savings cashed)",
    "cashed": "taken from this year's budget by the funder: a share of last year's savings cashed (negative: extra crisis spend funded)",
}
HOUSEHOLDS = {  # one row per home at the end
    "household": ("index", "the home (0 to households - 1)"),
    "neighbourhood": ("index", "the neighbourhood the home is in"),
    "adults": ("people", "adults at home at the end"),
    "children": ("people", "children at home at the end"),
    "head_age": ("years", "the household reference person's age"),
    "pupils": ("people", "children of school age (demography.school_ages), at home or in care: only then can the household have school absence"),
    "working_age": ("yes/no", "the reference person is of working age (demography.working_ages): only then can the household be workless"),
    "arrived_week": ("weeks", "week of the run the household living there arrived (missing: there when recording began)"),
    "tier": ("code", "the household's tier at the end (0 no need ... 4 crisis; see TIERS)"),
    "problems": ("needs", "needs at or above the problem line at the end"),
    "services": ("episodes", "episodes of help begun over the run"),
    "assessments": ("assessments", "assessments over the run"),
    "crises": ("crises", "crises over the run"),
    "first_help_week": ("weeks", "week of the run help first came (missing: never helped)"),
    "first_help_severity": ("need 0 to 1", "worst need when help first came (missing: never helped)"),
    "peak_severity": ("need 0 to 1", "worst need at any time in the run"),
    "start_load": ("need 0 to 9", "sum of needs at the start"),
    "end_load": ("need 0 to 9", "sum of needs at the end"),
    "needs_fell_and_stayed_down": ("yes or no", "needs fell after help and stayed down (outcomes.stayed_down_weeks)"),
    **{f"has_{domain}": ("yes or no", f"a {domain.replace('_', ' ')} problem at the end") for domain in DOMAINS},
}


SUMMARY = {  # a sweep run's one row of whole-run totals (Results.outcomes)
    "crises": ("crises", "crises over the whole run"), "referrals": ("households", "referrals over the whole run"),
    "assessments": ("assessments", "assessments over the whole run"), "spend": (MONEY, "spend over the whole run"),
    "over_spend": (MONEY, "spend less budget over the whole run"), "crisis_spend": (MONEY, "crisis spend over the whole run"),
    "households_helped": ("households", "households helped at least once in the run"),
    "needs_fell_and_stayed_down": ("households", "households whose needs fell after help and stayed down"),
    "in_crisis_tier_final_year": ("households", "households in the crisis tier, mean over the last year's weeks"),
}
SWEEP = {"run_id": ("id", "the run's id in the sweep"), "point": ("index", "the design point"),
         "rep": ("index", "the replication"), "seed": ("seed", "the run's seed"), "draw": ("index", "the posterior's row")}


def column_notes(frame: str, scenario) -> dict[str, tuple[str, str]]:
    """Column -> (unit, meaning) for one frame of a run of `scenario`."""
    if frame in ("steps", "agencies"):
        kinds = [(name, crisis.label) for name, crisis in scenario.crises.items()]
        stocks = [(name, stock.label) for name, stock in scenario.stocks.items()]
        declared = step_columns(kinds, stocks) if frame == "steps" else AGENCY_COLUMNS
        return {**IDENTITY, **{c.name: (c.unit, f"{c.meaning} ({'averaged' if c.level else 'summed'} over a row's weeks)")
                               for c in declared}}
    if frame == "ledger":
        return {**IDENTITY, **{name: (MONEY, meaning) for name, meaning in LEDGER.items()}}
    if frame == "summary":
        return SUMMARY | {f"spend_{payer}": (MONEY, f"spend by {payer} over the whole run") for payer in [*scenario.agencies, POOL]}
    if frame == "households":
        notes = dict(HOUSEHOLDS) | {"cost_total": (MONEY, "public spend on the household over the run, every payer")}
        notes |= {f"cost_{category}": (MONEY, f"public spend on the household on {category} over the run") for category in CATEGORIES}
        return notes | {f"cost_{payer}": (MONEY, f"spent on the household by {payer} over the run")
                        for payer in [*scenario.agencies, POOL]}
    return {}


#: Columns of names repeated on every row: stored dictionary-encoded, so DuckDB, Polars and
#: pandas read them as categories (a sweep's store holds millions of rows of them).
NAMES = ("agency", "label")


def write_parquet(frame: pd.DataFrame, path: Path, notes: dict[str, tuple[str, str]]) -> None:
    """`frame` as Parquet with each noted column's unit and meaning in its field metadata,
    and its columns of names as categories."""
    frame = frame.astype({name: "category" for name in NAMES if name in frame})
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = [field.with_metadata({"unit": notes[field.name][0], "meaning": notes[field.name][1]})
              if field.name in notes else field for field in table.schema]
    units = {name: notes[name][0] for name in frame.columns if name in notes}
    metadata = {**(table.schema.metadata or {}), b"locality.units": json.dumps(units).encode()}  # (for readers of file metadata: DuckDB's parquet_kv_metadata)
    pq.write_table(pa.Table.from_arrays(table.columns, schema=pa.schema(fields, metadata=metadata)), path)


def units_of(path: Path) -> dict[str, str]:
    """Column -> unit, as a Parquet file written here records them."""
    return {field.name: field.metadata[b"unit"].decode() for field in pq.read_schema(path)
            if field.metadata and b"unit" in field.metadata}


def long(frame: pd.DataFrame, notes: dict[str, tuple[str, str]], keys: list[str]) -> pd.DataFrame:
    """`frame` in long format: its `keys`, then one row per other column and row, with
    the column's name (`variable`), its `value` and its `unit`."""
    melted = frame.melt(id_vars=keys, var_name="variable", value_name="value")
    melted["unit"] = melted["variable"].map(lambda name: notes.get(name, ("", ""))[0]).astype("category")
    melted["variable"] = melted["variable"].astype("category")
    return melted
