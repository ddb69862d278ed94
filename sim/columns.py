"""The results' columns, each declared once, in `STEP_TABLE` and `AGENCY_TABLE`: its
name, unit, how a period folds its weeks (counts and money are summed, levels averaged
over the weeks), whether it is a whole number, and what it means. A row whose name has a
{placeholder} stands for one column per crisis kind ({kind}), statutory stock ({stock}),
tier ({tier}), move between tiers ({a}, {b}) or spend category ({category}). The recorder and the results
read these tables; nothing else lists the columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from locality.parameters.unit_costs import PRICE_YEAR
from locality.parameters.vocabulary import CATEGORIES, TIERS

from .tables import read_table

MONEY = f"£ at {PRICE_YEAR} prices"
#: Moves between tiers: (from, to) for every pair of different tiers.
FLOWS = [(a, b) for a in range(len(TIERS)) for b in range(len(TIERS)) if a != b]


@dataclass(frozen=True)
class Column:
    """One column of the results, as a row of a table below declares it."""

    name: str
    unit: str
    fold: Literal["sum", "mean"]  # over a period's weeks: summed (events, money) or averaged (levels)
    whole: bool  # a whole number each week (kept whole when a period sums it)
    meaning: str

    @property
    def level(self) -> bool:
        return self.fold == "mean"

    @property
    def grows_with_place(self) -> bool:
        """A count or a sum of money, which a growing place (`Demography.place_scale`)
        multiplies; a need (a threshold) is not."""
        return not self.unit.startswith("need")


STEP_TABLE = """
name                  unit         fold  whole  meaning
referrals             households   sum   yes    households noticed by a service (referred or flagged), those screened out included
referrals_lost        households   sum   yes    referrals between agencies that were lost
rereferrals           households   sum   yes    referrals screened in within a year of the household's last one to the same service
assessments           assessments  sum   yes    new assessments made (a referral with a valid assessment is not assessed again)
offered_early_help    households   sum   yes    referrals assessed below the threshold and offered early help
screened_out          households   sum   yes    referrals screened out below the problem line, unassessed (no further action)
admissions            households   sum   yes    episodes of help begun
dropouts              households   sum   yes    cases closed because appointments were not kept
dropped_from_waiting  households   sum   yes    taken off a waiting list at a review as no longer eligible
open_cases            households   mean  yes    agencies' open cases (late help)
early_help            households   mean  yes    agencies' cases in early help
waiting               households   mean  yes    on agencies' waiting lists
keyworker_families    families     mean  yes    families with a key worker
keyworker_waiting     families     mean  yes    families waiting for a key worker
crises_{kind}         crises       sum   yes    crises: {label}
crises                crises       sum   yes    crises of every kind
stock_{stock}         people       mean  yes    in {label} (households, for a placement of whole households)
entered_{stock}       people       sum   yes    went into {label}
left_{stock}          people       sum   yes    left {label}
tier_{tier}           households   mean  yes    households in the {tier} tier
flow_{a}_to_{b}       households   sum   yes    households moving from the {a} tier to the {b} tier
spend_{category}      money        sum   no     spend on {category}
spend                 money        sum   no     spend of every kind
households            households   mean  yes    households in the place
adults                people       mean  yes    adults living at home (not in custody or hospital)
children              people       mean  yes    children living at home (not in care)
births                people       sum   yes    children born (in a year's first week, as people change)
came_of_age           people       sum   yes    children who came of age (in a year's first week)
newcomers             households   sum   yes    households that left the place, each home taken by a newcomer (in a year's first week)
"""
AGENCY_TABLE = """
name                  unit          fold  whole  meaning
budget_this_year      money         mean  no     the budget of the year the week belongs to (a yearly figure on every row: average it, never sum it)
spend_{category}      money         sum   no     spend on {category}
spend                 money         sum   no     spend of every kind
caseload              households    mean  yes    open cases (late help; the pool: families with a key worker)
early_help            households    mean  yes    cases in early help
waiting               households    mean  yes    on the waiting list
threshold             need, 0 to 1  mean  no     eligibility threshold after the week's rationing (the pool: none)
slots                 places        mean  yes    cases its workers hold safely next week (the pool: key workers' places)
posts                 workers       mean  no     full-time posts the money left for casework funds (the pool: none)
staff                 workers       mean  no     full-time equivalents employed (the pool: none)
agency_staff          workers       mean  no     full-time equivalents of agency staff covering vacant posts, at a premium (the pool: none)
referrals             households    sum   yes    households noticed, those screened out included
referrals_lost        households    sum   yes    referrals to it that were lost
rereferrals           households    sum   yes    referrals screened in within a year of the household's last one to it
assessments           assessments   sum   yes    new assessments made (a referral with a valid assessment is not assessed again)
offered_early_help    households    sum   yes    referrals assessed below its threshold and offered early help
screened_out          households    sum   yes    referrals screened out below the problem line, unassessed (no further action)
enquiries             households    sum   yes    section 47 enquiries started (child protection; 0 at an agency without it)
plans_started         households    sum   yes    child protection plans started (0 at an agency without child protection)
plans_ended           households    sum   yes    child protection plans a review conference ended, the need below the threshold (0 without child protection)
children_on_plans     children      mean  no     children at home in families on a child protection plan it is working with, waiting or helped (0 without child protection)
admissions            households    sum   yes    episodes of help begun (the pool: families a key worker took on)
"""

#: Agency columns that money moves sets at a week's end for the week to come (capacity
#: planned): in a growing place they belong to the coming week's year.
PLANNED_FOR_NEXT_WEEK = ("slots", "posts", "staff", "agency_staff")


def columns(table: str, crisis_kinds: list[tuple[str, str]] = (), stocks: list[tuple[str, str]] = ()) -> list[Column]:
    """A table's columns, each row with a placeholder made one per item, in order
    (crisis kinds and stocks given as (name, label))."""
    made = []
    for row in read_table(table):
        for values in _items(row["name"], crisis_kinds, stocks):
            made.append(Column(row["name"].format(**values), MONEY if row["unit"] == "money" else row["unit"],
                               row["fold"], row["whole"] == "yes", row["meaning"].format(**values)))
    return made


def _items(name: str, crisis_kinds, stocks) -> list[dict[str, str]]:
    if "{kind}" in name:
        return [{"kind": kind, "label": label} for kind, label in crisis_kinds]
    if "{stock}" in name:
        return [{"stock": stock, "label": label.lower()} for stock, label in stocks]
    if "{tier}" in name:
        return [{"tier": tier} for tier in TIERS]
    if "{a}" in name:
        return [{"a": TIERS[a], "b": TIERS[b]} for a, b in FLOWS]
    if "{category}" in name:
        return [{"category": category} for category in CATEGORIES]
    return [{}]


def step_columns(crisis_kinds: list[tuple[str, str]], stocks: list[tuple[str, str]] = ()) -> list[Column]:
    """The locality's columns, per week (or month, or year), for crisis kinds and stocks
    given as (name, label)."""
    return columns(STEP_TABLE, crisis_kinds, stocks)


#: Per agency (and the pooled budget), per week (or month, or year).
AGENCY_COLUMNS: list[Column] = columns(AGENCY_TABLE)
