"""Workshop mode: the stories are built from real runs on a known seed, play the same
every time, and the page steps through them with Back, Next and Reset."""

import re
import threading
import time

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pandas as pd
import pytest
import solara
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from locality.parameters.loader import load_scenario
from locality.viz import stories, workshop
from locality.viz.exports import figure_png
from locality.viz.family_story import plural, trace_family

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
    first = stories.family_figure(journeys[0], journeys[1], "siloed", 30)
    assert figure_png(first) == figure_png(stories.family_figure(again, journeys[1], "siloed", 30))


#: A count of one before a plural noun: "1 crises", "1 assessments", "years 1 to 1".
ONE_BEFORE_PLURAL = re.compile(r"(?<![\d.,£])1 (?:agencies|assessments|crises|cases|weeks|years|families|households|key "
                               r"workers)\b|\b1 to 1\b", re.IGNORECASE)
COUNTED = {"Agency met": "Agencies met", "Assessment": "Assessments", "Missed appointment": "Missed appointments",
           "Crisis": "Crises"}


def titles_fit(figure) -> bool:
    """Every axis title of `figure` lies inside the figure and clear of the others."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer, inside = canvas.get_renderer(), figure.bbox
    titles = [title for axis in figure.axes for title in (axis._left_title, axis.title, axis._right_title)]  # (matplotlib's three)
    boxes = [title.get_window_extent(renderer) for title in titles if title.get_text()]
    return (all(inside.x0 <= box.x0 and box.x1 <= inside.x1 for box in boxes)
            and not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]))


def smallest_text_pixels(figure) -> float:
    """The smallest text of a drawn figure, in pixels on the projector (where the picture is
    shown at its own size: stories.PICTURE_DPI pixels an inch)."""
    FigureCanvasAgg(figure).draw()
    sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes) * stories.PICTURE_DPI / 72


#: A decimal a room should not have to read: a threshold or severity such as 0.45 (not a
#: percentage, points of one, or a part-time count of workers).
DECIMAL = re.compile(r"(?<![\d£.,])0\.\d\d?\b(?!%| points| full-time)")


def test_every_frame_is_made_for_a_projector(monkeypatch):
    """Each story's pictures are the projector's size with no text under 18 pixels, and no
    caption or headline asks the room to read a threshold or severity as a decimal."""
    monkeypatch.setattr(stories, "SIZES", SMALL)
    for story in stories.STORIES:
        frames = stories.build_story(story.key, seed=3)
        for shown in {id(f): f for f in (frames[0], frames[len(frames) // 2], frames[-1])}.values():
            picture = stories.picture(shown)
            assert tuple(picture.get_size_inches()) == stories.PICTURE_INCHES and picture.dpi == stories.PICTURE_DPI
            assert smallest_text_pixels(picture) >= 18, (story.key, shown.headline)
        for shown in frames:
            assert not DECIMAL.search(shown.headline + " " + shown.caption), (story.key, shown.caption)
            asked = shown.asks or shown.answers
            room = workshop.WORDS_ROOM - (len(asked.prompt) + 120 if asked else 0) - (90 if shown.counters else 0)
            said, _ = workshop.said_and_more(shown.caption, room)
            assert said.lstrip().startswith("- ") or len(said) <= 140, (story.key, said)  # a lead of a line or three; a list of events
        assert frames[-1].caption.startswith("**The moral:**"), story.key  # every story closes on its moral


def test_every_story_has_frames_with_captions_and_figures(monkeypatch):
    monkeypatch.setattr(stories, "SIZES", SMALL)
    for story in stories.STORIES:
        frames = stories.build_story(story.key, seed=3)
        assert frames and all(f.headline and f.caption for f in frames)
        assert figure_png(stories.picture(frames[-1]))[:4] == b"\x89PNG"
        assert titles_fit(stories.picture(frames[-1])), story.key
        for shown in frames:  # signed sums in words, counts agreeing with their nouns
            words = " ".join([shown.headline, shown.caption, *shown.counters.values()])
            assert "£-" not in words and not ONE_BEFORE_PLURAL.search(words), words
            for name, count in shown.counters.items():  # "1 Crisis", "2 Crises"
                assert (count == "1") if name in COUNTED else (count != "1" or name not in COUNTED.values()), name
    cuts = stories.build_story("cuts", seed=3)
    assert len(cuts) == SMALL["cut_years"] + 1  # a frame a year, then the moral
    assert all("kept from taking prevention in the year" in f.caption for f in cuts[:-1])
    assert "Dominant loop" not in " ".join(f.caption for f in cuts)  # the claim the loop score made is gone
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


def shows(rc, text: str, seconds: float = 30) -> bool:
    """Whether the page shows `text` within `seconds`: a frame's words are drawn just after
    the frame changes, so a check made at once can read the last frame's."""
    deadline = time.monotonic() + seconds
    while text not in shown_text(rc):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def stops_showing(rc, text: str, seconds: float = 30) -> bool:
    """Whether `text` is gone from the page within `seconds` (the last frame's words stay
    until the new frame's are drawn, which may start a moment after the step)."""
    deadline = time.monotonic() + seconds
    while text in shown_text(rc):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def drawn(seconds: float = 60) -> None:
    """Wait for the frame's picture to be drawn (steps asked for meanwhile are dropped)."""
    deadline = time.monotonic() + seconds
    while workshop.drawing.value:
        assert time.monotonic() < deadline, "the picture was not drawn in time"
        time.sleep(0.05)


def press(rc, label: str, frame_after: int, seconds: float = 60) -> None:
    """Press a step button as a trainer does: again if the press was dropped because a
    picture was still being drawn (the page drops steps meanwhile), until the frame is on."""
    deadline = time.monotonic() + seconds
    while True:
        drawn()
        try:
            rc.find(v.Btn, children=[label]).widget.click()
        except ValueError:  # the button was being redrawn (from the picture's thread) as it was pressed
            pass
        pressed = time.monotonic()
        while workshop.frame.value != frame_after and time.monotonic() < pressed + 1:
            time.sleep(0.05)
        if workshop.frame.value == frame_after:
            return
        assert time.monotonic() < deadline, f"{label} never took the story to frame {frame_after}"


def test_the_trainer_steps_forward_and_back_and_resets(page):
    page.find(widgets.Image).wait_for(timeout=120)
    drawn()
    first = page.find(widgets.Image).widget.value
    assert "week 0" in shown_text(page)
    press(page, "Next", 1)
    assert stops_showing(page, "week 0"), shown_text(page)
    press(page, "Next", 2)
    press(page, "Back", 1)
    page.find(v.Btn, children=["Reset"]).widget.click()  # never dropped
    assert workshop.frame.value == 0
    drawn()
    wait = time.monotonic() + 30
    while page.find(widgets.Image).widget.value != first:  # the same picture as before, once drawn again
        assert time.monotonic() < wait, "the first frame's picture differs after Reset"
        time.sleep(0.1)


def test_steps_asked_for_while_a_picture_draws_are_dropped_and_reset_cancels(page, monkeypatch):
    page.find(widgets.Image).wait_for(timeout=120)
    drawn()
    slow = threading.Event()
    real = workshop.draw

    def slowly(shown):
        slow.wait(10)  # a picture that takes a while, as on a loaded machine
        return real(shown)

    monkeypatch.setattr(workshop, "draw", slowly)
    page.find(v.Btn, children=["Next"]).widget.click()
    deadline = time.monotonic() + 10
    while not workshop.drawing.value:  # the picture's task has started
        assert time.monotonic() < deadline, "the picture was never started"
        time.sleep(0.02)
    assert workshop.frame.value == 1
    for _ in range(5):  # an impatient room: each is dropped, none waits its turn
        page.find(v.Btn, children=["Next"]).widget.click()
    assert workshop.frame.value == 1
    page.find(v.Btn, children=["Reset"]).widget.click()  # never dropped
    assert workshop.frame.value == 0
    slow.set()
    drawn()
    assert workshop.frame.value == 0
    assert workshop.stepped(3, "next", 5, busy=True) is None and workshop.stepped(3, "reset", 5, busy=True) == 0
    assert workshop.stepped(4, "next", 5, busy=False) is None and workshop.stepped(0, "back", 5, busy=False) is None


def test_each_story_opens_from_the_story_list(page):
    page.find(widgets.Image).wait_for(timeout=120)
    for story in stories.STORIES[1:]:
        for _ in range(5):  # (a choice while the page redraws from the picture's thread can miss its list: choose again)
            drawn()
            chooser = page.find(v.Select, label="Story").widget
            if chooser.v_model == story.title:  # a missed choice: the same title again would not be heard
                chooser.v_model = stories.STORIES[0].title
                drawn()
                chooser = page.find(v.Select, label="Story").widget
            chooser.v_model = story.title
            page.find(widgets.Image).wait_for(timeout=120)
            deadline = time.monotonic() + 5
            while workshop.story.value != story.key and time.monotonic() < deadline:
                time.sleep(0.05)
            if workshop.story.value == story.key:
                break
        assert workshop.story.value == story.key and workshop.frame.value == 0
    press(page, "Next", 1)
    assert shows(page, "The wrong pocket")


def yearly(**columns) -> pd.DataFrame:
    """A yearly table of the loop's quantities, 1.0 wherever a column is not given."""
    years = pd.Index([1, 2, 3], name="year")
    return pd.DataFrame({name: columns.get(name, [1.0, 1.0, 1.0]) for name in stories.MEASURES}, index=years)


def test_the_loop_s_part_is_the_cut_s_effect_less_its_effect_with_the_loop_switched_off():
    no_cut = yearly()
    cut = yearly(prevention=[0.60, 0.55, 0.50], crises=[1.01, 1.03, 1.05])
    loop_off = yearly(prevention=[0.60, 0.58, 0.58], crises=[1.01, 1.02, 1.05])
    table = pd.concat({"effect": cut / no_cut - 1, "effect_loop_off": loop_off / no_cut - 1,
                       "loop": cut / no_cut - loop_off / no_cut}, axis=1)
    assert stories.loop_contribution(cut, loop_off, no_cut).equals(table)
    assert stories.eaten(table, 1) == 0 and stories.eaten(table, 3) == pytest.approx(8.0)
    said = stories.loop_sentence(table, 2)
    assert "45.0% below" in said and "ate a further 3.0 points" in said and "3.0% above" in said
    assert "took no more of it than that" in stories.loop_sentence(table, 1)
    moral = stories.cuts_moral(table, 3)
    assert "50.0% below" in moral and "8.0 points of it eaten" in moral and "5.0% above with that route switched off" in moral
    # the measure is relative to the uncut run: the same effects on a growing place say the same
    grown = np.array([[1.0], [1.5], [2.0]])
    assert stories.loop_contribution(cut * grown, loop_off * grown, no_cut * grown).round(12).equals(table.round(12))


def test_the_cut_story_switches_the_vicious_cycle_off_in_a_run_of_its_own():
    assert load_scenario("thanet", stories.LOOP_OFF).finance.overrun_from_prevention == []
    assert load_scenario("thanet").finance.overrun_from_prevention  # (so the switch changes something)
    table = stories.cuts_by_year(3, "thanet", 800, 2)
    assert (table[("cut", "budget")] < table[("no_cut", "budget")]).all()
    effect = table[("cut", "crises")] / table[("no_cut", "crises")] - 1
    off = table[("loop_off", "crises")] / table[("no_cut", "crises")] - 1
    assert np.allclose(table[("loop", "crises")], effect - off)
    frames = stories.cuts_frames(3, {**SMALL, "cut_years": 2})
    assert len(frames) == 3 and frames[0].headline.startswith("Thanet, year 1")
    assert "with that route switched off" in frames[-1].caption and titles_fit(frames[-1].figure())


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
    assert all(titles_fit(shown.figure()) for shown in frames)  # "Change in needs (start to end)" was cut off


def test_the_need_story_says_when_integration_hardly_moves_the_start_of_help():
    same = stories.first_help_caption(pd.Series([0.45, 0.5]), pd.Series([0.46, 0.51]), 0.3, 0.75, 4)
    moved = stories.first_help_caption(pd.Series([0.45, 0.5]), pd.Series([0.35, 0.4]), 0.3, 0.75, 4)
    assert "hardly moves" in same and "4 or more problems" in same
    assert "hardly moves" not in moved
    assert "a problem, not yet serious siloed" in same and not re.search(r"\d\.\d\d", same + moved)  # words, no decimals
    assert [stories.severity_words(x, 0.3, 0.75) for x in (0.2, 0.4, 0.6, 0.8)] == [
        "not yet a problem", "a problem, not yet serious", "serious", "acute: it needs help now"]


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
    drawn()
    page.find(v.Btn, children=["Key worker"]).widget.click()
    assert workshop.frame.value == starts["Key worker"]
    page.find(widgets.Image).wait_for(timeout=30)
    deadline = time.monotonic() + 60  # the frame's text shows with its picture, drawn in the background
    while "Key worker (integrated): week 0" not in shown_text(page):
        assert time.monotonic() < deadline, shown_text(page)
        time.sleep(0.05)
    assert "set by hand" in frames[starts["Key worker"]].caption.split("\n\n")[0]  # said in the lead, never under More
    drawn()
    page.find(v.Btn, children=["Summary"]).widget.click()
    assert workshop.frame.value == len(frames) - 1


def test_signed_sums_are_worded_and_counts_agree():
    assert stories.money(-6276) == "-£6,276" and stories.money(-2.4e6) == "-£2.4m" and stories.money(-0.2) == "£0"
    overspent = stories.signed_money(-6276, "leaving {} a year unspent", "overspending it by {} a year")
    assert overspent == "overspending it by £6,276 a year"
    assert stories.signed_money(15_000, "leaving {} a year unspent", "overspending it") == "leaving £15k a year unspent"
    assert [plural(n, "crisis", "crises") for n in (0, 1, 2)] == ["0 crises", "1 crisis", "2 crises"]
    assert plural(1.2, "assessment") == "1 assessment" and plural(1_500, "household") == "1,500 households"
    assert stories.and_list(["a"]) == "a" and stories.and_list(["a", "b", "c"]) == "a, b and c"


def pocket_tables(nets: dict[str, float], crises: dict[str, float], years: dict[str, list[float]]):
    """A wrong-pocket table and a year-by-year table for made-up agencies, each of which
    put £100 into the pool; the pool's own row and the total are there as in the model's."""
    pocket = pd.DataFrame({"agency": [*nets, stories.POOL], "label": [*(name.upper() for name in nets), "Pool"],
                           "put_in_pool": [100.0] * len(nets) + [-100.0 * len(nets)],
                           "crisis_change": [*crises.values(), 0.0], "net_change": [*nets.values(), 5.0]})
    by_year = pd.DataFrame(years, index=[1, 2]).T
    by_year.loc[stories.POOL] = 2.5
    by_year.loc["total"] = by_year.sum()
    return pocket, by_year


def test_the_wrong_pocket_caption_follows_the_numbers():
    # every agency saves over the run: the caption says so, and finds the wrong pocket in
    # a single year (a's year 1) and in an agency that paid in but avoided no crises (b)
    pocket, by_year = pocket_tables({"a": -300.0, "b": -20.0}, {"a": -400.0, "b": 0.0},
                                    {"a": [40.0, -340.0], "b": [-10.0, -10.0]})
    text = stories.pocket_moral(pocket, by_year, 205.0)
    assert "every agency saves more than it put into the pool" in text
    assert "in year 1 A paid £40 more" in text and "B put £100 into the pool and avoided no crisis spend" in text
    assert "would not invest" not in text and "£-" not in text
    # one agency pays more than it saves over the run: it is named, and the moral holds
    pocket, by_year = pocket_tables({"a": -300.0, "b": 30.0}, {"a": -400.0, "b": -5.0},
                                    {"a": [-150.0, -150.0], "b": [15.0, 15.0]})
    text = stories.pocket_moral(pocket, by_year, 205.0)
    assert "B (£30 more) pays more than it saves" in text and "would not invest" in text
    assert "every agency saves" not in text
    # nobody loses in any year and every payer avoided crises: the pool pays its way
    pocket, by_year = pocket_tables({"a": -300.0, "b": -20.0}, {"a": -400.0, "b": -30.0},
                                    {"a": [-150.0, -150.0], "b": [-10.0, -10.0]})
    assert "pays its way for all of them" in stories.pocket_moral(pocket, by_year, 205.0)


def test_who_saves_says_year_1_and_ends_on_what_its_own_run_shows(monkeypatch):
    monkeypatch.setattr(stories, "SIZES", SMALL)
    frames = stories.build_story("pocket", seed=3)
    assert frames[0].headline == "Who saves in Thanet: year 1"  # every story names its place
    assert frames[0].figure().axes[0].get_title(loc="left").endswith("year 1")
    comparison = stories.regimes_compared(3, SMALL["place"], SMALL["households"], SMALL["years"])
    pocket = stories.pocket_upto(comparison, SMALL["years"])
    every_one_saves = (pocket.loc[pocket["agency"] != stories.POOL, "net_change"] <= stories.NO_CHANGE).all()
    assert ("every agency saves" in frames[-1].caption) == every_one_saves


def test_the_room_predicts_then_sees_what_the_run_says(page):
    page.find(widgets.Image).wait_for(timeout=120)
    drawn()
    frames = stories.build_story("family", seed=stories.WORKSHOP_SEED, sizes=SMALL)
    question = frames[0].asks
    assert question is not None and frames[-1].answers == question and question.answer in question.choices
    assert all(f.asks is None and f.answers is None for f in frames[1:-1])  # asked first, answered last
    page.find(v.Btn, children=[question.choices[0]]).widget.click()  # the room's guess, on the first frame
    assert workshop.guesses.value == {("family", question.prompt): question.choices[0]}
    deadline = time.monotonic() + 30  # asked once: the buttons give way to the guess (as soon as the page redraws)
    while page.find(v.Btn, children=[question.choices[0]]).widgets and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not page.find(v.Btn, children=[question.choices[0]]).widgets
    said = workshop.verdict_on(question, question.choices[0])
    assert f"The room said: {question.choices[0]}" in said and question.said in said
    assert ("The room was right" in said) == (question.answer == question.choices[0])
    assert "The run says: " in workshop.verdict_on(question, workshop.SKIPPED)
    drawn()
    page.find(v.Btn, children=["Summary"]).widget.click()
    page.find(widgets.Image).wait_for(timeout=60)
    page.find(v.Btn, children=["Reset"]).widget.click()
    assert workshop.guesses.value == {} and workshop.frame.value == 0


def test_each_question_s_answer_follows_the_run_s_own_numbers():
    assert stories.family_question(5, 2).answer == "4 to 6" and "5 agencies" in stories.family_question(5, 2).said
    assert stories.family_question(9, 2).answer == "7 or more"
    years = pd.Index([1, 2], name="year")
    table = pd.concat({"effect": pd.DataFrame({"crises": [0.01, 0.08]}, index=years)}, axis=1)
    assert stories.cuts_question(table, 2).answer == stories.CRISIS_MOVES[0]
    assert stories.cuts_question(table, 1).answer == stories.CRISIS_MOVES[1] and "1.0% above" in stories.cuts_question(table, 1).said
    pocket = pd.DataFrame({"agency": ["police", "housing", stories.POOL], "label": ["Police", "Housing", "pool"],
                           "net_change": [-100.0, 250.0, 0.0]})
    asked = stories.pocket_question(pocket, 3)
    assert asked.answer == stories.PAYS_MORE[0] and asked.said == "Housing pays more than it saves"
    pocket["net_change"] = [-100.0, -5.0, 0.0]
    assert stories.pocket_question(pocket, 3).answer == stories.PAYS_MORE[1]


def test_a_long_caption_keeps_what_fits_on_screen_and_the_rest_for_the_facilitator():
    said, more = workshop.said_and_more("First paragraph. Its second sentence.\n\nSecond paragraph.", 40)
    assert said == "First paragraph. Its second sentence." and more == "Second paragraph."
    said, more = workshop.said_and_more("One long sentence; it keeps its halves together. Then another.", 20)
    assert said == "One long sentence; it keeps its halves together." and more == "Then another."
    assert workshop.said_and_more("- a bullet\n- another", 5) == ("- a bullet\n- another", "")
    said, more = workshop.said_and_more('- Police notices the family\n\n*"The worse the problem is..." (a resident)*\n\nDetail.', 10)
    assert '(a resident)' in said and more == "Detail."  # residents' words are always said
    assert workshop.said_and_more("Short.", 430) == ("Short.", "")


def test_end_goes_to_the_story_s_last_frame_and_is_dropped_while_a_picture_draws():
    assert workshop.stepped(3, "last", 10, busy=False) == 9
    assert workshop.stepped(3, "last", 10, busy=True) is None
    assert workshop.stepped(3, "reset", 10, busy=True) == 0


def test_a_step_clicked_on_a_page_not_yet_redrawn_is_dropped_not_taken_from_the_old_frame():
    # the page still shows frame 1 while the story is on 2 (its redraw held by the picture's thread)
    assert workshop.stepped(1, "back", 10, busy=False, current=2) is None
    assert workshop.stepped(2, "back", 10, busy=False, current=2) == 1
    assert workshop.stepped(1, "reset", 10, busy=False, current=2) == 0


def test_a_story_s_pictures_keep_their_axes_from_frame_to_frame(monkeypatch):
    """Frames drawn by the same picture (in one chapter) keep their axes where they were and
    on the same scales, so a projector shows the story move rather than the chart. (The need
    story's two 'help by need' frames are different pictures: a line, then a histogram.)"""
    monkeypatch.setattr(stories, "SIZES", SMALL)
    for story in stories.STORIES:
        frames = stories.build_story(story.key, seed=3)
        groups: dict[tuple, set] = {}
        for shown in frames[:: max(1, len(frames) // 6)] + [frames[-1]]:
            if shown.figure.func is stories.need_figure:
                continue
            picture = stories.picture(shown)
            FigureCanvasAgg(picture).draw()
            axes = tuple((tuple(np.round(a.get_position().bounds, 3)), a.get_xlim(), a.get_ylim()) for a in picture.axes)
            groups.setdefault((shown.figure.func.__name__, shown.chapter), set()).add(axes)
        moved = {name: len(kinds) for name, kinds in groups.items() if len(kinds) > 1}
        assert not moved, (story.key, moved)


def test_two_pictures_drawn_at_once_each_keep_the_projector_s_text_sizes():
    """A step, then Reset before its picture is done, draws two pictures on two threads:
    each must be drawn at the projector's sizes, and matplotlib's settings left as found."""
    import matplotlib

    found = dict(matplotlib.rcParams)
    sizes: dict[str, float] = {}

    def figure_reading_font_size(name: str, wait_before: float, wait_after: float):
        def figure():
            time.sleep(wait_before)
            sizes[name] = matplotlib.rcParams["font.size"]
            time.sleep(wait_after)
            return None
        return figure

    first = stories.Frame("first", "", figure_reading_font_size("first", 0.0, 0.3))
    second = stories.Frame("second", "", figure_reading_font_size("second", 0.5, 0.0))
    threads = [threading.Thread(target=stories.picture, args=(shown,)) for shown in (first, second)]
    threads[0].start()
    time.sleep(0.1)  # the second picture is asked for while the first is drawn
    threads[1].start()
    for thread in threads:
        thread.join()
    assert sizes == {"first": stories.PROJECTOR_TEXT["font.size"], "second": stories.PROJECTOR_TEXT["font.size"]}
    assert dict(matplotlib.rcParams) == found
