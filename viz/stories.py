"""The workshop's four stories, as plain Python: each is built from real runs of the
model on a fixed seed and cut into frames (a headline, a caption in plain words, some
counters, and a figure drawn on demand), so a trainer can step through them forwards and
backwards and every showing is the same. No Solara here: `viz/workshop.py` shows frames.

    frames = build_story("cuts", seed=2010)
    frames[2].headline, frames[2].caption, frames[2].figure()
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from locality.experiments.results import weekly_means
from locality.experiments.runner import Comparison, compare, run
from locality.parameters.vocabulary import POOL
from locality.viz.charts import COLOURS
from locality.viz.family_story import (
    KEY_WORKER,
    STORY_PLACE,
    Journey,
    Week,
    noun,
    plural,
    trace_family,
)

WORKSHOP_SEED = 2010
#: Sizes of the runs behind the stories: small enough to build in seconds on a laptop.
SIZES = {"place": "thanet", "households": 4000, "years": 3, "cut_years": 5, "family_years": 2}
#: The picture on a projector: shown at its own size (100 pixels an inch) beside the captions,
#: so a 1280x720 screen holds a frame whole, and text of 13 points is 18 pixels there.
PICTURE_INCHES = (7.5, 5.0)
PICTURE_DPI = 100
FONT = 14  # titles and axis labels
SMALL = 13  # ticks, legends, labels on bars: the least that is 18 pixels on the projector
PROJECTOR_TEXT = {"font.size": SMALL, "axes.titlesize": FONT, "axes.labelsize": FONT, "xtick.labelsize": SMALL,
                  "ytick.labelsize": SMALL, "legend.fontsize": SMALL, "figure.titlesize": FONT}
REGIME_NAMES = {"siloed": "Siloed services", "integrated": "Key worker (integrated)"}


@dataclass(frozen=True)
class Question:
    """Asked of the room at a story's start and answered at its end (predict, then see):
    the prompt, the choices, the choice the run bears out, and what the run says, in words."""

    prompt: str
    choices: tuple[str, ...]
    answer: str
    said: str


@dataclass
class Frame:
    headline: str
    caption: str
    figure: Callable[[], Figure]
    counters: dict[str, str] = field(default_factory=dict)
    chapter: str = ""  # frames of a long story are grouped in chapters a trainer can jump to
    asks: Question | None = None  # asked of the room on this frame, before the story shows the answer
    answers: Question | None = None  # answered on this frame, beside the room's guess


@dataclass(frozen=True)
class Story:
    key: str
    title: str
    build: Callable[..., list[Frame]]


def money(pounds: float) -> str:
    """£ in plain words: £1.2m, £340k, £900. A sum below zero reads -£900, never £-900;
    where a sentence can go either way, `signed_money` words the sign instead."""
    size = abs(pounds)
    if size >= 1e6:
        text = f"£{size / 1e6:,.1f}m"
    elif size >= 1e4:
        text = f"£{size / 1e3:,.0f}k"
    else:
        text = f"£{size:,.0f}"
    return "-" + text if pounds < 0 and text != "£0" else text


def signed_money(pounds: float, above: str, below: str) -> str:
    """`above` or `below`, as `pounds` is at least zero or under it, with the size of the
    sum in plain words at {}: signed_money(-6276, "{} goes unspent", "overspent by {}")
    gives "overspent by £6,276"."""
    return (above if pounds >= 0 else below).format(money(abs(pounds)))


LEAD_NAMES = 2  # a lead names at most this many agencies (the rest counted), so it stays a line on a projector


def and_list(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


#: One picture is drawn at a time: `rc_context` sets matplotlib's process-wide rcParams, so
#: two pictures drawn at once on two threads (a step, then Reset before its picture is done)
#: could each restore the other's settings midway and come out at the wrong text sizes.
_ONE_PICTURE_AT_A_TIME = threading.Lock()


def picture(frame: Frame) -> Figure:
    """A frame's picture, its text at the projector's sizes (PROJECTOR_TEXT)."""
    with _ONE_PICTURE_AT_A_TIME, matplotlib.rc_context(PROJECTOR_TEXT):
        return frame.figure()


def _figure(width: float = PICTURE_INCHES[0], height: float = PICTURE_INCHES[1]) -> Figure:
    figure = Figure(figsize=(width, height), dpi=PICTURE_DPI)
    figure.set_layout_engine("tight")
    return figure


# --- a. One family, many agencies ----------------------------------------------------------
@functools.lru_cache(maxsize=8)
def family_journeys(seed: int, years: int) -> tuple[Journey, Journey, Journey]:
    """Siloed; with a key worker from week 1 (as the pilots chose their families); and
    integrated as the model's own queue would have it, for the on-screen comparison."""
    return (trace_family(STORY_PLACE, "siloed", seed, years), trace_family(STORY_PLACE, "integrated", seed, years),
            trace_family(STORY_PLACE, "integrated", seed, years, pilot=False))


def queue_sentence(queued: Journey) -> str:
    """What the model's own key-worker queue would have done for the family."""
    flagged = queued.first_week("waiting", KEY_WORKER)
    taken = queued.first_week("key_worker", KEY_WORKER)
    text = f"In the model, {queued.place}'s pooled budget buys {workers(queued.key_workers)}. "
    if taken is not None:
        wait = f" and put on the key workers' waiting list in week {flagged}" if flagged else ""
        return text + f"Left to the model's queue, this family would have been flagged{wait}, and taken on in week {taken}."
    if flagged is not None:
        return text + (f"Left to the model's queue, this family would have been flagged in week {flagged} and still "
                       f"been waiting after {plural(len(queued.weeks), 'week')}.")
    return text + ("Left to the model's queue, this family would not have been flagged in "
                   f"{plural(len(queued.weeks), 'week')}.")


def family_frames(seed: int = WORKSHOP_SEED, sizes: dict = SIZES) -> list[Frame]:
    siloed, joined, queued = family_journeys(seed, sizes["family_years"])
    frames = []
    for journey in (siloed, joined):
        regime = REGIME_NAMES[journey.regime]
        chapter = "Siloed" if journey.regime == "siloed" else "Key worker"
        intro = ("A single mother and four children with six problems at once; appointments often missed.\n\n"
                 "The children are four (one newborn); the problems: neglect, worklessness, rent arrears, anti-social "
                 "behaviour, a history of domestic abuse, poor school attendance.")
        if journey.regime == "integrated":
            intro = ("The same family and shocks, with a key worker **set by hand** from week 1, as the pilots chose "
                     "their families.\n\n" + queue_sentence(queued))
        frames.append(Frame(f"{regime}: week 0 in {journey.place}", intro,
                            functools.partial(family_figure, siloed, joined, journey.regime, 0),
                            _family_counters(journey, 0), chapter))
        quoted: set[str] = set()
        for week in journey.moments:
            lines = "\n".join(f"- {event.text}" for event in week.events)
            if journey.regime == "siloed":  # the residents' own words, where they first fit
                for kind, words in RESIDENTS.items():
                    if kind not in quoted and any(event.kind == kind for event in week.events):
                        quoted.add(kind)
                        lines += f"\n\n*{words}*"
            frames.append(Frame(f"{regime}: week {week.week}", lines,
                                functools.partial(family_figure, siloed, joined, journey.regime, week.week),
                                _family_counters(journey, week.week), chapter))
    s, j = siloed.final, joined.final
    frames.append(Frame(
        f"After {plural(len(siloed.weeks) // 52, 'year')}: the same family, three ways",
        family_moral(s, queued.final, j) + "\n\n" + queue_short(queued),
        functools.partial(family_summary_figure, siloed, joined, queued), chapter="Summary"))
    return asked_and_answered(frames, family_question(s.agencies_met, len(siloed.weeks) // 52))


#: Residents' words in the source documents (source_facts.md: "Perverse incentives, in
#: residents' words"), shown where the family's siloed story first reaches what they say.
RESIDENTS = {"crisis": '"The worse the problem is, the more that will get done about it" (a resident)',
             "dropped_out": '"I can\'t work, I have too much to do in the daytimes" (a resident, on appointments)'}


def queue_short(queued: Journey) -> str:
    """What the model's own queue would have done, in a line (`queue_sentence` in full)."""
    flagged = queued.first_week("waiting", KEY_WORKER)
    taken = queued.first_week("key_worker", KEY_WORKER)
    where = f"Left to the model's queue ({workers(queued.key_workers)} in {queued.place}), the family is "
    if taken is not None:
        return where + f"taken on in week {taken}."
    if flagged is not None:
        return where + f"flagged in week {flagged} and still waiting at week {len(queued.weeks)}."
    return where + f"not flagged in {plural(len(queued.weeks), 'week')}."


def family_moral(siloed: Week, queued: Week, joined: Week) -> str:
    """The family story's moral in one sentence, from its own three runs: siloed, integrated
    with the family left to the key workers' queue, and a key worker set by hand."""
    def said(week: Week) -> str:
        return f"{plural(week.assessments, 'assessment')}, {money(week.spend)}"
    return (f"**The moral:** siloed {said(siloed)}; integrated, still queueing, {said(queued)}; with a key worker "
            f"{said(joined)}.")


def asked_and_answered(frames: list[Frame], question: Question) -> list[Frame]:
    """The story's frames with the question asked on the first and answered on the last."""
    return [replace(frames[0], asks=question), *frames[1:-1], replace(frames[-1], answers=question)]


AGENCY_COUNTS = ("1 to 3", "4 to 6", "7 or more")


def family_question(met: int, years: int) -> Question:
    """How many agencies the family meets, siloed: the room guesses before the summary."""
    answer = AGENCY_COUNTS[0 if met <= 3 else 1 if met <= 6 else 2]
    return Question(f"Siloed, over {plural(years, 'year')}: how many agencies will this family meet?", AGENCY_COUNTS,
                    answer, f"{plural(met, 'agency', 'agencies')}, each assessing the family its own way")


def _family_counters(journey: Journey, week: int) -> dict[str, str]:
    """The counters over the family's frames, each named in the number its count takes
    ("1 Crisis", "2 Crises")."""
    now = journey.weeks[week - 1] if week else None
    met, assessed, missed, crises = (now.agencies_met, now.assessments, now.missed, now.crises) if now else (0, 0, 0, 0)
    return {
        "Week": str(week),
        noun(met, "Agency met", "Agencies met"): str(met),
        noun(assessed, "Assessment"): str(assessed),
        noun(missed, "Missed appointment"): str(missed),
        noun(crises, "Crisis", "Crises"): str(crises),
        "Spent on the family": money(now.spend if now else 0.0),
    }


#: Short names for the journey's rows, so that the picture keeps its width for the weeks.
SHORT = {"NHS primary and community care": "GP and community", "Schools and education welfare": "Schools",
         "Children's social care": "Children's care", "NHS acute hospitals": "Hospital", "Adult social care": "Adult care",
         "Youth offending team": "Youth offending", "Jobcentre Plus": "Jobcentre", "Substance misuse services": "Drug services"}
#: What happens to the family, as marks on its agency's row: (marker, colour, size, legend).
MARKS = {"noticed": (">", "#636363", 7, "noticed"), "assessed": ("D", "#2c7fb8", 6, "assessed"),
         "dropped_out": ("o", "black", 7, "missed"), "crisis": ("X", "#b2182b", 10, "crisis"),
         "placed": ("s", "#67000d", 8, "placed"), "key_worker": ("*", "#1a9850", 13, "key worker")}
HELP_COLOURS = {"help": "#2c7fb8", "early_help": "#9ecae1", "key_worker": "#1a9850"}


def journey_rows(*journeys: Journey) -> list[str]:
    """The agencies the family meets, in the order it first meets them: the picture's rows."""
    rows: list[str] = []
    for journey in journeys:
        for week in journey.weeks:
            rows.extend(e.agency for e in week.events if e.agency not in rows)
    return rows


def journey_axis(axis, journey: Journey, week: int, rows: list[str], title: str, faded: bool = False) -> None:
    """One family's journey up to `week` on a week axis, a row per agency: waiting (a thin
    grey bar), help (a thick bar: early help pale, a key worker's plan green), and marks for
    what happened; the money each agency has spent on the family at the row's end."""
    alpha = 0.35 if faded else 1.0
    y = {label: i for i, label in enumerate(rows)}
    waiting: dict[str, int] = {}
    helping: dict[str, tuple[int, str]] = {}

    def bar(label: str, start: int, stop: int, colour: str, height: float) -> None:
        axis.barh(y[label], max(stop - start, 0.6), left=start, height=height, color=colour, alpha=alpha, linewidth=0)

    for w in journey.weeks[:week]:
        for event in w.events:
            label, kind = event.agency, event.kind
            if kind == "waiting":
                waiting.setdefault(label, w.week)
            if kind in ("help", "early_help", "key_worker", "off_list") and label in waiting:
                bar(label, waiting.pop(label), w.week, "#bdbdbd", 0.25)
            if kind in ("help", "early_help", "key_worker"):
                helping.setdefault(label, (w.week, HELP_COLOURS[kind]))
            if kind in ("closed", "dropped_out") and label in helping:
                start, colour = helping.pop(label)
                bar(label, start, w.week, colour, 0.55)
            if kind in MARKS:
                marker, colour, size, _ = MARKS[kind]
                axis.plot(w.week, y[label], marker=marker, color=colour, markersize=size, alpha=alpha, linestyle="none",
                          clip_on=False, zorder=3)
    for label, start in waiting.items():  # still waiting, still helped: up to now
        bar(label, start, week, "#bdbdbd", 0.25)
    for label, (start, colour) in helping.items():
        bar(label, start, week, colour, 0.55)
    paid = journey.weeks[week - 1].spend_by_agency if week else {}
    for label in rows:
        if paid.get(label, 0) >= 1:
            axis.text(len(journey.weeks) + 2, y[label], money(paid[label]), va="center", fontsize=SMALL, alpha=alpha)
    # a row is named once the family meets the agency (or it pays for the family): the room is not told in advance
    met = {e.agency for w in journey.weeks[:week] for e in w.events} | {label for label, pounds in paid.items() if pounds >= 1}
    axis.set_yticks(range(len(rows)), [SHORT.get(label, label) if label in met else "" for label in rows])
    axis.set_ylim(len(rows) - 0.5, -0.5)
    axis.set_xlim(0, len(journey.weeks) + 1)
    axis.set_title(title, loc="left")
    axis.grid(axis="x", alpha=0.3)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)


def family_figure(siloed: Journey, joined: Journey, shown: str, week: int) -> Figure:
    """The family's journey as a picture: a row per agency on a week axis, siloed above and
    the same family with a key worker beneath, on the same weeks. `shown`: the journey
    being told ("siloed" or "integrated"), drawn up to `week`; in the key worker's chapter
    the siloed journey stays above, whole and faded, to compare."""
    figure = _figure()
    order = journey_rows(siloed, joined)  # one order of agencies for both, so a row is in the same place in each
    top_rows = [label for label in order if label in journey_rows(siloed)]
    bottom_rows = [label for label in order if label in journey_rows(joined)]
    above, below = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [len(top_rows), len(bottom_rows)]})
    telling_siloed = shown == "siloed"
    journey_axis(above, siloed, week if telling_siloed else len(siloed.weeks), top_rows,
                 f"Siloed: week {week}" if telling_siloed else f"Siloed: all {len(siloed.weeks)} weeks", faded=not telling_siloed)
    if telling_siloed:
        journey_axis(below, joined, 0, bottom_rows, "The same family with a key worker: next")
    else:
        journey_axis(below, joined, week, bottom_rows, f"With a key worker: week {week}")
    below.set_xlabel("week", labelpad=1)
    handles = [below.plot([], [], marker=m, color=c, markersize=s, linestyle="none")[0] for m, c, s, _ in MARKS.values()]
    bars = {"waiting": "#bdbdbd", "helped": HELP_COLOURS["help"], "early help": HELP_COLOURS["early_help"],
            "plan": HELP_COLOURS["key_worker"]}
    handles += [Patch(color=c) for c in bars.values()]
    figure.legend(handles, [name for *_, name in MARKS.values()] + list(bars), loc="lower center",
                  ncol=5, frameon=False, handletextpad=0.2, columnspacing=0.7, handlelength=1.2)
    figure.set_layout_engine(None)
    # fixed margins (not a tight layout), so the axes stay put from frame to frame as money labels come and go
    figure.subplots_adjust(left=0.25, right=0.87, top=0.94, bottom=0.25, hspace=0.3)
    return figure


def compared_bars(measures: list[tuple[str, list[float], str]], names: list[str], colours: list[str]) -> Figure:
    """Small multiples for a projector: a panel per measure (title, values, how a value is
    said), two to a row, each a bar per way of working named on its left, its value at its end."""
    figure = _figure()
    rows = (len(measures) + 1) // 2
    axes = np.atleast_1d(figure.subplots(rows, 2)).ravel()
    for axis, (title, values, form) in zip(axes, measures):
        places = np.arange(len(values))
        axis.barh(places, values, color=colours)
        axis.set_yticks(places, names)
        axis.invert_yaxis()
        axis.axvline(0, color="black", linewidth=0.8)
        axis.bar_label(axis.containers[0], [form.format(v) for v in values], padding=3)
        axis.set_title(title, loc="left")
        axis.set_xticks([])
        low, high = min(min(values), 0), max(max(values), 0)
        room = 0.45 * (high - low) or 1.0  # (room for the values' labels; all zero: a unit either side)
        axis.set_xlim(low - room * (low < 0), high + room)
        for side in ("top", "right", "bottom"):
            axis.spines[side].set_visible(False)
    for axis in axes[len(measures):]:
        axis.set_axis_off()
    return figure


def family_summary_figure(siloed: Journey, joined: Journey, queued: Journey | None = None) -> Figure:
    journeys = [("siloed", siloed, COLOURS["A"]), ("key worker", joined, COLOURS["B"])]
    if queued is not None:
        journeys.append(("queued", queued, "#9ecae1"))
    measures = [(title, [getattr(j.final, name) * scale for _, j, _ in journeys], form) for title, name, scale, form in (
        ("Agencies met", "agencies_met", 1, "{:.0f}"), ("Assessments", "assessments", 1, "{:.0f}"),
        ("Crises", "crises", 1, "{:.0f}"), ("Spent on the family (£k)", "spend", 1e-3, "{:,.0f}"))]
    return compared_bars(measures, [name for name, _, _ in journeys], [colour for *_, colour in journeys])


# --- b. The worse the problem, the more gets done ------------------------------------------
@functools.lru_cache(maxsize=8)
def regimes_compared(seed: int, place: str, households: int, years: int) -> Comparison:
    common = {"population.households": households, "run.years": years, "run.seed": seed}
    return compare(place, a={"regime.kind": "siloed"}, b={"regime.kind": "integrated"}, common=common)


#: The "what if" of the story's last frame. Assumption, not from the sources: the
#: documents give no pooled share; the scenarios' 5% is itself an assumption.
BIGGER_POOL = 0.15


@functools.lru_cache(maxsize=8)
def bigger_pool_run(seed: int, place: str, households: int, years: int):
    return run(place, {"population.households": households, "run.years": years, "run.seed": seed,
                       "regime.kind": "integrated", "regime.pooled_share": BIGGER_POOL})


def band_words(count: int) -> list[str]:
    """The bands of `severity_bins` in words, least first (never as decimals)."""
    words = ["a problem", "moderate", "serious", "acute", "the worst"]
    return words[:count] if count <= len(words) else [f"band {k + 1}" for k in range(count)]


def severity_bins(needs) -> list[float]:
    """Bands of worst need from the scenario's problem line up: three between it and the
    acute line, one above that, and the rest up to 1 (0.3, 0.45, 0.6, 0.75, 0.9, 1 at the
    built-in lines)."""
    step = (needs.acute_line - needs.problem_line) / 3
    edges = [round(needs.problem_line + k * step, 6) for k in range(5)]
    return [edge for edge in edges if edge < 1.0] + [1.0001]


#: Bands of a household's needs when the run starts (severity summed over the nine
#: domains): the same households fall in the same band in every regime on one seed.
START_BINS = [0.0, 1.0, 1.5, 2.0, 2.5, 3.0, np.inf]
#: The bands of START_BINS as a room reads them (least needy to most), never as sums of severities.
START_BANDS = ["least", "low", "some", "more", "high", "most"]
SAME_BAND = 0.03  # medians of severity at first help closer than this are called the same


def help_by_severity(households: pd.DataFrame, needs) -> pd.DataFrame:
    """Per band of worst need over the run (`severity_bins`): households, share helped,
    help received each (prevention and intervention spend on them, £)."""
    frame = households.assign(
        help=households["cost_prevention"] + households["cost_intervention"],
        helped=households["first_help_week"].notna(),
        band=pd.cut(households["peak_severity"], severity_bins(needs), right=False),
    )
    table = frame.groupby("band", observed=False).agg(households=("help", "size"), helped=("helped", "mean"), help=("help", "mean"))
    table.index = [f"{b.left:.2f}-{min(b.right, 1.0):.2f}" for b in table.index]
    return table.fillna(0.0)


def by_start_need(households: pd.DataFrame) -> pd.DataFrame:
    """Per band of need at the start of the run (the same households in any regime on the
    same seed): households, help received each (£, prevention and intervention, key
    workers included), assessments each, crises each, crisis spend each (£)."""
    frame = households.assign(help=households["cost_prevention"] + households["cost_intervention"],
                              band=pd.cut(households["start_load"], START_BINS, right=False))
    table = frame.groupby("band", observed=False).agg(
        households=("help", "size"), help=("help", "mean"), assessments=("assessments", "mean"),
        crises=("crises", "mean"), crisis_spend=("cost_crisis", "mean"))
    table.index = START_BANDS[:len(table)]
    return table.fillna(0.0)


def key_worker_families(comparison: Comparison) -> np.ndarray:
    """Households the pooled budget spent on in B (a key worker and its shared
    assessment): the families the key-worker team worked with."""
    return comparison.b.households["cost_pooled_budget"].to_numpy() > 0


def pool_reach(results) -> dict:
    """What the pool bought in one run: key workers (its places over the caseload), the
    families they worked with, and its yearly budget and spend."""
    pool = results.ledger[results.ledger["agency"] == POOL]
    places = weekly_means(results.agencies[results.agencies["agency"] == POOL], ["slots"], "agency")["slots"].iloc[0]
    caseload = results.scenario.keyworkers.caseload
    return {"workers": places / caseload if caseload else 0.0, "places": places,
            "families": int((results.households["cost_pooled_budget"] > 0).sum()),
            "budget": pool["budget"].mean(), "spend": pool["spend"].mean()}


def need_frames(seed: int = WORKSHOP_SEED, sizes: dict = SIZES) -> list[Frame]:
    args = (seed, sizes["place"], sizes["households"], sizes["years"])
    comparison = regimes_compared(*args)
    a, b = comparison.a.households, comparison.b.households
    needs = comparison.a.scenario.needs
    siloed = help_by_severity(a, needs)
    low, high = siloed.iloc[0], siloed.iloc[-1]
    start_a, start_b = by_start_need(a), by_start_need(b)
    reach = pool_reach(comparison.b)
    families = key_worker_families(comparison)
    few_a, few_b = a[families], b[families]
    first_s, first_j = a["first_help_severity"].dropna(), b["first_help_severity"].dropna()
    top = start_a.index[-1]
    bigger = bigger_pool_run(*args)
    start_big, reach_big = by_start_need(bigger.households), pool_reach(bigger)
    crises = a["crises"].sum(), b["crises"].sum(), bigger.households["crises"].sum()
    unspent = reach["budget"] - reach["spend"]
    # one scale for each kind of panel across the story's frames, so the axes stay put
    help_top = 1.1 * max(siloed["help"].max(), help_by_severity(b, needs)["help"].max())
    start_tops = {column: 1.1 * max(t[column].max() for t in (start_a, start_b, start_big)) for column in ("help", "assessments")}
    return [
        Frame(f"{comparison.a.scenario.place.name}, siloed: the worse the problem, the more gets done",
              f"Help follows the need: households whose need became the most acute got "
              f"{high['help'] / max(low['help'], 1):,.0f} times the help of those whose need stayed a problem.\n\n"
              f"Households whose worst need stayed a problem, never serious, got {money(low['help'])} of help each, and "
              f"{low['helped']:.0%} of them got any. Those whose need became the most acute got "
              f"{money(high['help'])} each: {high['help'] / max(low['help'], 1):,.0f} times as much, once it was acute.",
              functools.partial(need_figure, siloed, None, None, None, needs, help_top)),
        Frame("Integrated, across the place: the curve keeps its shape",
              f"Key workers reached {reach['families']:,} of {len(b):,} households, the most complex: help still follows "
              "severity.\n\n"
              f"Here households are banded by their needs when the run starts, so each band holds the same households "
              f"in both systems. The pool ({money(reach['budget'])} a year) buys {workers(reach['workers'])} "
              f"({plural(reach['places'], 'family', 'families')} at a time) and spends {money(reach['spend'])} a year, "
              + signed_money(unspent, "leaving {} a year unspent.", "overspending it by {} a year.")
              + f" Key workers worked with {reach['families']:,} of {len(b):,} households "
              f"({reach['families'] / len(b):.1%}), the most complex, so help still follows severity."
              f" What changes is how: in the neediest band a household had "
              f"{plural(start_a.loc[top, 'assessments'], 'assessment')} siloed and {start_b.loc[top, 'assessments']:.0f} "
              "with one shared assessment.",
              functools.partial(start_need_figure, start_a, start_b, "integrated", start_tops)),
        Frame("The families the key workers took on",
              families_caption(few_a, few_b, needs.problem_line, needs.acute_line),
              functools.partial(families_figure, few_a, few_b)),
        Frame("When does help first arrive?",
              first_help_caption(first_s, first_j, needs.problem_line, needs.acute_line,
                                 comparison.b.scenario.keyworkers.min_problems),
              functools.partial(need_figure, siloed, help_by_severity(b, needs), first_s, first_j, needs, help_top)),
        Frame(f"What if the pool were bigger? (assumption: {BIGGER_POOL:.0%} of budgets, not 5%)",
              f"**The moral:** {follows(start_a, start_big)}.\n\n"
              f"The neediest households got {money(start_a.loc[top, 'help'])} each siloed and "
              f"{money(start_big.loc[top, 'help'])} with {BIGGER_POOL:.0%} pooled, the least needy "
              f"{money(start_a.iloc[0]['help'])} and {money(start_big.iloc[0]['help'])}. "
              f"Not from the sources: the documents give no pooled share, and 5% is itself an assumption. With "
              f"{BIGGER_POOL:.0%} pooled, the pool buys {workers(reach_big['workers'])} and the key-worker team works "
              f"with {plural(reach_big['families'], 'household')}. Crises across the place: {crises[0]:,} siloed, "
              f"{crises[1]:,} integrated at 5%, {crises[2]:,} at {BIGGER_POOL:.0%}. " + where_help_grew(start_a, start_big),
              functools.partial(start_need_figure, start_a, start_big, f"integrated, {BIGGER_POOL:.0%} pooled", start_tops)),
    ]


def follows(siloed: pd.DataFrame, joined: pd.DataFrame) -> str:
    """Whether help rises with need at the start, siloed and in `joined`, in words."""
    rises = [table["help"].iloc[-1] > table["help"].iloc[0] for table in (siloed, joined)]
    if all(rises):
        return "help rises with need, siloed and with a bigger pool alike"
    if not any(rises):
        return "help does not rise with need, siloed or with a bigger pool"
    return "help rises with need " + ("siloed but not with the bigger pool" if rises[0] else "with the bigger pool but not siloed")


def where_help_grew(siloed: pd.DataFrame, joined: pd.DataFrame) -> str:
    """Which end of the need bands the extra help went to, in plain words."""
    extra = joined["help"] - siloed["help"]
    if extra.iloc[-1] > extra.iloc[0]:
        return "More key workers add help where need is greatest; they do not move it to where need is small."
    return "The extra help goes to households with less need, earlier in their trouble."


def workers(count: float) -> str:
    """Key workers in words; a pool that buys part-time workers is counted in full-time
    equivalents."""
    if count == 0:
        return "no key worker"
    if count == int(count):
        return f"{int(count)} key worker{'s' if count != 1 else ''}"
    return f"{count:.1f} full-time key workers"


def severity_words(severity: float, problem_line: float, acute_line: float) -> str:
    """A need's severity as a room would say it, never as a decimal: acute at or above the
    acute line, serious from halfway there, a problem from the problem line, else below it."""
    if severity >= acute_line:
        return "acute: it needs help now"
    if severity >= (problem_line + acute_line) / 2:
        return "serious"
    if severity >= problem_line:
        return "a problem, not yet serious"
    return "not yet a problem"


def families_caption(siloed: pd.DataFrame, joined: pd.DataFrame, problem_line: float, acute_line: float) -> str:
    n = len(joined)
    if n == 0:
        return ("No family had a key worker in this run: at this size the pool does not buy one family's share of "
                "a key worker and the family's services for a year. Try a bigger place or a bigger pooled share.")
    s_first, j_first = siloed["first_help_severity"].median(), joined["first_help_severity"].median()
    s_said, j_said = (severity_words(first, problem_line, acute_line) for first in (s_first, j_first))
    if abs(j_first - s_first) < SAME_BAND:
        known = int(siloed["first_help_week"].between(0, 4).fillna(False).sum())
        when = (f"Help did not come earlier: siloed, {known} of the {n} were already getting help from some agency in the "
                f"run's first four weeks, and help first reached them when their worst need was, for the middle family, "
                f"{s_said} siloed and {j_said} with a key worker.")
    else:
        when = (f"Help first reached them when their worst need was, for the middle family, {s_said} siloed and "
                f"{j_said} with a key worker: {'earlier' if j_first < s_first else 'later'} in their trouble.")
    change_s = (siloed["end_load"] - siloed["start_load"]).mean()
    change_j = (joined["end_load"] - joined["start_load"]).mean()
    lead = (f"The same {plural(n, 'family', 'families')}: {siloed['assessments'].mean():.0f} assessments each siloed, "
            f"{joined['assessments'].mean():.0f} with a key worker; {siloed['crises'].sum():,.0f} crises against "
            f"{joined['crises'].sum():,.0f}.")
    return lead + "\n\n" + (f"The same {plural(n, 'family', 'families')} in both systems. Siloed they had "
            f"{plural(siloed['assessments'].mean(), 'assessment')} each and "
            f"{plural(siloed['crises'].sum(), 'crisis', 'crises')} in all; with a key worker {plural(joined['assessments'].mean(), 'assessment')} each and "
            f"{plural(joined['crises'].sum(), 'crisis', 'crises')}. Their needs "
            f"{_moved(change_s, siloed['start_load'].mean())} siloed and "
            f"{_moved(change_j, joined['start_load'].mean())} with a key worker. {when}")


def _moved(change: float, start: float) -> str:
    """A change in needs as a share of where they started: "fell by 12%"."""
    share = change / start if start else 0.0
    return "stayed where they were" if abs(share) < 0.005 else f"{'rose' if share > 0 else 'fell'} by {abs(share):.0%}"


def first_help_caption(first_s: pd.Series, first_j: pd.Series, problem_line: float, acute_line: float,
                       min_problems: int) -> str:
    s, j = first_s.median(), first_j.median()
    acute_s, acute_j = (first_s >= acute_line).mean(), (first_j >= acute_line).mean()
    lead = ("Integration hardly moves when help first arrives." if abs(j - s) < SAME_BAND else
            f"Integrated, help first arrives {'earlier' if j < s else 'later'} in a household's trouble.")
    text = lead + "\n\n" + (f"When help first arrived, the middle household's worst need was {severity_words(s, problem_line, acute_line)} "
            f"siloed and {severity_words(j, problem_line, acute_line)} integrated. Help came only once the need was "
            f"acute for {acute_s:.0%} of helped households siloed and {acute_j:.0%} integrated.")
    if abs(j - s) < SAME_BAND:
        text += ("\n\nAcross the place, integration hardly moves when help starts. In this model the shared risk "
                 f"score flags only families with {min_problems} or more problems, and key workers are few, so it changes what "
                 "help does for the most complex families more than how early anyone is found.")
    return text


def start_need_figure(siloed: pd.DataFrame, joined: pd.DataFrame, label: str, tops: dict | None = None) -> Figure:
    """Help and assessments per household by need at the start, siloed against `label`."""
    figure = _figure()
    axes = figure.subplots(2, 1, sharex=True)
    positions = np.arange(len(siloed))
    for axis, column, title in zip(axes, ("help", "assessments"),
                                   ("Help received per household (£)", "Assessments per household")):
        axis.bar(positions - 0.2, siloed[column], 0.4, color=COLOURS["A"], label="siloed")
        axis.bar(positions + 0.2, joined[column], 0.4, color=COLOURS["B"], label=label)
        axis.set_title(title, loc="left")
        axis.legend(loc="upper left", frameon=False)
        if tops:
            axis.set_ylim(0, tops[column])
    axes[1].set_xticks(positions, siloed.index)
    axes[1].set_xlabel("needs at the start of the run")
    return figure


def families_figure(siloed: pd.DataFrame, joined: pd.DataFrame) -> Figure:
    """The key workers' families, the same households in both systems."""
    change = [100 * (frame["end_load"] - frame["start_load"]).mean() / frame["start_load"].mean() for frame in (siloed, joined)]
    measures = [
        ("Assessments each", [siloed["assessments"].mean(), joined["assessments"].mean()], "{:.1f}"),
        ("Crises, all of them", [siloed["crises"].sum(), joined["crises"].sum()], "{:,.0f}"),
        ("Crisis spend each (£k)", [siloed["cost_crisis"].mean() / 1e3, joined["cost_crisis"].mean() / 1e3], "{:.1f}"),
        ("Needs, start to end (%)", change, "{:+.0f}%"),
    ]
    return compared_bars(measures, ["siloed", "key worker"], [COLOURS["A"], COLOURS["B"]])


def need_figure(siloed: pd.DataFrame, joined: pd.DataFrame | None, first_s, first_j, needs, top: float | None = None) -> Figure:
    figure = _figure()
    left, right = figure.subplots(2, 1)
    positions = np.arange(len(siloed))
    bands = band_words(len(siloed))
    width = 0.4 if joined is not None else 0.7
    left.bar(positions - (width / 2 if joined is not None else 0), siloed["help"], width, color=COLOURS["A"], label="siloed")
    if joined is not None:
        left.bar(positions + width / 2, joined["help"], width, color=COLOURS["B"], label="integrated")
    left.set_xticks(positions, bands)
    if top:
        left.set_ylim(0, top)
    left.set_title("Help received per household (£), by the worst need over the run", loc="left")
    left.legend(loc="upper left", frameon=False)
    if first_s is None:
        right.plot(positions, siloed["helped"] * 100, marker="o", color=COLOURS["A"], label="siloed")
        if joined is not None:
            right.plot(positions, joined["helped"] * 100, marker="o", color=COLOURS["B"], label="integrated")
        right.set_xticks(positions, bands)
        right.set_title("Share of households helped at all (%)", loc="left")
        right.legend(loc="upper left", frameon=False)
    else:
        bins = np.linspace(needs.problem_line, 1.0, 15)
        right.hist(first_s, bins=bins, alpha=0.6, color=COLOURS["A"], label="siloed")
        right.hist(first_j, bins=bins, alpha=0.6, color=COLOURS["B"], label="integrated")
        right.axvline(needs.acute_line, color="#b2182b", linestyle=":")
        right.set_xticks([needs.problem_line, (needs.problem_line + needs.acute_line) / 2, needs.acute_line, 1.0],
                         ["a problem", "serious", "acute", "worst"])
        right.set_title("How bad the worst need was when help first came (households)", loc="left")
        right.legend(loc="upper left", frameon=False)
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
POSITIONS = {
    CUT_NODE: (0.2, 0.0), THRESHOLDS: (-1.0, 1.0), WAIT: (0.5, 1.3), CRISES: (1.8, 0.6), CRISIS_SPEND: (1.8, -0.6),
    PREVENTION: (0.5, -1.3), NEEDS: (-0.6, -1.1), WAITING: (-1.4, -0.2),
}


MEASURES = {"threshold": "eligibility thresholds", "waiting": "waiting lists", "crises": "crises",
            "crisis": "crisis spend", "prevention": "prevention spend", "needs": "households in need (complex or crisis)"}

#: How the story switches the vicious cycle off, to see what it adds (loop knockout, as in
#: Ford's behavioural approach to loop dominance, System Dynamics Review 1999): crisis
#: spend above its forecast no longer eats prevention in the year, which breaks R's
#: in-year link from crisis spend to prevention. The knockout is partial, and the story
#: says so: an agency that carries its outturn over still repays a year's over-spend from
#: prevention first the next year. Every other rule, the cut itself included, runs.
LOOP_OFF = {"finance.overrun_from_prevention": []}


def yearly_loop_measures(results) -> pd.DataFrame:
    """Per year, the quantities of the causal loop diagram that the model records:
    budget, mean eligibility threshold, mean weekly waiting list, prevention and crisis
    spend, crises, and households in the complex or crisis tier (weekly mean)."""
    agencies = results.agencies[results.agencies["agency"] != POOL]
    ledger = results.ledger[results.ledger["agency"] != POOL].groupby("year")
    levels = weekly_means(results.steps, ["waiting", "tier_complex", "tier_crisis"], "year")
    return pd.DataFrame({
        "budget": ledger["budget"].sum(),
        "threshold": weekly_means(agencies, ["threshold"], "year")["threshold"],
        "waiting": levels["waiting"],
        "prevention": ledger["spend_prevention"].sum(),
        "crisis": ledger["spend_crisis"].sum(),
        "crises": results.steps.groupby("year")["crises"].sum(),
        "needs": levels["tier_complex"] + levels["tier_crisis"],
    })


def loop_contribution(cut: pd.DataFrame, loop_off: pd.DataFrame, no_cut: pd.DataFrame) -> pd.DataFrame:
    """What the vicious cycle adds to the cut's effect, year by year.

    The cut's effect on a quantity X in year t is X_cut(t) / X_no_cut(t) - 1 (the same place,
    seed and households, so the cut is the only difference); with the loop switched off
    (LOOP_OFF) it is X_off(t) / X_no_cut(t) - 1. The loop's contribution is the difference:
    the part of the cut's effect that comes round through crisis spend eating prevention,
    rather than straight from the cut. Returns per year the two effects and the
    contribution, for every quantity of the diagram the model records."""
    with_loop = cut[list(MEASURES)] / no_cut[list(MEASURES)] - 1
    without = loop_off[list(MEASURES)] / no_cut[list(MEASURES)] - 1
    return pd.concat({"effect": with_loop, "effect_loop_off": without, "loop": with_loop - without}, axis=1)


@functools.lru_cache(maxsize=8)
def cuts_by_year(seed: int, place: str, households: int, years: int) -> pd.DataFrame:
    """Per year, with the cut, with the cut and the vicious cycle switched off, and without
    the cut, the loop's quantities (yearly_loop_measures); then the cut's effects and what
    the loop adds (loop_contribution: "effect", "effect_loop_off", "loop")."""
    common = {"population.households": households, "run.years": years, "run.seed": seed, "regime.kind": "siloed"}
    cut = {"budget.cut": CUT, "budget.cut_years": CUT_YEARS}
    runs = {label: yearly_loop_measures(run(place, {**common, **overrides}))
            for label, overrides in (("cut", cut), ("loop_off", {**cut, **LOOP_OFF}), ("no_cut", {"budget.cut": 0.0}))}
    return pd.concat([pd.concat(runs, axis=1), loop_contribution(runs["cut"], runs["loop_off"], runs["no_cut"])], axis=1)


def eaten(table: pd.DataFrame, year: int) -> float:
    """Points of prevention spend the vicious cycle took that year beyond the cut's own
    saving (crisis bills above forecast paid from prevention); 0 when it took none."""
    return max(0.0, -100 * table.loc[year, ("loop", "prevention")])


def loop_sentence(table: pd.DataFrame, year: int) -> str:
    """The cut's effect on prevention and crises this year, run as the model runs and with
    the vicious cycle switched off, in words."""
    part = {name: [100 * table.loc[year, (kind, name)] for kind in ("effect", "effect_loop_off", "loop")]
            for name in ("prevention", "crises")}
    (prevention, prevention_off, _), (crises, crises_off, crises_loop) = part["prevention"], part["crises"]
    took = eaten(table, year)
    said = (f"Prevention spend is {_percent_words(prevention)} the same place without the cut "
            f"({_percent_words(prevention_off)} it with crisis bills kept from taking prevention in the year: "
            + (f"in-year, they ate a further {took:.1f} points of it). " if took >= 0.05
               else "in-year, they took no more of it than that). ")
            + f"Crises are {_percent_words(crises)} it ({_percent_words(crises_off)} with that route switched off). ")
    return said + (f"One seed: a difference of {abs(crises_loop):.1f} points in crises can be chance; the validation "
                   "report gives the cut's effect over ten seeds.")


def _percent_words(points: float) -> str:
    return "level with" if abs(points) < 0.05 else f"{abs(points):.1f}% {'above' if points > 0 else 'below'}"


def cuts_frames(seed: int = WORKSHOP_SEED, sizes: dict = SIZES) -> list[Frame]:
    table = cuts_by_year(seed, sizes["place"], sizes["households"], sizes["cut_years"])
    frames = []
    start = table[("no_cut", "budget")].iloc[0]
    place = sizes["place"].capitalize()
    for year in table.index:
        row, calm = table.loc[year, "cut"], table.loc[year, "no_cut"]
        frames.append(Frame(
            f"{place}, year {year}: budgets {1 - row['budget'] / start:.0%} below where they started",
            cut_lead(row, calm) + "\n\n"
            f"Waiting lists {row['waiting']:,.0f} (without the cut {calm['waiting']:,.0f}). Prevention spend "
            f"{money(row['prevention'])} (without the cut {money(calm['prevention'])}); crisis spend "
            f"{money(row['crisis'])} (without {money(calm['crisis'])}); {plural(row['crises'], 'crisis', 'crises')} "
            f"(without {calm['crises']:,.0f}).\n\n" + loop_sentence(table, year),
            functools.partial(cuts_figure, table, year)))
    last = table.index.max()
    frames.append(Frame(f"{place}: what the vicious cycle did", cuts_moral(table, last),
                        functools.partial(cuts_figure, table, last)))
    return asked_and_answered(frames, cuts_question(table, last))


def cut_lead(row: pd.Series, calm: pd.Series) -> str:
    """A year of the cut in one short line: prevention and crises against the uncut place."""
    def against(value: float, without: float) -> str:
        change = value / without - 1 if without else 0.0
        return "level with" if abs(change) < 0.005 else f"{abs(change):.0%} {'below' if change < 0 else 'above'}"
    return (f"Prevention spend {against(row['prevention'], calm['prevention'])} the place without the cut; "
            f"crises {against(row['crises'], calm['crises'])} it.")


CRISIS_MOVES = ("well up: more than 5% more", "a little up: up to 5% more", "level, or down")


def cuts_question(table: pd.DataFrame, year: int) -> Question:
    """Where crises end up after the cut, against the same place without it."""
    crises = 100 * table.loc[year, ("effect", "crises")]
    answer = CRISIS_MOVES[0 if crises > 5 else 1 if crises > 0.05 else 2]
    return Question(f"After {plural(year, 'year')} of the cut, crises against the same place without it will be...",
                    CRISIS_MOVES, answer, f"crises {_percent_words(crises)} where they would have been")


def cuts_moral(table: pd.DataFrame, year: int) -> str:
    """The story's moral in one sentence, from its own runs (both runs' crises said, no
    more claimed for the loop than they show)."""
    prevention, crises, crises_off = (100 * table.loc[year, (kind, name)] for kind, name in
                                      (("effect", "prevention"), ("effect", "crises"), ("effect_loop_off", "crises")))
    took = eaten(table, year)
    turned = f"{took:.1f} points of it eaten by crisis bills" if took >= 0.05 else "none of it eaten by crisis bills"
    return (f"**The moral:** prevention ended {_percent_words(prevention)} ({turned}), crises "
            f"{_percent_words(crises).replace('level with', 'level')}.\n\n"
            f"By year {year}, against the same place without the cut; crises "
            f"{_percent_words(crises_off).replace('level with', 'level')} with that route switched off.")


def loop_diagram(axis, running: bool, title: str) -> None:
    """The causal loop diagram (only links the model implements), with R's links drawn
    heavy when the vicious cycle turned that year (crisis bills ate prevention)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(POSITIONS)
    for edges in LOOP_EDGES.values():
        graph.add_edges_from((source, target, {"sign": sign}) for source, target, sign in edges)
    heavy = [(s, t) for s, t, _ in LOOP_EDGES["R"]] if running else []
    light = [edge for edge in graph.edges if edge not in heavy]
    colour = "#b2182b" if running else "#444444"
    style = {"ax": axis, "node_size": 1100, "connectionstyle": "arc3,rad=0.15"}  # (arrows stop at the boxes' edge)
    nx.draw_networkx_labels(graph, POSITIONS, ax=axis, font_size=SMALL,
                            bbox={"boxstyle": "round,pad=0.3", "facecolor": "#f0f0f0", "edgecolor": "#444444"})
    nx.draw_networkx_edges(graph, POSITIONS, edgelist=light, edge_color="#bbbbbb", width=1.5, arrowsize=14, **style)
    nx.draw_networkx_edges(graph, POSITIONS, edgelist=heavy, edge_color=colour, width=4, arrowsize=22, **style)
    signs = {edge: "\u2212" if sign == "-" else "+" for edge, sign in nx.get_edge_attributes(graph, "sign").items()}
    nx.draw_networkx_edge_labels(graph, POSITIONS, edge_labels=signs, font_size=15, font_weight="bold", rotate=False,
                                 ax=axis, connectionstyle="arc3,rad=0.15", bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    axis.set_title(title, fontsize=FONT, color=colour)
    axis.set_xlim(-1.95, 2.35)  # room for the outer boxes' words
    axis.set_ylim(-1.7, 1.7)
    axis.set_axis_off()


def cuts_figure(table: pd.DataFrame, year: int) -> Figure:
    """The loop diagram, R heavy when it turned that year; beside it, the cut's effect on
    crises and on prevention spend year by year, with the vicious cycle running and
    switched off: the gap between each pair is what the loop adds."""
    figure = _figure()
    diagram, lines = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
    took = eaten(table, year)
    loop_diagram(diagram, took >= 0.05, f"R, the vicious cycle:\ncrisis bills ate {took:.1f} points\nof prevention"
                 if took >= 0.05 else "R, the vicious cycle:\nno prevention eaten in-year\nbeyond the cut's own saving")
    shown = table.loc[:year]
    for name, colour in (("crises", "#f46d43"), ("prevention", "#66bd63")):
        lines.plot(shown.index, 100 * shown[("effect", name)], "-o", color=colour, linewidth=2.5,
                   label=f"{MEASURES[name]}, as run")
        lines.plot(shown.index, 100 * shown[("effect_loop_off", name)], "--", marker="o", markerfacecolor="white",
                   color=colour, linewidth=2, label=f"{MEASURES[name]}, in-year route switched off")
    lines.axhline(0, color="#888888", linewidth=1)
    lines.set_xlim(0.5, table.index.max() + 0.5)
    values = [100 * table[(part, name)].to_numpy() for part in ("effect", "effect_loop_off") for name in ("crises", "prevention")]
    values = np.concatenate(values)
    lines.set_ylim(min(values.min(), 0) - 3, max(values.max(), 0) + 3)
    lines.set_xticks(list(table.index))
    lines.set_xlabel("year")
    lines.set_ylabel("% against no cut")
    handles = [Line2D([], [], color=c, linewidth=2.5, label=n) for n, c in (("crises", "#f46d43"), ("prevention", "#66bd63"))]
    handles += [Line2D([], [], color="#444444", linewidth=2.5, label="loop running"),
                Line2D([], [], color="#444444", linewidth=2, linestyle="--", label="loop switched off")]
    figure.legend(handles=handles, loc="lower center", ncol=4, frameon=False, handlelength=1.6, columnspacing=1.0)
    lines.set_title("What the cut did", loc="left")
    figure.set_layout_engine("tight", rect=(0, 0.07, 1, 1))
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
    place = comparison.a.scenario.place.name
    limits = pocket_limits(comparison, years)
    frames = [Frame(f"Who saves in {place}: {years_upto(year)}", pocket_caption(comparison, year),
                    functools.partial(pocket_figure, comparison, year, limits))
              for year in years]
    key_workers = comparison.b.ledger.loc[comparison.b.ledger["agency"] == POOL, "spend"].sum()
    whole = pocket_upto(comparison, years[-1])
    frames.append(Frame(
        f"The wrong pocket in {place}",
        pocket_moral(whole, comparison.spend_change_by_year(), key_workers),
        functools.partial(pocket_figure, comparison, years[-1], limits)))
    return asked_and_answered(frames, pocket_question(whole, len(years)))


PAYS_MORE = ("yes: at least one agency pays more than it saves", "no: every agency saves more than it pays")


def pocket_question(pocket: pd.DataFrame, years: int) -> Question:
    """Whether any agency comes out paying over the run: the wrong-pocket question."""
    agencies = pocket[pocket["agency"] != POOL]
    payers = agencies[agencies["net_change"] > NO_CHANGE].sort_values("net_change", ascending=False)
    said = (f"{and_list(list(payers['label']))} {'pays' if len(payers) == 1 else 'pay'} more than "
            f"{'it saves' if len(payers) == 1 else 'they save'}" if len(payers) else "every agency saves")
    return Question(f"Over {plural(years, 'year')} of key workers paid from a pooled budget: does any agency pay more "
                    "than it saves?", PAYS_MORE, PAYS_MORE[0 if len(payers) else 1], said)


def years_upto(year: int) -> str:
    """Years 1 to `year` in words: "year 1" alone, else "years 1 to 3"."""
    return "year 1" if year == 1 else f"years 1 to {year}"


#: Net changes smaller than this (£) are no change, as in the comparison's verdicts.
NO_CHANGE = 0.5


def pocket_moral(pocket: pd.DataFrame, by_year: pd.DataFrame, key_workers: float) -> str:
    """The story's last word, as this run's numbers have it. `pocket` is the wrong pocket
    over the run (Comparison.wrong_pocket), `by_year` each agency's net change year by
    year (Comparison.spend_change_by_year), `key_workers` what the pool spent on them.
    Agencies that pay more than they save over the run are named. When every agency
    saves, as the chart beside it then shows, it says so and points to where the wrong
    pocket still shows: single years in which an agency paid more, and agencies that paid
    into the pool but avoided no crisis spend, so saved only on their own services."""
    agencies = pocket[pocket["agency"] != POOL]
    labels = dict(zip(agencies["agency"], agencies["label"]))
    years = list(by_year.columns)
    span = "the year" if len(years) == 1 else f"the {len(years)} years"
    text = (f"Key workers cost {money(key_workers)}, paid from a pool the agencies put "
            f"{money(agencies['put_in_pool'].sum())} into. ")
    avoided = agencies[agencies["crisis_change"] < -NO_CHANGE].sort_values("crisis_change")
    if len(avoided):
        text += "The crises they avoided saved most for " + and_list(
            [f"{row.label} ({money(-row.crisis_change)})" for row in avoided.head(2).itertuples()]) + ". "
    else:
        text += "They avoided no crisis spend. "
    payers = agencies[agencies["net_change"] > NO_CHANGE].sort_values("net_change", ascending=False)
    if len(payers):
        one = len(payers) == 1
        named = and_list([f"{row.label} ({money(row.net_change)} more)" for row in payers.itertuples()])
        shown = list(payers["label"][:LEAD_NAMES]) + ([f"{len(payers) - LEAD_NAMES} more"] if len(payers) > LEAD_NAMES else [])
        lead = (f"**The moral:** payers are not savers: {and_list(shown)} "
                f"{'pays' if one else 'pay'} more than {'it saves' if one else 'they save'}.")
        return lead + "\n\n" + text + (f"Over {span} {named} {'pays' if one else 'pay'} more than {'it saves' if one else 'they save'}: "
                       "those who pay for prevention are not all those who save, so on "
                       f"{'its own budget it' if one else 'their own budgets they'} would not invest.")
    text += (f"Over {span} every agency saves more than it put into the pool, so the wrong pocket does not show in "
             "the totals.")
    losses = by_year.loc[by_year.index.isin(labels)]
    years_lost = []
    for year in years:
        lost = losses[year][losses[year] > NO_CHANGE].sort_values(ascending=False)
        if len(lost):
            years_lost.append(f"in year {year} " + and_list([f"{labels[agency]} paid {money(change)} more"
                                                              for agency, change in lost.items()]))
    if years_lost:
        text += (" It shows in single years: " + "; ".join(years_lost) + ", so an agency judging the pool on one "
                 "year's budget would have seen a loss.")
    services_only = agencies[(agencies["put_in_pool"] > NO_CHANGE) & (agencies["crisis_change"] >= -NO_CHANGE)]
    if len(services_only):
        one = len(services_only) == 1
        text += (f" It shows in who pays in: {and_list(list(services_only['label']))} put "
                 f"{money(services_only['put_in_pool'].sum())} into the pool and avoided no crisis spend; "
                 f"{'it saves' if one else 'they save'} only on {'its' if one else 'their'} own services, where the "
                 "key workers took on some of the work.")
    if not years_lost and services_only.empty:
        text += (" No agency paid more in any single year, and every one that paid in avoided crisis spend: in this run "
                 "the pool pays its way for all of them.")
        lead = f"**The moral:** over {span} the pool pays its way for every agency: no wrong pocket in this run."
    else:
        lead = (f"**The moral:** over {span} every agency saves more than it put in; the wrong pocket shows only "
                + ("in single years and in who pays in." if years_lost and len(services_only) else
                   "in single years." if years_lost else "in who pays in."))
    return lead + "\n\n" + text


def pocket_caption(comparison: Comparison, year: int) -> str:
    pocket = pocket_upto(comparison, year)
    agencies = pocket[pocket["agency"] != POOL]
    savers = agencies[agencies["net_change"] < -NO_CHANGE].sort_values("net_change")
    payers = agencies[agencies["net_change"] > NO_CHANGE].sort_values("net_change", ascending=False)
    key_workers = comparison.b.ledger.query("agency == @POOL and year <= @year")["spend"].sum()
    lead = "; ".join(part for part in (
        f"{savers.iloc[0]['label']} saves most ({money(-savers.iloc[0]['net_change'])})" if len(savers) else "no agency saves yet",
        f"{payers.iloc[0]['label']} pays most ({money(payers.iloc[0]['net_change'])} more)" if len(payers) else ""
    ) if part) + "."
    lead = lead[0].upper() + lead[1:]
    parts = [f"{row.label} saves {money(-row.net_change)}" for row in savers.head(3).itertuples()]
    text = lead + "\n\n" + ("; ".join(parts) + "." if parts else "No agency saves yet.")
    if len(payers):
        text += " " + "; ".join(f"{row.label} pays {money(row.net_change)} more" for row in payers.head(2).itertuples()) + "."
    total = pocket["net_change"].sum()
    text += (f"\n\nThe agencies put {money(agencies['put_in_pool'].sum())} into the pool, which paid "
             f"{money(key_workers)} for key workers. Each agency's figure is net of what it put in. All together the "
             f"place {'saves' if total < 0 else 'spends'} {money(abs(total))} against siloed working.")
    return text


def pocket_limits(comparison: Comparison, years: list[int]) -> tuple[float, float]:
    """The £k range every year's bars fit in, so the axis stays put from frame to frame."""
    low = high = 0.0
    for year in years:
        pocket = pocket_upto(comparison, year)
        pocket = pocket[pocket["agency"] != POOL]
        left = np.minimum(pocket["crisis_change"], 0) + np.minimum(pocket["services_change"], 0)
        right = pocket["put_in_pool"] + np.maximum(pocket["crisis_change"], 0) + np.maximum(pocket["services_change"], 0)
        low = min(low, float(left.min()), float(pocket["net_change"].min()))
        high = max(high, float(right.max()), float(pocket["net_change"].max()))
    room = 0.05 * (high - low)
    return (low - room) / 1e3, (high + room) / 1e3


def pocket_figure(comparison: Comparison, year: int, limits: tuple[float, float] | None = None) -> Figure:
    pocket = pocket_upto(comparison, year)
    agencies = pocket[pocket["agency"] != POOL]
    figure = _figure()
    axis = figure.subplots()
    rows = np.arange(len(agencies))
    # each part stacked on its side of 0: what it costs to the right (pool, crisis spend up, more services),
    # what it saves to the left (crisis spend avoided, fewer services), so no part hides another
    put = agencies["put_in_pool"].to_numpy() / 1e3
    crisis = agencies["crisis_change"].to_numpy() / 1e3
    services = agencies["services_change"].to_numpy() / 1e3
    axis.barh(rows, put, color="#d73027", alpha=0.8, label="into the pool")
    axis.barh(rows, np.maximum(crisis, 0), left=put, color="#fdae61", label="crisis spend up")
    axis.barh(rows, np.minimum(crisis, 0), color="#1a9850", label="crisis spend avoided")
    axis.barh(rows, services, left=np.where(services < 0, np.minimum(crisis, 0), put + np.maximum(crisis, 0)),
              color="#a6d96a", label="its own services")
    axis.scatter(agencies["net_change"] / 1e3, rows, marker="D", color="black", zorder=3, label="net")
    axis.axvline(0, color="black", linewidth=1)
    axis.set_yticks(rows, [SHORT.get(label, label) for label in agencies["label"]])
    axis.invert_yaxis()
    figure.legend(*axis.get_legend_handles_labels(), loc="lower center", ncol=3, frameon=False, columnspacing=1.0,
                  handletextpad=0.4)
    if limits is not None:
        axis.set_xlim(*limits)
    axis.set_xlabel("£k against siloed: left of 0 saves, right pays")
    axis.set_title(f"Who pays and who saves, {years_upto(year)}", loc="left")
    figure.set_layout_engine("tight", rect=(0, 0.13, 1, 1))
    return figure


STORIES = [
    Story("family", "One family, many agencies", family_frames),
    Story("need", "The worse the problem, the more gets done", need_frames),
    Story("cuts", "The vicious cycle", cuts_frames),
    Story("pocket", "Who saves", pocket_frames),
]


def build_story(key: str, seed: int = WORKSHOP_SEED, sizes: dict | None = None) -> list[Frame]:
    story = next(s for s in STORIES if s.key == key)
    return story.build(seed, sizes or SIZES)
