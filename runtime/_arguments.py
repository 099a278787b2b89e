"""Arguments of a call, checked against the operation's declared params and split into the
path, query and body of the request.

A bad argument fails here with ``InvalidParameter`` naming the operation and the param, before
anything is sent, instead of as a 400 from Mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ._api import Endpoint, Param
from ._checks import in_range, invalid, mapping, matches, one_of
from ._decode import iso_time
from ._errors import ConfigurationError
from ._urls import segment_problem, text_problem


@dataclass(frozen=True)
class Bound:
    """The request parts of one call: path values (percent-encoding is the URL's job), query
    pairs without the ``None`` ones, and the JSON body (None for no body)."""

    path: dict[str, str]
    query: dict[str, object]
    body: dict[str, Any] | None


def bind(endpoint: Endpoint[Any], arguments: Mapping[str, object], *, account: str | None) -> Bound:
    """Check ``arguments`` against ``endpoint.params`` and split them by location.

    ``account`` is the client's, used where a param declares it as its ``client_default``.
    """
    names = {param.name for param in endpoint.params}
    unknown = sorted(set(arguments) - names - {a for p in endpoint.params for a in p.aliases})
    if unknown:
        known = ", ".join(param.name for param in endpoint.params) or "no arguments"
        raise invalid(
            endpoint.name, unknown[0], f"is not a parameter of this operation (it takes {known})"
        )
    arguments = _unaliased(endpoint, arguments)
    path: dict[str, str] = {}
    query: dict[str, object] = {}
    body: dict[str, Any] = {}
    for param in endpoint.params:
        value = arguments.get(param.name)
        if value is None and param.client_default == "account":
            value = account
        if param.location == "path":
            if value is None:
                value = param.default
            path[param.name] = _token(endpoint, param, value)
            if param.enum:
                one_of(endpoint.name, param.name, value, param.enum)
            continue
        value = _checked(endpoint.name, param, value)
        if value is None:
            continue
        (query if param.location == "query" else body)[param.name] = value
    has_body = any(param.location == "body" for param in endpoint.params)
    if endpoint.body_wrapper is not None:
        return Bound(path, query, {endpoint.body_wrapper: body})
    return Bound(path, query, body if has_body and body else None)


def _unaliased(endpoint: Endpoint[Any], arguments: Mapping[str, object]) -> Mapping[str, object]:
    """``arguments`` with each alias given (``parameters=``) under its param's name
    (``params``); None counts as not given, as it does for every keyword."""
    renamed = dict(arguments)
    for param in endpoint.params:
        for alias in param.aliases:
            value = renamed.pop(alias, None)
            if value is None:
                continue
            if renamed.get(param.name) is not None:
                raise invalid(
                    endpoint.name,
                    param.name,
                    f"is given twice, as {param.name}= and as {alias}= (they are one parameter)",
                )
            renamed[param.name] = value
    return renamed


def _token(endpoint: Endpoint[Any], param: Param, value: object) -> str:
    if value is None and param.client_default == "account":
        raise ConfigurationError(
            f"{endpoint.name}: no account: pass account= or set MODE_ACCOUNT (or Client(account=...))"
        )
    if not isinstance(value, str) or not value:
        raise invalid(
            endpoint.name, param.name, f"must be a token (a non-empty string), got {value!r}"
        )
    # `.` and `..` would be resolved away by the server (/reports/.. is /reports' parent)
    problem = segment_problem(value)
    if problem is not None:
        raise invalid(endpoint.name, param.name, f"{value!r} is not a token: {problem}")
    return value


def _checked(operation: str, param: Param, value: object) -> object:
    """The value to send for a query or body param, or None to leave it out."""
    if value is None:
        if param.required:
            raise invalid(operation, param.name, "is required")
        return param.default
    if param.enum:
        one_of(operation, param.name, value, param.enum)
    if param.type == "integer":
        in_range(operation, param.name, value, param.minimum, param.maximum)  # type: ignore[arg-type]
    elif param.type == "string":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # an id typed as a number is still the same id
        if not isinstance(value, str):
            raise invalid(operation, param.name, f"must be a string, got {type(value).__name__}")
        problem = text_problem(value)
        if problem is not None:
            raise invalid(operation, param.name, f"{value!r} cannot be sent: {problem}")
        if param.pattern is not None:
            matches(operation, param.name, value, param.pattern, param.pattern_text)
    elif param.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise invalid(operation, param.name, f"must be a number, got {value!r}")
    elif param.type == "boolean":
        if not isinstance(value, bool):
            raise invalid(operation, param.name, f"must be True or False, got {value!r}")
    elif param.type == "datetime":
        if not isinstance(value, (datetime, date)):
            raise invalid(operation, param.name, f"must be a datetime, got {type(value).__name__}")
        return iso_time(value)
    elif param.type == "object":
        return mapping(operation, param.name, value, param.model)
    elif param.type == "array":
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise invalid(operation, param.name, f"must be a list, got {type(value).__name__}")
        return list(value)
    return value
