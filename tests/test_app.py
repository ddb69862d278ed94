"""The Solara app, tested with Solara's own renderer: press Run and the charts of both
regimes appear; a bad value shows the same named error as the command line, inline."""

import datetime
import time

import ipyvuetify as v
import ipywidgets as widgets
import pytest
import solara

from locality.experiments.paired import first_seed
from locality.parameters.levers import lever, value_at
from locality.viz import app, options
from locality.viz.charts import ALL_CHARTS

shared = app.shared_values  # each shared lever's value, by its dotted key


@pytest.fixture
def page():
    app.choose_scenario("thanet", keep_changes=False)
    app.rerun_on_change.set(True)
    shared["population.households"].set(600)
    shared["run.years"].set(1)
    shared["keyworkers.caseload"].set(6)
    app.problem.set("")
    app.replications.set(1)  # the verdict's ranges are tested on their own (test_the_verdict_...)
    shared["budget.cut"].set(0.0)
    app.chart_tab.set(0)
    for variant in ("A", "B"):
        app.mixes[variant].set({})
    options.pins.set(())
    options.pin_problem.set("")
    app.on_posterior.set(False)
    wait_until(lambda: not app.comparison_task.pending)  # the last test's run, if any, is over
    app.started_with.set(app.levers_now())  # the reset above is not a change to run again for
    _box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    yield rc
    rc.close()


def run_and_wait(rc):
    rc.find(v.Btn, children=["Run A and B"]).widget.click()
    wait_until(lambda: not app.comparison_task.pending and app.comparison_task.value is not None)
    rc.find(widgets.Image).wait_for(timeout=60)


def test_run_draws_every_chart_for_both_regimes(page):
    run_and_wait(page)
    assert len(page.find(widgets.Image).widgets) == 1  # only the chart on show is drawn
    for tab in range(1, len(ALL_CHARTS)):  # each tab, when shown, draws its chart
        before = page.find(widgets.Image).widget.value
        app.chart_tab.set(tab)
        wait_until(lambda before=before: [i.value for i in page.find(widgets.Image).widgets] not in ([], [before]),
                   seconds=30)
        assert len(page.find(widgets.Image).widgets) == 1
        assert page.find(widgets.Image).widget.value[:4] == b"\x89PNG"
    page.find(children=["Crises"]).assert_not_empty()
    summary = app.comparison_task.value
    assert summary.a.scenario.regime.kind == "siloed" and summary.b.scenario.regime.kind == "integrated"
    assert (summary.a_label, summary.b_label) == ("siloed", "integrated")
    assert summary.a.scenario.run.seed == summary.b.scenario.run.seed


def test_a_changed_lever_reaches_the_model(page):
    shared["keyworkers.caseload"].set(3)
    run_and_wait(page)
    assert app.comparison_task.value.b.scenario.keyworkers.caseload == 3


def test_a_bad_value_shows_the_named_error_and_no_traceback(page):
    shared["population.households"].set(0)
    page.find(v.Btn, children=["Run A and B"]).widget.click()
    alert = page.find(v.Alert, type="error").widget
    text = " ".join(str(child) for child in alert.children)
    assert "population.households" in text and "Traceback" not in text
    shared["population.households"].set(600)  # the app keeps working after the error
    run_and_wait(page)
    assert not app.problem.value


def test_results_and_levers_can_be_exported_and_loaded_back(page):
    from locality.viz.charts import crises_chart
    from locality.viz.exports import figure_png, levers_toml, read_levers, weekly_csv, yearly_csv

    run_and_wait(page)
    comparison = app.comparison_task.value
    assert figure_png(crises_chart(comparison))[:4] == b"\x89PNG"
    header = yearly_csv(comparison).splitlines()[0]
    assert header.startswith("year,") and "crises_A,crises_B,crises_difference" in header
    assert weekly_csv(comparison).count("\n") == 2 * 52 + 1
    labels = [w.children for w in page.find(v.Btn).widgets]
    assert any("Yearly results as CSV" in str(c) for c in labels)

    saved = levers_toml("sherwood", "siloed", "integrated", {**app.common_overrides(), "budget.cut": 0.3},
                        a={"budget.agency_cut.police": 0.2}, b={"regime.single_assessment": False})
    app.load_levers({"name": "mine.toml", "data": saved.encode()})  # read on the drop's thread, applied by the page
    # the page applies a loaded file when it next renders, which may wait for a render in
    # hand (the rerun after a change): the wait is generous for a loaded CI machine
    wait_until(lambda: app.scenario.value == "sherwood", seconds=60)
    assert shared["budget.cut"].value == 0.3 and not app.problem.value
    assert app.mixes["A"].value == {"budget.agency_cut.police": 0.2}
    assert app.mixes["B"].value == {"regime.single_assessment": False}
    assert read_levers(saved)[0] == "sherwood"
    # the same file picked with the file chooser, as a user does who cannot drag and drop
    app.choose_scenario("thanet", keep_changes=False)
    wait_until(lambda: app.scenario.value == "thanet", seconds=60)
    chooser = page.find(widgets.FileUpload, description="Load levers").widget
    chooser.value = ({"name": "mine.toml", "type": "", "size": len(saved), "last_modified": datetime.datetime.now(datetime.timezone.utc),
                      "content": memoryview(saved.encode())},)
    wait_until(lambda: app.scenario.value == "sherwood" and shared["budget.cut"].value == 0.3, seconds=60)


def test_a_bad_levers_file_is_refused_with_the_key_named(page):
    shared["budget.cut"].set(0.1)
    bad = 'place = "thanet"\nregime_a = "siloed"\nregime_b = "integrated"\n[overrides]\n"keyworkers.caseload" = 0\n'
    app.load_levers({"name": "bad.toml", "data": bad.encode()})
    assert "keyworkers.caseload" in app.problem.value
    assert shared["budget.cut"].value == 0.1  # nothing was changed


def type_into(rc, label: str, text: str, variant: str = "A") -> None:
    """Type into a text field of A's (or B's) levers and leave it, as a user does."""
    fields = [w for w in rc.find(v.TextField, label=label).widgets]
    field = fields[0 if variant == "A" else 1]
    field.v_model = text
    field.fire_event("focusout", None)


def test_a_per_agency_cut_and_a_regime_mix_reach_their_variant_only(page):
    type_into(page, "Police: cut", "0.2", "A")
    select = page.find(v.Select, label="One shared assessment").widgets[1]  # B's
    select.v_model = "off"
    run_and_wait(page)
    a, b = app.comparison_task.value.a.scenario, app.comparison_task.value.b.scenario
    assert a.budget.agency_cut == {"police": 0.2} and b.budget.agency_cut == {}
    switches = b.regime.switches()
    assert b.regime.kind == "integrated" and switches.single_assessment is False and switches.key_workers is True
    assert "Police cut 20%" in app.comparison_task.value.a_label


def test_a_bad_value_typed_in_a_variant_control_shows_the_named_error_at_the_field(page):
    type_into(page, "Police: cut", "1.5", "B")
    field = page.find(v.TextField, label="Police: cut").widgets[1]
    wait_until(lambda: "B: budget.agency_cut.police" in app.mistyped.value, seconds=60)
    assert "budget.agency_cut.police = 1.5: give 0% to 100%" in str(field.messages)
    page.find(v.Btn, children=["Run A and B"]).widget.click()  # refused, with the same error
    assert "budget.agency_cut.police" in app.problem.value and not app.comparison_task.pending
    type_into(page, "Police: cut", "25%", "B")  # fixed, as a percentage: the error goes and the app runs
    wait_until(lambda: not app.mistyped.value, seconds=60)
    assert not page.find(v.TextField, label="Police: cut").widgets[1].messages
    run_and_wait(page)
    assert app.comparison_task.value.b.scenario.budget.agency_cut == {"police": 0.25}


@pytest.mark.parametrize("typed, says", [
    ("-5", "population.households = -5: give"),
    ("100000000", "population.households = 100000000: give"),
    ("2500.5", "'2500.5' is not a number"),
])
def test_households_out_of_bounds_are_named_at_the_field_and_nothing_runs(page, typed, says):
    type_into(page, HOUSEHOLDS, typed)
    wait_until(lambda: "population.households" in app.mistyped.value, seconds=60)
    assert says in app.mistyped.value["population.households"]
    page.find(v.Btn, children=["Run A and B"]).widget.click()
    assert not app.comparison_task.pending and says in app.problem.value
    type_into(page, HOUSEHOLDS, "600")
    wait_until(lambda: not app.mistyped.value, seconds=60)


def test_growth_is_taken_as_a_percentage_and_out_of_bounds_growth_is_named():
    from locality.parameters.levers import lever

    assert lever("demand.growth").is_share
    kwargs = {"label": "g", "key": "demand.growth", "number": 0.02, "whole": False, "share": True,
              "low": lever("demand.growth").low, "high": lever("demand.growth").high}
    got = []
    _box, rc = solara.render(app.NumberField(**kwargs, on_number=got.append), handle_error=False)
    field = rc.find(v.TextField).widget
    for text in ("3%", "5"):
        field.v_model = text
        field.fire_event("focusout", None)
    assert got == [pytest.approx(0.03)]  # "3%" is 0.03; "5" (500%) is refused at the field
    assert "demand.growth = 5: give -50% to 100%" in str(rc.find(v.TextField).widget.messages)
    app.mistyped.set({})
    rc.close()


def wait_until(condition, seconds=180):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_after_a_run_each_change_redraws_without_pressing_run(page):
    run_and_wait(page)
    first = app.comparison_task.value
    shared["keyworkers.caseload"].set(4)  # no click: the page runs again by itself
    wait_until(lambda: not app.comparison_task.pending and app.comparison_task.value is not first
               and app.comparison_task.value.b.scenario.keyworkers.caseload == 4)
    app.rerun_on_change.set(False)
    shared["keyworkers.caseload"].set(5)  # switched off: no run with the new levers, and the charts say they are out of date

    def warned() -> bool:
        alerts = " ".join(str(w.children) for w in page.find(v.Alert).widgets)
        return "levers have changed" in alerts and not app.comparison_task.pending
    wait_until(warned, seconds=120)
    time.sleep(1)
    assert app.comparison_task.value.b.scenario.keyworkers.caseload != 5 and not app.comparison_task.pending


def test_a_bad_value_after_a_run_is_named_at_once_and_the_last_charts_stay(page):
    run_and_wait(page)
    shared["population.households"].set(0)  # rerun on change: checked at once, nothing runs
    wait_until(lambda: "population.households" in app.problem.value, seconds=60)
    assert not app.comparison_task.pending
    assert page.find(widgets.Image).widgets  # the last charts are still there
    shared["population.households"].set(600)  # back to the levers of the charts shown: the error goes
    wait_until(lambda: not app.problem.value, seconds=60)
    assert not app.comparison_task.pending


def test_a_place_brings_its_own_defaults_and_their_sources():
    from locality.parameters.loader import load_scenario

    app.choose_scenario("thanet", keep_changes=False)
    shared["budget.cut"].set(0.2)  # the user's own change
    app.choose_scenario("triborough")
    spec = load_scenario("triborough")
    assert shared["budget.cut"].value == 0.2  # kept
    shared["budget.cut"].set(value_at(spec, "budget.cut"))
    assert shared["population.households"].value == app.APP_HOUSEHOLDS < spec.population.households
    assert all(shared[key].value == value_at(spec, key) for key in shared if key != "population.households")
    sources = app.default_sources("triborough")
    assert {label for label, _, _ in sources} >= {lever(each.key).label for each in app.SHARED_LEVERS}
    assert all(source for _, _, source in sources)
    app.choose_scenario("thanet", keep_changes=False)


def test_variants_are_described_in_plain_words():
    assert app.describe({"regime.kind": "integrated", "regime.shared_risk": False, "budget.agency_cut.police": 0.2,
                         "budget.agency_cut.childrens_social_care": 0.3}, "thanet") == \
        "integrated; shared risk off, Police cut 20%, Children's social care cut 30%"


HOUSEHOLDS = "Households (the place has 59,000; budgets scale with it)"  # Thanet's


def test_text_that_is_not_a_number_is_named_and_refused_not_run_as_the_last_value(page):
    type_into(page, HOUSEHOLDS, "2000abc")
    wait_until(lambda: "population.households" in app.mistyped.value, seconds=60)
    page.find(v.Btn, children=["Run A and B"]).widget.click()
    assert "'2000abc' is not a number" in app.problem.value and not app.comparison_task.pending
    assert "Traceback" not in app.problem.value
    type_into(page, HOUSEHOLDS, "700")  # put right: it runs with what was typed
    wait_until(lambda: not app.mistyped.value and shared["population.households"].value == 700, seconds=60)
    run_and_wait(page)
    assert app.comparison_task.value.a.scenario.population.households == 700


def test_an_error_shown_without_rerunning_goes_when_the_value_is_put_right(page):
    app.rerun_on_change.set(False)  # as before a first run: nothing reruns by itself
    shared["run.seed"].set(-1)
    page.find(v.Btn, children=["Run A and B"]).widget.click()
    assert "run.seed" in app.problem.value
    shared["run.seed"].set(42)
    wait_until(lambda: not app.problem.value, seconds=60)


def test_a_long_run_can_be_stopped_and_says_so(page):
    shared["population.households"].set(20_000)
    shared["run.years"].set(15)
    page.find(v.Btn, children=["Run A and B"]).widget.click()
    wait_until(lambda: app.comparison_task.pending, seconds=60)
    page.find(v.Btn, children=["Stop"]).wait_for(timeout=60)
    page.find(v.Btn, children=["Stop"]).widget.click()
    wait_until(lambda: not app.comparison_task.pending, seconds=60)

    def says_stopped() -> bool:
        return any("Stopped." in str(w.children) for w in page.find(v.Alert).widgets)
    wait_until(says_stopped, seconds=60)
    shared["run.years"].set(1)


class DeadWorker:
    """A standing worker whose process dies under B's run."""

    def __init__(self):
        import threading

        from locality.experiments.standing_worker import SLOTS
        self._lock, self._owner, self._stopped, self._done = threading.Lock(), [-1] * SLOTS, [0] * SLOTS, [0.0] * SLOTS

    def submit(self, scenario, overrides):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        from locality.experiments.standing_worker import RemoteRun
        future = Future()
        future.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
        return RemoteRun(future, 0, self)


def test_a_run_that_fails_says_why_keeps_the_last_charts_and_runs_again_after_a_change(page, monkeypatch):
    run_and_wait(page)
    shown = app.comparison_task.value
    monkeypatch.setattr(app.standing_worker, "shared", DeadWorker)
    shared["keyworkers.caseload"].set(4)  # runs again by itself, and B's worker dies
    wait_until(lambda: not app.comparison_task.pending and app.comparison_task.error, seconds=60)
    alerts = lambda: " ".join(str(w.children) for w in page.find(v.Alert).widgets)
    wait_until(lambda: "The run failed" in alerts() and "terminated abruptly" in alerts(), seconds=60)
    assert "Stopped." not in alerts()  # A stopped only because B failed: the failure is what is said
    assert "last run that finished" in alerts() and page.find(widgets.Image).widgets  # the last charts stay
    assert app.kept.value is shown
    monkeypatch.undo()
    shared["keyworkers.caseload"].set(5)  # a change still runs again by itself
    wait_until(lambda: not app.comparison_task.pending and app.comparison_task.value is not None
               and app.comparison_task.value.b.scenario.keyworkers.caseload == 5, seconds=60)


def test_the_verdict_gives_ranges_over_seeds_after_the_first_charts(page):
    app.replications.set(3)
    run_and_wait(page)  # the first seed's charts come first
    wait_until(lambda: app.range_task.value is not None and not app.range_task.pending, seconds=240)
    found = app.range_task.value
    assert len(found.seeds) == 3 and found.levers[:4] == app.comparison_task.value.levers
    shown = app.comparison_task.value  # the charts are the first seed's, whose pair is not run again
    assert found.first is shown and shown.a.scenario.run.seed == found.seeds[0] == first_seed(dict(found.levers[1])["run.seed"])
    said = "\n".join(found.verdict())
    assert "Crises:" in said and "Spend:" in said and ("95% interval" in said or "within the noise" in said)
    page.find(children=["The answer, over several seeds"]).wait_for(timeout=30)
    wait_until(lambda: any("Report (PDF)" in str(b.children) for b in page.find(v.Btn).widgets), seconds=30)
    from locality.viz.handout import as_html, pdf_bytes

    app.chart_tab.set(len(ALL_CHARTS))  # the tab of bands over the seeds
    wait_until(lambda: len(page.find(widgets.Image).widgets) == 2, seconds=60)
    parts = app.report_of(found)
    assert pdf_bytes(parts)[:4] == b"%PDF" and found.verdict()[1] in as_html(parts)


def test_seeds_for_the_ranges_out_of_bounds_are_named_at_the_field(page):
    app.set_replications(0)
    assert "1 to 100" in app.mistyped.value["replications"] and app.replications.value == 1
    app.mistyped.set({})


def test_options_are_pinned_and_compared_side_by_side_on_the_same_seeds(page):
    run_and_wait(page)
    page.find(v.Btn, children=["Pin A as an option"]).widget.click()
    page.find(v.Btn, children=["Pin B as an option"]).widget.click()
    shared["budget.cut"].set(0.28)
    page.find(v.Btn, children=["Pin B as an option"]).wait_for(timeout=60)
    page.find(v.Btn, children=["Pin B as an option"]).widget.click()
    assert [pinned.name for pinned in options.pins.value] == ["siloed", "integrated", "integrated; Budget cut: 28%"]
    assert dict(options.pins.value[2].levers)["budget.cut"] == 0.28 and dict(options.pins.value[1].levers)["budget.cut"] == 0
    page.find(v.Btn, children=["Pin B as an option"]).widget.click()  # the same levers again
    assert len(options.pins.value) == 3 and "pinned already, as option 3" in options.pin_problem.value

    app.replications.set(2)
    page.find(v.Btn, children=["Compare the 3 options on 2 seeds"]).wait_for(timeout=60)
    page.find(v.Btn, children=["Compare the 3 options on 2 seeds"]).widget.click()
    wait_until(lambda: options.current_result(2) is not None, seconds=240)
    result = options.current_result(2)
    assert list(result.found) == ["integrated", "integrated; Budget cut: 28%"]
    assert all(paired.seeds == result.found["integrated"].seeds and len(paired.seeds) == 2 for paired in result.found.values())
    # a cut of 28% saves money against the uncut first option on both seeds: spend falls
    assert (result.found["integrated; Budget cut: 28%"].differences()["spend"] < 0).all()
    page.find(children=["Options side by side (up to 4, on the same seeds)"]).wait_for(timeout=30)
    wait_until(lambda: any("Options as CSV" in str(b.children) for b in page.find(v.Btn).widgets), seconds=60)
    table = options.options_table(result.found)
    assert list(table.index) == ["siloed", "integrated", "integrated; Budget cut: 28%"] and "[" in table.iloc[2, 1]
    described = options.described_options(result)
    csv = options_csv_of(result, described)
    assert csv.startswith("# Thanet") and "Option 3, integrated; Budget cut: 28%: Budget cut: 28%" in csv
    assert csv.count("\n") == len(described.lines()) + 1 + 3 * 4  # the header block, then 3 options x 4 measures

    options.put_first(2)
    assert options.pins.value[0].name == "integrated; Budget cut: 28%" and options.current_result(2) is None
    options.unpin(0)
    assert [pinned.name for pinned in options.pins.value] == ["siloed", "integrated"]


def options_csv_of(result, described):
    from locality.viz.exports import options_csv

    return options_csv(result.found, described)


def test_pins_are_refused_past_four_and_options_must_share_a_place_and_a_size():
    options.pins.set(())
    base = {"population.households": 600, "run.years": 1, "run.seed": 42}
    for cut in (0.0, 0.1, 0.2, 0.3):
        options.pin("thanet", {**base, "regime.kind": "integrated", "budget.cut": cut}, "integrated")
    assert [pinned.name for pinned in options.pins.value] == ["integrated", "integrated (2)", "integrated (3)", "integrated (4)"]
    options.pin("thanet", {**base, "budget.cut": 0.4}, "cut")
    assert len(options.pins.value) == 4 and "4 options are pinned already" in options.pin_problem.value
    assert options.pins_problem(options.pins.value) == ""
    place, chosen, common, seed = options.comparison_inputs(options.pins.value)
    assert place == "thanet" and common == {"population.households": 600, "run.years": 1} and seed == 42
    assert all("run.seed" not in levers and "population.households" not in levers for levers in chosen.values())

    options.unpin(3)
    options.pin("thanet", {**base, "population.households": 700}, "bigger")
    assert "population.households (600, 700)" in options.pins_problem(options.pins.value)
    options.unpin(3)
    options.pin("sherwood", base, "elsewhere")
    assert "different places" in options.pins_problem(options.pins.value)
    options.pins.set(options.pins.value[:1])
    assert "Pin two options or more" in options.pins_problem(options.pins.value)
    options.pins.set(())


def test_the_ranges_can_draw_fitted_parameters_from_the_calibration_too(page):
    app.replications.set(2)
    app.on_posterior.set(True)
    run_and_wait(page)
    wait_until(lambda: app.current_ranges(app.comparison_task.value) is not None, seconds=240)
    found = app.current_ranges(app.comparison_task.value)
    assert found.draws is not None and len(found.draws) == 2 and "posterior" in found.verdict()[0]
    from locality.experiments.posterior import place_posterior, read_posterior

    drawn = read_posterior(place_posterior("thanet")).iloc[found.draws[0]]["demand.growth"]
    assert found.first.a.scenario.demand.growth == pytest.approx(drawn)  # left at the place's own: drawn
    from locality.viz.handout import as_html

    assert "--posterior" in as_html(app.report_of(found))  # the report's reproduce line draws as the ranges did
    app.on_posterior.set(False)  # the ranges shown are no longer of the switch as it stands
    assert app.current_ranges(app.comparison_task.value) is None


def test_a_slider_stretches_to_a_loaded_value_past_its_usual_travel():
    from locality.viz.exports import Described

    shared["keyworkers.caseload"].set(20)  # a levers file may hold it: the schema allows up to 100, the slider stops at 15
    _box, rc = solara.render(app.SharedLever(next(s for s in app.SHARED_LEVERS if s.key == "keyworkers.caseload"), 6),
                             handle_error=False)
    slider = next(w for w in rc.find().widgets if getattr(w, "label", None) == "Caseload" and hasattr(w, "max"))
    assert slider.max == 20 and slider.value == 20  # not shown at 15 while the runs use 20
    rc.close()
    shared["keyworkers.caseload"].set(6)
    said = Described("thanet", {"population.households": 600}, "siloed", "integrated", (1, 2), posterior=True)
    assert "posterior" in said.lines()[0] and said.filename("who-pays", "csv").endswith("-posterior-who-pays.csv")
