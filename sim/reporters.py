"""What Mesa's DataCollector reports each recorded week, and so what `mesa.batch_run`
returns: every results column (`sim/columns.py`), named by its time base so that a
week's figure is never read as a run's total. For the place: `<column>_this_week`, and
for counts and money also `<column>_so_far` (since recording began); the year's budget
and spend (`budget_this_year`, `spend_this_year`). For each agency (an agent-type
reporter of `Agency`; batch_run gives a row per agency, the place's figures beside its
own): `agency`, `agency_<column>_this_week`, `agency_budget_this_year` and
`agency_threshold_now` (prefixed, so that no agency's figure overwrites the place's)."""

from __future__ import annotations

from functools import partial

from agents.agency import Agency

from .columns import AGENCY_COLUMNS, Column


def model_reporters(columns: list[Column]) -> dict:
    reporters = {}
    for column in columns:
        reporters[f"{column.name}_this_week"] = partial(_this_week, column.name)
        if not column.level:
            reporters[f"{column.name}_so_far"] = partial(_so_far, column.name)
    reporters["budget_this_year"] = _budget_this_year
    reporters["spend_this_year"] = _spend_this_year
    return reporters


def agency_reporters() -> dict:
    reporters = {"agency": lambda agency: agency.name}
    reporters |= {f"agency_{column.name}_this_week": partial(_agency_this_week, i)
                  for i, column in enumerate(AGENCY_COLUMNS) if column.name != "budget"}
    reporters["agency_budget_this_year"] = lambda agency: float(agency.budget)
    reporters["agency_threshold_now"] = lambda agency: float(agency.threshold)
    return {Agency: reporters}


def _this_week(column: str, model) -> float:
    return model.recorder.latest(column)


def _so_far(column: str, model) -> float:
    recorder = model.recorder
    return float(recorder.so_far[recorder.at[column]])


def _budget_this_year(model) -> float:
    return float(model.ledger.budget[model.ledger.year].sum())


def _spend_this_year(model) -> float:
    return float(model.ledger.spend[model.ledger.year].sum())


def _agency_this_week(i: int, agency) -> float:
    return float(agency.model.recorder.week_agencies[agency.index, i])
