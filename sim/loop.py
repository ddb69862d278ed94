"""The week's loop: the stages of the story in order, each timed, with named points where
an observer can watch (before or after any stage), as Starsim's loop lets a function be
put at a named point of its plan. A point that does not exist is refused, so a renamed
stage cannot leave an observer silently unwatched."""

from __future__ import annotations

import time
from collections.abc import Callable

from .week import Week

Stage = Callable[[Week], None]
Observer = Callable[[Week], None]


class Loop:
    def __init__(self, stages: list[tuple[str, Stage]]):
        self.stages = list(stages)
        self.seconds = dict.fromkeys((name for name, _ in self.stages), 0.0)
        self.observers: dict[str, list[Observer]] = {point: [] for point in self.points}
        self.wants_events = False
        self._plan = [(name, stage, self.observers[f"before {name}"], self.observers[f"after {name}"])
                      for name, stage in self.stages]

    @property
    def points(self) -> list[str]:
        """Where observers may watch: "before <stage>" and "after <stage>", in order."""
        return [f"{when} {name}" for name, _ in self.stages for when in ("before", "after")]

    def watch(self, point: str, observer: Observer, events: bool = True) -> None:
        """Call `observer(week)` at `point` every week from now on. With `events`, stages
        tell the week what happened to whom (`week.events`), which costs a little."""
        if point not in self.observers:
            raise ValueError(f"no point '{point}' in the week; the points are: {', '.join(self.points)}")
        self.observers[point].append(observer)
        self.wants_events |= events

    def run(self, week: Week) -> None:
        """The week's stages in order, each timed, its observers called around it."""
        for name, stage, before, after in self._plan:
            for observer in before:
                observer(week)
            started = time.perf_counter()
            stage(week)
            self.seconds[name] += time.perf_counter() - started
            for observer in after:
                observer(week)
