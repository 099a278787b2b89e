"""Navigation: which model a fetched document is, and whether it is a collection.

The generated package hands the client a ``Catalog`` (its models, operations and the targets
of their links); ``to_resource`` uses it to turn a document that a link or a URL led to into
a ``ReportSchedule``, a ``Collection[ReportRun]`` or, for what the spec does not know, a plain
``Resource``. Nothing here sends a request: the client fetches, this module decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

from ._api import Endpoint
from ._decode import json_kind
from ._errors import DecodeError, InvalidParameter, LinkError, did_you_mean
from ._hal import Document, Links, Resource, ResponseInfo
from ._pagination import Collection, lists, page_items
from ._urls import api_path, resolve

R = TypeVar("R", bound=Document[Any])

#: what a link leads to: the model, and whether it is a collection of them
Target = tuple[type[Resource[Any]], bool]


def _same(model: type[Any]) -> type[Any]:
    return model


@dataclass(frozen=True)
class Flavor:
    """The classes one kind of client builds its answers from. The catalog and the endpoints
    name the blocking models (``ReportRun``); ``modehal.AsyncClient`` builds each one's
    awaitable twin (``AsyncReportRun``), which shares its fields class, and its collections
    are ``AsyncCollection``s."""

    #: the model a client builds for a model the catalog names
    model: Callable[[type[Resource[Any]]], type[Any]] = _same
    #: back: the catalog's model for one of this flavour's (to look up links and own params)
    sync_model: Callable[[type[Any]], type[Resource[Any]]] = _same
    #: built as ``Collection(data, model=, item_key=, client=, url=, response=)``
    collection: Callable[..., Any] = Collection


SYNC = Flavor()


@dataclass(frozen=True)
class _Route:
    pattern: re.Pattern[str]
    target: Target


class Catalog:
    """The generated package's tables, handed to the client (``Client.catalog``).

    ``links`` maps a model to its rels whose target the spec knows: ``{ReportRun: {"report":
    (Report, False)}}``.
    """

    def __init__(
        self,
        *,
        models: Iterable[type[Resource[Any]]] = (),
        operations: Iterable[Endpoint[Any]] = (),
        links: Mapping[type[Resource[Any]], Mapping[str, Target]] | None = None,
    ) -> None:
        self.models = tuple(models)
        self.operations: dict[str, Endpoint[Any]] = {op.name: op for op in operations}
        self._links = dict(links or {})
        self._by_key: dict[str, type[Resource[Any]]] = {}
        for model in self.models:
            self._by_key[model.resource_name] = model
            if model.plural:
                self._by_key[model.plural] = model
        self._routes = _routes(self.models, self.operations.values())
        self._own: dict[type[Resource[Any]], list[re.Pattern[str]]] = {}
        for op in self.operations.values():
            if op.method == "GET" and op.model is not None and not op.collection:
                self._own.setdefault(op.model, []).append(_named_pattern(op.full_path))
        for model in self.models:
            if model.location:
                self._own.setdefault(model, []).append(_named_pattern(model.location))

    @staticmethod
    def lazy(load: Callable[[], Catalog]) -> Catalog:
        """A catalog whose tables are ``load()``'s, built on first use: the generated client's,
        so that its thirty-odd model modules load only when a link or a URL needs them."""
        return _LazyCatalog(load)

    def operation(self, name: str) -> Endpoint[Any]:
        """The operation called ``name`` (``"report_runs.get"``), or ``InvalidParameter``."""
        op = self.operations.get(name)
        if op is None:
            hint = did_you_mean(name, self.operations)
            raise InvalidParameter(f"no operation {name!r}{hint} (`modehal ops` lists them)")
        return op

    def model_for_key(self, key: str) -> type[Resource[Any]]:
        """The model of an ``_embedded`` entry or a collection's items, by its key."""
        return self._by_key.get(key, Resource)

    def link_target(self, model: type[Resource[Any]], rel: str) -> Target | None:
        """What ``rel`` of a ``model`` leads to, when the spec says."""
        for cls in model.__mro__:
            targets = self._links.get(cls)
            if targets is not None and rel in targets:
                return targets[rel]
        return None

    def own_params(self, model: type[Resource[Any]], path: str) -> dict[str, str] | None:
        """The path params in the path of a ``model`` resource (``/api/hogwarts/reports/r/runs/x``
        → account, report, run), from the GET that returns it; None if it does not match."""
        for cls in model.__mro__:
            for pattern in self._own.get(cls, ()):
                match = pattern.match(path)
                if match:
                    return {name: unquote(value) for name, value in match.groupdict().items()}
        return None

    def route(self, path: str) -> Target | None:
        """The model of the documented GET (or declared ``location``) matching ``path``."""
        for route in self._routes:
            if route.pattern.match(path):
                return route.target
        return None


class _LazyCatalog(Catalog):
    def __init__(self, load: Callable[[], Catalog]) -> None:
        # no super().__init__(): the tables are load()'s, adopted on first use
        self._load = load

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes not set yet, which are the tables: adopt the real
        # catalog's. Two threads may both load; the tables are the same, so that is harmless.
        if name.startswith("__"):
            raise AttributeError(name)
        self.__dict__.update(vars(self._load()))
        return object.__getattribute__(self, name)


def _routes(
    models: Iterable[type[Resource[Any]]], operations: Iterable[Endpoint[Any]]
) -> list[_Route]:
    found: dict[str, Target] = {}
    for op in operations:
        if op.method == "GET" and op.model is not None:
            found.setdefault(_pattern(op.full_path), (op.model, op.collection))
    for model in models:
        if model.location:
            found.setdefault(_pattern(model.location), (model, False))
    # most specific (longest) first: /reports/{r}/runs/{run} before /reports/{r}/runs
    return [
        _Route(re.compile(p), target)
        for p, target in sorted(found.items(), key=lambda kv: -len(kv[0]))
    ]


def _pattern(path: str) -> str:
    return re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + r"/?\Z"


def _named_pattern(path: str) -> re.Pattern[str]:
    """``path`` as a regex whose groups are its placeholders."""
    return re.compile(re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + r"/?\Z")


def looks_like_collection(document: object) -> bool:
    """A document that is a page of a collection rather than a resource of its own."""
    if not isinstance(document, dict):
        return False
    if "pagination" in document:
        return True
    embedded = document.get("_embedded")
    own_fields = [key for key in document if not key.startswith("_")]
    return isinstance(embedded, dict) and not own_fields and bool(lists(embedded))


def items_key(document: object) -> str | None:
    """The key of the items list of a collection whose item type the spec does not know."""
    if not isinstance(document, dict):
        return None
    embedded = document.get("_embedded")
    keys = list(lists(embedded)) if isinstance(embedded, dict) else []
    if not keys:
        keys = list(lists(document, own_only=True))
    return keys[0] if len(keys) == 1 else None


def to_resource(
    document: object,
    *,
    target: Target | None,
    catalog: Catalog,
    client: Any,
    url: str,
    response: ResponseInfo,
    base_url: str,
    flavor: Flavor = SYNC,
) -> Any:
    """The resource a document fetched from ``url`` is.

    ``target`` is what the spec says a link leads to; without one, the documented GET whose
    path matches ``url`` decides, then (for an object) the path of its own ``self`` link. A
    list-shaped document is a ``Collection``; what the spec does not know, a ``Resource``.
    """
    if target is None:
        target = catalog.route(api_path(base_url, url))
    model, is_collection = target if target is not None else (None, False)
    if isinstance(document, list) or is_collection or looks_like_collection(document):
        return to_collection(
            document,
            model=model,
            key=None,
            client=client,
            url=url,
            response=response,
            catalog=catalog,
            flavor=flavor,
        )
    if model is None and isinstance(document, dict):
        model = _model_from_self(document, catalog, base_url)
    return to_model(
        document, flavor.model(model or Resource), client=client, url=url, response=response
    )


def to_model(
    document: object,
    model: type[R],
    *,
    client: Any,
    url: str,
    response: ResponseInfo,
) -> R:
    """``document`` as one ``model``; DecodeError if it is not a JSON object."""
    if not isinstance(document, dict):
        raise DecodeError(url, f"expected a JSON object, got a JSON {json_kind(document)}")
    return model(document, client=client, url=url, response=response)


def _model_from_self(
    document: Mapping[str, Any], catalog: Catalog, base_url: str
) -> type[Resource[Any]]:
    """Best guess of a model for an unknown URL: by the path of the document's own ``self``."""
    links = Links(document.get("_links"))
    if "self" not in links:
        return Resource
    try:
        route = catalog.route(api_path(base_url, resolve(base_url, links["self"].href)))
    except LinkError:
        return Resource
    return route[0] if route is not None and not route[1] else Resource


def to_collection(
    document: object,
    *,
    model: type[Resource[Any]] | None,
    key: str | None,
    client: Any,
    url: str,
    response: ResponseInfo,
    catalog: Catalog,
    flavor: Flavor = SYNC,
) -> Any:
    """A collection whose first page is ``document``; DecodeError now if it is not one."""
    if key is None:
        key = model.plural if model is not None and model.plural else items_key(document)
    if model is None and key is not None:
        model = catalog.model_for_key(key)
    data = document if isinstance(document, dict) else {"_embedded": {key or "items": document}}
    page_items(data, key, url)  # fail here, not mid-iteration, if it is not a collection
    return flavor.collection(
        data,
        model=flavor.model(model) if model is not None else None,
        item_key=key,
        client=client,
        url=url,
        response=response,
    )
