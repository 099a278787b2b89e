"""The checks behind ``InvalidParameter``: enums, ranges, patterns and body objects.

``_arguments`` runs them on a call's arguments; generated body objects (``Cron``) run them
on their own fields when they are built.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import MISSING, asdict, fields, is_dataclass
from typing import Any

from ._errors import InvalidParameter
from ._time_zones import time_zone_problem


def one_of(operation: str, name: str, value: object, allowed: Collection[object]) -> None:
    if value is not None and value not in allowed:
        choices = ", ".join(repr(choice) for choice in allowed)
        raise invalid(operation, name, f"must be one of {choices}, got {value!r}")


def in_range(
    operation: str, name: str, value: int | None, minimum: int | None, maximum: int | None
) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(operation, name, f"must be an integer, got {value!r}")
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        low = "" if minimum is None else f"{minimum}"
        high = "" if maximum is None else f"{maximum}"
        raise invalid(operation, name, f"must be in {low}..{high}, got {value}")


def matches(
    operation: str, name: str, value: str | None, pattern: str, text: str | None = None
) -> None:
    """``value`` must match ``pattern``; ``text`` says what that means in words (a raw regex
    is no help to whoever mistyped a filter), and is what the error shows when given."""
    if value is None:
        return
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise invalid(
            operation, name, f"must be {text or f'text matching {pattern}'}, got {value!r}"
        )


def cron_rules(cron: Any) -> None:
    """What a schedule's ``Cron`` needs beyond each field's own range: the day a weekly or
    monthly schedule runs on, and a time zone Mode can read."""
    owner = type(cron).__name__
    needs = {"weekly": "day_of_week", "monthly": "day_of_month"}.get(cron.freq)
    if needs is not None and getattr(cron, needs) is None:
        raise invalid(owner, needs, f"is required when freq is {cron.freq!r}")
    zone = cron.time_zone
    if zone is None:
        return
    if not isinstance(zone, str):
        raise invalid(owner, "time_zone", f"must be a string, got {type(zone).__name__}")
    problem = time_zone_problem(zone)
    if problem is not None:
        raise invalid(owner, "time_zone", f"{zone!r} {problem}")


def mapping(
    operation: str, name: str, value: object, model: type[Any] | None = None
) -> dict[str, Any] | None:
    """A body object given as a mapping or a generated model, as a plain dict.

    With ``model`` (a generated dataclass such as ``Cron``), a mapping is checked by building
    the model from it, so a misspelt key or an out-of-range value fails here, not at Mode.
    """
    if value is None:
        return None
    if model is not None and isinstance(value, Mapping):
        known = [f.name for f in fields(model)]
        unknown = sorted(str(key) for key in value if key not in known)
        if unknown:
            import difflib  # only a misspelt key needs it; kept out of `import modehal`

            close = difflib.get_close_matches(unknown[0], known, n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise invalid(
                operation,
                name,
                f"has an unknown key {unknown[0]!r}{hint}; known: {', '.join(known)}",
            )
        needed = [
            f.name
            for f in fields(model)
            if f.default is MISSING and f.default_factory is MISSING and f.name not in value
        ]
        if needed:
            raise invalid(operation, name, f"needs {', '.join(repr(n) for n in needed)}")
        try:
            value = model(**value)
        except InvalidParameter as exc:
            # the model's own message names the model ("Cron: hour must be ..."): said as the
            # key of this param instead ("report_schedules.create: cron.hour must be ...")
            inner = str(exc).removeprefix(f"{model.__name__}: ")
            raise InvalidParameter(f"{operation}: {name}.{inner}") from None
    if is_dataclass(value) and not isinstance(value, type):
        return {key: item for key, item in asdict(value).items() if item is not None}
    if isinstance(value, Mapping):
        return dict(value)
    raise invalid(operation, name, f"must be a mapping, got {type(value).__name__}")


def invalid(operation: str, name: str, problem: str) -> InvalidParameter:
    return InvalidParameter(f"{operation}: {name} {problem}")
