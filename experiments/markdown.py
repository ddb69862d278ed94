"""A pandas table as a Markdown table, without tabulate (which pandas' to_markdown needs):
for the validation report and the app's cards."""

from __future__ import annotations

import pandas as pd


def markdown_table(frame: pd.DataFrame) -> str:
    """The frame, its index the first column; whole numbers with thousands commas, missing as '-'."""
    header = [frame.index.name or "", *frame.columns]

    def cell(value) -> str:
        if isinstance(value, str):
            return value
        if pd.isna(value):
            return "-"
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"

    rows = [[str(index), *(cell(v) for v in values)] for index, values in zip(frame.index, frame.to_numpy().tolist())]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [header, ["---"] * len(header), *rows])
