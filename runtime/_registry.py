"""Which generated model a document is: by name, by collection key, or by URL path.

Generated models register themselves when ``modehal.api`` is imported; the generic navigator
uses this to hand back a ``ReportSchedule`` rather than a bare ``Resource`` when it follows a
link the spec knows, or fetches a URL that matches a documented GET operation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._api import Endpoint
    from ._hal import Resource

_BY_NAME: dict[str, type[Resource[Any]]] = {}
_BY_KEY: dict[str, type[Resource[Any]]] = {}
# (compiled path pattern, model name, is a collection), most specific first
_ROUTES: list[tuple[re.Pattern[str], str, bool]] = []


def register_model(model: type[Resource[Any]]) -> None:
    _BY_NAME[model.resource_name] = model
    _BY_KEY[model.resource_name] = model
    if model.plural:
        _BY_KEY[model.plural] = model
    if model.location:
        _add_route(model.location, model.resource_name, False)


def register_routes(endpoints: Iterable[Endpoint]) -> None:
    """Remember the GET operations' paths, so fetched URLs can be matched to models."""
    for endpoint in endpoints:
        if endpoint.method == "GET" and endpoint.returns is not None:
            _add_route(endpoint.full_path, endpoint.returns, endpoint.collection)


def _add_route(path: str, model_name: str, is_collection: bool) -> None:
    pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + r"/?\Z")
    if all(route[0].pattern != pattern.pattern for route in _ROUTES):
        _ROUTES.append((pattern, model_name, is_collection))
        _ROUTES.sort(key=lambda route: -len(route[0].pattern))


def model_named(name: str) -> type[Resource[Any]]:
    from ._hal import Resource

    return _BY_NAME.get(name, Resource)


def model_for_key(key: str) -> type[Resource[Any]]:
    """The model of an ``_embedded`` entry or a collection's items, by its key."""
    from ._hal import Resource

    return _BY_KEY.get(key, Resource)


def route_for_path(path: str) -> tuple[str, bool] | None:
    """(model name, is a collection) of the documented GET operation matching ``path``."""
    for pattern, model_name, is_collection in _ROUTES:
        if pattern.match(path):
            return model_name, is_collection
    return None
