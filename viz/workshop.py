"""Workshop mode for trainers: large text, few controls, one story at a time. Each story
is a fixed sequence of frames built from real runs on a known seed (`viz/stories.py`);
Back and Next (or a presentation clicker's keys: arrows, PageUp and PageDown, Space) step
through it, End goes to its last frame, Reset (or Home) goes back to its start and to the known seed, so a
story plays the same every time it is shown. A story's first frame asks the room a
question (predict, then see): the facilitator records the room's answer with a click, and
the story's last frame shows it beside what the run says. A frame's picture is drawn in the
background; a step asked for while it is drawn is dropped, not queued (in the browser,
before it reaches the server), so a room's impatient clicks never leave the screen stepping
on by itself; Reset is never dropped.

    .venv/bin/locality app    then open http://127.0.0.1:8765/workshop
"""

from __future__ import annotations

import re
import threading

import solara
import solara.lab

from locality.viz import stories

story = solara.reactive(stories.STORIES[0].key)
frame = solara.reactive(0)
seed = solara.reactive(stories.WORKSHOP_SEED)
drawing = solara.reactive(False)  # a frame's picture is being drawn: steps asked for meanwhile are dropped
guesses = solara.reactive({})  # (story, question) -> the room's answer ("" if none was recorded)
SKIPPED = ""

# A projector at 1280x720: the controls on one row, the words on the left, the picture on the
# right at its own size (`stories.PICTURE_INCHES`), so a frame fits without scrolling.
BIG = {"font-size": "1.25rem", "line-height": "1.4"}  # 20 px
BUTTON = {"font-size": "1.1rem", "min-width": "6.5rem"}
WORDS = {"flex": "0 0 36%", "min-width": "0", "max-height": "calc(100vh - 180px)", "overflow-y": "auto"}
# A long answer to choose wraps in its button, in the words column's width.
CHOICES = """.workshop-choice.v-btn { height: auto !important; min-height: 2.2rem; max-width: 100%; text-transform: none; }
.workshop-choice .v-btn__content { white-space: normal; flex: 1 1 auto; text-align: left; padding: 4px 0; }"""
#: Characters of caption the words column shows beside its headline: a story's lead, a
#: line or two (about 40 characters a line of 20 px text in its width), less what a question
#: or its answer takes; the rest of a long caption waits under "More", for the facilitator.
#: (The browser test checks every story's first and last frame fit at 1280x720.)
WORDS_ROOM = 240
PICTURE = {"flex": "1 1 auto", "min-width": "0", "align-items": "flex-start"}


def go_to(to: int) -> None:
    """Show frame `to`: the page is busy (steps are dropped) from this moment until its
    picture is on screen, not only once the page has redrawn, which can lag a step."""
    if to != frame.value:
        drawing.value = True
        frame.value = to


def choose_story(key: str) -> None:
    if key != story.value:
        drawing.value = True  # until the new story's first picture is on screen
    story.value = key
    frame.value = 0


def reset() -> None:
    """Back to the first frame, on the known seed, with the room's answers forgotten."""
    if seed.value != stories.WORKSHOP_SEED:
        drawing.value = True
    seed.value = stories.WORKSHOP_SEED
    go_to(0)
    guesses.value = {}


def record_guess(key: str, prompt: str, choice: str) -> None:
    """The facilitator records the room's answer (or SKIPPED, to go on without one)."""
    guesses.value = {**guesses.value, (key, prompt): choice}


def verdict_on(question: stories.Question, guess: str) -> str:
    """The room's guess beside what the run says, in words."""
    if guess == SKIPPED:
        return f"**{question.prompt}** The run says: {question.said}."
    right = "The room was right." if guess == question.answer else f"The run says otherwise: {question.answer}."
    return f"**{question.prompt}** The room said: {guess}. The run: {question.said}. {right}"


def said_and_more(caption: str, room: int) -> tuple[str, str]:
    """A caption split for a projector: its lead, the first paragraph (or, if that is longer
    than `room` characters, the sentences of it that fit), and the rest. The first sentence
    is always said; a list (of what happened this week) is said whole; a resident's words
    (a paragraph in italics, opening on a quotation mark) are always said."""
    paragraphs = [p.strip() for p in caption.split("\n\n") if p.strip()]
    if not paragraphs:
        return "", ""
    lead, rest = paragraphs[0], paragraphs[1:]
    if len(lead) > room and not lead.startswith("- "):  # the lead alone is too long: the sentences that fit
        sentences = re.split(r"(?<=[.?!])\s+(?=\S)", lead)
        kept = [sentences[0]]
        for sentence in sentences[1:]:
            if len(" ".join(kept)) + len(sentence) + 1 > room:
                break
            kept.append(sentence)
        rest = [" ".join(sentences[len(kept):])] * (len(kept) < len(sentences)) + rest
        lead = " ".join(kept)
    quoted = [p for p in rest if p.startswith('*"')]
    return "\n\n".join([lead, *quoted]), "\n\n".join(p for p in rest if p not in quoted)


def chapter_starts(frames: list[stories.Frame]) -> dict[str, int]:
    """The first frame of each chapter of a story, in order (none for unchaptered stories)."""
    starts: dict[str, int] = {}
    for index, shown in enumerate(frames):
        if shown.chapter:
            starts.setdefault(shown.chapter, index)
    return starts


@solara.component
def Counters(counters: dict[str, str]):
    """The frame's counts, three to a row, each number beside its name (compact, for a projector)."""
    cells = "".join(f'<div><b style="font-size:1.5rem">{value}</b> <span style="font-size:1.05rem">{name}</span></div>'
                    for name, value in counters.items())
    solara.HTML(tag="div", unsafe_innerHTML=cells, style={"display": "grid", "grid-template-columns": "repeat(3, auto)",
                                                          "gap": "2px 14px", "margin": "0.2em 0", "line-height": "1.3"})


@solara.component
def StoryChooser():
    """The stories, by title: one control, so the controls keep to one row on a projector."""
    titles = {item.title: item.key for item in stories.STORIES}
    current = next(item.title for item in stories.STORIES if item.key == story.value)
    solara.Select("Story", values=list(titles), value=current, on_value=lambda title: choose_story(titles[title]),
                  dense=True, style={"max-width": "22rem", "font-size": "1.1rem", "margin-top": "0", "padding-top": "0"})


@solara.component
def StoryFrames(key: str, seed_value: int):
    built = solara.lab.use_task(lambda: stories.build_story(key, seed_value), dependencies=[key, seed_value])
    if built.error:
        solara.Error(f"The story could not be built: {built.exception}")
        return
    if built.value is None or built.pending:
        StoryChooser()
        solara.Text("Running the model for this story...", style=BIG)
        solara.ProgressLinear(True)
        return
    FrameView(built.value, key, seed_value)


@solara.component_vue("key_navigation.vue")
def KeyNavigation(busy: bool, frame: int, event_step):
    """The keys a presentation clicker sends, as steps ("next", "back", "reset", "last"); a
    key pressed, or a step button (class `workshop-step`) clicked, while a step is in hand is
    dropped in the browser."""


def draw(shown: stories.Frame):
    """A frame's picture (drawn on a thread of its own, while the page stays live)."""
    return stories.picture(shown)


def stepped(index: int, way: str, count: int, busy: bool, current: int | None = None) -> int | None:
    """The frame a step leads to, or None when it is dropped (its picture still drawing, or
    the page not yet redrawn: `index`, the frame the page shows, is not `current`, the frame
    the story is on) or goes nowhere (Back on the first frame, Next on the last). Reset is
    never dropped; "last" (the End key) goes to the story's last frame, its moral."""
    if way == "reset":
        return 0
    if busy or (current is not None and current != index):
        return None
    to = count - 1 if way == "last" else index + (1 if way == "next" else -1)
    return to if 0 <= to < count else None


@solara.component
def FramePicture(shown: stories.Frame, last, shows: tuple[str, int, int]):
    """One frame's picture, drawn on a thread of its own, with the last picture shown faded
    meanwhile (`last`, the page's, keeps the page's shape). It is mounted afresh for each
    frame (keyed by the frame) and starts its thread when first rendered, not from an effect:
    a render superseded by another before its effects ran (Next, then Reset at once) kept
    `use_task`'s "pending" but lost the effect that starts it, so the picture never came.
    For the same reason the thread itself, not an effect, says when the page is no longer
    busy: once the picture of the frame the page is on (`shows`: story, seed, frame) is in."""
    outcome, set_outcome = solara.use_state(None)  # ("drawn", figure) or ("failed", exception)
    started = solara.use_ref(False)
    if not started.current:
        started.current = True

        def drawing_thread():
            if (story.value, seed.value, frame.value) == shows:
                drawing.set(True)  # (already so after a step; not yet on the page's first frame)
            try:
                done = ("drawn", draw(shown))
            except Exception as error:  # shown on the page, as the picture's error
                done = ("failed", error)
            try:
                set_outcome(done)
            except Exception:  # the frame was left (unmounted) before its picture was done
                pass
            if (story.value, seed.value, frame.value) == shows:
                drawing.set(False)

        threading.Thread(target=drawing_thread, name="workshop picture", daemon=True).start()
    if outcome is not None and outcome[0] == "drawn":
        last.current = outcome[1]
    if outcome is not None and outcome[0] == "failed":
        solara.Error(f"The picture could not be drawn: {outcome[1]}")
    elif last.current is not None:
        with solara.Column(style={"opacity": "0.5" if outcome is None else "1"}):
            # made into an image once per picture, not again each time the page redraws
            solara.FigureMatplotlib(last.current, dependencies=[last.current], format="png", dpi=stories.PICTURE_DPI)


@solara.component
def FrameView(frames: list[stories.Frame], key: str, seed_value: int):
    index = min(max(frame.value, 0), len(frames) - 1)
    shown = frames[index]
    last = solara.use_ref(None)  # the picture on show while the next is drawn
    busy = drawing.value

    def step(way: str) -> None:
        """A step from the frame shown. Dropped while a picture is drawn, and when the story
        has moved on from this render's frame (the picture's thread can hold the page's
        redraw, so a click can reach this render's step late: Back from a frame no longer
        shown is dropped). The browser drops a burst of clicks before they reach here."""
        if way == "reset":
            reset()
            return
        to = stepped(index, way, len(frames), busy or drawing.value, current=min(max(frame.value, 0), len(frames) - 1))
        if to is not None:
            go_to(to)

    def to_chapter(start: int) -> None:
        if not drawing.value:
            go_to(start)

    KeyNavigation(busy=busy, frame=index, event_step=step)
    with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "nowrap", "height": "48px"}):
        StoryChooser()
        solara.Button("Back", on_click=lambda: step("back"), disabled=index == 0, style=BUTTON, outlined=True,
                      classes=["workshop-step"])
        solara.Button("Next", on_click=lambda: step("next"), disabled=index == len(frames) - 1,
                      color="primary", style=BUTTON, classes=["workshop-step"])
        solara.Button("Reset", on_click=reset, style=BUTTON, text=True)
        solara.Text(f"{index + 1} of {len(frames)}", style={"font-size": "1.1rem", "white-space": "nowrap"})
        chapters = chapter_starts(frames)
        for name, start in (chapters.items() if len(chapters) > 1 else ()):
            solara.Button(name, on_click=lambda start=start: to_chapter(start), text=True, style=BUTTON,
                          color="primary" if shown.chapter == name else None, classes=["workshop-step"])
    with solara.Row(gap="20px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Column(gap="4px", style=WORDS, classes=["workshop-words"]):
            solara.Text(shown.headline, style={"display": "block", "font-size": "1.6rem", "font-weight": "bold",
                                               "line-height": "1.25"})
            if shown.asks is not None:
                guess = guesses.value.get((key, shown.asks.prompt))
                if guess is None:
                    Ask(shown.asks, lambda choice: record_guess(key, shown.asks.prompt, choice))
                else:
                    solara.Markdown(f"**The room's guess:** {guess or 'none'}. The story's last frame gives the answer.",
                                    style={**BIG, "background": "#fff3cd", "padding": "0.3em 0.6em"})
            if shown.answers is not None:
                solara.Markdown(verdict_on(shown.answers, guesses.value.get((key, shown.answers.prompt), SKIPPED)),
                                style={**BIG, "background": "#fff3cd", "padding": "0.3em 0.6em"})
            if shown.counters:
                Counters(shown.counters)
            asked = shown.asks or shown.answers
            said, more = said_and_more(shown.caption, WORDS_ROOM - (len(asked.prompt) + 120 if asked else 0)
                                       - (90 if shown.counters else 0))
            solara.Markdown(said, style=BIG)
            if more:
                with solara.Details("More (for the facilitator)"):
                    solara.Markdown(more, style={"font-size": "1.1rem"})
            solara.Text(f"Seed {seed_value}: the same story every time", style={"font-size": "0.95rem", "color": "#666"})
        with solara.Column(style=PICTURE, classes=["workshop-picture"]):
            FramePicture(shown, last, (key, seed_value, index)).key(f"{key}/{seed_value}/{index}")


@solara.component
def Ask(question: stories.Question, answered):
    """The question, and a button per choice for the facilitator to record the room's
    answer (or to go on without one)."""
    solara.Style(CHOICES)
    solara.Text(question.prompt, style={"display": "block", "font-size": "1.35rem", "margin": "0.3em 0"})
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        for choice in question.choices:
            solara.Button(choice, on_click=lambda choice=choice: answered(choice), outlined=True, style=BUTTON,
                          classes=["workshop-choice"])
        solara.Button("No guess", on_click=lambda: answered(SKIPPED), text=True, style=BUTTON)


@solara.component
def Workshop():
    solara.Title("Locality: workshop")
    with solara.Column(gap="4px", style={"padding": "4px 20px 0"}):
        StoryFrames(story.value, seed.value)


Page = Workshop
