"""Charts of a side-by-side comparison, as matplotlib figures: plain functions of a
Comparison, so the app, exports and tests share them. Figures are made with matplotlib's
object API (not pyplot), so nothing keeps them alive once they are drawn."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from locality.experiments.paired import PairedComparison
from locality.experiments.runner import Comparison
from locality.parameters.vocabulary import TIERS

COLOURS = {"A": "#c44e52", "B": "#4c72b0"}
TIER_COLOURS = ["#d9d9d9", "#9ecae1", "#f4a582", "#b2182b"]


def _subplots(*grid, figsize, **options):
    figure = Figure(figsize=figsize)
    axes = figure.subplots(*grid, **options)
    for axis in getattr(axes, "flat", [axes]):
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure, axes


def _runs(comparison: Comparison):
    return (("A", comparison.a_label, comparison.a), ("B", comparison.b_label, comparison.b))


def demand_chart(comparison: Comparison) -> Figure:
    """Referrals, assessments and waiting per year, A against B."""
    figure, axes = _subplots(1, 3, figsize=(12, 3.2))
    for key, label, results in _runs(comparison):
        yearly = results.yearly()
        for axis, column, title in zip(axes, ("referrals", "assessments", "waiting"),
                                       ("Referrals a year", "Assessments a year", "Waiting (weekly average)")):
            axis.plot(yearly.index, yearly[column], marker="o", color=COLOURS[key], label=f"{key}: {label}")
            axis.set_title(title, fontsize=10)
            axis.set_xlabel("year")
            axis.set_ylim(bottom=0)  # counts: from zero, so a small change does not look large
    _legend_below(axes[0])
    figure.tight_layout()
    return figure


def _legend_below(axis, columns: int = 2) -> None:
    """The legend under the plot, where it covers no data."""
    axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, -0.2), ncol=columns, frameon=False)


def crises_chart(comparison: Comparison) -> Figure:
    """Crises per year, and the whole run's crises by kind, A against B."""
    figure, (left, right) = _subplots(1, 2, figsize=(12, 3.4), gridspec_kw={"width_ratios": [1, 1.4]})
    kinds = {}
    for key, label, results in _runs(comparison):
        yearly = results.yearly()
        left.plot(yearly.index, yearly["crises"], marker="o", color=COLOURS[key], label=f"{key}: {label}")
        kinds[key] = results.crises_by_kind().sum()
    left.set_title("Crises a year", fontsize=10)
    left.set_xlabel("year")
    left.set_ylim(bottom=0)
    _legend_below(left)
    names = list(kinds["A"].index)
    crises = comparison.a.scenario.crises
    positions = range(len(names))
    right.barh([p + 0.2 for p in positions], kinds["A"].values, height=0.4, color=COLOURS["A"], label="A")
    right.barh([p - 0.2 for p in positions], kinds["B"].values, height=0.4, color=COLOURS["B"], label="B")
    right.set_yticks(list(positions), [crises[n].label if n in crises else n.replace("_", " ") for n in names], fontsize=8)
    right.set_title("Crises by kind, whole run", fontsize=10)
    right.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    figure.tight_layout()
    return figure


def tiers_chart(comparison: Comparison) -> Figure:
    """Households by tier week by week: the stocks of the system-dynamics view."""
    figure, axes = _subplots(1, 2, figsize=(12, 3.4), sharey=True)
    for axis, (key, label, results) in zip(axes, _runs(comparison)):
        steps = results.steps
        weeks = steps["step"] / 52.0
        stacks = [steps[f"tier_{t}"] for t in TIERS]
        axis.stackplot(weeks, stacks, labels=list(TIERS), colors=TIER_COLOURS)
        axis.set_title(f"{key}: {label}", fontsize=10)
        axis.set_xlabel("years")
    axes[0].set_ylabel("households")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, reverse=True, frameon=False)
    figure.tight_layout()
    return figure


# The rationed and statutory categories: universal services (GPs, school places) are paid
# outside the rationed budgets and would dwarf the rest, so the money charts set them aside,
# from spend and budget alike.
CATEGORIES = ["assessment", "prevention", "intervention", "crisis"]
CATEGORY_COLOURS = ["#8da0cb", "#66c2a5", "#fc8d62", "#e78ac3"]
SPEND_COLUMNS = [f"spend_{c}" for c in CATEGORIES]


def _without_universal(ledger):
    """The ledger with universal services taken out of the budget (their spend is left out
    of the bars): what is left is the money agencies ration and the crises they must pay."""
    return ledger.assign(budget=ledger["budget"] - ledger.get("budget_universal", 0.0))


def money_chart(comparison: Comparison) -> Figure:
    """Spend by category per year against the budget, A beside B (£m; universal services
    aside)."""
    figure, axes = _subplots(1, 2, figsize=(12, 3.4), sharey=True)
    categories, colours = CATEGORIES, CATEGORY_COLOURS
    for axis, (key, label, results) in zip(axes, _runs(comparison)):
        yearly = _without_universal(results.ledger).groupby("year")[[f"spend_{c}" for c in categories] + ["budget"]].sum() / 1e6
        bottom = 0
        for category, colour in zip(categories, colours):
            axis.bar(yearly.index, yearly[f"spend_{category}"], bottom=bottom, color=colour, label=category)
            bottom = bottom + yearly[f"spend_{category}"]
        axis.plot(yearly.index, yearly["budget"], color="black", marker="_", markersize=20, linestyle="none", label="budget")
        axis.set_title(f"{key}: {label}", fontsize=10)
        axis.set_xlabel("year")
    axes[0].set_ylabel("£m (universal services aside)")
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    figure.tight_layout()
    return figure


def stocks_chart(comparison: Comparison) -> Figure:
    """People in statutory placements week by week (children in care, custody, temporary
    accommodation, hospital), A against B: stocks that cost every week they last."""
    stocks = comparison.a.scenario.stocks
    figure, axes = _subplots(1, max(len(stocks), 1), figsize=(12, 3.2))
    for axis, (name, stock) in zip(getattr(axes, "flat", [axes]), stocks.items()):
        for key, label, results in _runs(comparison):
            steps = results.steps
            axis.plot(steps["step"] / 52.0, steps[f"stock_{name}"], color=COLOURS[key], label=f"{key}: {label}")
        axis.set_title(stock.label, fontsize=10)
        axis.set_xlabel("years")
        axis.set_ylim(bottom=0)
    getattr(axes, "flat", [axes])[0].set_ylabel("in the placement")
    _legend_below(getattr(axes, "flat", [axes])[0], columns=1)
    figure.tight_layout()
    return figure


def agency_spend_chart(comparison: Comparison) -> Figure:
    """Each agency's spend over the run by category, A above B, against its budget (£m)."""
    figure, axis = _subplots(figsize=(12, 1.2 + 0.55 * comparison.a.ledger["agency"].nunique()))
    tables = {key: _without_universal(results.ledger).groupby(["agency", "label"], sort=False)[
        [*SPEND_COLUMNS, "budget"]].sum() / 1e6 for key, _, results in _runs(comparison)}
    labels = tables["A"].index.get_level_values("label")
    rows = np.arange(len(labels))
    for offset, (key, label, _) in zip((-0.2, 0.2), _runs(comparison)):
        table = tables[key].reindex(tables["A"].index).fillna(0.0)
        left = np.zeros(len(rows))
        for category, colour in zip(CATEGORIES, CATEGORY_COLOURS):
            values = table[f"spend_{category}"].to_numpy()
            axis.barh(rows + offset, values, 0.38, left=left, color=colour, edgecolor=COLOURS[key], linewidth=1.2,
                      label=category if key == "A" else None)
            left += values
        axis.scatter(table["budget"], rows + offset, marker="|", s=220, color="black", zorder=3,
                     label="budget" if key == "A" else None)
    axis.set_yticks(rows, [f"{label}  A\nB" for label in labels], fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("£m over the run (universal services aside)")
    axis.set_title(f"Spend by agency and category against budget. Upper bars (red edges) A: {comparison.a_label}; "
                   f"lower bars (blue edges) B: {comparison.b_label}", fontsize=10)
    axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    figure.tight_layout()
    return figure


def wrong_pocket_chart(comparison: Comparison) -> Figure:
    """Who pays for the change and who saves, per agency per year and over the run (B
    against A, £k): its own spend plus what it put in the pool, less its spend under A."""
    by_year = comparison.spend_change_by_year() / 1e3
    labels = dict(zip(comparison.a.ledger["agency"], comparison.a.ledger["label"]))
    names = [labels.get(agency, "All agencies") for agency in by_year.index]
    figure, (grid, total) = _subplots(1, 2, figsize=(12, 0.9 + 0.36 * len(by_year)),
                                     gridspec_kw={"width_ratios": [max(2, by_year.shape[1]) * 0.6, 2.2]}, sharey=True)
    limit = max(float(np.abs(by_year.drop(index="total").to_numpy()).max()), 1.0)
    grid.imshow(by_year.to_numpy(), cmap="RdYlGn_r", vmin=-limit, vmax=limit, aspect="auto")
    for (row, column), value in np.ndenumerate(by_year.to_numpy()):
        shown = round(value)  # whole £k, and never "-0"
        grid.text(column, row, f"{shown:,.0f}" if shown else "0", ha="center", va="center", fontsize=9,
                  color="white" if abs(value) > 0.6 * limit else "black")  # readable on the dark cells too
    grid.set_xticks(range(by_year.shape[1]), [str(year) for year in by_year.columns])
    grid.set_yticks(range(len(names)), names, fontsize=8)
    grid.set_xlabel("year")
    grid.set_title("Per year, £k (green saves, red pays)", fontsize=10)
    overall = by_year.sum(axis=1).drop(index="total")  # the place's total is the grid's last row
    total.barh(range(len(overall)), overall, color=["#1a9850" if v < 0 else "#d73027" for v in overall])
    total.axvline(0, color="black", linewidth=0.8)
    total.xaxis.set_major_locator(MaxNLocator(nbins=4))  # few labels: wide numbers do not run together
    total.set_xlabel("£k over the run")
    place = by_year.loc["total"].sum()
    total.set_title(f"Over the run (all agencies: {'saves' if place < 0 else 'pays'} £{abs(place):,.0f}k)", fontsize=10)
    figure.suptitle("Who pays and who saves: B against A (its own spend plus what it put in the pool)", fontsize=10)
    figure.tight_layout()
    return figure


ALL_CHARTS = {
    "Demand": demand_chart,
    "Crises": crises_chart,
    "Households by tier": tiers_chart,
    "Placements": stocks_chart,
    "Spend and budget": money_chart,
    "Spend by agency": agency_spend_chart,
    "Who pays, who saves": wrong_pocket_chart,
}


# --- over several seeds: means with their 95% bands ---------------------------------------
BANDED = {"crises": ("Crises a year", 1.0), "spend": ("Spend a year, £m", 1e6), "in_crisis_tier": ("Households in crisis (weekly average)", 1.0)}


def band_chart(paired: PairedComparison) -> Figure:
    """Crises, spend and households in crisis per year, A against B: the mean over the
    seeds with its 95% band, from zero."""
    figure, axes = _subplots(1, len(BANDED), figsize=(12, 3.4))
    table = paired.yearly_summary()
    for axis, (measure, (title, scale)) in zip(axes, BANDED.items()):
        for key, label in (("A", paired.a_label), ("B", paired.b_label)):
            rows = table[(table["variant"] == key) & (table["measure"] == measure)].sort_values("year")
            axis.plot(rows["year"], rows["mean"] / scale, marker="o", color=COLOURS[key], label=f"{key}: {label}")
            axis.fill_between(rows["year"], rows["low"] / scale, rows["high"] / scale, color=COLOURS[key], alpha=0.2)
        axis.set_title(title, fontsize=10)
        axis.set_xlabel("year")
        axis.set_ylim(bottom=0)
    axes[0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, -0.22), ncol=2, frameon=False)
    figure.suptitle(f"Mean over {len(paired.seeds)} seeds, with its 95% interval (shaded)", fontsize=9)
    figure.tight_layout()
    return figure


def who_pays_range_chart(paired: PairedComparison) -> Figure:
    """Each agency's net change under B over the whole run, £k: the mean over the seeds and
    its 95% interval; left of zero it saves, right of zero it pays."""
    table = paired.who_pays()
    figure, axis = _subplots(figsize=(8, 0.45 * len(table) + 1.5))
    rows = np.arange(len(table))
    mean = table["net_change"].to_numpy() / 1e3
    errors = np.vstack([mean - table["low"].to_numpy() / 1e3, table["high"].to_numpy() / 1e3 - mean])
    axis.barh(rows, mean, xerr=errors, color=np.where(mean > 0, COLOURS["A"], COLOURS["B"]), alpha=0.8, capsize=3)
    axis.axvline(0, color="black", linewidth=0.8)
    axis.set_yticks(rows, table["label"], fontsize=9)
    axis.invert_yaxis()
    axis.set_xlabel("net change under B over the run, £k (left: saves, right: pays); bars: 95% interval over seeds")
    axis.set_title(f"Who pays and who saves, {len(paired.seeds)} seeds", fontsize=10)
    figure.tight_layout()
    return figure


OPTION_COLOURS = ["#c44e52", "#4c72b0", "#55a868", "#8172b2"]  # the first option, then each measured against it


def options_chart(found: dict[str, PairedComparison]) -> Figure:
    """Options side by side (`compare_options`' result): crises, spend and households in
    crisis per year for each option, the mean over the seeds with its 95% band, from zero."""
    figure, axes = _subplots(1, len(BANDED), figsize=(12, 3.6))
    any_paired = next(iter(found.values()))
    lines = [("A", any_paired.a_label, any_paired)] + [("B", name, paired) for name, paired in found.items()]
    for axis, (measure, (title, scale)) in zip(axes, BANDED.items()):
        for colour, (variant, label, paired) in zip(OPTION_COLOURS, lines):
            table = paired.yearly_summary()
            rows = table[(table["variant"] == variant) & (table["measure"] == measure)].sort_values("year")
            axis.plot(rows["year"], rows["mean"] / scale, marker="o", color=colour, label=label)
            axis.fill_between(rows["year"], rows["low"] / scale, rows["high"] / scale, color=colour, alpha=0.15)
        axis.set_title(title, fontsize=10)
        axis.set_xlabel("year")
        axis.set_ylim(bottom=0)
    handles, labels = axes[0].get_legend_handles_labels()  # below all three panels: long names would squeeze one
    figure.legend(handles, labels, fontsize=8, loc="lower center", ncol=2, frameon=False)
    figure.suptitle(f"{len(lines)} options, mean over {len(any_paired.seeds)} seeds with its 95% interval (shaded)",
                    fontsize=9)
    figure.tight_layout(rect=(0, 0.05 * ((len(lines) + 1) // 2) + 0.03, 1, 1))
    return figure
