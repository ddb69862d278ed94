"""The Locality app: set the levers, run A against B on the same households, and see
demand, crises, households by tier, money, and who pays and who saves. Beside it, on
their own pages: workshop mode for trainers (/workshop) and a live view of one run (/model).

    .venv/bin/locality app          (or: solara run viz/app.py)
"""

from __future__ import annotations

import solara
import solara.lab

from experiments.runner import Comparison, RunStopped, run
from parameters.loader import (
    ScenarioError,
    builtin_scenarios,
    load_scenario,
    source_for,
)
from viz.charts import ALL_CHARTS
from viz.exports import figure_png, levers_toml, read_levers, weekly_csv, yearly_csv
from viz.model_view import ModelView
from viz.workshop import Workshop

APP_HOUSEHOLDS = 10_000  # the app starts places at this size (or smaller) so a comparison takes seconds
REGIMES = ["siloed", "integrated"]

scenario = solara.reactive("thanet")
households = solara.reactive(APP_HOUSEHOLDS)
years = solara.reactive(5)
seed = solara.reactive(42)
regime_a = solara.reactive("siloed")
regime_b = solara.reactive("integrated")
budget_cut = solara.reactive(0.0)
cut_years = solara.reactive(4)
caseload = solara.reactive(6)
auto_keyworkers = solara.reactive(True)
keyworkers = solara.reactive(20)
pooled_share = solara.reactive(0.05)
shift = solara.reactive(0.0)
shift_start = solara.reactive(2)
growth = solara.reactive(0.035)
problem = solara.reactive("")


def common_overrides() -> dict:
    """Everything A and B share, as the dotted keys the command line and sweeps use."""
    return {
        "population.households": households.value,
        "run.years": years.value,
        "run.seed": seed.value,
        "budget.cut": budget_cut.value,
        "budget.cut_years": cut_years.value,
        "keyworkers.caseload": caseload.value,
        "keyworkers.count": "auto" if auto_keyworkers.value else keyworkers.value,
        "regime.integrated_pooled_share": pooled_share.value,
        "early_intervention.shift": shift.value,
        "early_intervention.start_year": shift_start.value,
        "demand.growth": growth.value,
    }


@solara.lab.task
def comparison_task(place: str, common: dict, a_kind: str, b_kind: str) -> Comparison:
    """A then B, in a thread; stops between weeks when the task is cancelled or replaced."""
    def still_wanted(done: int, total: int, share: float = 0.0) -> bool:
        percent = int(100 * (share + done / total / 2))
        if percent != comparison_task.progress:  # each change redraws the page: at most 100 a run
            comparison_task.progress = percent
        return comparison_task.is_current()

    a = run(place, {**common, "regime.kind": a_kind}, on_week=lambda d, t: still_wanted(d, t, 0.0))
    b = run(place, {**common, "regime.kind": b_kind}, on_week=lambda d, t: still_wanted(d, t, 0.5))
    return Comparison(a=a, b=b, a_label=f"regime.kind={a_kind}", b_label=f"regime.kind={b_kind}")


def start_comparison() -> None:
    """Check every value first (the same named errors as the command line), then run."""
    common = common_overrides()
    try:
        for kind in {regime_a.value, regime_b.value}:
            load_scenario(scenario.value, {**common, "regime.kind": kind})
    except ScenarioError as error:
        problem.value = str(error)
        return
    problem.value = ""
    comparison_task(scenario.value, common, regime_a.value, regime_b.value)


LEVERS = {
    "population.households": households, "run.years": years, "run.seed": seed, "budget.cut": budget_cut,
    "budget.cut_years": cut_years, "keyworkers.caseload": caseload, "regime.integrated_pooled_share": pooled_share,
    "early_intervention.shift": shift, "early_intervention.start_year": shift_start, "demand.growth": growth,
}


def load_levers(file) -> None:
    """Set every lever from a saved file, or say what is wrong with it and change nothing."""
    try:
        place, a_kind, b_kind, overrides = read_levers(file["data"].decode("utf-8"))
    except (ScenarioError, UnicodeDecodeError) as error:
        problem.value = f"Could not load {file['name']}: {error}"
        return
    problem.value = ""
    scenario.value, regime_a.value, regime_b.value = place, a_kind, b_kind
    for key, value in overrides.items():
        if key == "keyworkers.count":
            auto_keyworkers.value = value == "auto"
            if value != "auto":
                keyworkers.value = value
        elif key in LEVERS:
            LEVERS[key].value = value


def choose_scenario(name: str) -> None:
    scenario.value = name
    households.value = min(APP_HOUSEHOLDS, load_scenario(name).population.households)


@solara.component
def Levers():
    spec = load_scenario(scenario.value)
    solara.Select("Place", values=list(builtin_scenarios()), value=scenario.value, on_value=choose_scenario)
    solara.InputInt(f"Households (the place has {spec.population.households:,}; budgets scale with it)", value=households)
    solara.SliderInt(f"Years: {years.value}", value=years, min=1, max=15)
    solara.InputInt("Seed (the same seed gives the same households in A and B)", value=seed)
    solara.Select("Regime A", values=REGIMES, value=regime_a)
    solara.Select("Regime B", values=REGIMES, value=regime_b)
    solara.SliderFloat(f"Budget cut: {budget_cut.value:.0%}", value=budget_cut, min=0.0, max=0.6, step=0.02)
    solara.SliderInt(f"... reached over {cut_years.value} years", value=cut_years, min=1, max=10)
    solara.SliderInt(f"Caseload: {caseload.value} families per key worker", value=caseload, min=1, max=15)
    solara.Switch(label="Key workers: as many as the pool buys", value=auto_keyworkers)
    if not auto_keyworkers.value:
        solara.InputInt("Key workers", value=keyworkers)
    solara.SliderFloat(f"Pooled (integrated): {pooled_share.value:.0%} of budgets", value=pooled_share, min=0.0, max=0.3, step=0.01)
    solara.SliderFloat(f"Early-intervention shift: {shift.value:.0%}", value=shift, min=0.0, max=0.4, step=0.02)
    solara.SliderInt(f"... from year {shift_start.value}", value=shift_start, min=1, max=10)
    solara.SliderFloat(f"Demand growth: {growth.value:.1%} a year", value=growth, min=0.0, max=0.1, step=0.005)
    solara.FileDownload(lambda: levers_toml(scenario.value, regime_a.value, regime_b.value, common_overrides()),
                        filename="locality-levers.toml", label="Save these levers")
    solara.FileDrop(label="Drop a saved levers file here to load it", on_file=load_levers, lazy=False)
    with solara.Details("Where the defaults come from"):
        for key in ("keyworkers.caseload", "budget.cut_years", "demand.growth", "regime.integrated_pooled_share"):
            solara.Markdown(f"**{key}**: {source_for(spec, key)}")


@solara.component
def Results():
    task = comparison_task
    if problem.value:
        solara.Error(problem.value)
    if task.pending:
        solara.ProgressLinear(value=task.progress or True)
        solara.Button("Stop", on_click=task.cancel, color="error", outlined=True)
    elif task.error:
        if not isinstance(task.exception, RunStopped):
            solara.Error(f"The run failed: {task.exception}")
        else:
            solara.Info("Stopped.")
    comparison = task.value if not task.pending else None
    figures = solara.use_memo(lambda: {t: chart(comparison) for t, chart in ALL_CHARTS.items()} if comparison else {},
                              dependencies=[comparison])
    if comparison is not None:
        spec = comparison.a.scenario
        solara.Markdown(f"**{spec.place.name}**, {spec.population.households:,} households, {spec.run.years} years, "
                        f"seed {spec.run.seed}: A is {comparison.a_label}, B is {comparison.b_label}.")
        with solara.lab.Tabs():
            for title, figure in figures.items():
                with solara.lab.Tab(title):
                    solara.FigureMatplotlib(figure, format="png")
                    solara.FileDownload(lambda figure=figure: figure_png(figure), label=f"{title} as PNG",
                                        filename=f"locality-{title.lower().replace(' ', '-').replace(',', '')}.png",
                                        mime_type="image/png")
        with solara.Row():
            solara.FileDownload(lambda: yearly_csv(comparison), filename="locality-yearly.csv",
                                label="Yearly results as CSV", mime_type="text/csv")
            solara.FileDownload(lambda: weekly_csv(comparison), filename="locality-weekly.csv",
                                label="Weekly results as CSV", mime_type="text/csv")


@solara.component
def Page():
    solara.Title("Locality")
    with solara.Sidebar():
        Levers()
    with solara.Column():
        solara.Markdown("## Locality: siloed against integrated, under cuts")
        solara.Button("Run A and B", on_click=start_comparison, color="primary", disabled=comparison_task.pending)
        Results()


# The pages, as tabs in the app bar: `solara run viz/app.py` serves them at /, /workshop, /model.
routes = [
    solara.Route(path="/", component=Page, label="Compare A and B"),
    solara.Route(path="workshop", component=Workshop, label="Workshop"),
    solara.Route(path="model", component=ModelView, label="Model view"),
]
