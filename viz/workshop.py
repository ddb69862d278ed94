"""Workshop mode for trainers: large text, few controls, one story at a time. Each story
is a fixed sequence of frames built from real runs on a known seed (`viz/stories.py`);
Back and Next (or a presentation clicker's keys: arrows, PageUp and PageDown, Space) step
through it, Reset (or Home, Escape) goes back to its start and to the known seed, so a
story plays the same every time it is shown. A story's first frame asks the room a
question (predict, then see): the facilitator records the room's answer with a click, and
the story's last frame shows it beside what the run says. A frame's picture is drawn in the
background; a step asked for while it is drawn is dropped, not queued, so a room's
impatient clicks never leave the screen stepping on by itself, and Reset cancels it.

    .venv/bin/locality app    then open http://127.0.0.1:8765/workshop
"""

from __future__ import annotations

import solara
import solara.lab

from locality.viz import stories

story = solara.reactive(stories.STORIES[0].key)
frame = solara.reactive(0)
seed = solara.reactive(stories.WORKSHOP_SEED)
drawing = solara.reactive(False)  # a frame's picture is being drawn: steps asked for meanwhile are dropped
guesses = solara.reactive({})  # (story, question) -> the room's answer ("" if none was recorded)
SKIPPED = ""

BIG = {"font-size": "1.45rem", "line-height": "1.5"}
BUTTON = {"font-size": "1.2rem", "min-width": "8rem"}


def choose_story(key: str) -> None:
    story.value = key
    frame.value = 0


def reset() -> None:
    """Back to the first frame, on the known seed, with the room's answers forgotten."""
    seed.value = stories.WORKSHOP_SEED
    frame.value = 0
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


def chapter_starts(frames: list[stories.Frame]) -> dict[str, int]:
    """The first frame of each chapter of a story, in order (none for unchaptered stories)."""
    starts: dict[str, int] = {}
    for index, shown in enumerate(frames):
        if shown.chapter:
            starts.setdefault(shown.chapter, index)
    return starts


@solara.component
def Counters(counters: dict[str, str]):
    with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
        for name, value in counters.items():
            with solara.Card(margin=0, style={"min-width": "10rem", "text-align": "center"}):
                solara.Text(value, style={"display": "block", "font-size": "2.2rem", "font-weight": "bold"})
                solara.Text(name, style={"display": "block", "font-size": "1.05rem"})


@solara.component
def StoryFrames(key: str, seed_value: int):
    built = solara.lab.use_task(lambda: stories.build_story(key, seed_value), dependencies=[key, seed_value])
    if built.error:
        solara.Error(f"The story could not be built: {built.exception}")
        return
    if built.value is None or built.pending:
        solara.Text("Running the model for this story...", style=BIG)
        solara.ProgressLinear(True)
        return
    FrameView(built.value, key, seed_value)


@solara.component_vue("key_navigation.vue")
def KeyNavigation(busy: bool, frame: int, event_step):
    """The keys a presentation clicker sends, as steps ("next", "back", "reset"); a key
    pressed while a step is in hand is dropped in the browser."""


def draw(shown: stories.Frame):
    """A frame's picture (drawn on a thread of its own, while the page stays live)."""
    return shown.figure()


def stepped(index: int, way: str, count: int, busy: bool) -> int | None:
    """The frame a step leads to, or None when it is dropped (its picture still drawing) or
    goes nowhere (Back on the first frame, Next on the last). Reset is never dropped."""
    if way == "reset":
        return 0
    if busy:
        return None
    to = index + (1 if way == "next" else -1)
    return to if 0 <= to < count else None


@solara.component
def FrameView(frames: list[stories.Frame], key: str, seed_value: int):
    index = min(max(frame.value, 0), len(frames) - 1)
    shown = frames[index]
    drawn = solara.lab.use_task(lambda: draw(shown), dependencies=[key, seed_value, index], raise_error=False)
    last = solara.use_ref(None)  # the picture on show while the next is drawn: the page keeps its shape
    if drawn.finished and drawn.value is not None:
        last.current = drawn.value
    busy = drawn.pending
    solara.use_effect(lambda: drawing.set(busy), dependencies=[busy])

    def step(way: str) -> None:
        if way == "reset":
            reset()
            return
        to = stepped(index, way, len(frames), busy)
        if to is not None:
            frame.set(to)

    KeyNavigation(busy=busy, frame=index, event_step=step)
    with solara.Row(style={"align-items": "center"}):
        solara.Button("Back", on_click=lambda: step("back"), disabled=index == 0, style=BUTTON, outlined=True)
        solara.Button("Next", on_click=lambda: step("next"), disabled=index == len(frames) - 1,
                      color="primary", style=BUTTON)
        solara.Button("Reset", on_click=reset, style=BUTTON, text=True)
        solara.Text(f"{index + 1} of {len(frames)}  (seed {seed_value})", style={"font-size": "1.1rem"})
        chapters = chapter_starts(frames)
        if len(chapters) > 1:
            solara.Text("Jump to:", style={"font-size": "1.1rem", "margin-left": "1.5rem"})
            for name, start in chapters.items():
                solara.Button(name, on_click=lambda start=start: frame.set(start), text=True, style=BUTTON,
                              color="primary" if shown.chapter == name else None)
    solara.Text(shown.headline, style={"display": "block", "font-size": "2.1rem", "font-weight": "bold", "margin": "0.4em 0"})
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
    solara.Markdown(shown.caption, style=BIG)
    if drawn.error:
        solara.Error(f"The picture could not be drawn: {drawn.exception}")
    elif last.current is not None:
        with solara.Column(style={"opacity": "0.5" if busy else "1"}):
            solara.FigureMatplotlib(last.current, format="png")


@solara.component
def Ask(question: stories.Question, answered):
    """The question, and a button per choice for the facilitator to record the room's
    answer (or to go on without one)."""
    solara.Text(question.prompt, style={"display": "block", "font-size": "1.8rem", "margin": "0.6em 0"})
    with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
        for choice in question.choices:
            solara.Button(choice, on_click=lambda choice=choice: answered(choice), style=BUTTON, outlined=True)
        solara.Button("No guess", on_click=lambda: answered(SKIPPED), text=True, style=BUTTON)


@solara.component
def Workshop():
    solara.Title("Locality: workshop")
    with solara.Column(style={"padding": "12px 24px"}):
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            for item in stories.STORIES:
                solara.Button(item.title, on_click=lambda key=item.key: choose_story(key), style=BUTTON,
                              color="primary" if item.key == story.value else None, outlined=item.key != story.value)
        StoryFrames(story.value, seed.value)


Page = Workshop
