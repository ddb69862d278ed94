"""The Locality app: set the levers, run A against B on the same households, and see
demand, crises, households by tier, money, and who pays and who saves. Beside it, on
their own pages: workshop mode for trainers (/workshop) and a live view of one run (/model).

    .venv/bin/locality app          (or: solara run viz/app.py)
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from typing import get_args

import ipywidgets as widgets
import solara
import solara.lab

from locality.experiments import standing_worker
from locality.experiments.paired import PairedComparison, compare_paired, first_seed
from locality.experiments.posterior import left_at_own
from locality.experiments.runner import Comparison, RunStopped, run
from locality.parameters.levers import entry_bounds, lever, place_defaults, value_at
from locality.parameters.loader import ScenarioError, builtin_scenarios, load_scenario
from locality.parameters.schema import RegimeKind
from locality.viz.charts import ALL_CHARTS, band_chart, who_pays_range_chart
from locality.viz.handout import as_html, command_for, pdf_bytes, sections
from locality.viz.exports import Described, figure_png, levers_toml, read_levers, weekly_csv, who_pays_csv, yearly_csv
from locality.viz.model_view import ModelView
from locality.viz.options import Options, option_name
from locality.viz.workshop import Workshop
from locality.viz.game import GamePage

APP_HOUSEHOLDS = 10_000  # the app starts places at this size (or smaller) so a comparison takes seconds
REGIMES = list(get_args(RegimeKind))
DEFAULT_PLACE = "thanet"
SLIDER, TYPED, AUTO_OR_TYPED = "slider", "typed", "auto or typed"
TYPED_AFTER_AUTO = 20  # the number first offered when "auto" is switched off (key workers: a team of 20)
#: Seeds the verdict's ranges are worked out on, after the first seed's charts are shown (that
#: seed's pair is not run again): an assumption of what a strategist waits for (Thanet at 10,000
#: households, 5 years: charts 3.3 s and the verdict 11.2 s after Run on two cores, as the browser
#: test measured on 3 December 2026; a cashable share above 0 runs a policy's business-as-usual
#: twin too, about doubling its time); more seeds, narrower ranges.
APP_REPS = 5


@dataclass(frozen=True)
class Shared:
    """How the sidebar offers one lever that A and B share. Its label, unit, kind of
    number and bounds are the schema's (`parameters.levers.lever`): only what is the
    app's own is here."""

    key: str
    widget: str = SLIDER  # SLIDER, TYPED, or AUTO_OR_TYPED ("auto" by a switch, else a number typed)
    step: float | None = None  # a slider's step between fractions (a whole-number slider steps by 1)
    high: float | None = None  # a slider's end short of the schema's, its travel spent on the values people try
    note: str = ""  # said after the label; {own} is the place's own figure
    start_at_most: int | None = None  # a place's own value above this starts the app at this

    def start(self, own):
        """Where the app starts this lever, from the place's own value."""
        return own if self.start_at_most is None else min(own, self.start_at_most)


#: The levers A and B share, in the sidebar's order.
SHARED_LEVERS = [
    Shared("population.households", TYPED, note="the place has {own:,}; budgets scale with it",
           start_at_most=APP_HOUSEHOLDS),
    Shared("run.years"),
    Shared("run.seed", TYPED, note="the master seed, as in locality compare: A and B meet the same households"),
    Shared("budget.cut", step=0.02),
    Shared("budget.cut_years"),
    Shared("keyworkers.caseload", high=15),
    Shared("keyworkers.count", AUTO_OR_TYPED, note="as many as the pool buys"),
    Shared("regime.pooled_share", step=0.01, high=0.3),
    Shared("early_intervention.shift", step=0.02, high=0.4),
    Shared("early_intervention.start_year"),
    Shared("finance.cashable_share", step=0.05, note="of crisis spend avoided; Greater Manchester cashed about 0.49"),
    # typed, not a slider: a slider would round the place's own (calibrated) figure to its step
    Shared("demand.growth", TYPED, note="a fraction: 0.03 is 3%; below 0, demand falls"),
    Shared("demography.household_growth", TYPED, note="a fraction: 0.0084 is 0.84% a year; budgets stay in cash"),
]


def scenario_levers(name: str) -> dict:
    """The place's own value for every shared lever, as dotted keys (households capped
    at APP_HOUSEHOLDS so that a comparison takes seconds)."""
    own = place_defaults(name, [shared.key for shared in SHARED_LEVERS])
    return {shared.key: shared.start(own[shared.key][0]) for shared in SHARED_LEVERS}


# Every lever starts at the default place's own value (reactive defaults are what each
# new browser session starts from, so they are set here, not changed after).
scenario = solara.reactive(DEFAULT_PLACE)
shared_values = {key: solara.reactive(value) for key, value in scenario_levers(DEFAULT_PLACE).items()}
chart_tab = solara.reactive(0)  # the chart on show: only it is drawn
regime_a = solara.reactive("siloed")
regime_b = solara.reactive("integrated")
rerun_on_change = solara.reactive(True)
started_with = solara.reactive(())  # the levers of the last run started
kept = solara.reactive(None)  # the last comparison shown, kept on show after a run that failed
problem = solara.reactive("")
loaded = solara.reactive(None)  # (a number of its own, a levers file just read), for the page to apply
files_read = itertools.count(1)  # each file read is new to the page, though its levers equal the last one's
run_progress = solara.reactive(0)  # percent of A and B's weeks done
mistyped = solara.reactive({})  # field -> what is wrong with the text typed in it (not a number)
replications = solara.reactive(APP_REPS)  # seeds for the verdict's ranges (1: none)
on_posterior = solara.reactive(False)  # each seed of the ranges also on fitted parameters drawn from the posterior


def common_overrides() -> dict:
    """Everything A and B share, as the dotted keys the command line and sweeps use."""
    return {key: value.value for key, value in shared_values.items()}


# Per variant, the mixes between the regimes and the per-agency cuts, as dotted overrides
# on top of its regime.kind: only what the user set (blank or "as the regime" sets nothing).
AS_REGIME = "as the regime"
MIX_SWITCHES = {
    "regime.shared_risk": "Shared risk score finds families early",
    "regime.single_assessment": "One shared assessment",
    "regime.key_workers": "Key workers hold whole-family plans",
}
MIX_CHOICES = {
    "regime.rationing": ("When demand outruns capacity", ["threshold", "waiting_list"]),
    "regime.queue_order": ("Who is helped first", ["severity", "arrival"]),
}
mixes = {"A": solara.reactive({}), "B": solara.reactive({})}
kinds = {"A": regime_a, "B": regime_b}


def variant_overrides(variant: str) -> dict:
    """What makes A (or B) itself: its regime and whatever mixes and cuts were set for it."""
    return {"regime.kind": kinds[variant].value, **mixes[variant].value}


def set_mix(variant: str, key: str, value) -> None:
    mix = {k: v for k, v in mixes[variant].value.items() if k != key}
    if value is not None and value != AS_REGIME:
        mix[key] = value
    mixes[variant].value = mix


def variant_problem(variant: str) -> str:
    """The loader's named error for this variant's own levers, or "". (A problem with the
    shared levers is A's and B's alike: it is shown once, when Run is pressed.)"""
    common = {**common_overrides(), "regime.kind": kinds[variant].value}
    try:
        load_scenario(scenario.value, common)
    except ScenarioError:
        return ""
    try:
        load_scenario(scenario.value, {**common, **variant_overrides(variant)})
    except ScenarioError as error:
        return str(error)
    return ""


def describe(overrides: dict, place: str = DEFAULT_PLACE) -> str:
    """A variant in plain words: its regime, then whatever else it sets ("integrated;
    shared risk off, Police cut 20%"), agencies by the place's own names for them."""
    words = {True: "on", False: "off"}
    labels = {name: agency.label for name, agency in load_scenario(place).agencies.items()}
    extras = []
    for key, value in overrides.items():
        if key == "regime.kind":
            continue
        name = key.rsplit(".", 1)[1]
        agency = labels.get(name, name.replace("_", " "))
        if key.startswith("budget.agency_cut."):
            extras.append(f"{agency} cut {value:.0%}")
        elif key.startswith("budget.agency_cut_years."):
            extras.append(f"{agency} cut over {value} year{'s' if value != 1 else ''}")
        else:
            extras.append(f"{key.removeprefix('regime.').replace('_', ' ')} {words.get(value, value)}")
    kind = overrides.get("regime.kind", "")
    return kind + ("; " + ", ".join(extras) if extras else "")


@dataclass
class AppComparison(Comparison):
    """A comparison and the levers it was run with, to tell when the page is out of date."""

    levers: tuple = ()


def levers_now() -> tuple:
    return (scenario.value, tuple(common_overrides().items()), tuple(variant_overrides("A").items()),
            tuple(variant_overrides("B").items()))


@solara.lab.task
def comparison_task(place: str, common: dict, a: dict, b: dict) -> Comparison:
    """A on a worker thread and, where the machine has a second core, B at the same time
    in the standing worker process (two processes do not take turns for the GIL, as two
    threads would); else B after A. This task's thread watches them, shows their
    progress and stops them between weeks when the task is cancelled or replaced. Solara
    asks only the task's own thread whether the task is still wanted, so the runs read
    a flag that this thread sets. The seed typed is the master seed of the verdict's
    seeds: the charts are its first seed's (`first_seed`), as `locality compare`'s are,
    so the verdict need not run that pair again."""
    weeks_done, stop = [0.0, 0.0], threading.Event()  # fraction of A's and of B's weeks run
    levers = (place, tuple(common.items()), tuple(a.items()), tuple(b.items()))
    common = {**common, "run.seed": first_seed(common["run.seed"])}
    run_progress.value = 0

    def still_wanted(which: int, done: int, total: int) -> bool:
        weeks_done[which] = done / total
        return not stop.is_set()

    worker = standing_worker.shared()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="locality-app") as pool:
        run_a = pool.submit(run, place, {**common, **a}, on_week=partial(still_wanted, 0))
        remote_b = worker.submit(place, {**common, **b}) if worker is not None else None
        run_b = remote_b.future if remote_b else pool.submit(run, place, {**common, **b}, on_week=partial(still_wanted, 1))
        runs = [run_a, run_b]
        try:
            while not all(future.done() for future in runs):
                failed = any(future.done() and future.exception() is not None for future in runs)
                if failed or not comparison_task.is_current():
                    stop.set()  # replaced, cancelled, or the other run failed: stop at the next week
                    if remote_b:
                        remote_b.stop()
                if remote_b:
                    weeks_done[1] = remote_b.done
                percent = 5 * int(10 * sum(weeks_done))  # in steps of 5%: each step redraws the progress bar
                if percent != run_progress.value:
                    run_progress.value = percent
                wait(runs, timeout=0.1)
        except BaseException:
            keep_on_show()
            raise
        finally:
            if remote_b and not run_b.done():
                remote_b.stop()
        failures = [future.exception() for future in runs if future.exception() is not None]
        if failures:
            keep_on_show()
            # a real failure first: the other run only stopped because of it
            raise next((error for error in failures if not isinstance(error, RunStopped)), failures[0])
        a_run, b_run = (future.result() for future in runs)
    return AppComparison(a=a_run, b=b_run, a_label=describe(a, place), b_label=describe(b, place), levers=levers)


@solara.lab.task
def range_task(place: str, common: dict, a: dict, b: dict, reps: int, posterior: bool = False,
               shown: Comparison | None = None) -> PairedComparison:
    """A and B on `reps` seeds spawned from the run's seed, for the verdict and its ranges
    (run after the first seed's charts are shown, whose pair, `shown`, is not run again;
    stopped when the levers change); with `posterior`, each seed also on fitted
    parameters drawn from the place's calibration (and the charts' pair is run again on its draw)."""
    seed = common["run.seed"]
    given = left_at_own(place, common) if posterior else common  # a draw may vary what is at the place's own
    found = compare_paired(place, a=a, b=b, common=given, reps=reps, master_seed=seed, workers=2,
                           wanted=range_task.is_current, posterior=posterior, first=None if posterior else shown)
    found.a_label, found.b_label = describe(a, place), describe(b, place)
    found.levers = (place, tuple(common.items()), tuple(a.items()), tuple(b.items()), reps, posterior)
    return found


def current_ranges(comparison: Comparison) -> PairedComparison | None:
    """The ranges worked out for the levers, seeds and draws of the comparison shown, if they are in."""
    found = range_task.latest
    wanted = (*getattr(comparison, "levers", ()), replications.value, on_posterior.value)
    return found if found is not None and found.levers == wanted else None


def start_range() -> None:
    """Once the charts shown are of the levers as they stand, work out their ranges (once)."""
    comparison = comparison_task.latest
    if comparison is None or comparison_task.pending or replications.value < 2:
        return
    if comparison.levers != levers_now():
        return
    if range_task.pending or current_ranges(comparison) is not None:
        return
    place, common, a, b = comparison.levers
    range_task(place, dict(common), dict(a), dict(b), replications.value, on_posterior.value, comparison)


def keep_on_show() -> None:
    """Solara forgets the last result when a task fails: keep it, to stay on show."""
    if comparison_task.latest is not None:
        kept.value = comparison_task.latest


def rerun_after_change() -> None:
    """After a lever changes: run again at once, if the user wants that and has run before
    (a run under way is replaced: it stops at its next week)."""
    ran_before = comparison_task.latest is not None or comparison_task.pending or kept.value is not None
    if not (rerun_on_change.value and ran_before):
        if problem.value:  # say at once whether the change put right what Run refused
            problem.value = levers_problem()
        return
    if levers_now() != started_with.value:
        start_comparison()
    else:
        problem.value = ""  # back to the levers of the run shown: whatever was wrong has been undone


def levers_problem() -> str:
    """What is wrong with the levers as they stand (the loader's named errors), or ""."""
    if mistyped.value:
        return "\n".join(mistyped.value.values())
    common = common_overrides()
    try:
        for variant in ("A", "B"):
            load_scenario(scenario.value, {**common, **variant_overrides(variant)})
    except ScenarioError as error:
        return str(error)
    return ""


def start_comparison() -> None:
    """Check every value first (the same named errors as the command line), then run."""
    problem.value = levers_problem()
    if problem.value:
        return
    started_with.value = levers_now()
    if range_task.pending:
        range_task.cancel()  # its ranges were of the levers before
    comparison_task(scenario.value, common_overrides(), variant_overrides("A"), variant_overrides("B"))


def load_levers(file) -> None:
    """Read a saved levers file, or say what is wrong with it and change nothing. The file
    drop calls this on a thread of its own, so the levers are set by the page, in
    `apply_loaded_levers`, all in one go."""
    try:
        loaded.value = (next(files_read), read_levers(file["data"].decode("utf-8")))
    except (ScenarioError, UnicodeDecodeError) as error:
        problem.value = f"Could not load {file['name']}: {error}"


def chosen_levers(files) -> None:
    """A levers file picked with the file chooser: read as a dropped one is."""
    if files:
        load_levers({"name": files[0]["name"], "data": bytes(files[0]["content"])})


def apply_loaded_levers() -> None:
    """Set every lever from the file just read (if any)."""
    if loaded.value is None:
        return
    _number, (place, a_kind, b_kind, overrides, a_mix, b_mix) = loaded.value
    loaded.value = None
    problem.value = ""
    scenario.value, regime_a.value, regime_b.value = place, a_kind, b_kind
    mixes["A"].value, mixes["B"].value = a_mix, b_mix
    set_levers(overrides)


def set_replications(seeds: int) -> None:
    """Seeds for the ranges, 1 to 100 (more would keep the machine busy for an hour)."""
    if not 1 <= seeds <= 100:
        mistyped.value = {**mistyped.value, "replications": f"seeds for the ranges = {seeds}: give 1 to 100 (5 to 20 is usual)"}
        return
    replications.value = seeds


def set_levers(values: dict) -> None:
    for key, value in values.items():
        if key in shared_values:
            shared_values[key].value = value


def choose_scenario(name: str, keep_changes: bool = True) -> None:
    """A new place brings its own defaults (their sources are shown below) for every lever
    the user has left at the old place's own; a lever the user changed keeps their value
    (unless `keep_changes` is False: every lever back to the place's own)."""
    before, own = scenario_levers(scenario.value), scenario_levers(name)
    changed = {key: value.value for key, value in shared_values.items() if value.value != before[key]} if keep_changes else {}
    scenario.value = name
    set_levers({**own, **changed})


def place_names() -> dict[str, str]:
    """Each built-in place's name as people say it, by its id."""
    return {key: load_scenario(key).place.name for key in builtin_scenarios()}


def default_sources(name: str) -> list[tuple[str, str, str]]:
    """(lever, the place's default, its source) for the regimes and every shared lever."""
    own = place_defaults(name, ["regime", *(shared.key for shared in SHARED_LEVERS)])
    rows = [("Regimes", "A siloed, B integrated",
             own["regime"][1] or "model setting: the comparison the model is built for (DESIGN.md)")]
    for shared in SHARED_LEVERS:
        value, source = own[shared.key]
        said = lever(shared.key).amount(value)
        if shared.start(value) != value:
            said += f" (the app starts at {lever(shared.key).amount(shared.start(value))})"
        rows.append((lever(shared.key).label, said, source or "model setting: no figure in the sources"))
    return rows


@solara.component
def NumberField(label: str, key: str, number, on_number, whole: bool = True, optional: bool = False,
                share: bool = False, low: float | None = None, high: float | None = None):
    """A number typed in. Text that is not a number, or a number outside `low` to `high`,
    is named at the field (like the loader's errors) and kept in `mistyped`, so that Run
    refuses it rather than running the last good value; a number is passed to `on_number`
    (blank is None, if optional). A share may be typed as a percentage ("3%" is 0.03)."""
    text, set_text = solara.use_state("" if number is None else str(number))

    def show_number() -> None:  # the lever was set: by this field, a place chosen or a file loaded
        set_text("" if number is None else str(number))
        if key in mistyped.value:
            mistyped.value = {k: v for k, v in mistyped.value.items() if k != key}

    solara.use_effect(show_number, [number])

    def typed(new: str | None) -> None:
        new = (new or "").strip()
        set_text(new)
        others = {k: v for k, v in mistyped.value.items() if k != key}
        percent = share and new.endswith("%")
        try:
            plain = new.removesuffix("%").strip() if percent else new
            value = None if optional and not new else (int if whole else float)(plain.replace(",", "").replace("_", ""))
            value = value / 100 if percent and value is not None else value
        except ValueError:
            kind = ("a whole number, e.g. 10000" if whole else
                    "a fraction or a percentage, e.g. 0.2 or 20%" if share else "a number, e.g. 0.2")
            mistyped.value = {**others, key: f"{key} = {new!r} is not a number: type {kind}"
                              + (", or leave it blank" if optional else "")}
            return
        if value is not None and ((low is not None and value < low) or (high is not None and value > high)):
            shown = (lambda x: f"{x:.0%}") if share else (lambda x: f"{x:,g}")
            mistyped.value = {**others, key: f"{key} = {new}: give {shown(low)} to {shown(high)}" if low is not None
                              and high is not None else f"{key} = {new}: give at least {shown(low)}" if low is not None
                              else f"{key} = {new}: give at most {shown(high)}"}
            return
        mistyped.value = others
        on_number(value)

    solara.InputText(label, value=text, on_value=typed, error=mistyped.value.get(key, False))


@solara.component
def Levers():
    spec = load_scenario(scenario.value)
    names = place_names()
    ids = {name: key for key, name in names.items()}
    solara.Select("Place", values=list(names.values()), value=names[scenario.value],
                  on_value=lambda name: choose_scenario(ids[name]))
    solara.Text(f"{spec.place.description} (levers you changed stay as you set them when the place changes)",
                style={"font-size": "0.85em"})
    solara.Select("Regime A", values=REGIMES, value=regime_a)
    solara.Select("Regime B", values=REGIMES, value=regime_b)
    for shared in SHARED_LEVERS:
        SharedLever(shared, value_at(spec, shared.key))
    NumberField("Seeds for the verdict's ranges (1: none; A and B are run on each)", "replications",
                replications.value, set_replications)
    solara.Switch(label="...and on each seed, fitted parameters drawn from the place's calibration (the ranges then "
                        "hold what the published rates leave uncertain too)", value=on_posterior)
    for variant in ("A", "B"):
        with solara.Details(f"Regime {variant}: mixes and cuts by agency"):
            VariantLevers(variant)
    solara.FileDownload(lambda: levers_toml(scenario.value, regime_a.value, regime_b.value, common_overrides(),
                                            mixes["A"].value, mixes["B"].value),
                        filename="locality-levers.toml", label="Save these levers")
    with solara.Row(style={"align-items": "center"}):
        widgets.FileUpload.element(accept=".toml", multiple=False, description="Load levers", on_value=chosen_levers)
        solara.FileDrop(label="or drop a saved levers file here", on_file=load_levers, lazy=False)
    with solara.Details("Where the defaults come from"):
        solara.Markdown(f"The defaults are {spec.place.name}'s own (picking a place brings them for every lever "
                        "you have not changed):\n\n"
                        + "\n".join(f"- **{label}**: {value}. *{source}*" for label, value, source in default_sources(scenario.value)))
        solara.Button("Back to the place's own levers", text=True,
                      on_click=lambda: choose_scenario(scenario.value, keep_changes=False))


@solara.component
def SharedLever(shared: Shared, own):
    """One shared lever's widget: a slider says its value in its unit, a typed fraction
    says it as a percentage; `own` is the place's own value, for the note."""
    about, value = lever(shared.key), shared_values[shared.key]
    note = f" ({shared.note.format(own=own)})" if shared.note else ""
    if shared.widget == SLIDER:
        limits = about.narrowed(high=shared.high)
        whole = about.kind is int
        # a value loaded from a file may lie past the slider's usual travel: the travel stretches to it, for the
        # slider would otherwise show its end while the runs use the value
        LiveSlider(label=about.label, note=note, value=value.value, min=min(limits.low, value.value),
                   max=max(limits.high, value.value),
                   step=1 if whole else shared.step, percent=about.is_share, after=about.after_number,
                   event_moved=lambda moved: value.set(int(moved) if whole else float(moved)))
    elif shared.widget == TYPED:
        said = f": {about.amount(value.value)}" if about.is_share else ""
        NumberField(f"{about.label}{said}{note}", shared.key, value.value, value.set, whole=about.kind is int,
                    share=about.is_share, low=about.low, high=about.high)
    else:
        AutoOrTyped(shared)


@solara.component_vue("live_slider.vue")
def LiveSlider(label: str, note: str, value: float, event_moved, min: float, max: float, step: float, percent: bool,
               after: str):
    """A slider that says its value in the browser as the thumb moves ("Budget cut: 28%",
    on the label and the thumb alike), where Solara's own slider waits for the server to
    redraw its label. The value reaches the server as an event when the thumb is let go,
    and comes back as a one-way `value`. (With Solara's two-way slider, a drag then a key
    pressed at once left the server on a value the thumb had passed, 6% where the page
    showed 0%: an update for the earlier move was taken for the user's. The browser shows
    the value chosen until the server sends it back: see live_slider.vue.)"""


@solara.component
def AutoOrTyped(shared: Shared):
    """"auto" by a switch, else a number typed in. The number is kept while the switch is
    on, for switching back."""
    about, value = lever(shared.key), shared_values[shared.key]
    kept_number, keep_number = solara.use_state(TYPED_AFTER_AUTO if value.value == "auto" else value.value)

    def switched(auto: bool) -> None:
        if auto:
            keep_number(value.value)
        value.set("auto" if auto else kept_number)

    solara.Switch(label=f"{about.label}: {shared.note}", value=value.value == "auto", on_value=switched)
    if value.value != "auto":
        NumberField(about.label, shared.key, value.value, value.set, whole=about.kind is int, low=about.low, high=about.high)


@solara.component
def VariantLevers(variant: str):
    """The mixes between siloed and integrated, and a cut per agency, for A or B. A bad
    value shows the loader's named error here at once; nothing runs until it is fixed."""
    mix = mixes[variant].value
    for key, label in MIX_SWITCHES.items():
        shown = AS_REGIME if key not in mix else ("on" if mix[key] else "off")
        solara.Select(label, values=[AS_REGIME, "on", "off"], value=shown,
                      on_value=lambda choice, key=key: set_mix(variant, key, None if choice == AS_REGIME else choice == "on"))
    for key, (label, values) in MIX_CHOICES.items():
        solara.Select(label, values=[AS_REGIME, *values], value=mix.get(key, AS_REGIME),
                      on_value=lambda choice, key=key: set_mix(variant, key, choice))
    pool = lever("regime.pooled_share")
    NumberField(f"{pool.label}, {pool.low:g} to {pool.high:g} (blank: the shared lever's)", f"{variant}: {pool.key}",
                mix.get(pool.key), lambda share: set_mix(variant, pool.key, share), whole=False, optional=True,
                share=True, low=pool.low, high=pool.high)
    solara.Text("Cut by agency, 0 to 1, and the years over which it is reached (blank: the common cut, "
                "over the common years)")
    (cut_low, cut_high), (years_low, years_high) = entry_bounds("budget.agency_cut"), entry_bounds("budget.agency_cut_years")
    for name, agency in load_scenario(scenario.value).agencies.items():
        cut, years = f"budget.agency_cut.{name}", f"budget.agency_cut_years.{name}"
        with solara.Row():
            NumberField(f"{agency.label}: cut", f"{variant}: {cut}", mix.get(cut),
                        lambda value, key=cut: set_mix(variant, key, value), whole=False, optional=True,
                        share=True, low=cut_low, high=cut_high)
            NumberField("over years", f"{variant}: {years}", mix.get(years),
                        lambda value, key=years: set_mix(variant, key, value), optional=True, low=years_low, high=years_high)
    problem_here = variant_problem(variant)
    if problem_here:
        solara.Error(problem_here)


@solara.component
def Results():
    task = comparison_task
    if problem.value:
        solara.Error(problem.value)
    comparison = task.latest if task.latest is not None else kept.value
    stopped = not task.pending and (task.cancelled or (task.error and isinstance(task.exception, RunStopped)))
    failed = not task.pending and task.error and not isinstance(task.exception, RunStopped)
    if task.pending:
        Progress()
    elif failed:
        solara.Error(f"The run failed: {task.exception}")
    if stopped or (failed and comparison is not None):
        solara.Info(" ".join((["Stopped."] if stopped else [])
                             + (["The charts below are from the last run that finished."] if comparison is not None else [])))
    figures = solara.use_memo(dict, dependencies=[comparison])  # each chart, drawn when its tab is first shown
    if comparison is None:
        if not task.pending:
            solara.Info("Set the levers in the sidebar, then press Run A and B. After the first run, the charts "
                        "redraw by themselves whenever a lever changes.")
        return
    spec = comparison.a.scenario
    stale = getattr(comparison, "levers", None) != levers_now()
    if task.pending:
        solara.Warning("Showing the last run while the new one runs.")
    elif stale and rerun_on_change.value and not problem.value and not (task.cancelled or task.error):
        solara.Info("The levers have changed: the charts redraw in a moment.")
    elif stale:
        solara.Warning("The levers have changed since these charts were drawn: press Run A and B to redraw them.")
    with solara.Column(style={"opacity": "0.55" if task.pending or stale else "1"}):
        Verdict(comparison)
        described = described_of(comparison)
        first, *rest = described.lines()
        solara.Markdown(f"**{first}**. " + ". ".join(rest[:2]) + f"; {spec.keyworkers.caseload} families per key worker.")
        ranged = current_ranges(comparison)
        with solara.Column(classes=["locality-charts"]), solara.lab.Tabs(value=chart_tab, lazy=True):
            for title in ALL_CHARTS:
                with solara.lab.Tab(title):
                    Chart(comparison, title, figures, described)
            if ranged is not None:
                with solara.lab.Tab(RANGES):
                    RangeCharts(ranged, described)
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.FileDownload(lambda: yearly_csv(comparison, described), filename=described.filename("yearly", "csv"),
                                label="Yearly results as CSV", mime_type="text/csv")
            solara.FileDownload(lambda: weekly_csv(comparison, described), filename=described.filename("weekly", "csv"),
                                label="Weekly results as CSV", mime_type="text/csv")
            if ranged is not None:
                over = Described(described.place, described.levers, described.a_label, described.b_label,
                                 tuple(ranged.seeds), posterior=ranged.draws is not None)
                solara.FileDownload(lambda: who_pays_csv(ranged, over), filename=over.filename("who-pays", "csv"),
                                    label="Who pays, with ranges, as CSV", mime_type="text/csv")
                solara.FileDownload(lambda: as_html(report_of(ranged)), filename=over.filename("report", "html"),
                                    label="Report (HTML)", mime_type="text/html")
                solara.FileDownload(lambda: pdf_bytes(report_of(ranged)), filename=over.filename("report", "pdf"),
                                    label="Report (PDF)", mime_type="application/pdf")
    Options(pin_candidate, replications.value, on_posterior.value)


def pin_candidate(variant: str) -> tuple[str, str, dict] | str:
    """A or B as it stands in the sidebar, to pin as an option: the place, the option's
    name in words and every lever it sets; or what is wrong with the levers."""
    wrong = levers_problem()
    if wrong:
        return wrong
    common = common_overrides()
    name = option_name(scenario.value, describe(variant_overrides(variant), scenario.value), common)
    return scenario.value, name, {**common, **variant_overrides(variant)}


@solara.component
def Verdict(comparison: Comparison):
    """The answer in words, over several seeds, above the charts (which are one seed's)."""
    # (and when a range run ends: the seeds may have changed while it ran, and want another)
    solara.use_effect(start_range, dependencies=[comparison, replications.value, on_posterior.value, range_task.pending])
    if replications.value < 2:
        solara.Warning("These charts are one seed: one draw of chance, with no range. Set the seeds for the "
                       "ranges to 5 or more to see how far the answer moves between seeds.")
        return
    found = current_ranges(comparison)
    if range_task.pending:
        shown = (f"seed {comparison.a.scenario.run.seed} with the place's own parameters" if on_posterior.value
                 else f"the first of them, seed {comparison.a.scenario.run.seed}")
        solara.Info(f"Working out the ranges on {replications.value} seeds (the charts below are {shown}, shown "
                    f"meanwhile)...")
    elif range_task.error and not isinstance(range_task.exception, RunStopped):
        solara.Error(f"The ranges could not be worked out: {range_task.exception}")
    if found is not None:
        lines = found.verdict()
        with solara.Card("The answer, over several seeds"):
            solara.Markdown(lines[0] + "\n\n" + "\n".join(f"- {line}" for line in lines[1:]))


@solara.component
def Progress():
    """How far A and B have got, and Stop. Progress is a reactive value of its own (not
    the task's), read only here, so that each step redraws only this: the task's own
    progress would redraw everything that reads the task, the page included."""
    with solara.Row(style={"align-items": "center"}):
        solara.Text(f"Running A and B: {run_progress.value}%")
        solara.Button("Stop", on_click=comparison_task.cancel, color="error", outlined=True)
    solara.ProgressLinear(value=run_progress.value or True)


RANGES = "Over the seeds"  # the tab of charts with bands, once the ranges are in


@solara.component
def RangeCharts(paired: PairedComparison, described: Described):
    """The yearly measures with their 95% bands, and who pays with intervals, over the seeds."""
    figures = solara.use_memo(lambda: (band_chart(paired), who_pays_range_chart(paired)), dependencies=[paired])
    over = Described(described.place, described.levers, described.a_label, described.b_label, tuple(paired.seeds),
                     posterior=paired.draws is not None)
    for figure, what in zip(figures, ("bands", "who-pays-ranges")):
        solara.FigureMatplotlib(figure, format="png")
        solara.FileDownload(lambda figure=figure: figure_png(figure, over), label=f"{what.replace('-', ' ')} as PNG",
                            filename=over.filename(what, "png"), mime_type="image/png")


def report_of(paired: PairedComparison) -> list:
    """The report of the ranges shown: what `locality report` writes for the same levers."""
    place, common, a, b, reps, posterior = paired.levers
    return sections(paired, place, dict(common), command_for(place, dict(a), dict(b), dict(common), reps, posterior))


def described_of(comparison: Comparison) -> Described:
    """What a comparison is of, for its summary line and its exports."""
    place, common, _a, _b = getattr(comparison, "levers", None) or (DEFAULT_PLACE, (), (), ())
    return Described(place, dict(common), comparison.a_label, comparison.b_label, (comparison.a.scenario.run.seed,))


@solara.component
def Chart(comparison: Comparison, title: str, figures: dict, described: Described):
    """One chart of a comparison, with its PNG download. Only the tab on show is drawn
    (turning a figure into a PNG is most of a redraw's time); a figure once drawn is
    kept in `figures` until the next comparison."""
    if title not in figures:
        figures[title] = ALL_CHARTS[title](comparison)
    figure = figures[title]
    solara.FigureMatplotlib(figure, format="png")
    solara.FileDownload(lambda: figure_png(figure, described), label=f"{title} as PNG",
                        filename=described.filename(title.lower().replace(' ', '-').replace(',', ''), "png"),
                        mime_type="image/png")


@solara.component
def RunButton():
    """Run A and B, disabled while they run. A component of its own, so that a run
    starting or ending redraws the button and the results, not the whole page."""
    solara.Button("Run A and B", on_click=start_comparison, color="primary", disabled=comparison_task.pending)


#: Solara's sidebar (Vuetify 2) is as wide as its widest content, up to 600 px: a long error
#: or label stretched it over the charts. Hold it at 400 px and wrap what is long instead.
#: The chart tabs wrap onto a second row rather than scroll out of sight on a laptop screen.
LAYOUT = """
.v-navigation-drawer { width: 400px !important; min-width: 400px !important; max-width: 400px !important; }
.v-navigation-drawer .v-alert, .v-navigation-drawer .v-label, .v-navigation-drawer .v-messages { overflow-wrap: anywhere;
  white-space: normal; }
.locality-charts .v-tabs-bar { height: auto !important; }
.locality-charts .v-slide-group__wrapper { overflow: visible !important; contain: none !important; width: 100%; }
.locality-charts .v-slide-group__content { flex-wrap: wrap; flex: 1 1 100% !important; max-width: 100%; white-space: normal;
  transform: none !important; }
.locality-charts .v-slide-group__prev, .locality-charts .v-slide-group__next, .locality-charts .v-tabs-slider-wrapper {
  display: none !important; }
.locality-charts .v-tab { min-width: 0; padding: 0 12px; height: 40px; }
.locality-charts .v-tab--active { border-bottom: 2px solid currentColor; }
"""


@solara.component
def Page():
    solara.Title("Locality")
    solara.Style(LAYOUT)
    with solara.Sidebar():
        Levers()
    solara.use_effect(apply_loaded_levers, dependencies=[loaded.value])
    solara.use_effect(rerun_after_change, dependencies=[*levers_now(), rerun_on_change.value])
    with solara.Column():
        solara.Markdown("## Locality: siloed against integrated, under cuts")
        with solara.Row(style={"align-items": "center"}):
            RunButton()
            solara.Switch(label="Run again after each change", value=rerun_on_change)
        Results()


# The pages, as tabs in the app bar: `solara run viz/app.py` serves them at /, /workshop, /model.
routes = [
    solara.Route(path="/", component=Page, label="Compare A and B"),
    solara.Route(path="workshop", component=Workshop, label="Workshop"),
    solara.Route(path="game", component=GamePage, label="Agency game"),
    solara.Route(path="model", component=ModelView, label="Model view"),
]


def warm_up() -> None:
    """A tiny comparison and one chart, so the first Run does not also wait for the
    worker process to start, the compiled kernels to load from disk or matplotlib's
    first figure. It runs while the app is loaded, so the server answers once it is
    warm (a few seconds), and the first Run is as quick as any other."""
    tiny = {"population.households": 300, "run.years": 1, "run.warmup_weeks": 1}
    worker = standing_worker.shared()
    remote_b = worker.submit(DEFAULT_PLACE, {**tiny, "regime.kind": "integrated"}) if worker is not None else None
    a = run(DEFAULT_PLACE, {**tiny, "regime.kind": "siloed"})
    try:
        b = remote_b.future.result() if remote_b else run(DEFAULT_PLACE, {**tiny, "regime.kind": "integrated"})
    except RunStopped:  # a run already under way (the app reloaded) replaced it; the worker is warm
        b = a
    figure_png(next(iter(ALL_CHARTS.values()))(Comparison(a=a, b=b, a_label="", b_label="")))


warm_up()
