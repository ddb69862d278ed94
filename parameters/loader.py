"""Load a scenario: read TOML, follow `extends`, peel off sources, apply dotted
overrides, validate, and explain any problem in one message that names the key.

A figure in a scenario file is written either plainly under a table that has a
`source = "..."` line (the source covers the table), or as
`{ value = ..., source = "..." }`. The word "assumption" in a source marks a figure
that no document gives.
"""

from __future__ import annotations

import copy
import difflib
import fnmatch
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from . import DEFAULT_SCENARIO, references
from .errors import ScenarioError
from .messages import merged, plain, without_internals
from .schema import Scenario
from .unit_costs import CostReferenceError

SCENARIO_DIR = Path(__file__).parent / "scenarios"
OVERRIDE_SOURCE = "override"
#: Keys that were renamed: the old name is refused with the new one.
RENAMED = {"regime.integrated_pooled_share": "regime.pooled_share (the share pooled for key workers while they run)"}
#: Keys that were replaced by others with a different meaning: the old name is refused with what to give now.
REPLACED = {"line": "crises are hazards now: give rate (weekly chance at need 1) and steepness instead of a crisis line"}


def builtin_scenarios() -> dict[str, Path]:
    """Built-in scenario names (file stems) and their files; base files are not runnable."""
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml")) if not p.stem.startswith("_")}


def load_scenario(scenario: str | Path | Mapping | Scenario = DEFAULT_SCENARIO, overrides: Iterable[str] | Mapping[str, Any] = ()) -> Scenario:
    """Resolve a built-in name, a file path, a raw mapping or a Scenario, then apply overrides.

    `overrides` is either "key=value" strings (values parsed as TOML, else taken as text)
    or a mapping of dotted keys to Python values.
    """
    if isinstance(scenario, Scenario):
        raw, sources, label = scenario.model_dump(), sources_of(scenario), scenario.place.name
        refs = dict(references_of(scenario))
    else:
        if isinstance(scenario, Mapping):
            raw, label = copy.deepcopy(dict(scenario)), "scenario"
        else:
            path = _resolve_path(scenario)
            raw, label = _read_with_extends(path, seen=()), path.name
        refs = _guarded(label, references.extract, raw)
        raw, sources = split_sources(raw)
    pairs = parse_overrides(overrides) if not isinstance(overrides, Mapping) else list(overrides.items())
    for key, value in pairs:
        _refuse_new_names(raw, key)
        set_dotted(raw, key, value)
        sources[key] = OVERRIDE_SOURCE
        for derived in [k for k in refs if k == key or k.startswith(f"{key}.")]:
            del refs[derived]  # the figure itself was set: it no longer follows its reference
    _guarded(label, references.resolve, raw, sources, refs)
    return validate(raw, label=label, sources=sources, overrides=pairs, refs=refs)


def _guarded(label: str, action, *args):
    try:
        return action(*args)
    except CostReferenceError as exc:
        raise ScenarioError(f"{exc} ({label})") from None


def validate(raw: dict, *, label: str = "scenario", sources: dict[str, str] | None = None, overrides=(), refs=None) -> Scenario:
    """Validate a plain mapping into a Scenario, or raise ScenarioError naming each bad key."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_explain(exc, raw, label, overrides)) from None
    scenario._sources = dict(sources or {})
    scenario._references = dict(refs or {})
    return scenario


def references_of(scenario: Scenario) -> dict[str, references.Reference]:
    """Dotted key -> the unit-cost or resource-map reference that figure follows."""
    return dict(getattr(scenario, "_references", {}))


def as_file(scenario: Scenario) -> dict:
    """The scenario as a file would write it: plain values, with live references kept."""
    dump = _without_none(scenario.model_dump(mode="json"))
    return references.written(dump, references_of(scenario))


def _without_none(node):
    if isinstance(node, dict):
        return {k: _without_none(v) for k, v in node.items() if v is not None}
    return node


def sources_of(scenario: Scenario) -> dict[str, str]:
    """Dotted key -> where that figure came from ("assumption: ...", a document, or "override")."""
    return dict(getattr(scenario, "_sources", {}))


def source_for(scenario: Scenario, key: str) -> str | None:
    """The source of one dotted key, inherited from the nearest annotated parent table."""
    sources = sources_of(scenario)
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        found = sources.get(".".join(parts[:end]))
        if found:
            return found
    return None


def flat_figures(node: Any, prefix: str = ""):
    """(dotted key, number) for every number in a scenario dump, in file order."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from flat_figures(value, f"{prefix}{key}.")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield prefix.rstrip("."), node


def figures_matching(node: Any, patterns: Iterable[str]) -> dict[str, float]:
    """{dotted key: number} for every number in a scenario dump whose key one of the
    patterns matches (a * stands for any one name: "agencies.*.effect")."""
    patterns = list(patterns)
    return {key: value for key, value in flat_figures(node)
            if any(fnmatch.fnmatchcase(key, p) and key.count(".") == p.count(".") for p in patterns)}


def scaled_figures(node: Any, patterns: Iterable[str], factor: float) -> dict[str, float | int]:
    """{dotted key: value x factor} for every figure the patterns match (as `figures_matching`):
    one factor scales a group of keys together ("needs.recovery.*"). A whole number stays
    whole (rounded), as the schema types it; a group that matches nothing is refused."""
    patterns = list(patterns)
    found = figures_matching(node, patterns)
    if not found:
        raise ScenarioError(f"{', '.join(patterns)} match no figure of the scenario (a * stands for one name, "
                            "as in needs.recovery.*; `locality sources` lists every key)")
    return {key: round(current * factor) if isinstance(current, int) else float(current) * factor
            for key, current in found.items()}


def parse_overrides(items: Iterable[str]) -> list[tuple[str, Any]]:
    """Turn ["regime.kind=integrated", "run.years=3"] into typed (key, value) pairs."""
    pairs = []
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ScenarioError(f"override '{item}' is not of the form key=value (for example regime.kind=integrated)")
        pairs.append((key, parse_value(text.strip())))
    return pairs


def python_value(value: Any) -> Any:
    """A numpy scalar (what samplers and frames hand out) as the Python value an override
    and JSON take, so the loader types it as it would a value typed by hand."""
    return value.item() if isinstance(value, np.generic) else value


def parse_value(text: str) -> Any:
    """Read a value the way TOML would (numbers, booleans, lists); bare words stay text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _refuse_new_names(raw: dict, key: str) -> None:
    """An override may not invent an entry of a table of named entries (agencies, crises,
    holders...): `agencies.polce.threshold` is a typo far more often than a new agency,
    which a scenario file states whole. Names the known entries and a near miss."""
    parts = key.split(".")
    node = raw
    for depth, part in enumerate(parts[:-1]):
        if not isinstance(node, dict):
            return
        if depth and part not in node and node and _names_entries(parts[:depth]):
            where = ".".join(parts[:depth])
            known = sorted(node)
            hint = difflib.get_close_matches(part, known, n=1)
            raise ScenarioError(f"cannot set '{key}': '{part}' is not one of {where} (known: {', '.join(known)})."
                                + (f" Did you mean '{hint[0]}'?" if hint else "")
                                + " A new one is added in a scenario file, with all its settings.")
        node = node.get(part, {})


def set_dotted(raw: dict, key: str, value: Any) -> None:
    """Set raw[a][b][c] = value for key "a.b.c", creating tables as needed."""
    parts = key.split(".")
    node = raw
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            where = ".".join(parts[: depth + 1])
            raise ScenarioError(f"cannot set '{key}': '{where}' is a value ({child!r}), not a table of settings")
        node = child
    node[parts[-1]] = value


def _names_entries(loc: list[str]) -> bool:
    """Whether the schema's field at `loc` is a table of named entries, each a table of
    settings (agencies, crises, stocks, universal services, resource-map holders)."""
    import typing

    def entries(annotation) -> type[BaseModel] | None:  # dict[str, Model] -> Model
        args = typing.get_args(annotation) if typing.get_origin(annotation) is dict else ()
        return args[1] if args and isinstance(args[1], type) and issubclass(args[1], BaseModel) else None

    def model_of(annotation) -> type[BaseModel] | None:  # Model or Model | None -> Model
        candidates = [annotation, *typing.get_args(annotation)]
        return next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)

    node: typing.Any = Scenario
    for part in loc:
        if entries(node) is not None:  # `part` names one entry
            node = entries(node)
            continue
        model = model_of(node)
        if model is None or part not in model.model_fields:
            return False
        node = model.model_fields[part].annotation
    return entries(node) is not None


def split_sources(raw: dict, prefix: str = "") -> tuple[dict, dict[str, str]]:
    """Strip `source` annotations from a raw scenario, returning (clean values, sources by dotted key)."""
    sources: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if isinstance(raw.get("source"), str):
        sources[prefix.rstrip(".")] = raw["source"]
    for key, value in raw.items():
        if key == "source" and isinstance(value, str):
            continue
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and set(value) == {"value", "source"}:
            if not isinstance(value["source"], str) or not value["source"].strip():
                raise ScenarioError(f"{dotted}: source = {value['source']!r}: say where the figure comes from, "
                                    "or write the word assumption")
            clean[key] = value["value"]
            sources[dotted] = value["source"]
        elif isinstance(value, dict):
            clean[key], inner = split_sources(value, f"{dotted}.")
            sources.update(inner)
        else:
            clean[key] = value
    return clean, sources


def unsourced_figures(raw: dict, inherited: str | None = None, prefix: str = "") -> list[str]:
    """Dotted keys of numbers in a raw scenario file that carry no source, own or inherited."""
    here = raw.get("source") if isinstance(raw.get("source"), str) else inherited
    missing = []
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and set(value) == {"value", "source"}:
            if not str(value["source"]).strip():
                missing.append(dotted)
        elif references.is_reference(value):
            # the catalogue or the resource map is the source; a factor of our own needs a note
            if ("times" in value or "share" in value) and not str(value.get("note", "")).strip():
                missing.append(dotted)
        elif isinstance(value, dict):
            missing += unsourced_figures(value, here, f"{dotted}.")
        elif _has_number(value) and not (here and here.strip()):
            missing.append(dotted)
    return missing


def read_raw(path: str | Path) -> dict:
    """The raw TOML of one scenario file, with `extends` followed (sources still attached)."""
    return _read_with_extends(_resolve_path(path), seen=())


def _has_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, list):
        return any(_has_number(v) for v in value)
    return False


def _resolve_path(scenario: str | Path) -> Path:
    builtins = builtin_scenarios()
    if isinstance(scenario, str) and scenario in builtins:
        return builtins[scenario]
    path = Path(scenario)
    if path.is_file():
        return path
    if isinstance(scenario, str) and (SCENARIO_DIR / f"{scenario}.toml").is_file():
        return SCENARIO_DIR / f"{scenario}.toml"
    hint = difflib.get_close_matches(str(scenario), list(builtins), n=1)
    suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
    raise ScenarioError(
        f"scenario '{scenario}' is neither a built-in scenario ({', '.join(builtins)}) nor a readable file.{suggestion}"
    )


def read_toml(path: str | Path, what: str = "file") -> dict:
    """A TOML file as a table, or one line saying why it cannot be read: missing or
    unreadable, not UTF-8 text, not TOML, or nested too deep to be a scenario."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a text file (not UTF-8); give a {what} written as TOML") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested too deeply to be a {what}") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror})") from None


def _read_with_extends(path: Path, seen: tuple[Path, ...]) -> dict:
    if path in seen:
        raise ScenarioError(f"{path.name}: 'extends' goes round in a circle ({' -> '.join(p.name for p in seen + (path,))})")
    raw = read_toml(path, what="scenario")
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(f"{path}: extends = {parent!r}: give the name of a scenario or a file, in quotes")
    parent_path = _resolve_path(parent) if not (path.parent / f"{parent}.toml").is_file() else path.parent / f"{parent}.toml"
    return deep_merge(_read_with_extends(parent_path, seen + (path,)), raw)


def deep_merge(base: dict, top: dict) -> dict:
    """Tables merge key by key; anything else in `top` replaces what `base` had."""
    merged = copy.deepcopy(base)
    for key, value in top.items():
        old = merged.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and not (_is_leaf(value) or _is_leaf(old)):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _is_leaf(node: dict) -> bool:
    """A sourced figure or a reference: replaced whole by a file that extends, never merged."""
    return set(node) == {"value", "source"} or references.is_reference(node)


def _explain(exc: ValidationError, raw: dict, label: str, overrides) -> str:
    at_fault = [key for key, _ in overrides if any(_within(key, error["loc"]) for error in exc.errors())]
    origin = f"{label}" + (f", after --set {', '.join(at_fault)}" if at_fault else "")
    lines: list[str] = []
    for error in merged(exc.errors()):
        loc = [str(part) for part in error["loc"]]
        key = ".".join(loc)
        if not loc:  # a whole-scenario check: its message already names the keys
            lines.append("  " + error["msg"].removeprefix("Value error, "))
            continue
        value = _lookup(raw, loc)
        if error["type"] == "extra_forbidden" and key in RENAMED:
            lines.append(f"  {key}: renamed; use {RENAMED[key]}.")
            continue
        if error["type"] == "extra_forbidden" and loc[-1] in REPLACED and loc[0] == "crises":
            lines.append(f"  {key}: {REPLACED[loc[-1]]}.")
            continue
        if error["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key. {_allowed_here(loc)}")
            continue
        if error["type"] == "missing":
            lines.append(f"  {key}: required but missing. {_describe(loc)}")
            continue
        message = plain(error["msg"])
        if loc[-1] == "[key]":  # a bad name used as a key, e.g. an unknown need domain
            lines.append(f"  {'.'.join(loc[:-2])}: '{loc[-2]}' is not allowed as a name here. {message}.")
            continue
        shown = f" = {value!r}" if value is not _MISSING and not isinstance(value, dict) else ""
        hint = _describe(loc)
        lines.append(f"  {key}{shown}: {message}." + (f" Allowed: {hint}" if hint else ""))
    if len(lines) == 1:  # one fault: one line, then where it came from
        return f"{lines[0].strip()} ({origin})"
    return "\n".join([f"Invalid scenario ({origin}): {len(lines)} problems", *lines])


_MISSING = object()


def _within(key: str, loc) -> bool:
    """Whether an override of `key` reaches the place of an error (or the error is inside it)."""
    where = ".".join(str(part) for part in without_internals(loc))
    return where == key or where.startswith(f"{key}.") or key.startswith(f"{where}.")


def _lookup(raw: Any, loc: list[str]) -> Any:
    node = raw
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _inner_model(annotation: Any) -> Any:
    import typing

    origin = typing.get_origin(annotation)
    if origin is dict:
        value_type = typing.get_args(annotation)[1]
        if isinstance(value_type, type) and issubclass(value_type, BaseModel):
            return (value_type,)
        return dict
    return annotation


def schema_at(loc: list[str]) -> type[BaseModel] | None:
    """The schema model describing the table at `loc` (names of agencies and crises are skipped)."""
    model: Any = Scenario
    skip_name = False
    for part in loc:
        if skip_name:
            skip_name = False
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        inner = _inner_model(field.annotation)
        if isinstance(inner, tuple):
            model, skip_name = inner[0], True
        else:
            model = inner
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _allowed_here(loc: list[str]) -> str:
    parent = schema_at(loc[:-1])
    if parent is None:
        return "Remove it."
    names = list(parent.model_fields)
    close = difflib.get_close_matches(loc[-1], names, n=1)
    where = ".".join(loc[:-1]) or "the top level"
    hint = f"Did you mean '{close[0]}'? " if close else ""
    return f"{hint}Keys allowed in {where}: {', '.join(names)}."


def _describe(loc: list[str]) -> str:
    parent = schema_at(loc[:-1])
    if parent is None:
        return ""
    field = parent.model_fields.get(loc[-1])
    if field is None:
        return ""
    return field.description or ""
