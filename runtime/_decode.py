"""JSON in and out: response bodies to Python, request bodies to bytes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from ._errors import DecodeError, InvalidParameter


class Answer(Protocol):
    """What the core reads of an HTTP answer: a ``requests.Response`` or an ``httpx.Response``
    (each driver's), its body already read unless it is a download."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Any: ...

    @property
    def content(self) -> bytes: ...

    @property
    def text(self) -> str: ...

    @property
    def elapsed(self) -> timedelta: ...


def decode_json(response: Answer, url: str) -> object:
    """The body as JSON, or ``DecodeError`` naming the URL and what was wrong."""
    content = response.content
    if not content or not content.strip():
        raise DecodeError(
            url, f"empty body (status {response.status_code}) where a JSON document was expected"
        )
    try:
        return json.loads(content)
    except (ValueError, RecursionError) as exc:
        kind = response.headers.get("Content-Type", "no content type")
        snippet = " ".join(content[:120].decode("utf-8", "replace").split())
        problem = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise DecodeError(url, f"body is not JSON ({kind}; {problem}): {snippet!r}") from None


def json_kind(document: object) -> str:
    """``array``, ``string``... : how to name a JSON value that is not the object expected."""
    names = {list: "array", str: "string", bool: "boolean", type(None): "null", dict: "object"}
    return names.get(type(document), "number")


def encode_body(body: Mapping[str, Any], operation: str) -> bytes:
    """A request body as compact JSON; datetimes become ISO 8601 strings."""
    try:
        return json.dumps(body, separators=(",", ":"), allow_nan=False, default=_jsonable).encode()
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(
            f"{operation}: the request body cannot be sent as JSON: {exc}"
        ) from None


def _jsonable(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON")
