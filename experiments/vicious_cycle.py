"""Do services move crises, and does a cut feed on itself? The status quo against budget
cuts (a deep one, and every service removed) on the same seeds, year by year: the change
in the agencies' rationed budget, in what they spend on prevention, in crisis spend, and
in crises and children in care, each with its interval over seeds. The vicious cycle shows when prevention
falls by a larger share than the budget and the cut's effect on crises grows as it
phases in and after."""

from __future__ import annotations

import numpy as np
import pandas as pd

from locality.parameters.vocabulary import POOL

from .defaults import NO_GROWTH
from .replications import mean_interval, run_paired, seeds_for

MEASURES = {
    "budget": "rationed budget",
    "prevention": "prevention spend",
    "crisis_spend": "crisis spend",
    "crises": "crises",
    "in_care": "children in care",
}


def _yearly(results) -> dict[str, float]:
    """Per year, the agencies' rationed budget, prevention and crisis spend, crises, and
    children in care (in the worker)."""
    ledger = results.ledger[results.ledger["agency"] != POOL].groupby("year")
    found = {
        "budget": ledger["budget"].sum() - ledger["budget_universal"].sum(),
        "prevention": ledger["spend_prevention"].sum(),
        "crisis_spend": ledger["spend_crisis"].sum(),
        "crises": results.steps.groupby("year")["crises"].sum(),
        "in_care": results.steps.groupby("year")["stock_children_in_care"].mean(),
    }
    return {f"{measure} {year}": float(value) for measure, series in found.items() for year, value in series.items()}


def cut_response(place: str = "thanet", households: int = 59_000, years: int = 10, reps: int = 10,
                 cuts: tuple[float, ...] = (0.28, 1.0), cut_years: int = 4, master_seed: int = 2929,
                 workers: int | None = None) -> pd.DataFrame:
    """Each cut (reached over `cut_years`) against none, with no growth, on the same seeds:
    per cut and year, each measure's change as a share of the status quo's, with its 95%
    interval over seeds."""
    common = {"population.households": households, "run.years": years, **NO_GROWTH, "run.record_every": "year",
              "budget.cut_years": cut_years}
    variants = {cut: {**common, "budget.cut": cut} for cut in (0.0, *cuts)}
    runs = run_paired(place, variants, seeds_for(master_seed, reps), _yearly, workers).set_index(["variant", "seed"])
    base = runs.loc[0.0].sort_index()
    rows = []
    for cut in cuts:
        now = runs.loc[cut].sort_index()
        for year in range(1, years + 1):
            row = {"cut": cut, "year": year, "cut_years": cut_years}
            for measure in MEASURES:
                column = f"{measure} {year}"
                before = base[column].to_numpy()
                change = np.divide(now[column].to_numpy(), before, out=np.full(before.size, np.nan), where=before > 0) - 1
                change = change[np.isfinite(change)]  # a seed with none of it in the status quo has no share to take
                low, high = mean_interval(change) if change.size else (np.nan, np.nan)
                row |= {measure: float(np.mean(change)) if change.size else np.nan, f"{measure}_low": low,
                        f"{measure}_high": high}
            rows.append(row)
    return pd.DataFrame(rows)


def cycle_table(response: pd.DataFrame, cut: float) -> pd.DataFrame:
    """One cut's response as a table to print: per year, each measure's change with its
    interval, in words a reader can scan."""
    mine = response[response["cut"] == cut].set_index("year")
    return pd.DataFrame({label: [f"{r[m]:+.1%} [{r[m + '_low']:+.1%}, {r[m + '_high']:+.1%}]" for _, r in mine.iterrows()]
                         for m, label in MEASURES.items()}, index=mine.index)


def verdict(response: pd.DataFrame, cut: float) -> dict[str, bool]:
    """Whether the cut shows the vicious cycle's signs in its last year: prevention falling
    by a share at least the budget's (interval and all; a cut of everything takes all of
    both; the money loop's rule makes it so, the size is what to read), crises higher than
    without the cut (interval and all), and higher than in the first year of the full cut
    (means): an effect that keeps growing once the cut has stopped deepening."""
    mine = response[response["cut"] == cut].set_index("year")
    last = mine.index.max()
    full = min(int(mine["cut_years"].iloc[0]), last)
    return {"prevention falls by at least the budget's share": bool(
                mine.loc[last, "prevention_high"] <= mine.loc[last, "budget"] + 1e-9),
            "crises rise": bool(mine.loc[last, "crises_low"] > 0),
            "the effect grows after the cut is reached": bool(mine.loc[last, "crises"] > mine.loc[full, "crises"])}
