"""Decoders for the typed attributes of generated models.

Each decoder takes a raw JSON value and returns the typed value, or raises ``ValueError``
(``OverflowError`` too, where a number is too large for a float: ``Resource`` catches both).
They are lenient where Mode's payloads and docs disagree (docs README item 1): a numeric
string is an integer, "true" is a boolean, a JSON string can hold an object.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ._decode import loads


def as_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {type(value).__name__}")


def as_integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected an integer, got bool")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    raise ValueError(f"expected an integer, got {type(value).__name__}")


def as_number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number, got bool")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return float(value.strip())
    raise ValueError(f"expected a number, got {type(value).__name__}")


_TRUE = {"true", "t", "yes", "1"}
_FALSE = {"false", "f", "no", "0"}


def as_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ValueError(f"expected a boolean, got {value!r}")


def as_datetime(value: Any) -> datetime:
    """An ISO 8601 timestamp; a trailing ``Z`` means UTC (Python 3.10 does not parse it)."""
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 timestamp, got {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def as_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{"):
        decoded = loads(value)
        if isinstance(decoded, dict):
            return decoded
    raise ValueError(f"expected an object, got {type(value).__name__}")


def as_array(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise ValueError(f"expected an array, got {type(value).__name__}")
