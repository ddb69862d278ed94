"""Declarations written as text tables, so each is read once, as a table, and the code
reads it: the first line names the columns, a row is a line, columns stand apart by two
spaces or more (so the last may hold words), and lines starting with # are notes."""

from __future__ import annotations

import re


def read_table(text: str) -> list[dict[str, str]]:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip() and not line.strip().startswith("#")]
    header = re.split(r"\s{2,}", lines[0])
    rows = []
    for line in lines[1:]:
        cells = re.split(r"\s{2,}", line, maxsplit=len(header) - 1)
        if len(cells) != len(header):
            raise ValueError(f"table row '{line}' has {len(cells)} columns, the header {len(header)}: {header}")
        rows.append(dict(zip(header, cells)))
    return rows
