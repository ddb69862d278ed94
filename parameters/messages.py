"""Pydantic's complaints in the words of a scenario file's reader: no class names, no
parser internals (`Input should be a valid dictionary or instance of BudgetHolder`
becomes `give a table`)."""

from __future__ import annotations

import re

PLAIN = [
    (re.compile(r"^Input should be a valid dictionary( or instance of \w+)?$"), "give a table (a [section] or { key = value })"),
    (re.compile(r"^Input should be a valid number, unable to parse string as a number$"), "give a number, not text"),
    (re.compile(r"^Input should be a valid integer, unable to parse string as an integer$"), "give a whole number, not text"),
    (re.compile(r"^Input should be a valid integer, got a number with a fractional part$"), "give a whole number"),
    (re.compile(r"^Input should be a valid (number|integer)$"), r"give a \1"),
    (re.compile(r"^Input should be a valid string$"), "give text in quotes"),
    (re.compile(r"^Input should be a valid list$"), "give a list [ ... ]"),
    (re.compile(r"^Input should be a finite number$"), "give a finite number (not inf or nan)"),
    (re.compile(r"^Input should be (less|greater) than or equal to (\S+)$"), r"give a number \1 than or equal to \2"),
]


def plain(message: str) -> str:
    """One pydantic message, said plainly."""
    message = message.removeprefix("Value error, ")
    for pattern, replacement in PLAIN:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message
