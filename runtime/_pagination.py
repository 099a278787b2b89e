"""Walking collections: the items of one page, and the pages after it.

A collection page is a HAL document whose items sit under ``_embedded.<plural>`` (the REST
API) or a top-level key (``reports`` on the Discovery API); a bare JSON array and a single list
under an unexpected ``_embedded`` key are accepted too (docs README item 15). The next page is
``_links.next_page`` or ``_links.next``.

Mode sends ``next_page`` even past the last page and some collections ignore ``page``, so a
walk stops at the first of: no next link, an empty page, a page number past ``total_pages``,
an href already fetched, a page seen before (same items), or ``total_pages`` pages fetched.
Items repeated from the previous page are never yielded twice. Only one page is held at a
time, plus one small fingerprint per page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._errors import DecodeError
from ._hal import Links, Resource

if TYPE_CHECKING:
    from ._api import Api
    from ._client import BaseClient

M = TypeVar("M", bound=Resource[Any])

_NEXT_RELS = ("next_page", "next")


def page_items(document: object, key: str | None, url: str) -> list[Mapping[str, Any]]:
    """The item objects of one collection page."""
    if isinstance(document, list):
        raw: object = document
    elif isinstance(document, Mapping):
        raw = _find_items(document, key, url)
    else:
        raise DecodeError(url, f"expected a collection, got a JSON {type(document).__name__}")
    if not isinstance(raw, list):
        raise DecodeError(url, f"collection items under {key!r} are a {type(raw).__name__}, not a list")
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise DecodeError(url, f"collection item {index} is a JSON {type(item).__name__}, not an object")
    return raw


def _find_items(document: Mapping[str, Any], key: str | None, url: str) -> object:
    embedded = document.get("_embedded")
    if isinstance(embedded, Mapping):
        if key is not None and key in embedded:
            return embedded[key]
        lists = _lists(embedded)
        if len(lists) == 1:
            return next(iter(lists.values()))
        if len(lists) > 1:
            raise DecodeError(
                url, f"the collection has no {key!r} list and several others ({', '.join(sorted(lists))}): which are the items?"
            )
    if key is not None and key in document:
        return document[key]
    lists = _lists(document, own_only=True)
    if len(lists) == 1:
        return next(iter(lists.values()))
    if len(lists) > 1:
        raise DecodeError(url, f"the collection has no {key!r} list and several others ({', '.join(sorted(lists))})")
    return []  # a collection with nothing embedded is an empty one


def _lists(mapping: Mapping[Any, Any], *, own_only: bool = False) -> dict[str, list[Any]]:
    """The lists of a mapping by key: where a collection's items may be. ``own_only`` leaves
    out HAL's own ``_links``/``_embedded``-style keys."""
    return {
        str(name): value
        for name, value in mapping.items()
        if isinstance(value, list) and not (own_only and str(name).startswith("_"))
    }


def looks_like_collection(document: object) -> bool:
    """A document that is a page of a collection rather than a resource of its own."""
    if not isinstance(document, dict):
        return False
    if "pagination" in document:
        return True
    embedded = document.get("_embedded")
    own_fields = [key for key in document if not key.startswith("_")]
    return isinstance(embedded, dict) and not own_fields and bool(_lists(embedded))


def items_key(document: object) -> str | None:
    """The key of the items list of a collection whose item type the spec does not know."""
    if not isinstance(document, dict):
        return None
    embedded = document.get("_embedded")
    keys = list(_lists(embedded)) if isinstance(embedded, dict) else []
    if not keys:
        keys = list(_lists(document, own_only=True))
    return keys[0] if len(keys) == 1 else None


def next_href(document: object) -> str | None:
    """The href of the page after ``document``, or None when it is the last one."""
    if not isinstance(document, Mapping):
        return None
    links = Links(document.get("_links"))
    for rel in _NEXT_RELS:
        if rel in links:
            return links[rel].href or None
    return None


def _pagination(document: object) -> tuple[int | None, int | None, int | None]:
    """(page, total_pages, total_count) from a ``pagination`` object, where it states them."""
    pagination = document.get("pagination") if isinstance(document, Mapping) else None
    if not isinstance(pagination, Mapping):
        return None, None, None

    def number(key: str) -> int | None:
        value = pagination.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return number("page"), number("total_pages"), number("total_count")


def _identity(item: Mapping[str, Any]) -> str:
    for key in ("token", "id"):
        value = item.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return f"{key}:{value}"
    return json.dumps(item, sort_keys=True, default=str)


class Paginator(Iterator[M], Generic[M]):
    """Iterates the items of a collection across all its pages, fetching pages lazily.

    Returned by every ``list()`` operation; the first page is fetched when the paginator is
    made, so a wrong token fails at the call, not at the first ``next()``. ``total`` is the
    collection's size when Mode states it (the Discovery API does).
    """

    def __init__(
        self,
        client: BaseClient,
        model: type[M],
        *,
        key: str | None,
        api: Api,
        first_page: tuple[str, object],
        variables: Mapping[str, str] | None = None,
    ) -> None:
        self._client = client
        self._model = model
        self._key = key
        self._api = api
        self._variables = dict(variables or {})
        url, document = first_page
        self._seen_urls = {url}
        self._seen_pages: set[int] = set()
        self._previous_ids: set[str] = set()
        self._items: Iterator[Mapping[str, Any]] = iter(())
        self._next_href: str | None = None
        self._pages_left: int | None = None
        self.total: int | None = _pagination(document)[2]
        self.pages_fetched = 1
        self._take_page(url, document)

    def _take_page(self, url: str, document: object) -> bool:
        """Load a fetched page; False when the walk should end without it."""
        page, total_pages, _ = _pagination(document)
        if page is not None and total_pages is not None:
            if page > max(total_pages, 1):
                return False
            self._pages_left = total_pages - page
        items = page_items(document, self._key, url)
        ids = [_identity(item) for item in items]
        fingerprint = hash(tuple(ids))
        if not items or fingerprint in self._seen_pages or (self._previous_ids and set(ids) <= self._previous_ids):
            return False
        self._seen_pages.add(fingerprint)
        fresh = [item for item, ident in zip(items, ids) if ident not in self._previous_ids]
        self._previous_ids = set(ids)
        self._items = iter(fresh)
        # Resolved only when needed: a bad href must not cost the items of this page.
        self._next_href = None if self._pages_left == 0 else next_href(document)
        return True

    def __iter__(self) -> Paginator[M]:
        return self

    def __next__(self) -> M:
        while True:
            for item in self._items:
                return self._model(item, client=self._client)
            if not self._fetch_next():
                raise StopIteration

    def _fetch_next(self) -> bool:
        href, self._next_href = self._next_href, None
        if href is None:
            return False
        url = self._client.resolve(href, self._variables, rel="next_page")
        if url in self._seen_urls:
            return False
        self._seen_urls.add(url)
        document = self._client.get_json(url, api=self._api)
        self.pages_fetched += 1
        return self._take_page(url, document)


class Collection(Resource[str], Generic[M]):
    """A collection document reached by ``follow()`` or ``client.get()``.

    It is a ``Resource`` (its ``data``, ``links`` and ``embedded`` are the first page's) and
    iterating it walks every item across every page.
    """

    __slots__ = ("_item_key", "_api")

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        item_key: str | None = None,
        api: Api | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self._item_key = item_key
        self._api = api

    def __iter__(self) -> Iterator[M]:
        from ._registry import model_for_key

        client = self._require_client()
        url = self._url or ""
        model: Any = model_for_key(self._item_key) if self._item_key else Resource
        api = self._api or client.api_for_url(url)
        variables = {"account": client.account} if client.account else {}
        return Paginator(client, model, key=self._item_key, api=api, first_page=(url, self._data), variables=variables)

    def _summary(self) -> str:
        try:
            count = len(page_items(self._data, self._item_key, self._url or ""))
        except DecodeError:
            count = 0
        return f"Collection {self._item_key or 'items'} page_items={count} links={len(self.links)}"
