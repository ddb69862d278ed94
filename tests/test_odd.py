"""docs/odd.md stays true to the code: every scenario key it names (`section.key`, with
`<name>` standing for one agency, crisis, stock or universal service) is a field of the
scenario schema, and every module it points to exists."""

import re
import typing
from pathlib import Path

from pydantic import BaseModel

from locality.parameters.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
ODD = (ROOT / "docs" / "odd.md").read_text(encoding="utf-8")
KEY = re.compile(r"`([a-z_]+(?:\.(?:[a-z_]+|<name>))+)`")


def field_exists(key: str) -> bool:
    """Whether a dotted key, with <name> for an entry of a named table, is in the schema."""
    model: typing.Any = Scenario
    for part in key.split("."):
        if part == "<name>":
            if typing.get_origin(model) is not dict:
                return False
            model = typing.get_args(model)[1]
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return False
        model = model.model_fields[part].annotation
        inner = [a for a in typing.get_args(model) if isinstance(a, type) and issubclass(a, BaseModel)]
        if typing.get_origin(model) is not dict and inner:  # (Optional[Model])
            model = inner[0]
    return True


def named_keys() -> set[str]:
    sections = set(Scenario.model_fields)
    return {key for key in KEY.findall(ODD) if key.split(".")[0] in sections}


def test_every_parameter_the_odd_names_is_in_the_schema():
    keys = named_keys()
    assert len(keys) > 60  # it names the model's parameters, not a few
    assert not sorted(key for key in keys if not field_exists(key))


def test_the_check_would_catch_a_renamed_parameter():
    assert field_exists("agencies.<name>.threshold") and field_exists("resource_map.households")
    assert not field_exists("needs.shock_rates") and not field_exists("agencies.threshold")


def test_every_module_the_odd_points_to_exists():
    modules = set(re.findall(r"`((?:sim|agents|parameters|experiments|docs)/[\w/.]+)`", ODD))
    assert modules and not sorted(m for m in modules if not (ROOT / m).exists())


def test_the_odd_follows_the_2020_protocol():
    headings = re.findall(r"^## (\d)\. (.+)$", ODD, flags=re.M)
    assert [title for _, title in headings] == ["Purpose and patterns", "Entities, state variables and scales",
                                                "Process overview and scheduling", "Design concepts", "Initialization",
                                                "Input data", "Submodels"]
