"""The model view: one run of the model, live, in Mesa's SolaraViz. Step or play it, five
weeks a draw, and watch households change tier (a grid, one cell per household, in the order
of their neighbourhoods), agencies' caseloads against the safe caseload of their workers, their
eligibility thresholds, and crises as they happen. The sidebar's settings make a new run
when Reset is pressed; a line above the charts says what the run on screen is.

    .venv/bin/locality app    then open http://127.0.0.1:8765/model
"""

from __future__ import annotations

import math
from typing import get_args

import numpy as np
import solara
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from locality.parameters.levers import lever
from locality.parameters.loader import load_scenario
from locality.parameters.schema import RegimeKind
from locality.parameters.vocabulary import TIERS
from locality.sim.model import LocalityModel
from locality.sim.state import SERVED, WAITING
from locality.viz.charts import TIER_COLOURS
from locality.viz.family_story import plural

PLACE = "sherwood"
SEED = 42
#: Weeks each Step (and each redraw while playing) moves the run on. Mesa's Render
#: Interval slider is fixed in SolaraViz at 1 to 100 in steps of 2, so it holds only odd
#: numbers, and the browser snaps any other start to one of them (4 ran as 5).
WEEKS_PER_DRAW = 5


class LiveModel(LocalityModel):
    """The Locality model as SolaraViz builds it: the place by name and the levers as
    keyword arguments. SolaraViz's Reset also passes Mesa's own `scenario` object, which
    Locality has no use for (its scenarios are its own files), so it is ignored here."""

    def __init__(self, place: str = PLACE, *, rng=SEED, scenario=None, **levers):
        super().__init__(place, rng=rng, overrides=levers)


def slider(key: str, value, step, low: float | None = None, high: float | None = None, note: str = "") -> dict:
    """SolaraViz's slider for a lever: its label and bounds the schema's, within this
    page's own limits (which may stop short of the schema's, never go past them)."""
    about = lever(key).narrowed(low, high)
    return {"type": "SliderInt" if about.kind is int else "SliderFloat", "value": value, "label": about.heading() + note,
            "min": about.low, "max": about.high, "step": step}


MODEL_PARAMS = {
    "place": PLACE,
    "rng": SEED,  # fixed, so Reset rebuilds the same households
    "run.years": 10,
    # this page's own limits, short of the schema's: 400 to 10,000 households keep a live run quick to step and its
    # grid readable; cuts to 60% and caseloads to 15 spend each slider's travel on the values people try
    "population.households": slider("population.households", 2800, step=200, low=400, high=10_000),
    "regime.kind": {"type": "Select", "value": "siloed", "values": list(get_args(RegimeKind)),
                    "label": lever("regime.kind").label},
    "budget.cut": slider("budget.cut", 0.0, step=0.02, high=0.6,
                         note=f" (reached over {plural(load_scenario(PLACE).budget.cut_years, 'year')})"),
    "keyworkers.caseload": slider("keyworkers.caseload", 6, step=1, high=15),
}


def initial_levers() -> dict:
    return {k: (v["value"] if isinstance(v, dict) else v) for k, v in MODEL_PARAMS.items()}


def tier_grid(model: LocalityModel) -> np.ndarray:
    """Households' tiers laid out in a near-square grid (row-major, neighbourhood order);
    cells past the last household are -1."""
    tiers = model.households.tier
    side = math.ceil(math.sqrt(tiers.size))
    grid = np.full(side * side, -1, np.int8)
    grid[: tiers.size] = tiers
    return grid.reshape(side, side)


def households_figure(model: LocalityModel) -> Figure:
    figure = Figure(figsize=(6.4, 4.6))
    axis = figure.subplots()
    colours = ListedColormap(["white", *TIER_COLOURS])
    axis.imshow(tier_grid(model) + 1, cmap=colours, vmin=-0.5, vmax=len(TIERS) + 0.5, interpolation="nearest")
    counts = np.bincount(model.households.tier, minlength=len(TIERS))
    axis.legend(handles=[Patch(color=colour, label=f"{tier} {count:,}") for tier, colour, count in zip(TIERS, TIER_COLOURS, counts)],
                loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="Households by tier", title_fontsize=8)
    axis.set_title(f"Week {model.week}: one cell per household, by neighbourhood", fontsize=9)
    axis.set_axis_off()
    figure.tight_layout()
    return figure


def agencies_figure(model: LocalityModel) -> Figure:
    """Each agency's open cases and waiting list against the cases its workers hold safely
    (key workers: the team's places), and its eligibility threshold."""
    h = model.households
    labels = [a.label for a in model.agency_list] + ["Key workers"]  # the services: agencies, then the team
    caseload = (h.status == SERVED).sum(axis=1).tolist()
    waiting = (h.status == WAITING).sum(axis=1).tolist()
    slots = [a.slots for a in model.agency_list] + [model.keyworkers.slots]
    figure = Figure(figsize=(7.6, 4.6))
    cases, thresholds = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [2.2, 1]})
    rows = np.arange(len(labels))
    cases.barh(rows, caseload, color="#4c72b0", label="open cases")
    cases.barh(rows, waiting, left=caseload, color="#f4a582", label="waiting")
    cases.scatter(slots, rows, marker="|", s=300, color="black", label="safe caseload of its workers")
    cases.set_yticks(rows, labels, fontsize=8)
    cases.invert_yaxis()
    cases.legend(fontsize=7, loc="lower right")
    cases.set_title("Caseloads and waiting lists", fontsize=9)
    now = [a.threshold for a in model.agency_list]
    start = [a.spec.threshold for a in model.agency_list]
    thresholds.barh(rows[:-1], now, color="#b2182b", alpha=0.7)
    thresholds.scatter(start, rows[:-1], marker="|", s=300, color="black")
    thresholds.set_xlim(0, 1)
    thresholds.set_title("Thresholds (|: where they began)", fontsize=9)
    figure.tight_layout()
    return figure


@solara.component
def Households(model):
    update_counter.get()  # redraw after every step
    solara.FigureMatplotlib(households_figure(model), format="png")


@solara.component
def Agencies(model):
    update_counter.get()
    solara.FigureMatplotlib(agencies_figure(model), format="png")


@solara.component
def Settings(model):
    """What the run on screen is, in words: SolaraViz's sliders do not show their values,
    and until Reset they may not be the run's."""
    update_counter.get()
    p = model.params
    solara.Markdown(f"This run: **{p.place.name}**, {p.population.households:,} households, {p.regime.kind}, budget "
                    f"cut {p.budget.cut:.0%} over {plural(p.budget.cut_years, 'year')}, "
                    f"{plural(p.keyworkers.caseload, 'family', 'families')} per key worker, seed {SEED}. Week "
                    f"{model.week} of {model.total_steps} (the sidebar's Time). Changes in the sidebar take effect "
                    "when you press Reset.")


COMPONENTS = [
    (Households, 0),
    (Agencies, 0),
    make_plot_component({"households_in_crisis_this_week": "#b2182b", "crises_this_week": "#4c72b0"}),
    make_plot_component({"referrals_this_week": "#66c2a5"}),
]


@solara.component
def ModelView():
    # One model per browser session (a module-level model would be shared by everyone),
    # held here rather than inside SolaraViz so the line above the charts follows Reset.
    first = solara.use_memo(lambda: LiveModel(**initial_levers()), dependencies=[])
    model = solara.use_reactive(first)
    with solara.Sidebar():
        solara.Info("Changes to the model parameters below take effect when you press Reset.")
    Settings(model.value)
    SolaraViz(model, components=COMPONENTS, model_params=MODEL_PARAMS, name="Locality: one run, week by week",
              play_interval=50, render_interval=WEEKS_PER_DRAW)

