"""Plausible field values for generated documents, and the checks a body's values must pass.

Values are drawn from a random source seeded with the resource's identity, so a seeded world
serves the same documents every time, and making one resource never shifts another's values.
"""

from __future__ import annotations

import random
import re
from typing import Any

from .._api import Endpoint, Param
from .._hal import Resource
from ._world import World

WORDS = ("Owl", "Potion", "Quaffle", "Wand", "Cauldron", "Broom", "Rune", "Phoenix")


def plausible(world: World, model: type[Resource[Any]], token: str, index: int) -> dict[str, Any]:
    """Every documented field of a ``model`` resource, filled after its type and name."""
    rng = random.Random(f"{world.seed}/{model.resource_name}/{token}")
    types = model.field_types
    enums = model.field_enums
    return {
        name: _value(
            world, rng, model, name, types.get(name, "string"), enums.get(name), token, index
        )
        for name in model.field_names
    }


def _value(
    world: World,
    rng: random.Random,
    model: type[Resource[Any]],
    name: str,
    kind: str,
    enum: tuple[str, ...] | None,
    token: str,
    index: int,
) -> Any:
    if enum:
        return enum[index % len(enum)]
    if name == "token":
        return token
    if kind == "string":
        return _string(world, rng, model, name, token, index)
    if kind == "integer":
        return int(token[:7], 16) if name == "id" else rng.randint(1, 500)
    if kind == "number":
        return round(rng.uniform(0, 100), 2)
    if kind == "boolean":
        return False  # Mode's flags (archived, restricted, ...) are off unless set
    if kind == "datetime":
        return world.clock.timestamp(-30 * 86400.0 + rng.randint(0, 29) * 86400.0)
    if kind == "array":
        return []
    return {}  # an object, or a `kind: object` model such as cron


def _string(
    world: World, rng: random.Random, model: type[Resource[Any]], name: str, token: str, index: int
) -> str:
    title = model.resource_name.replace("_", " ").title()
    if name.endswith("token"):
        return f"{rng.getrandbits(48):012x}"
    if name.endswith("email"):
        return f"{rng.choice(WORDS).lower()}{index}@{world.account}.example"
    if name in ("username", "member_username") or name.endswith("_username"):
        return "albus_dumbledore"
    if name.endswith("name"):
        return f"{rng.choice(WORDS)} {title} {index + 1}"
    if name.endswith("_at"):
        return world.clock.timestamp(-30 * 86400.0)
    if name.endswith("url"):
        return f"/{world.account}/{model.resource_name}s/{token}"
    if name in ("raw_query", "query", "sql", "formula"):
        return f"SELECT * FROM {rng.choice(WORDS).lower()}s"
    if name == "state":  # an undocumented set of states: the one every live resource is in
        return "active"
    return f"{title} {name.replace('_', ' ')} {index + 1}"


# -- checking a body ---------------------------------------------------------------------------

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "datetime": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def body_values(op: Endpoint[Any], body: Any, *, creating: bool) -> dict[str, Any]:
    """The body's values, unwrapped; a ``ValueError`` says what is wrong with it."""
    params = {p.name: p for p in op.params if p.location == "body"}
    if body is None:  # nothing sent: no values (a create then misses its required ones)
        body = {}
    elif op.body_wrapper is not None and params:
        if not isinstance(body, dict) or not isinstance(body.get(op.body_wrapper), dict):
            raise ValueError(f'body must be {{"{op.body_wrapper}": {{...}}}}')
        if set(body) - {op.body_wrapper}:
            raise ValueError(
                f"unknown body keys: {', '.join(sorted(set(body) - {op.body_wrapper}))}"
            )
        body = body[op.body_wrapper]
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    unknown = sorted(set(body) - set(params))
    if unknown:
        raise ValueError(f"unknown attributes: {', '.join(unknown)}")
    missing = [p.name for p in params.values() if p.required and p.name not in body]
    if missing and creating:
        raise ValueError(f"missing required attributes: {', '.join(missing)}")
    for name, value in body.items():
        problem = value_problem(params[name], value)
        if problem:
            raise ValueError(f"{name} {problem}")
    return dict(body)


def value_problem(param: Param, value: Any) -> str | None:
    """Why ``value`` does not fit ``param``, or None. A null clears an optional value."""
    if value is None:
        return "is required" if param.required else None
    expected = _TYPES.get(param.type, (dict,))  # other names are `kind: object` models
    if not isinstance(value, expected) or (param.type != "boolean" and isinstance(value, bool)):
        return f"must be of type {param.type}, got {type(value).__name__}"
    if param.enum and value not in param.enum:
        return f"must be one of {', '.join(map(str, param.enum))}, got {value!r}"
    if isinstance(value, int) and param.minimum is not None and value < param.minimum:
        return f"must be at least {param.minimum}"
    if isinstance(value, int) and param.maximum is not None and value > param.maximum:
        return f"must be at most {param.maximum}"
    if isinstance(value, str) and param.pattern and not re.search(param.pattern, value):
        return f"must match {param.pattern}"
    return None
