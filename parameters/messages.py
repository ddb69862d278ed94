"""Pydantic's complaints in the words of a scenario file's reader: no class names, no
parser internals (`Input should be a valid dictionary or instance of BudgetHolder`
becomes `give a table`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

PLAIN = [
    (re.compile(r"^Input should be a valid dictionary( or instance of \w+)?$"), "give a table (a [section] or { key = value })"),
    (re.compile(r"^Input should be a valid number, unable to parse string as a number$"), "give a number, not text"),
    (re.compile(r"^Input should be a valid integer, unable to parse string as an integer$"), "give a whole number, not text"),
    (re.compile(r"^Input should be a valid integer, got a number with a fractional part$"), "give a whole number"),
    (re.compile(r"^Input should be a valid (number|integer)$"), r"give a \1"),
    (re.compile(r"^Input should be a valid string$"), "give text in quotes"),
    (re.compile(r"^Input should be a valid list$"), "give a list [ ... ]"),
    (re.compile(r"^Input should be a finite number$"), "give a finite number (not inf or nan)"),
    (re.compile(r"^Field required$"), "required but missing"),
    (re.compile(r"^Input should be (less|greater) than or equal to (\S+)$"), r"give a number \1 than or equal to \2"),
]


def plain(message: str) -> str:
    """One pydantic message, said plainly."""
    message = message.removeprefix("Value error, ")
    for pattern, replacement in PLAIN:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


INTERNAL = re.compile(r"^(constrained-\w+|function-\w+\[.*\]|literal\[.*\]|int|float|str|bool|list\[.*\]|dict\[.*\]|\w+\[.*\])$")


def without_internals(loc: Iterable) -> list[str]:
    """An error's place as a reader names it: pydantic's names for the branches of a union
    ('constrained-int', "literal['auto']", 'function-after[_ordered(), Range]') left out."""
    return [str(part) for part in loc if not INTERNAL.match(str(part))]


def merged(errors: list[dict]) -> list[dict]:
    """Errors with pydantic's internal names taken out of their places, said plainly, and
    those of one place merged into one (a union's branches: 'give a number greater than
    or equal to 0, or 'auto'')."""
    by_place: dict[tuple, dict] = {}
    for error in errors:
        loc = tuple(without_internals(error["loc"]))
        if loc in by_place:
            by_place[loc]["msg"] += f", or {plain(error['msg']).removeprefix('Input should be ')}"
        else:
            by_place[loc] = {**error, "loc": loc, "msg": plain(error["msg"])}
    return list(by_place.values())
