"""A report to hand round: one comparison over several seeds, as a self-contained HTML file
(charts inlined) and a PDF with the same content. It says the question, the levers and
their sources, the verdict with its ranges, the charts, who pays and who saves, the
assumptions that move this answer most (when they were studied), and how to reproduce it.
"""

from __future__ import annotations

import base64
import html
import io
import shlex
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from locality.experiments.assumptions import ASSUMPTIONS
from locality.experiments.paired import PairedComparison
from locality.experiments.provenance import provenance
from locality.parameters.levers import changed_from_place, label_and_amount, value_at
from locality.parameters.loader import load_scenario, source_for
from locality.viz.charts import band_chart, who_pays_range_chart
from locality.viz.exports import Described

PAGE = (8.27, 11.69)  # A4, inches


@dataclass
class Section:
    """One part of the report: a heading, paragraphs, an optional table and figure."""

    heading: str
    paragraphs: list[str]
    table: pd.DataFrame | None = None
    figure: Figure | None = None


def sections(paired: PairedComparison, place: str, common: dict, command: str,
             swings: pd.DataFrame | None = None) -> list[Section]:
    """The report's content, in order (what both the HTML and the PDF show)."""
    described = Described(place, common, paired.a_label, paired.b_label, tuple(paired.seeds),
                          posterior=paired.draws is not None)
    spec = paired.scenario
    verdict = paired.verdict()
    own = load_scenario(place)
    changed = [row for row in changed_from_place(place, common) if row[0] != "run.seed"]
    levers = pd.DataFrame([{"lever": label_and_amount(key, value)[0], "here": label_and_amount(key, value)[1],
                            "the place's own": label_and_amount(key, value_at(own, key))[1],
                            "its source": source_for(own, key) or "assumption"}
                           for key, value, _said in changed if key != "run.seed"])
    parts = [
        Section("The question", [
            f"In {spec.place.name}, what changes for families, crises and budgets if B is done instead of A?",
            *described.lines()]),
        Section("The answer", verdict),
        Section("The levers changed from the place's own, and their sources",
                ["Every other figure is the place's own; `locality sources` lists each with its source."] if not changed
                else ["A and B share these; what makes A and B differ is named above."], levers if changed else None),
        Section("Crises, spend and households in crisis, year by year", [
            "Each line is the mean over the seeds; the shaded band is its 95% interval."], figure=band_chart(paired)),
        Section("Who pays and who saves", [
            "Net change under B = its spend plus what it puts into the key workers' pool, less its spend under A. "
            "The interval is over the seeds; 'pays in' counts the seeds on which the agency pays more."],
            _who_pays_table(paired), who_pays_range_chart(paired)),
        _assumptions_section(swings),
        Section("How to reproduce this", [
            f"Command: {command}",
            f"Seeds: {', '.join(map(str, paired.seeds))}",
            "Made by: " + "; ".join(f"{k} {v}" for k, v in _made_by().items())]),
    ]
    return parts


def _who_pays_table(paired: PairedComparison) -> pd.DataFrame:
    table = paired.who_pays()
    return pd.DataFrame({
        "agency": table["label"],
        "net change £k": (table["net_change"] / 1e3).round(0).astype(int).replace(-0, 0),
        "95% interval £k": [f"{round(r.low / 1e3):,} to {round(r.high / 1e3):,}" for r in table.itertuples()],
        "pays in": [f"{r.pays_in} of {r.reps}" for r in table.itertuples()],
        "saves in": [f"{r.saves_in} of {r.reps}" for r in table.itertuples()],
    })


def _assumptions_section(swings: pd.DataFrame | None) -> Section:
    if swings is None:
        listed = "; ".join(f"{a.name} ({a.what})" for a in ASSUMPTIONS.values())
        return Section("Assumptions behind the answer", [
            f"Figures without a source are named assumptions: {listed}.",
            "This report did not measure how far each moves the answer: make it with --assumptions to do so."])
    rows = swings.head(5)
    table = pd.DataFrame({
        "assumption": rows["assumption"],
        "what it is": rows["what"],
        "crises change, low to high": [f"{r['crises at low']:+.1%} to {r['crises at high']:+.1%}" for _, r in rows.iterrows()],
        "spend change £k, low to high": [f"{r['spend at low'] / 1e3:+,.0f} to {r['spend at high'] / 1e3:+,.0f}"
                                         for _, r in rows.iterrows()],
    })
    return Section("The assumptions that move this answer most", [
        "Each unsourced assumption set low and then high (the rest as they are), this comparison run again on the "
        "same seeds: the five that swing the change in crises most."], table)


def _made_by() -> dict[str, str]:
    made = provenance()
    return {"Locality": f"{made.get('locality', '?')} (commit {made.get('commit') or 'unknown'})",
            "Python": made.get("python", "?")}


def write_handout(parts: list[Section], folder: str | Path, name: str = "report") -> tuple[Path, Path]:
    """Write `<name>.html` (self-contained) and `<name>.pdf` into `folder`; returns both."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = folder / f"{name}.html", folder / f"{name}.pdf"
    html_path.write_text(as_html(parts), encoding="utf-8")
    as_pdf(parts, pdf_path)
    return html_path, pdf_path


def as_html(parts: list[Section]) -> str:
    body = []
    for part in parts:
        body.append(f"<h2>{html.escape(part.heading)}</h2>")
        body += [f"<p>{html.escape(text)}</p>" for text in part.paragraphs]
        if part.table is not None:
            body.append(part.table.to_html(index=False, border=0, classes="table"))
        if part.figure is not None:
            buffer = io.BytesIO()
            part.figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
            encoded = base64.b64encode(buffer.getvalue()).decode()
            body.append(f'<img alt="{html.escape(part.heading)}" src="data:image/png;base64,{encoded}">')
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
             "img{max-width:100%}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd}")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Locality report</title>"
            f"<style>{style}</style></head><body><h1>Locality report</h1>{''.join(body)}</body></html>")


def as_pdf(parts: list[Section], path: Path | io.BytesIO) -> None:
    """The same content as pages: text set on A4 figures, each chart on a page of its own
    (into a file, or a buffer for the app to hand out)."""
    with PdfPages(path) as pdf:
        page, y = _new_page()
        for part in parts:
            lines = [(part.heading, 12, "bold")]
            lines += [(line, 9, "normal") for text in part.paragraphs for line in textwrap.wrap(text, 100) or [""]]
            if part.table is not None:
                lines += _table_lines(part.table)
            for text, size, weight in lines:
                if y < 0.06:
                    pdf.savefig(page)
                    page, y = _new_page()
                page.text(0.07, y, text, fontsize=size, fontweight="bold" if weight == "bold" else "normal",
                          family="monospace" if weight == "mono" else "sans-serif", verticalalignment="top")
                y -= (size + 4) / 72 / PAGE[1]
            y -= 0.015
            if part.figure is not None:
                pdf.savefig(page)
                pdf.savefig(part.figure, bbox_inches="tight")
                page, y = _new_page()
        pdf.savefig(page)


def _table_lines(table: pd.DataFrame, width: int = 110) -> list[tuple[str, float, str]]:
    """A table as lines of a page: as it prints when it fits the width, else row by row,
    each row's cells named and wrapped."""
    text = table.to_string(index=False)
    if max(map(len, text.splitlines())) <= width:
        return [(line, 7.5, "mono") for line in text.splitlines()]
    lines = []
    for _, row in table.iterrows():
        said = "; ".join(f"{column}: {value}" for column, value in row.items())
        wrapped = textwrap.wrap(said, 105)
        lines += [(("- " if i == 0 else "  ") + line, 8, "normal") for i, line in enumerate(wrapped)]
    return lines


def _new_page() -> tuple[Figure, float]:
    return Figure(figsize=PAGE), 0.95


def pdf_bytes(parts: list[Section]) -> bytes:
    buffer = io.BytesIO()
    as_pdf(parts, buffer)
    return buffer.getvalue()


def command_for(place: str, a: dict, b: dict, common: dict, reps: int, posterior: str | bool | None = None) -> str:
    """The command line that makes the same report."""
    words = ["locality", "report", place, "--reps", str(reps)]
    words += [] if not posterior else ["--posterior"] if posterior is True else [f"--posterior={posterior}"]
    words += [f"--set={key}={value}" for key, value in common.items() if key != "run.seed"]
    if "run.seed" in common:
        words += ["--seed", str(common["run.seed"])]
    words += ["--a", *[f"{k}={v}" for k, v in a.items()]] if a else []
    words += ["--b", *[f"{k}={v}" for k, v in b.items()]] if b else []
    return shlex.join(words)
