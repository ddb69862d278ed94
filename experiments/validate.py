"""The validation report: every target against the model on fresh seeds, the built-in
places side by side, and the model's known limits, as Markdown with a chart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from parameters.loader import builtin_scenarios, load_scenario
from parameters.unit_costs import DEFLATOR, PRICE_YEAR

from .calibrate import verify
from .runner import run
from .targets import TargetSet

KNOWN_LIMITS = [
    ("Needs dynamics (shocks, recovery, coupling) are fitted to a few national and Kent figures, "
    "not estimated from household data; the fit says the model can reproduce them, not that its mechanisms are right."),
    ("Agencies cover services on these needs only: benefits, schooling, most health care and "
    "police work outside the families are not in the model, so spend per family falls short of "
    "published totals that include them (the spend-per-family check)."),
    ("Crisis lines are set so crisis counts come near published rates; arrests and A&E visits "
    "that are not tied to the nine needs are left out, so those rates run low."),
    ("Early help is assumed to work three times as fast per week as late help, so the "
    "early-intervention J-curve appears as the business cases say; the national Troubled "
    "Families evaluation found no consistent effect (evidence.md), so treat savings as a scenario, not a forecast."),
    (f"Unit costs are uprated to {PRICE_YEAR} prices; the deflator indices after 2008/09 are "
    "approximate (parameters/data/gdp_deflator.csv says which)."),
    "Place budgets other than Sherwood's resource map are assumptions set so the siloed status quo roughly balances in year 1.",
]


def validate(targets: TargetSet, out: str | Path, *, reps: int | None = None, households: int | None = None,
             place_households: int = 3000, place_years: int = 2, workers: int | None = None,
             progress: bool = False) -> Path:
    """Measure every target on fresh seeds, run each built-in place briefly, write report.md."""
    if households:
        targets = targets.model_copy(update={"measure": targets.measure.model_copy(update={"households": households})})
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    table = verify(targets, reps=reps, workers=workers, progress=progress)
    places = place_summary(place_households, place_years)
    _chart(table).savefig(folder / "targets.png", dpi=110, bbox_inches="tight")
    table.to_csv(folder / "targets.csv")
    places.to_csv(folder / "places.csv")
    report = folder / "report.md"
    report.write_text(_markdown(table, places, targets, place_households, place_years), encoding="utf-8")
    return report


def place_summary(households: int, years: int) -> pd.DataFrame:
    """Each built-in place, siloed, on a sample of its households: a row of headline rates."""
    rows = []
    for name in builtin_scenarios():
        spec = load_scenario(name)
        results = run(name, {"population.households": min(households, spec.population.households), "run.years": years,
                             "run.record_every": "week"})  # the measures read weekly rows
        steps, ledger = results.steps, results.ledger
        n = float(steps["households"].mean())
        rows.append({
            "place": spec.place.name,
            "households in the place": spec.population.households,
            "with a need %": 100 * float(((steps["households"] - steps["tier_universal"]) / steps["households"]).mean()),
            "crises per 1,000 a year": 1000 * float(steps["crises"].sum()) / n / years,
            "budget per household £": float(ledger["budget"].sum()) / n / years,
            "spend per household £": float(ledger["spend"].sum()) / n / years,
        })
    return pd.DataFrame(rows).set_index("place")


def _chart(table: pd.DataFrame) -> Figure:
    """Each target's range as a band from 0 to 1, the model's value and interval placed on it."""
    figure = Figure(figsize=(8, 0.5 * len(table) + 1.2))
    axes = figure.subplots()
    width = (table["high"] - table["low"]).replace(0, 1.0)

    def scaled(column: str) -> np.ndarray:
        return ((table[column] - table["low"]) / width).clip(-1.5, 2.5).to_numpy()

    y = np.arange(len(table))[::-1]
    axes.barh(y, 1.0, left=0.0, height=0.6, color="#d9ead3", label="target range")
    colours = ["#2b7a2b" if v == "pass" else "#c0392b" for v in table["verdict"]]
    centre = scaled("model")
    axes.errorbar(centre, y, xerr=[centre - scaled("model_low"), scaled("model_high") - centre],
                  fmt="none", ecolor="#555555", capsize=3)
    axes.scatter(centre, y, color=colours, zorder=3, label="model (95% interval)")
    axes.set_yticks(y, [f"{label} ({role})" for label, role in zip(table["label"], table["role"])], fontsize=8)
    axes.set_xlim(-1.6, 2.6)
    axes.set_xlabel("position in the target's range (0 = low end, 1 = high end; clipped)")
    axes.axvline(0, color="#999999", lw=0.5)
    axes.axvline(1, color="#999999", lw=0.5)
    axes.legend(loc="lower right", fontsize=8)
    axes.set_title("Targets: the model on fresh seeds against the published ranges")
    return figure


def _number(value: float, unit: str) -> str:
    if unit == "share" or unit == "rate":
        return f"{100 * value:.2f}%"
    if unit == "£":
        return f"£{value:,.0f}"
    return f"{value:,.2f}"


def _markdown(table: pd.DataFrame, places: pd.DataFrame, targets: TargetSet, place_households: int, years: int) -> str:
    passed = int((table["verdict"] == "pass").sum())
    missed = table[table["verdict"] == "miss"]
    lines = [
        "# Locality validation report",
        "",
        f"Generated {dt.date.today().isoformat()} by `locality validate`. Each target is measured on "
        f"{int(table['reps'].iloc[0])} replications with fresh seeds (master seed {targets.measure.validation_seed}, never used "
        f"for fitting), on samples of {targets.measure.households:,} households; a target passes when the mean lies in "
        f"its range. Money is at {PRICE_YEAR} prices ({DEFLATOR}).",
        "",
        f"**{passed} of {len(table)} targets pass.**" + (
            " Missed: " + "; ".join(f"{row.label} ({row.role})" for row in missed.itertuples()) + "." if len(missed) else ""),
        "",
        "![targets](targets.png)",
        "",
        "| target | role | measured on | range | model (95% interval) | verdict | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in table.iterrows():
        model = f"{_number(row.model, row.unit)} ({_number(row.model_low, row.unit)} to {_number(row.model_high, row.unit)})"
        span = f"{_number(row.low, row.unit)} to {_number(row.high, row.unit)}"
        verdict = "pass" if row.verdict == "pass" else "**miss**"
        lines.append(f"| {row.label} | {row.role} | {row.scenario}, {row.variant} | {span} | {model} | {verdict} | {row.source} |")
    lines += [
        "",
        "`fit` targets are what `locality calibrate` fits the uncertain parameters to; `check` targets are not fitted "
        "and test the model on figures it was not tuned to.",
        "",
        f"## The built-in places (siloed, {years} years, samples of up to {place_households:,} households)",
        "",
        _markdown_table(places.round(1)),
        "",
        "## Known limits",
        "",
        *[f"- {limit}" for limit in KNOWN_LIMITS],
        "",
    ]
    return "\n".join(lines)


def _markdown_table(frame: pd.DataFrame) -> str:
    header = [frame.index.name or "", *frame.columns]
    def cell(value) -> str:
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"

    rows = [[str(index), *(cell(v) for v in values)] for index, values in zip(frame.index, frame.to_numpy().tolist())]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [header, ["---"] * len(header), *rows])
