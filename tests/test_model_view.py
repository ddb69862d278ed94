"""The model view: Mesa's SolaraViz around one live run; Step moves the model on and
the households grid and agency panel redraw; Reset rebuilds the same households."""

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara

from viz import model_view


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


def test_step_moves_the_model_and_redraws(view):
    view.find(widgets.Image).wait_for(timeout=60)
    before = images(view)
    assert len(before) == len(model_view.COMPONENTS) - 1  # every component but the settings line is a figure
    assert all(image[:4] == b"\x89PNG" for image in before)
    view.find(v.Btn, children=["Step"]).widget.click()
    view.find(children=["Time: 4.0"]).wait_for(timeout=60)  # render_interval: four weeks a click
    after = images(view)
    assert after[0] != before[0] or after[1] != before[1]


def test_reset_rebuilds_the_same_households():
    levers = {**model_view.initial_levers(), "population.households": 600}
    first, second = model_view.LiveModel(**levers), model_view.LiveModel(**levers, scenario=object())
    assert np.array_equal(first.households.severity, second.households.severity)
    grid = model_view.tier_grid(first)
    assert grid.shape[0] == grid.shape[1] and (grid >= 0).sum() == 600
    assert model_view.agencies_figure(first).axes


def test_the_run_is_described_in_words_beside_the_unlabelled_sliders():
    model = model_view.LiveModel(**{**model_view.initial_levers(), "population.households": 600, "budget.cut": 0.2})
    _box, rc = solara.render(model_view.Settings(model), handle_error=False)
    text = rc.find(v.Html).widget.children[0] if rc.find(v.Html).widgets else str(_box)
    rc.close()
    assert model_view.households_figure(model).axes[0].get_legend() is not None
    assert "600 households" in str(text) and "budget cut 20%" in str(text)
