"""Options side by side, in the app: pin A or B as it stands (up to four options), then run
them all on the same seeds (`compare_options`: on a seed every option meets the same
households), each measured against the first with its 95% interval. A pin keeps every
lever it was pinned with, so the sidebar can move on to the next option."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import solara
import solara.lab

from locality.experiments.markdown import markdown_table
from locality.experiments.paired import MAX_OPTIONS, PairedComparison, compare_options, options_table
from locality.experiments.posterior import left_at_own
from locality.experiments.runner import RunStopped
from locality.parameters.levers import changed_from_place
from locality.parameters.loader import load_scenario
from locality.viz.charts import options_chart
from locality.viz.exports import DescribedOptions, figure_png, options_csv

#: Every option must share these: options of different sizes or lengths are not comparable.
SCALE_KEYS = ("population.households", "run.years")
SEED_KEY = "run.seed"  # the first option's seed spawns the seeds every option is run on


@dataclass(frozen=True)
class Pin:
    """One option: its name, its place, and every lever it sets (the shared ones and its
    variant's own, `regime.kind` included), as (key, value) pairs."""

    name: str
    place: str
    levers: tuple


pins = solara.reactive(())  # the pinned options, in order: the first is what the others are measured against
pin_problem = solara.reactive("")  # why the last pin was refused, or ""


def option_name(place: str, variant_label: str, common: dict) -> str:
    """An option in words: its variant ("integrated; shared risk off") and each shared
    lever that differs from the place's own ("Budget cut: 28%")."""
    changed = [said for key, _value, said in changed_from_place(place, common) if key not in (*SCALE_KEYS, SEED_KEY)]
    return "; ".join([variant_label, *changed])


def pin(place: str, levers: dict, name: str) -> None:
    """Pin an option; or say why not (four pinned already, or the same levers pinned)."""
    held = pins.value
    if len(held) >= MAX_OPTIONS:
        pin_problem.value = f"{MAX_OPTIONS} options are pinned already: remove one to pin another."
        return
    for other in held:
        if other.place == place and dict(other.levers) == levers:
            pin_problem.value = f"These levers are pinned already, as option {held.index(other) + 1} ({other.name})."
            return
    taken = {other.name for other in held}
    unique, copy = name, 2
    while unique in taken:
        unique, copy = f"{name} ({copy})", copy + 1
    pin_problem.value = ""
    pins.value = (*held, Pin(unique, place, tuple(levers.items())))


def unpin(index: int) -> None:
    pins.value = tuple(held for i, held in enumerate(pins.value) if i != index)
    pin_problem.value = ""


def put_first(index: int) -> None:
    """Make this option the one the others are measured against."""
    held = list(pins.value)
    pins.value = (held.pop(index), *held)


def pins_problem(held: tuple[Pin, ...]) -> str:
    """Why these pins cannot be compared, or "": two or more are needed, of one place, at
    one size and length (the options are run on the same seeds, so they must meet the
    same households)."""
    if len(held) < 2:
        return "Pin two options or more (A or B as they stand, with the buttons above) to compare them."
    places = {held_pin.place for held_pin in held}
    if len(places) > 1:
        names = ", ".join(sorted(load_scenario(place).place.name for place in places))
        return f"The options are of different places ({names}): remove those not of one place."
    for key in SCALE_KEYS:
        values = {dict(held_pin.levers).get(key) for held_pin in held}
        if len(values) > 1:
            return (f"The options differ in {key} ({', '.join(sorted(map(str, values)))}): they must meet the same "
                    "households, so pin them all at one size and one length.")
    return ""


def comparison_inputs(held: tuple[Pin, ...]) -> tuple[str, dict, dict, int]:
    """What `compare_options` is given for these pins: the place, each option's own levers,
    what they share (size and length), and the first option's seed."""
    first = dict(held[0].levers)
    common = {key: first[key] for key in SCALE_KEYS if key in first}
    options = {held_pin.name: {key: value for key, value in held_pin.levers if key not in (*SCALE_KEYS, SEED_KEY)}
               for held_pin in held}
    return held[0].place, options, common, first.get(SEED_KEY)


@dataclass(frozen=True)
class ComparedOptions:
    """The options' comparisons (each after the first against the first), and the pins and
    seed count they were run with, to tell when they are out of date."""

    found: dict[str, PairedComparison]
    pinned: tuple
    reps: int
    posterior: bool = False


@solara.lab.task
def options_task(held: tuple, reps: int, posterior: bool = False) -> ComparedOptions:
    """Every pinned option on `reps` seeds (with `posterior`, each seed on a draw of fitted
    parameters too), in worker processes; stopped when replaced."""
    place, options, common, seed = comparison_inputs(held)
    if posterior:  # a draw may vary what an option leaves at the place's own (demand growth, say)
        options = {name: left_at_own(place, levers) for name, levers in options.items()}
    found = compare_options(place, options, common, reps=reps, master_seed=seed, workers=2,
                            wanted=options_task.is_current, posterior=posterior)
    return ComparedOptions(found, held, reps, posterior)


def current_result(reps: int, posterior: bool = False) -> ComparedOptions | None:
    """The comparison of the options pinned now on this many seeds (and draws), if it is in."""
    done = options_task.latest
    wanted = (pins.value, reps, posterior)
    return done if done is not None and (done.pinned, done.reps, done.posterior) == wanted else None


def pin_now(pick: Callable[[str], tuple[str, str, dict] | str], variant: str) -> None:
    """Pin A or B as the sidebar has it at the moment of the click (`pick` gives its place,
    name and levers, or what is wrong with the levers)."""
    picked = pick(variant)
    if isinstance(picked, str):
        pin_problem.value = f"Put the levers right before pinning: {picked}"
        return
    place, name, levers = picked
    pin(place, levers, name)


@solara.component
def Options(pick: Callable[[str], tuple[str, str, dict] | str], reps: int, posterior: bool = False):
    """Pin A or B (`pick`: a variant's place, name and every lever it sets, read when the
    button is pressed); the pinned options; and, once compared, their table, their
    verdicts against the first, a chart with bands and a CSV."""
    held = pins.value
    with solara.Card(f"Options side by side (up to {MAX_OPTIONS}, on the same seeds)"):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            for variant in ("A", "B"):
                solara.Button(f"Pin {variant} as an option", outlined=True, disabled=len(held) >= MAX_OPTIONS,
                              on_click=partial(pin_now, pick, variant))
        if pin_problem.value:
            solara.Warning(pin_problem.value)
        for index, held_pin in enumerate(held):
            with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
                against = " (the others are measured against it)" if index == 0 else ""
                solara.Text(f"{index + 1}. {held_pin.name}{against}")
                if index:
                    solara.Button("Put first", text=True, on_click=lambda index=index: put_first(index))
                solara.Button("Remove", text=True, on_click=lambda index=index: unpin(index))
        problem = pins_problem(held)
        if held and problem:
            solara.Info(problem)
        if problem:
            return
        solara.Button(f"Compare the {len(held)} options on {reps} seed{'s' if reps != 1 else ''}", color="primary",
                      disabled=options_task.pending, on_click=lambda: options_task(held, reps, posterior))
        if options_task.pending:
            solara.Info(f"Running {len(held)} options on {reps} seeds...")
            solara.ProgressLinear(True)
        elif options_task.error and not isinstance(options_task.exception, RunStopped):
            solara.Error(f"The options could not be compared: {options_task.exception}")
        result = current_result(reps, posterior)
        if result is None:
            if options_task.latest is not None and not options_task.pending:
                solara.Info("The pins, the seeds or the posterior switch have changed since the last comparison: "
                            "compare them again.")
            return
        ComparedTable(result)


def described_options(result: ComparedOptions) -> DescribedOptions:
    seeds = next(iter(result.found.values())).seeds
    return DescribedOptions(result.pinned[0].place, tuple((held.name, dict(held.levers)) for held in result.pinned),
                            tuple(seeds), posterior=result.posterior)


@solara.component
def ComparedTable(result: ComparedOptions):
    """The options compared: a table, each option's verdict against the first, the chart."""
    found, first = result.found, result.pinned[0].name
    described = described_options(result)
    solara.Markdown(f"Whole run, mean over {result.reps} seed{'s' if result.reps != 1 else ''}; in brackets the change "
                    f"against **{first}** [95% interval]; money in £m.")
    solara.Markdown(markdown_table(options_table(found)))
    for name, paired in found.items():
        first_line, *lines = paired.verdict()  # (the first line says which is A and which B)
        solara.Markdown(f"**{name}** against {first}. {first_line}\n\n" + "\n".join(f"- {line}" for line in lines))
    figure = solara.use_memo(lambda: options_chart(found), dependencies=[result])
    solara.FigureMatplotlib(figure, format="png")
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: options_csv(found, described), filename=described.filename("table", "csv"),
                            label="Options as CSV", mime_type="text/csv")
        solara.FileDownload(lambda: figure_png(figure, described), filename=described.filename("chart", "png"),
                            label="Options chart as PNG", mime_type="image/png")
