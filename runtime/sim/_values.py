"""Plausible field values for generated documents, and the checks a body's values must pass.

Values are drawn from a random source seeded with the resource's identity, so a seeded store
serves the same documents every time, and making one resource never shifts another's values.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any, cast

from .._api import Endpoint, Param, ParamType
from .._hal import Resource
from ._store import Store

WORDS = ("Owl", "Potion", "Quaffle", "Wand", "Cauldron", "Broom", "Rune", "Phoenix")


def plausible(store: Store, model: type[Resource[Any]], token: str, index: int) -> dict[str, Any]:
    """Every documented field of a ``model`` resource, filled after its type and name."""
    rng = random.Random(f"{store.seed}/{model.resource_name}/{token}")
    types = model.field_types
    enums = model.field_enums
    return {
        name: _value(
            store, rng, model, name, types.get(name, "string"), enums.get(name), token, index
        )
        for name in model.field_names
    }


def _value(
    store: Store,
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
        return _string(store, rng, model, name, token, index)
    if kind == "integer":
        return rng.randint(1, 10**6) if name == "id" else rng.randint(1, 500)
    if kind == "number":
        return round(rng.uniform(0, 100), 2)
    if kind == "boolean":
        return False  # Mode's flags (archived, restricted, ...) are off unless set
    if kind == "datetime":
        return store.clock.timestamp(-30 * 86400.0 + rng.randint(0, 29) * 86400.0)
    if kind == "array":
        return []
    return {}  # an object, or a `kind: object` model such as cron


def _string(
    store: Store, rng: random.Random, model: type[Resource[Any]], name: str, token: str, index: int
) -> str:
    title = model.resource_name.replace("_", " ").title()
    if name.endswith("token"):
        return f"{rng.getrandbits(48):012x}"
    if name.endswith("email"):
        return f"{rng.choice(WORDS).lower()}{index}@{store.account}.example"
    if name in ("username", "member_username") or name.endswith("_username"):
        return "albus_dumbledore"
    if name.endswith("name"):
        return f"{rng.choice(WORDS)} {title} {index + 1}"
    if name.endswith("_at"):
        return store.clock.timestamp(-30 * 86400.0)
    if name.endswith("url"):
        return f"/{store.account}/{model.resource_name}s/{token}"
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


# Bodies one source wraps and the other does not: the pages wrap a schedule in
# `report_schedule` (docs README item 9), Mode's OpenAPI file sends its fields bare.
UNWRAPPED_TOO = frozenset({"report_schedules.create", "report_schedules.update"})


def body_values(
    op: Endpoint[Any], body: Any, *, creating: bool, fields: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The body's values, unwrapped; a ``ValueError`` says what is wrong with it.

    It takes a body shaped as either source documents it (a schedule with or without its
    wrapper: ``UNWRAPPED_TOO``), and a documented field of the resource (``fields``, by JSON
    key) beside the operation's own params (a space made with its ``space_type``); anything
    else is refused."""
    params = {p.name: p for p in op.params if p.location == "body"}
    if body is None:  # nothing sent: no values (a create then misses its required ones)
        body = {}
    elif op.body_wrapper is not None and params:
        bare = op.name in UNWRAPPED_TOO and isinstance(body, dict) and op.body_wrapper not in body
        if not bare:
            if not isinstance(body, dict) or not isinstance(body.get(op.body_wrapper), dict):
                raise ValueError(f'body must be {{"{op.body_wrapper}": {{...}}}}')
            if set(body) - {op.body_wrapper}:
                raise ValueError(
                    f"unknown body keys: {', '.join(sorted(set(body) - {op.body_wrapper}))}"
                )
            body = body[op.body_wrapper]
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    extra = {name: kind for name, kind in (fields or {}).items() if name not in params}
    unknown = sorted(set(body) - set(params) - set(extra))
    if unknown:
        raise ValueError(f"unknown attributes: {', '.join(unknown)}")
    missing = [p.name for p in params.values() if p.required and p.name not in body]
    if missing and creating:
        raise ValueError(f"missing required attributes: {', '.join(missing)}")
    for name, value in body.items():
        param = params.get(name) or Param(name, "body", type=cast(ParamType, extra[name]))
        problem = value_problem(param, value)
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
