"""The model view: Mesa's SolaraViz around one live run; Step moves the model on as many
weeks as the page says and the households grid and agency panel redraw; the sidebar's
settings wait for Reset, which says so, and the line above the charts follows the run."""

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara

from locality.viz import model_view


@pytest.fixture
def view(monkeypatch):
    small = {**model_view.MODEL_PARAMS, "run.years": 1,
             "population.households": {**model_view.MODEL_PARAMS["population.households"], "value": 600}}
    monkeypatch.setattr(model_view, "MODEL_PARAMS", small)
    _box, rc = solara.render(solara.AppLayout(children=[model_view.ModelView()]), handle_error=False)
    yield rc
    rc.close()


def images(rc) -> list[bytes]:
    return [w.value for w in rc.find(widgets.Image).widgets]


def in_page_order(widget) -> list:
    """Every widget under `widget`, in the order the page shows them."""
    found = [widget]
    for name in ("children", "items"):
        for child in getattr(widget, name, None) or []:
            if isinstance(child, widgets.Widget):
                found += in_page_order(child)
    return found


def run_line(rc) -> str:
    """The markdown line that says what the run on screen is."""
    return next(w.template for w in rc.find(v.VuetifyTemplate).widgets if "This run:" in str(getattr(w, "template", "")))


def slider(rc, label: str):
    return rc.find(v.Slider, label=label).widget


def test_step_moves_the_model_as_many_weeks_as_its_slider_can_show_and_redraws(view):
    view.find(widgets.Image).wait_for(timeout=60)
    before = images(view)
    assert len(before) == len(model_view.COMPONENTS)
    assert all(image[:4] == b"\x89PNG" for image in before)
    # Mesa's Render Interval slider holds only the values on its grid; the browser would
    # snap any other to one of them, so the page would step further than it was told to
    interval = slider(view, "Render Interval (steps)")
    assert interval.v_model == model_view.WEEKS_PER_DRAW
    assert (model_view.WEEKS_PER_DRAW - interval.min) % interval.step == 0
    view.find(v.Btn, children=["Step"]).widget.click()
    view.find(children=[f"Time: {model_view.WEEKS_PER_DRAW:.1f}"]).wait_for(timeout=60)
    assert f"Week {model_view.WEEKS_PER_DRAW} of 52" in run_line(view)
    after = images(view)
    assert after[0] != before[0] or after[1] != before[1]


def test_settings_wait_for_reset_and_the_page_says_so_above_the_charts(view):
    view.find(widgets.Image).wait_for(timeout=60)
    assert "take effect when you press Reset" in " ".join(str(w.children) for w in view.find(v.Alert).widgets)
    page = in_page_order(view.find(v.Content).widget)
    line = next(i for i, w in enumerate(page) if "This run:" in str(getattr(w, "template", "")))
    assert line < min(i for i, w in enumerate(page) if isinstance(w, widgets.Image))  # above the charts
    slider(view, "Households").v_model = 800
    assert "600 households" in run_line(view)  # the run on screen is unchanged until Reset
    view.find(v.Btn, children=["Reset"]).widget.click()
    assert "800 households" in run_line(view) and "Week 0 of 52" in run_line(view)


def test_reset_rebuilds_the_same_households():
    levers = {**model_view.initial_levers(), "population.households": 600}
    first, second = model_view.LiveModel(**levers), model_view.LiveModel(**levers, scenario=object())
    assert np.array_equal(first.households.severity, second.households.severity)
    grid = model_view.tier_grid(first)
    assert grid.shape[0] == grid.shape[1] and (grid >= 0).sum() == 600
    assert model_view.agencies_figure(first).axes


def test_the_run_is_described_in_words_beside_the_unlabelled_sliders():
    model = model_view.LiveModel(**{**model_view.initial_levers(), "population.households": 600, "budget.cut": 0.2,
                                    "keyworkers.caseload": 1})
    _box, rc = solara.render(model_view.Settings(model), handle_error=False)
    text = run_line(rc)
    rc.close()
    assert model_view.households_figure(model).axes[0].get_legend() is not None
    assert "600 households" in text and "budget cut 20% over 4 years" in text and "1 family per key worker" in text
