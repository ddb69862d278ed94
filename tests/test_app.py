"""The Solara app, tested with Solara's own renderer: press Run and the charts of both
regimes appear; a bad value shows the same named error as the command line, inline."""

import ipyvuetify as v
import ipywidgets as widgets
import pytest
import solara

from viz import app
from viz.charts import ALL_CHARTS


@pytest.fixture
def page():
    app.households.set(600)
    app.years.set(1)
    app.caseload.set(6)
    app.problem.set("")
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    yield rc
    rc.close()


def run_and_wait(rc):
    rc.find(v.Btn, children=["Run A and B"]).widget.click()
    rc.find(widgets.Image).wait_for(timeout=180)


def test_run_draws_every_chart_for_both_regimes(page):
    run_and_wait(page)
    assert len(page.find(widgets.Image).widgets) == len(ALL_CHARTS)
    assert all(image.value[:4] == b"\x89PNG" for image in page.find(widgets.Image).widgets)
    page.find(children=["Crises"]).assert_not_empty()
    summary = app.comparison_task.value
    assert summary.a.scenario.regime.kind == "siloed" and summary.b.scenario.regime.kind == "integrated"
    assert summary.a.scenario.run.seed == summary.b.scenario.run.seed


def test_a_changed_lever_reaches_the_model(page):
    app.caseload.set(3)
    run_and_wait(page)
    assert app.comparison_task.value.b.scenario.keyworkers.caseload == 3


def test_a_bad_value_shows_the_named_error_and_no_traceback(page):
    app.households.set(0)
    page.find(v.Btn, children=["Run A and B"]).widget.click()
    alert = page.find(v.Alert).widget
    text = " ".join(str(child) for child in alert.children)
    assert "population.households" in text and "Traceback" not in text
    app.households.set(600)  # the app keeps working after the error
    run_and_wait(page)
    assert not app.problem.value


def test_results_and_levers_can_be_exported_and_loaded_back(page):
    from viz.exports import figure_png, levers_toml, read_levers, weekly_csv, yearly_csv
    from viz.charts import crises_chart

    run_and_wait(page)
    comparison = app.comparison_task.value
    assert figure_png(crises_chart(comparison))[:4] == b"\x89PNG"
    header = yearly_csv(comparison).splitlines()[0]
    assert header.startswith("year,") and "crises_A,crises_B,crises_difference" in header
    assert weekly_csv(comparison).count("\n") == 2 * 52 + 1
    labels = [w.children for w in page.find(v.Btn).widgets]
    assert any("Yearly results as CSV" in str(c) for c in labels)

    saved = levers_toml("sherwood", "siloed", "integrated", {**app.common_overrides(), "budget.cut": 0.3})
    app.load_levers({"name": "mine.toml", "data": saved.encode()})
    assert app.scenario.value == "sherwood" and app.budget_cut.value == 0.3 and not app.problem.value
    assert read_levers(saved)[0] == "sherwood"


def test_a_bad_levers_file_is_refused_with_the_key_named(page):
    app.budget_cut.set(0.1)
    bad = 'place = "thanet"\nregime_a = "siloed"\nregime_b = "integrated"\n[overrides]\n"keyworkers.caseload" = 0\n'
    app.load_levers({"name": "bad.toml", "data": bad.encode()})
    assert "keyworkers.caseload" in app.problem.value
    assert app.budget_cut.value == 0.1  # nothing was changed
