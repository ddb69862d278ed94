"""Replications that draw across a calibration's posterior: each seed also runs on a set
of fitted parameters picked, by weight, from the draws `locality calibrate` keeps beside
the scenario it fitted (`_calibrated.posterior.csv`). An interval over such replications
covers what the published rates leave uncertain as well as chance.

A draw never overrides what is more particular than the calibration: a value the place's
own file sets (Triborough's own shock rates) or a lever the user set (demand growth typed
in the app) stays as it is; the draw fills in only the fitted figures the place inherits.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from locality.parameters.levers import value_at
from locality.parameters.loader import ScenarioError, _resolve_path, load_scenario, read_raw, python_value, split_sources

POSTERIOR_SUFFIX = ".posterior.csv"


def posterior_beside(scenario_file: str | Path) -> Path:
    """Where a fitted scenario file's posterior draws are kept: beside it."""
    path = Path(scenario_file)
    return path.with_name(f"{path.stem}{POSTERIOR_SUFFIX}")


def place_posterior(scenario: str | Path) -> Path | None:
    """The posterior a place's fitted figures come from: beside the nearest file in its
    `extends` chain (itself included) that has one; None when no calibration kept one."""
    path, seen = _resolve_path(scenario), set()
    while path not in seen:
        seen.add(path)
        if posterior_beside(path).is_file():
            return posterior_beside(path)
        with open(path, "rb") as handle:
            parent = tomllib.load(handle).get("extends")
        if not parent:
            return None
        path = (path.parent / f"{parent}.toml") if (path.parent / f"{parent}.toml").is_file() else _resolve_path(parent)
    return None


def read_posterior(path: str | Path) -> pd.DataFrame:
    """A calibration's posterior draws: a weight and scenario values per row (a CSV)."""
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"posterior {path}: cannot be read as a table of draws ({exc})") from None
    if "weight" not in table or table.empty or (table["weight"] < 0).any() or table["weight"].sum() <= 0:
        raise ScenarioError(f"posterior {path}: needs a non-negative 'weight' column and at least one draw")
    table["weight"] = table["weight"] / table["weight"].sum()
    return table


def pick_draws(posterior: pd.DataFrame, master_seed: int, reps: int) -> tuple[list[int], list[dict[str, Any]]]:
    """`reps` rows of a posterior, picked by weight from the master seed (so a study
    reproduces), and the scenario values each sets."""
    rows = np.random.default_rng(master_seed).choice(len(posterior), size=reps, p=posterior["weight"])
    values = posterior.drop(columns="weight")
    return [int(i) for i in rows], [{key: python_value(value) for key, value in values.iloc[int(i)].items()} for i in rows]


def inherited_keys(scenario: str | Path, posterior_path: str | Path, keys: Iterable[str]) -> set[str]:
    """The posterior's keys whose value the place takes from the calibrated scenario (the
    file beside the posterior), not from a figure of its own."""
    own, fitted = (split_sources(read_raw(path))[0] for path in (scenario, _fitted_file(posterior_path)))
    return {key for key in keys if _at(own, key) == _at(fitted, key)}


def _at(raw: dict, key: str) -> Any:
    for part in key.split("."):
        raw = raw.get(part) if isinstance(raw, dict) else None
    return raw


def _fitted_file(posterior_path: str | Path) -> Path:
    path = Path(posterior_path)
    return path.with_name(path.name.removesuffix(POSTERIOR_SUFFIX) + ".toml")


def _place_keys(scenario: str | Path, posterior_path: str | Path, keys: Iterable[str]) -> set[str]:
    """What a draw may set: the keys the place inherits from the calibration, or every key
    when the posterior is a file of draws with no scenario beside it to tell."""
    if not isinstance(scenario, (str, Path)):
        raise ScenarioError("posterior: give the scenario by name or file, not loaded, so that a draw can leave "
                            "the figures the place sets itself")
    if not _fitted_file(posterior_path).is_file():
        return set(keys)
    return inherited_keys(scenario, posterior_path, keys)


def draws_for(scenario: str | Path, posterior: str | Path | bool, master_seed: int, reps: int,
              set_by_user: Iterable[str] = ()) -> tuple[list[int], list[dict[str, Any]]]:
    """`reps` draws from the posterior (`True`: the place's own, `place_posterior`), each as
    the values it sets, less those the place's file or the user set themselves. Raises a
    named ScenarioError when the place has no posterior."""
    path = place_posterior(scenario) if posterior is True else Path(posterior)
    if path is None:
        raise ScenarioError(f"posterior: {scenario} inherits from no calibration that kept its draws "
                            "(run `locality calibrate` to make one, or give a file of draws)")
    table = read_posterior(path)
    rows, picked = pick_draws(table, master_seed, reps)
    keep = _place_keys(scenario, path, table.columns.drop("weight")) - set(set_by_user)
    return rows, [{key: value for key, value in values.items() if key in keep} for values in picked]


def left_at_own(scenario: str | Path, overrides: dict) -> dict:
    """The overrides less those that only repeat the scenario's own value: in the app every
    lever is always set, and one left at the place's own is not the user's figure, so a
    posterior draw may vary it (demand growth, say)."""
    spec = load_scenario(scenario)
    return {key: value for key, value in overrides.items() if _own(spec, key) != value}


def _own(spec, key: str):
    try:
        return value_at(spec, key)
    except (AttributeError, KeyError):
        return None
