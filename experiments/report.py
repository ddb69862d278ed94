"""A sweep's report: for each varied lever, how crises and spend respond, with 95%
confidence bands over the runs at each value (PNG files beside the results)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .replications import mean_interval
from .store import Store

REPORTED = {"crises": "crises over the run", "spend": "spend over the run (£m)", "over_spend": "over-spend over the run (£m)"}


def lever_response(summary: pd.DataFrame, lever: str, output: str, bins: int = 8) -> pd.DataFrame:
    """Mean and 95% interval of an output at each value of a lever (binned if sampled)."""
    values = summary[lever]
    if values.nunique() > bins:
        edges = np.linspace(values.min(), values.max(), bins + 1)
        key = pd.cut(values, edges, include_lowest=True).map(lambda interval: interval.mid).astype(float)
    else:
        key = values
    rows = []
    for value, group in summary.groupby(key, observed=True):
        low, high = mean_interval(group[output].to_numpy(dtype=float))
        rows.append({"value": value, "mean": group[output].mean(), "low": low, "high": high, "runs": len(group)})
    return pd.DataFrame(rows).sort_values("value", ignore_index=True)


def write_report(folder: str | Path) -> list[Path]:
    """One PNG per lever, a panel per reported output; returns the files written."""
    from matplotlib.figure import Figure  # (no pyplot: drawing to files never switches a notebook's backend)

    store = Store(folder)
    levers = list(store.spec()["levers"])
    summary = store.frame("summary")
    if summary.empty:
        return []
    out = Path(folder) / "report"
    out.mkdir(exist_ok=True)
    written = []
    for lever in levers:
        figure = Figure(figsize=(4.2 * len(REPORTED), 3.4))
        axes = figure.subplots(1, len(REPORTED))
        for axis, (output, label) in zip(axes, REPORTED.items()):
            scale = 1e6 if output != "crises" else 1.0
            table = lever_response(summary, lever, output)
            axis.plot(table["value"], table["mean"] / scale, marker="o", color="#4c72b0")
            axis.fill_between(table["value"], table["low"] / scale, table["high"] / scale, alpha=0.25, color="#4c72b0")
            axis.set_xlabel(lever)
            axis.set_title(label, fontsize=10)
        figure.suptitle(f"Response to {lever} (mean and 95% band over runs at each value)", fontsize=11)
        figure.tight_layout()
        path = out / f"{lever.replace('.', '_')}.png"
        figure.savefig(path, dpi=110)
        written.append(path)
    return written
