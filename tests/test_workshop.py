"""Workshop mode: the stories are built from real runs on a known seed, play the same
every time, and the page steps through them with Back, Next and Reset."""

import ipyvuetify as v
import ipywidgets as widgets
import pytest
import solara

from viz import stories, workshop
from viz.exports import figure_png
from viz.family_story import trace_family

SMALL = {"place": "thanet", "households": 800, "years": 1, "cut_years": 2, "family_years": 1}


@pytest.fixture(scope="module")
def journeys():
    return trace_family(regime="siloed", years=1), trace_family(regime="integrated", years=1)


def test_the_family_meets_many_agencies_siloed_and_one_key_worker_integrated(journeys):
    siloed, joined = journeys
    assert len(siloed.weeks) == len(joined.weeks) == 52
    assert siloed.household == joined.household  # the same household in both systems
    assert siloed.final.assessments > joined.final.assessments
    assert siloed.final.agencies_met >= 5
    assert any(e.kind == "key_worker" for e in joined.weeks[0].events)
    kinds = {e.kind for w in siloed.weeks for e in w.events}
    assert {"noticed", "assessed", "waiting", "help"} <= kinds
    # the counters only grow, and spend matches what the agencies were billed
    spend = [w.spend for w in siloed.weeks]
    assert spend == sorted(spend) and siloed.final.spend == pytest.approx(sum(siloed.final.spend_by_agency.values()))


def test_the_same_seed_plays_the_same_story(journeys):
    again = trace_family(regime="siloed", years=1)
    assert again == journeys[0]
    first = stories.family_figure(journeys[0], 30)
    assert figure_png(first) == figure_png(stories.family_figure(again, 30))


def test_every_story_has_frames_with_captions_and_figures(monkeypatch):
    monkeypatch.setattr(stories, "SIZES", SMALL)
    for story in stories.STORIES:
        frames = stories.build_story(story.key, seed=3)
        assert frames and all(f.headline and f.caption for f in frames)
        assert figure_png(frames[-1].figure())[:4] == b"\x89PNG"
    cuts = stories.build_story("cuts", seed=3)
    assert len(cuts) == SMALL["cut_years"] and all("dominates" in f.caption for f in cuts)
    pocket = stories.build_story("pocket", seed=3)
    assert "key workers" in pocket[0].caption and "£" in pocket[-1].caption


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setattr(stories, "SIZES", SMALL)
    workshop.story.set("family")
    workshop.reset()
    _box, rc = solara.render(workshop.Workshop(), handle_error=False)
    yield rc
    rc.close()


def shown_text(rc) -> str:
    return " ".join(str(w.children) for w in rc.find(v.Html).widgets)


def test_the_trainer_steps_forward_and_back_and_resets(page):
    page.find(widgets.Image).wait_for(timeout=120)
    first = page.find(widgets.Image).widget.value
    assert "week 0" in shown_text(page)
    page.find(v.Btn, children=["Next"]).widget.click()
    page.find(widgets.Image).wait_for(timeout=30)
    assert workshop.frame.value == 1 and "week 0" not in shown_text(page)
    page.find(v.Btn, children=["Next"]).widget.click()
    page.find(v.Btn, children=["Back"]).widget.click()
    assert workshop.frame.value == 1
    page.find(v.Btn, children=["Reset"]).widget.click()
    assert workshop.frame.value == 0
    assert page.find(widgets.Image).widget.value == first  # the same picture as before


def test_each_story_opens_from_its_button(page):
    page.find(widgets.Image).wait_for(timeout=120)
    for story in stories.STORIES[1:]:
        page.find(v.Btn, children=[story.title]).widget.click()
        page.find(widgets.Image).wait_for(timeout=120)
        assert workshop.story.value == story.key and workshop.frame.value == 0
    page.find(v.Btn, children=["Next"]).widget.click()
    assert "The wrong pocket" in shown_text(page)
