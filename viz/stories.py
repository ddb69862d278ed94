"""The workshop's four stories, as plain Python: each is built from real runs of the
model on a fixed seed and cut into frames (a headline, a caption in plain words, some
counters, and a figure drawn on demand), so a trainer can step through them forwards and
backwards and every showing is the same. No Solara here: `viz/workshop.py` shows frames.

    frames = build_story("cuts", seed=2010)
    frames[2].headline, frames[2].caption, frames[2].figure()
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.runner import Comparison, compare, run
from parameters.vocabulary import DOMAINS, POOL
from viz.charts import COLOURS
from viz.family_story import STORY_PLACE, Journey, trace_family

WORKSHOP_SEED = 2010
#: Sizes of the runs behind the stories: small enough to build in seconds on a laptop.
SIZES = {"place": "thanet", "households": 4000, "years": 3, "cut_years": 5, "family_years": 2}
FONT = 13
REGIME_NAMES = {"siloed": "Siloed services", "integrated": "Key worker (integrated)"}


@dataclass
class Frame:
    headline: str
    caption: str
    figure: Callable[[], Figure]
    counters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Story:
    key: str
    title: str
    build: Callable[..., list[Frame]]


def money(pounds: float) -> str:
    """£ in plain words: £1.2m, £340k, £900."""
    size = abs(pounds)
    if size >= 1e6:
        return f"£{pounds / 1e6:,.1f}m"
    if size >= 1e4:
        return f"£{pounds / 1e3:,.0f}k"
    return f"£{pounds:,.0f}"


def _figure(width: float = 13, height: float = 5.2) -> Figure:
    figure = Figure(figsize=(width, height))
    figure.set_layout_engine("tight")
    return figure


# --- a. One family, ten agencies ----------------------------------------------------------
@functools.lru_cache(maxsize=8)
def family_journeys(seed: int, years: int) -> tuple[Journey, Journey]:
    return (trace_family(STORY_PLACE, "siloed", seed, years), trace_family(STORY_PLACE, "integrated", seed, years))


def family_frames(seed: int = WORKSHOP_SEED, sizes: dict = SIZES) -> list[Frame]:
    siloed, joined = family_journeys(seed, sizes["family_years"])
    frames = []
    for journey in (siloed, joined):
        regime = REGIME_NAMES[journey.regime]
        intro = ("A single mother, four children (one newborn): neglect, worklessness, rent arrears, anti-social "
                 "behaviour, a history of domestic abuse, poor school attendance. Appointments often missed.")
        if journey.regime == "integrated":
            intro = "The same family, the same week 1, the same shocks; this time a key worker holds one plan for the whole family."
        frames.append(Frame(f"{regime}: week 0 in {journey.place}", intro,
                            functools.partial(family_figure, journey, 0), _family_counters(journey, 0)))
        for week in journey.moments:
            lines = "\n".join(f"- {event.text}" for event in week.events)
            frames.append(Frame(f"{regime}: week {week.week}", lines,
                                functools.partial(family_figure, journey, week.week), _family_counters(journey, week.week)))
    s, j = siloed.final, joined.final
    frames.append(Frame(
        f"After {len(siloed.weeks) // 52} years: the same family, two systems",
        f"Siloed: {s.agencies_met} agencies, {s.assessments} assessments, {s.missed} cases closed for missed "
        f"appointments, {s.crises} crises, {money(s.spend)}.\n\nKey worker: {j.agencies_met} agencies (the key worker "
        f"counts as one), {j.assessments} assessments, {j.missed} closed for missed appointments, {j.crises} crises, "
        f"{money(j.spend)}.",
        functools.partial(family_summary_figure, siloed, joined)))
    return frames


def _family_counters(journey: Journey, week: int) -> dict[str, str]:
    now = journey.weeks[week - 1] if week else None
    return {
        "Week": str(week),
        "Agencies met": str(now.agencies_met if now else 0),
        "Assessments": str(now.assessments if now else 0),
        "Missed appointments": str(now.missed if now else 0),
        "Crises": str(now.crises if now else 0),
        "Spent on the family": money(now.spend if now else 0.0),
    }


def family_figure(journey: Journey, week: int) -> Figure:
    """The family's needs week by week up to `week`, crises marked; spend by agency so far."""
    figure = _figure()
    needs, spend = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    grid = np.full((len(DOMAINS), len(journey.weeks) + 1), np.nan)
    grid[:, 0] = [journey.start[d] for d in DOMAINS]
    for w in journey.weeks[:week]:
        grid[:, w.week] = [w.severity[d] for d in DOMAINS]
    needs.imshow(grid, aspect="auto", cmap="Reds", vmin=0.0, vmax=1.0, interpolation="nearest",
                 extent=(-0.5, len(journey.weeks) + 0.5, len(DOMAINS) - 0.5, -0.5))
    for w in journey.weeks[:week]:
        for event in w.events:
            if event.kind in ("crisis", "assessed", "dropped_out"):
                needs.plot(w.week, -0.5, marker={"crisis": "X", "assessed": "v", "dropped_out": "o"}[event.kind],
                           color={"crisis": "#b2182b", "assessed": "#4c72b0", "dropped_out": "black"}[event.kind],
                           markersize=9, clip_on=False)
    needs.set_yticks(range(len(DOMAINS)), [d.replace("_", " ") for d in DOMAINS], fontsize=11)
    needs.set_xlabel("week", fontsize=FONT)
    needs.set_title("The family's needs (darker is worse). Above: X crisis, v assessment, o missed", fontsize=FONT - 1, pad=16)
    paid = journey.weeks[week - 1].spend_by_agency if week else {}
    labels = sorted(paid, key=paid.get)
    spend.barh(labels, [paid[label] / 1e3 for label in labels],
               color=COLOURS["A"] if journey.regime == "siloed" else COLOURS["B"])
    spend.set_title("Spent on this family so far (£k)", fontsize=FONT)
    spend.tick_params(labelsize=10)
    return figure


def family_summary_figure(siloed: Journey, joined: Journey) -> Figure:
    figure = _figure(13, 4.2)
    axes = figure.subplots(1, 4)
    measures = [("Agencies met", "agencies_met"), ("Assessments", "assessments"), ("Crises", "crises"), ("Spend £k", "spend")]
    for axis, (title, name) in zip(axes, measures):
        values = [getattr(siloed.final, name), getattr(joined.final, name)]
        if name == "spend":
            values = [v / 1e3 for v in values]
        axis.bar(["siloed", "key worker"], values, color=[COLOURS["A"], COLOURS["B"]])
        axis.set_title(title, fontsize=FONT + 2)
        axis.tick_params(labelsize=FONT)
    return figure


# --- b. The worse the problem, the more gets done ------------------------------------------
@functools.lru_cache(maxsize=8)
def regimes_compared(seed: int, place: str, households: int, years: int) -> Comparison:
    common = {"population.households": households, "run.years": years, "run.seed": seed}
    return compare(place, a={"regime.kind": "siloed"}, b={"regime.kind": "integrated"}, common=common)


SEVERITY_BINS = [0.3, 0.45, 0.6, 0.75, 0.9, 1.0001]


def help_by_severity(households: pd.DataFrame) -> pd.DataFrame:
    """Per band of worst need over the run: households, share helped, help received each
    (prevention and intervention spend on them, £)."""
    frame = households.assign(
        help=households["cost_prevention"] + households["cost_intervention"],
        helped=households["first_help_week"] >= 0,
        band=pd.cut(households["peak_severity"], SEVERITY_BINS, right=False),
    )
    table = frame.groupby("band", observed=False).agg(households=("help", "size"), helped=("helped", "mean"), help=("help", "mean"))
    table.index = [f"{b.left:.2f}-{min(b.right, 1.0):.2f}" for b in table.index]
    return table.fillna(0.0)


def need_frames(seed: int = WORKSHOP_SEED, sizes: dict = SIZES) -> list[Frame]:
    comparison = regimes_compared(seed, sizes["place"], sizes["households"], sizes["years"])
    siloed, joined = help_by_severity(comparison.a.households), help_by_severity(comparison.b.households)
    first_s = comparison.a.households["first_help_severity"].dropna()
    first_j = comparison.b.households["first_help_severity"].dropna()
    low, high = siloed.iloc[0], siloed.iloc[-1]
    acute_s, acute_j = (first_s >= 0.75).mean(), (first_j >= 0.75).mean()
    return [
        Frame("Siloed: the worse the problem, the more gets done",
              f"Households whose worst need stayed moderate ({siloed.index[0]}) got {money(low['help'])} of help each, and "
              f"{low['helped']:.0%} of them got any. Those who reached the worst band ({siloed.index[-1]}) got "
              f"{money(high['help'])} each: {high['help'] / max(low['help'], 1):,.0f} times as much, once it was acute.",
              functools.partial(need_figure, siloed, None, None, None)),
        Frame("Integrated: the same households, help found earlier",
              f"With a key worker and shared risk, the worst band got {money(joined.iloc[-1]['help'])} each and the moderate "
              f"band {money(joined.iloc[0]['help'])}. Key workers are few, so the curve moves only a little.",
              functools.partial(need_figure, siloed, joined, None, None)),
        Frame("When does help first arrive?",
              f"Median severity when help first arrived: {first_s.median():.2f} siloed, {first_j.median():.2f} integrated. "
              f"Help arrived only after the need was acute (0.75 or worse) for {acute_s:.0%} of helped households siloed "
              f"and {acute_j:.0%} integrated.",
              functools.partial(need_figure, siloed, joined, first_s, first_j)),
    ]


def need_figure(siloed: pd.DataFrame, joined: pd.DataFrame | None, first_s, first_j) -> Figure:
    figure = _figure()
    left, right = figure.subplots(1, 2)
    positions = np.arange(len(siloed))
    width = 0.4 if joined is not None else 0.7
    left.bar(positions - (width / 2 if joined is not None else 0), siloed["help"], width, color=COLOURS["A"], label="siloed")
    if joined is not None:
        left.bar(positions + width / 2, joined["help"], width, color=COLOURS["B"], label="integrated")
    left.set_xticks(positions, siloed.index, fontsize=10)
    left.set_xlabel("worst severity of need over the run", fontsize=FONT)
    left.set_title("Help received per household (£)", fontsize=FONT)
    left.legend(fontsize=FONT)
    if first_s is None:
        right.plot(positions, siloed["helped"] * 100, marker="o", color=COLOURS["A"], label="siloed")
        if joined is not None:
            right.plot(positions, joined["helped"] * 100, marker="o", color=COLOURS["B"], label="integrated")
        right.set_xticks(positions, siloed.index, fontsize=10)
        right.set_title("Share of households helped at all (%)", fontsize=FONT)
        right.set_xlabel("worst severity of need over the run", fontsize=FONT)
        right.legend(fontsize=FONT)
    else:
        bins = np.linspace(0.3, 1.0, 15)
        right.hist(first_s, bins=bins, alpha=0.6, color=COLOURS["A"], label="siloed")
        right.hist(first_j, bins=bins, alpha=0.6, color=COLOURS["B"], label="integrated")
        right.axvline(0.75, color="#b2182b", linestyle=":")
        right.set_title("Severity when help first arrived (households)", fontsize=FONT)
        right.legend(fontsize=FONT)
    return figure


# --- c. The vicious cycle -------------------------------------------------------------------
CUT, CUT_YEARS = 0.28, 4  # source_facts.md: councils face grant cuts of 28% in the years to 2015

#: The causal loop diagram as (from, to, sign) links per loop. R, the vicious cycle, has
#: two negative links, so it reinforces itself; B, rationing, has one, so it balances.
#: The cut pushes on both from outside.
THRESHOLDS, WAITING, WAIT, CRISES = "Eligibility\nthresholds", "Waiting\nlists", "Later help", "Crises"
CRISIS_SPEND, PREVENTION, NEEDS, CUT_NODE = "Crisis\nspend", "Prevention\nspend", "Needs", "Budget cut"
LOOP_EDGES = {
    "R": [(THRESHOLDS, WAIT, "+"), (WAIT, CRISES, "+"), (CRISES, CRISIS_SPEND, "+"), (CRISIS_SPEND, PREVENTION, "-"),
          (PREVENTION, NEEDS, "-"), (NEEDS, WAITING, "+"), (WAITING, THRESHOLDS, "+")],
    "B": [(WAITING, THRESHOLDS, "+"), (THRESHOLDS, WAITING, "-")],
    "cut": [(CUT_NODE, THRESHOLDS, "+"), (CUT_NODE, PREVENTION, "-")],
}
LOOP_NAMES = {"R": "R: the vicious cycle of failure demand", "B": "B: rationing holds waiting lists down"}
POSITIONS = {
    CUT_NODE: (-2.3, 0.0), THRESHOLDS: (-1.0, 1.0), WAIT: (0.5, 1.3), CRISES: (1.8, 0.6), CRISIS_SPEND: (1.8, -0.6),
    PREVENTION: (0.5, -1.3), NEEDS: (-0.6, -1.1), WAITING: (-1.4, -0.2),
}


@functools.lru_cache(maxsize=8)
def cuts_by_year(seed: int, place: str, households: int, years: int) -> pd.DataFrame:
    """Per year, with the cut and without it: budget, mean eligibility threshold,
    prevention and crisis spend, crises, and which loop dominates that year."""
    common = {"population.households": households, "run.years": years, "run.seed": seed, "regime.kind": "siloed"}
    rows = {}
    for label, cut in (("cut", CUT), ("no_cut", 0.0)):
        results = run(place, {**common, "budget.cut": cut, "budget.cut_years": CUT_YEARS})
        agencies = results.agencies[results.agencies["agency"] != POOL]
        ledger = results.ledger[results.ledger["agency"] != POOL].groupby("year")
        rows[label] = pd.DataFrame({
            "budget": ledger["budget"].sum(),
            "threshold": agencies.groupby("year")["threshold"].mean(),
            "prevention": ledger["spend_prevention"].sum(),
            "crisis": ledger["spend_crisis"].sum(),
            "crises": results.steps.groupby("year")["crises"].sum(),
        })
    table = pd.concat(rows, axis=1)
    cut = table["cut"]
    before = pd.concat([table["no_cut"].iloc[[0]], cut.iloc[:-1]])  # year 1 is measured against the uncut year 1
    before.index = cut.index
    vicious = (cut["crisis"] > before["crisis"]) & ((cut["threshold"] > before["threshold"]) | (cut["prevention"] < before["prevention"]))
    table[("loop", "dominant")] = np.where(vicious, "R", "B")
    return table


def cuts_frames(seed: int = WORKSHOP_SEED, sizes: dict = SIZES) -> list[Frame]:
    table = cuts_by_year(seed, sizes["place"], sizes["households"], sizes["cut_years"])
    frames = []
    start = table[("no_cut", "budget")].iloc[0]
    for year in table.index:
        row, calm = table.loc[year, "cut"], table.loc[year, "no_cut"]
        loop = table.loc[year, ("loop", "dominant")]
        frames.append(Frame(
            f"Year {year}: budgets {1 - row['budget'] / start:.0%} below where they started",
            f"Eligibility thresholds average {row['threshold']:.2f} (without the cut {calm['threshold']:.2f}). "
            f"Prevention spend {money(row['prevention'])} (without the cut {money(calm['prevention'])}); crisis spend "
            f"{money(row['crisis'])} (without {money(calm['crisis'])}); {row['crises']:,.0f} crises "
            f"(without {calm['crises']:,.0f}).\n\nThis year {LOOP_NAMES[loop]} dominates.",
            functools.partial(cuts_figure, table, year)))
    return frames


def loop_diagram(axis, dominant: str) -> None:
    """The causal loop diagram with the dominant loop's links drawn heavy and coloured."""
    graph = nx.DiGraph()
    graph.add_nodes_from(POSITIONS)
    for edges in LOOP_EDGES.values():
        graph.add_edges_from((source, target, {"sign": sign}) for source, target, sign in edges)
    heavy = [(s, t) for s, t, _ in LOOP_EDGES[dominant]]
    light = [edge for edge in graph.edges if edge not in heavy]
    colour = "#b2182b" if dominant == "R" else "#1a9850"
    style = {"ax": axis, "node_size": 3000, "connectionstyle": "arc3,rad=0.15"}
    nx.draw_networkx_nodes(graph, POSITIONS, ax=axis, node_size=3000, node_color="#f0f0f0", edgecolors="#444444")
    nx.draw_networkx_labels(graph, POSITIONS, ax=axis, font_size=8)
    nx.draw_networkx_edges(graph, POSITIONS, edgelist=light, edge_color="#bbbbbb", width=1.5, arrowsize=14, **style)
    nx.draw_networkx_edges(graph, POSITIONS, edgelist=heavy, edge_color=colour, width=4, arrowsize=22, **style)
    signs = {edge: "\u2212" if sign == "-" else "+" for edge, sign in nx.get_edge_attributes(graph, "sign").items()}
    nx.draw_networkx_edge_labels(graph, POSITIONS, edge_labels=signs, font_size=15, font_weight="bold",
                                 ax=axis, connectionstyle="arc3,rad=0.15")
    axis.set_title(LOOP_NAMES[dominant], fontsize=FONT + 1, color=colour)
    axis.set_axis_off()


def cuts_figure(table: pd.DataFrame, year: int) -> Figure:
    figure = _figure(14, 5.6)
    diagram, lines = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    loop_diagram(diagram, table.loc[year, ("loop", "dominant")])
    shown = table.loc[:year]
    start = table[("no_cut", "budget")].iloc[0]
    for variant, style in (("cut", "-"), ("no_cut", "--")):
        label = "28% cut" if variant == "cut" else "no cut"
        lines.plot(shown.index, shown[(variant, "prevention")] / start * 100, style, marker="o", color="#1a9850",
                   label=f"prevention spend, {label}")
        lines.plot(shown.index, shown[(variant, "crisis")] / start * 100, style, marker="o", color="#b2182b",
                   label=f"crisis spend, {label}")
    lines.set_ylabel("% of the year-1 budget", fontsize=FONT)
    lines.set_xlim(0.5, table.index.max() + 0.5)
    lines.set_xlabel("year", fontsize=FONT)
    thresholds = lines.twinx()
    thresholds.plot(shown.index, shown[("cut", "threshold")], "-", marker="s", color="black", label="threshold, 28% cut")
    thresholds.plot(shown.index, shown[("no_cut", "threshold")], "--", marker="s", color="black", label="threshold, no cut")
    thresholds.set_ylabel("mean eligibility threshold", fontsize=FONT)
    low, high = table.xs("threshold", axis=1, level=1).stack().agg(["min", "max"])
    thresholds.set_ylim(low - 0.02, high + 0.02)
    handles = lines.get_legend_handles_labels()
    extra = thresholds.get_legend_handles_labels()
    lines.legend(handles[0] + extra[0], handles[1] + extra[1], fontsize=8, loc="upper left")
    lines.set_title("Thresholds up, prevention down, crises up", fontsize=FONT)
    return figure


# --- d. Who saves ---------------------------------------------------------------------------
def pocket_upto(comparison: Comparison, year: int) -> pd.DataFrame:
    """Comparison.wrong_pocket over years 1 to `year`: per agency what it put into the
    pool, what crises avoided saved it, the change in its own services, and the net."""
    def upto(results):
        return replace(results, ledger=results.ledger[results.ledger["year"] <= year])
    return replace(comparison, a=upto(comparison.a), b=upto(comparison.b)).wrong_pocket()


def pocket_frames(seed: int = WORKSHOP_SEED, sizes: dict = SIZES) -> list[Frame]:
    comparison = regimes_compared(seed, sizes["place"], sizes["households"], sizes["years"])
    years = sorted(comparison.a.ledger["year"].unique())
    frames = [Frame(f"Who saves: years 1 to {year}" if year > 1 else "Who saves: year 1",
                    pocket_caption(comparison, year), functools.partial(pocket_figure, comparison, year))
              for year in years]
    pocket = pocket_upto(comparison, years[-1])
    agencies = pocket[pocket["agency"] != POOL].sort_values("crisis_change")
    key_workers = comparison.b.ledger.loc[comparison.b.ledger["agency"] == POOL, "spend"].sum()
    first, second = agencies.iloc[0], agencies.iloc[1]
    frames.append(Frame(
        "The wrong pocket",
        f"Key workers cost {money(key_workers)}, paid from a pool every agency put {money(agencies['put_in_pool'].sum())} "
        f"into. The crises they avoided saved most for {first['label']} ({money(-first['crisis_change'])}) and "
        f"{second['label']} ({money(-second['crisis_change'])}). Those who pay for prevention are often not those who "
        "save, so no one agency has the reason to invest on its own.",
        functools.partial(pocket_figure, comparison, years[-1])))
    return frames


def pocket_caption(comparison: Comparison, year: int) -> str:
    pocket = pocket_upto(comparison, year)
    agencies = pocket[pocket["agency"] != POOL]
    savers = agencies[agencies["net_change"] < 0].sort_values("net_change")
    payers = agencies[agencies["net_change"] > 0].sort_values("net_change", ascending=False)
    key_workers = comparison.b.ledger.query("agency == @POOL and year <= @year")["spend"].sum()
    parts = [f"{row.label} saves {money(-row.net_change)}" for row in savers.head(3).itertuples()]
    text = "; ".join(parts) + "." if parts else "No agency saves yet."
    if len(payers):
        text += " " + "; ".join(f"{row.label} pays {money(row.net_change)} more" for row in payers.head(2).itertuples()) + "."
    total = pocket["net_change"].sum()
    text += (f"\n\nThe agencies put {money(agencies['put_in_pool'].sum())} into the pool, which paid "
             f"{money(key_workers)} for key workers. Each agency's figure is net of what it put in. All together the "
             f"place {'saves' if total < 0 else 'spends'} {money(abs(total))} against siloed working.")
    return text


def pocket_figure(comparison: Comparison, year: int) -> Figure:
    pocket = pocket_upto(comparison, year)
    agencies = pocket[pocket["agency"] != POOL]
    figure = _figure(13, 5.4)
    axis = figure.subplots()
    rows = np.arange(len(agencies))
    axis.barh(rows, agencies["put_in_pool"] / 1e3, color="#d73027", alpha=0.8, label="put into the key-worker pool")
    axis.barh(rows, agencies["crisis_change"] / 1e3, color="#1a9850", label="crisis spend avoided")
    left = np.minimum(agencies["crisis_change"], 0) / 1e3
    axis.barh(rows, agencies["services_change"] / 1e3, left=np.where(agencies["services_change"] < 0, left, 0),
              color="#a6d96a", label="change in its own services")
    axis.scatter(agencies["net_change"] / 1e3, rows, marker="D", color="black", zorder=3, label="net: saves if left of 0")
    axis.axvline(0, color="black", linewidth=1)
    axis.set_yticks(rows, agencies["label"], fontsize=11)
    axis.invert_yaxis()
    axis.legend(fontsize=10, loc="lower left")
    axis.set_xlabel("£k, integrated against siloed: left of 0 saves, right of 0 pays", fontsize=FONT)
    axis.set_title(f"Who pays and who saves, years 1 to {year}", fontsize=FONT + 1)
    return figure


STORIES = [
    Story("family", "One family, ten agencies", family_frames),
    Story("need", "The worse the problem, the more gets done", need_frames),
    Story("cuts", "The vicious cycle", cuts_frames),
    Story("pocket", "Who saves", pocket_frames),
]


def build_story(key: str, seed: int = WORKSHOP_SEED, sizes: dict | None = None) -> list[Frame]:
    story = next(s for s in STORIES if s.key == key)
    return story.build(seed, sizes or SIZES)
