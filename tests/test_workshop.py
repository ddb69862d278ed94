"""Workshop mode: the stories are built from real runs on a known seed, play the same
every time, and the page steps through them with Back, Next and Reset."""

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pandas as pd
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
    assert len(cuts) == SMALL["cut_years"]
    assert all("Dominant loop this year" in f.caption or "Neither loop gains" in f.caption for f in cuts)
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


def yearly(**columns) -> pd.DataFrame:
    """A yearly table of the loop's quantities, 1.0 wherever a column is not given."""
    years = pd.Index([1, 2, 3], name="year")
    return pd.DataFrame({name: columns.get(name, [1.0, 1.0, 1.0]) for name in stories.MEASURES}, index=years)


def test_the_dominant_loop_is_the_one_whose_quantities_the_cut_moved_its_way_that_year():
    no_cut = yearly()
    cut = yearly(
        # year 1: thresholds up 2% and waiting lists down 10%: rationing (B)
        # year 2: crises, crisis spend and needs up 5%, prevention down 5%, thresholds up 1 point more: R
        # year 3: everything eases back to where it was in year 1: neither loop gains
        threshold=[1.02, 1.03, 1.02], waiting=[0.90, 0.90, 0.90], crises=[1.0, 1.05, 1.0], crisis=[1.0, 1.05, 1.0],
        prevention=[1.0, 0.95, 1.0], needs=[1.0, 1.05, 1.0],
    )
    table = stories.loop_scores(cut, no_cut)
    assert list(table[("loop", "dominant")]) == ["B", "R", ""]
    assert table.loc[1, ("score", "B")] == pytest.approx((0.02 + 0.10) / 2)
    assert table.loc[2, ("score", "R")] == pytest.approx((0.01 + 0 + 0.05 + 0.05 + 0.05 + 0.05) / 6)
    assert table.loc[2, ("effect", "prevention")] == pytest.approx(-0.05)
    # the measure is relative to the uncut run: the same moves on a growing place score the same
    grown = no_cut * np.array([[1.0], [1.5], [2.0]])
    assert list(stories.loop_scores(cut * np.array([[1.0], [1.5], [2.0]]), grown)[("loop", "dominant")]) == ["B", "R", ""]
    assert "Neither loop gains" in stories.loop_sentence(table, 3) and "R:" in stories.loop_sentence(table, 2)


def test_the_cut_story_names_the_loop_its_own_runs_score_highest(monkeypatch):
    table = stories.cuts_by_year(3, "thanet", 800, 2)
    for year in table.index:
        scores, loop = table.loc[year, "score"], table.loc[year, ("loop", "dominant")]
        assert loop == ("" if scores.max() <= 0 else scores.idxmax())
    assert (table[("cut", "budget")] < table[("no_cut", "budget")]).all()


def test_the_need_story_compares_the_same_households_and_states_its_assumption():
    comparison = stories.regimes_compared(2010, "thanet", 4000, 1)
    a, b = stories.by_start_need(comparison.a.households), stories.by_start_need(comparison.b.households)
    assert list(a["households"]) == list(b["households"])  # bands of need at the start: the same households
    families = stories.key_worker_families(comparison)
    assert 0 < families.sum() == stories.pool_reach(comparison.b)["families"]
    frames = stories.need_frames(2010, {**SMALL, "households": 4000, "years": 1})
    assert f"worked with {families.sum()} of 4,000 households" in frames[1].caption
    assert f"The same {families.sum()} families in both systems" in frames[2].caption
    assert "assumption" in frames[-1].headline and f"{stories.BIGGER_POOL:.0%}" in frames[-1].headline
    assert "Not from the sources" in frames[-1].caption


def test_the_need_story_says_when_integration_hardly_moves_the_start_of_help():
    same = stories.first_help_caption(pd.Series([0.45, 0.5]), pd.Series([0.46, 0.51]), 4)
    moved = stories.first_help_caption(pd.Series([0.45, 0.5]), pd.Series([0.35, 0.4]), 4)
    assert "hardly moves" in same and "4 or more problems" in same
    assert "hardly moves" not in moved


def test_the_key_worker_by_hand_is_said_on_screen_with_what_the_queue_would_do(journeys):
    queued = trace_family(regime="integrated", years=1, pilot=False)
    assert queued.household == journeys[1].household and not queued.pilot and journeys[1].pilot
    assert journeys[1].first_week("key_worker") == 1
    assert queued.first_week("key_worker") != 1  # no hand-picked start: the family queues like any other
    sentence = stories.queue_sentence(queued)
    assert f"buys {stories.workers(queued.key_workers)}" in sentence and "queue" in sentence


def test_the_trainer_jumps_between_chapters_of_the_family_story(page):
    page.find(widgets.Image).wait_for(timeout=120)
    frames = stories.build_story("family", seed=stories.WORKSHOP_SEED, sizes=SMALL)
    starts = workshop.chapter_starts(frames)
    assert list(starts) == ["Siloed", "Key worker", "Summary"] and starts["Summary"] == len(frames) - 1
    page.find(v.Btn, children=["Key worker"]).widget.click()
    assert workshop.frame.value == starts["Key worker"]
    page.find(widgets.Image).wait_for(timeout=30)
    assert "Key worker (integrated): week 0" in shown_text(page)
    assert "Set by hand" in frames[starts["Key worker"]].caption
    page.find(v.Btn, children=["Summary"]).widget.click()
    assert workshop.frame.value == len(frames) - 1
