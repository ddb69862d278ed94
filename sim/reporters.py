"""What Mesa's DataCollector reports each recorded week, and so what `mesa.batch_run`
returns: every results column (`sim/columns.py`), named by its time base so that a
week's figure is never read as a run's total. For the place: `<column>_this_week`, and
for counts and money also `<column>_so_far` (since recording began); the year's budget
and spend (`budget_this_year`, `spend_this_year`). For each agency (an agent-type
reporter of `Agency`; batch_run gives a row per agency, the place's figures beside its
own): `agency`, `agency_<column>_this_week`, `agency_budget_this_year` and
`agency_threshold_now` (prefixed, so that no agency's figure overwrites the place's)."""

from __future__ import annotations

from locality.agents.agency import Agency

from .columns import AGENCY_COLUMNS


def model_reporters(recorder, ledger) -> dict:
    """The place's reporters, each given what it reads (Mesa's [function, [arguments]])."""
    reporters = {}
    for column in recorder.columns:
        reporters[f"{column.name}_this_week"] = [_this_week, [recorder, column.name]]
        if not column.level:
            reporters[f"{column.name}_so_far"] = [_so_far, [recorder, column.name]]
    reporters["households_in_crisis_this_week"] = [_this_week, [recorder, "tier_crisis"]]  # (tier_crisis, as people say it)
    reporters["budget_this_year"] = [_budget_this_year, [ledger, recorder.place_scale]]
    reporters["spend_this_year"] = [_spend_this_year, [ledger, recorder.place_scale]]
    return reporters


def agency_reporters(recorder) -> dict:
    """Each agency's reporters (Mesa calls each with the agency, then the arguments)."""
    reporters = {"agency": _name}
    reporters |= {f"agency_{column.name}_this_week": [_agency_this_week, [recorder, i]]
                  for i, column in enumerate(AGENCY_COLUMNS) if column.name != "budget_this_year"}
    reporters["agency_budget_this_year"] = _budget
    reporters["agency_threshold_now"] = _threshold
    return {Agency: reporters}


def _this_week(recorder, column: str) -> float:
    return recorder.latest(column)


def _so_far(recorder, column: str) -> float:
    return float(recorder.so_far[recorder.at[column]])


# The ledger holds money for the place as it started: a grown place's is `place_scale` times it.
def _budget_this_year(ledger, place_scale) -> float:
    return float(ledger.budget[ledger.year].sum()) * place_scale(ledger.year + 1)


def _spend_this_year(ledger, place_scale) -> float:
    return float(ledger.spend[ledger.year].sum()) * place_scale(ledger.year + 1)


def _name(agency: Agency) -> str:
    return agency.name


def _budget(agency: Agency) -> float:
    return float(agency.budget) * agency.place_scale(agency.year)


def _threshold(agency: Agency) -> float:
    return float(agency.threshold)


def _agency_this_week(agency: Agency, recorder, i: int) -> float:
    return float(recorder.week_agencies[agency.index, i])
