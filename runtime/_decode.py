"""JSON in and out: response bodies to Python, request bodies to bytes.

Every JSON text modehal reads (a document, a field holding JSON as a string, a row of JSON
results, a JSON argument on the command line) goes through ``loads``, and every body it sends
through ``encode_body``: both refuse values nested deeper than ``MAX_DEPTH`` levels. Deeper
values are no data Mode sends; they are what makes ``json``, ``repr``, ``pickle`` and
``copy`` overflow the stack (``RecursionError``) wherever they are used next.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from itertools import compress
from typing import Any, Protocol

from ._errors import DecodeError, InvalidParameter

#: How deeply arrays and objects may nest in JSON read or sent (a document is level 1).
MAX_DEPTH = 100


class TooDeep(ValueError):
    """JSON nested deeper than ``MAX_DEPTH``."""

    def __init__(self) -> None:
        super().__init__(f"nested too deeply (more than {MAX_DEPTH} levels)")


def loads(text: str | bytes, *, constants: bool = True) -> Any:
    """``json.loads``, bounded: ``ValueError`` saying what was wrong for malformed JSON, for
    nesting deeper than ``MAX_DEPTH``, and for numbers Python refuses to read (an integer of
    5,000 digits). ``constants=False`` refuses ``NaN`` and ``Infinity`` (which are no JSON)."""
    try:
        # json.loads without arguments reuses its one decoder; any argument builds another
        value = json.loads(text) if constants else json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise TooDeep() from None
    # Only a text with that many brackets can nest that deeply: most are checked by counting.
    if isinstance(text, str):
        opened = text.count("[") + text.count("{")
    else:
        opened = text.count(b"[") + text.count(b"{")
    if opened > MAX_DEPTH and too_deep(value):
        raise TooDeep()
    return value


def too_deep(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects (dicts, lists and tuples) nest in ``value`` deeper than
    ``limit`` levels. Found a level at a time, without recursion, so any depth is answered (a
    cycle included); ``gc.get_referents`` lists a level's children and the filter runs in C,
    so a page of a thousand items costs well under half of its parsing."""
    level = [value] if type(value) in _CONTAINERS else []
    depth = 1
    while level:
        if depth > limit:
            return True
        children = gc.get_referents(*level)  # a dict's keys and values, a list's items
        level = list(compress(children, map(_CONTAINERS.__contains__, map(type, children))))
        depth += 1
    return False


# exactly these types: what json.loads makes (a caller's dict subclass is caught by json.dumps)
_CONTAINERS = frozenset({dict, list, tuple})


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
        return loads(content)
    except ValueError as exc:
        kind = response.headers.get("Content-Type", "no content type")
        snippet = " ".join(content[:120].decode("utf-8", "replace").split())
        raise DecodeError(url, f"body is not JSON ({kind}; {exc}): {snippet!r}") from None


def json_kind(document: object) -> str:
    """``array``, ``string``... : how to name a JSON value that is not the object expected."""
    names = {list: "array", str: "string", bool: "boolean", type(None): "null", dict: "object"}
    return names.get(type(document), "number")


def encode_body(body: Mapping[str, Any], operation: str) -> bytes:
    """A request body as compact UTF-8 JSON; datetimes become ISO 8601 strings
    (``iso_time``). Text holding a lone surrogate is refused, as it is in a URL: a ``\\udcff``
    escape would carry no character to Mode."""
    problem = f"is nested more than {MAX_DEPTH} levels deep" if too_deep(body) else None
    if problem is None:
        try:
            return json.dumps(
                body, separators=(",", ":"), allow_nan=False, default=_jsonable, ensure_ascii=False
            ).encode()
        except UnicodeEncodeError as exc:
            problem = (
                f"holds {exc.object[exc.start]!r}, a lone surrogate (bytes that were not UTF-8)"
            )
        except (TypeError, ValueError) as exc:
            problem = f"cannot be sent as JSON: {exc}"
        except RecursionError:  # deep inside mapping types other than dict
            problem = f"is nested more than {MAX_DEPTH} levels deep"
    raise InvalidParameter(f"{operation}: the request body {problem}")


def iso_time(value: date) -> str:
    """A date or time as ISO 8601, the one way modehal sends them: a naive ``datetime`` is
    taken to be UTC (as Mode's own timestamps are) and sent with its ``+00:00``."""
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


def _no_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _jsonable(value: object) -> object:
    if isinstance(value, date):
        return iso_time(value)
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON")
