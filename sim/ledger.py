"""Money: every pound spent is booked once, to one payer (an agency or the pool) and one
category, for one year, and (where it was spent on a household) to that household."""

from __future__ import annotations

import numpy as np

from locality.parameters.vocabulary import CATEGORIES

CATEGORY = {name: i for i, name in enumerate(CATEGORIES)}


class Ledger:
    def __init__(self, payers: list[str], years: int, households: int):
        self.payers = list(payers)
        shape = (len(payers), len(CATEGORIES))
        self.spend = np.zeros((years,) + shape)            # by year, payer, category
        self.budget = np.zeros((years, len(payers)))
        self.contribution = np.zeros((years, len(payers)))  # put into the pool
        self.universal_budget = np.zeros((years, len(payers)))  # the part of the budget for universal services
        self.deficit_repaid = np.zeros((years, len(payers)))    # debt of past over-spends this year's budget must repay
        self.reserves_drawn = np.zeros((years, len(payers)))    # this year's over-spend met from reserves
        self.reserves = np.zeros((years, len(payers)))          # reserves at the year's end (below 0: a debt)
        self.reinvested = np.zeros((years, len(payers)))        # past under-spends put back this year
        self.savings_received = np.zeros((years, len(payers)))  # crisis spend saved against business as usual
        self.cashed = np.zeros((years, len(payers)))            # taken from the reactive budget: last year's savings cashed
        self.week = np.zeros(shape)                         # this week's spend
        # per household, payer-major and category-major: one payer's bookings touch one row
        self.by_agency = np.zeros((len(payers), households))
        self.by_category = np.zeros((len(CATEGORIES), households))
        self.overhead = np.zeros(shape)                     # spent on no household in particular
        self.year = 0

    def book(self, payer: int, category: str, households: np.ndarray, each: float | np.ndarray) -> None:
        """Book `each` pounds per household (distinct indices) to payer and category."""
        if households.size == 0:
            return
        if np.isscalar(each):
            amounts, total = each, float(each) * households.size
        else:
            amounts = np.asarray(each, np.float64)
            total = float(amounts.sum())
        self.book_total(payer, category, total)
        self.by_agency[payer, households] += amounts
        self.by_category[CATEGORY[category], households] += amounts

    def book_everyone(self, payer: int, category: str, amounts: np.ndarray) -> None:
        """Book `amounts[i]` pounds for every household i to payer and category."""
        self.book_total(payer, category, float(amounts.sum()))
        self.by_agency[payer] += amounts
        self.by_category[CATEGORY[category]] += amounts

    def book_total(self, payer: int, category: str, total: float) -> None:
        """The year's and the week's side of bookings already made per household."""
        c = CATEGORY[category]
        self.spend[self.year, payer, c] += total
        self.week[payer, c] += total

    def book_overhead(self, payer: int, category: str, amount: float) -> None:
        """Book money that served no household in particular (idle key-worker time)."""
        if amount <= 0:
            return
        self.book_total(payer, category, amount)
        self.overhead[payer, CATEGORY[category]] += amount

    def spent_this_year(self, payer: int) -> np.ndarray:
        return self.spend[self.year, payer]

    def rationed_spend(self, payer: int) -> float:
        """What a payer's rationed budget paid for this year: everything but universal services."""
        spent = self.spend[self.year, payer]
        return float(spent.sum() - spent[CATEGORY["universal"]])

    def clear_year(self, year: int) -> None:
        """Forget what was booked to one year (the warm-up's year 0, opened afresh)."""
        self.spend[year] = 0.0

    def start_week(self) -> None:
        self.week[:] = 0.0

    def clear(self) -> None:
        """Forget everything booked (used after the warm-up)."""
        for array in (self.spend, self.budget, self.contribution, self.universal_budget, self.deficit_repaid,
                      self.reserves_drawn, self.reserves, self.reinvested, self.savings_received, self.cashed, self.week, self.by_agency, self.by_category, self.overhead):
            array[:] = 0.0
