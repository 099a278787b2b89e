"""Walking collections: the items of one page, and the pages after it.

A collection page is a HAL document whose items sit under ``_embedded.<plural>`` (the REST
API) or a top-level key (``reports`` on the Discovery API); a bare JSON array and a single list
under an unexpected ``_embedded`` key are accepted too (docs README item 15). The next page is
``_links.next_page`` or ``_links.next``.

Mode sends ``next_page`` even past the last page and some collections ignore ``page``, so a
walk stops at the first of: no next link, an empty page, a page number past ``total_pages``,
an href already fetched, or a page whose items repeat the previous page's. Items repeated
from the previous page are never yielded twice. Only one page is held at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._errors import DecodeError
from ._hal import Links, Resource, ResponseInfo

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
        raw = _find_items(document, key)
    else:
        raise DecodeError(url, f"expected a collection, got a JSON {type(document).__name__}")
    if not isinstance(raw, list):
        raise DecodeError(url, f"collection items under {key!r} are a {type(raw).__name__}, not a list")
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise DecodeError(url, f"collection item {index} is a JSON {type(item).__name__}, not an object")
    return raw


def _find_items(document: Mapping[str, Any], key: str | None) -> object:
    embedded = document.get("_embedded")
    if isinstance(embedded, Mapping):
        if key is not None and key in embedded:
            return embedded[key]
        lists = [value for value in embedded.values() if isinstance(value, list)]
        if len(lists) == 1:
            return lists[0]
    if key is not None and key in document:
        return document[key]
    lists = [value for name, value in document.items() if isinstance(value, list) and not name.startswith("_")]
    if len(lists) == 1:
        return lists[0]
    return []


def next_href(document: object) -> str | None:
    """The href of the page after ``document``, or None when it is the last one."""
    if not isinstance(document, Mapping):
        return None
    links = Links(document.get("_links"))
    for rel in _NEXT_RELS:
        if rel in links:
            return links[rel].href or None
    return None


def past_last_page(document: object) -> tuple[bool, bool]:
    """(this page is past the end, this page is the last one), from a ``pagination`` object."""
    if not isinstance(document, Mapping):
        return False, False
    pagination = document.get("pagination")
    if not isinstance(pagination, Mapping):
        return False, False
    page, total = pagination.get("page"), pagination.get("total_pages")
    if not isinstance(page, int) or not isinstance(total, int) or isinstance(page, bool):
        return False, False
    return page > max(total, 1), page >= total


def _identity(item: Mapping[str, Any]) -> str:
    for key in ("token", "id"):
        value = item.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return f"{key}:{value}"
    return json.dumps(item, sort_keys=True, default=str)


class Paginator(Iterator[M], Generic[M]):
    """Iterates the items of a collection across all its pages, fetching pages lazily.

    Returned by every ``list()`` operation; the first page is fetched when the paginator is
    made, so a wrong token fails at the call, not at the first ``next()``.
    """

    def __init__(
        self,
        client: BaseClient,
        model: type[M],
        *,
        key: str | None,
        api: Api,
        first_page: tuple[str, object, ResponseInfo | None],
        variables: Mapping[str, str] | None = None,
    ) -> None:
        self._client = client
        self._model = model
        self._key = key
        self._api = api
        self._variables = dict(variables or {})
        url, document, _ = first_page
        self._seen_urls = {url}
        self._previous_ids: set[str] = set()
        self.total: int | None = _total_count(document)
        self.pages_fetched = 1
        self._items: Iterator[Mapping[str, Any]] = iter(())
        self._next_url: str | None = None
        self._take_page(url, document)

    def _take_page(self, url: str, document: object) -> bool:
        """Load a fetched page; False when the walk should end without it."""
        past_end, is_last = past_last_page(document)
        if past_end:
            return False
        items = page_items(document, self._key, url)
        ids = [_identity(item) for item in items]
        if not items or (self._previous_ids and set(ids) <= self._previous_ids):
            return False
        fresh = [item for item, ident in zip(items, ids) if ident not in self._previous_ids]
        self._previous_ids = set(ids)
        self._items = iter(fresh)
        href = None if is_last else next_href(document)
        self._next_url = self._client.resolve(href, self._variables) if href else None
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
        url = self._next_url
        self._next_url = None
        if url is None or url in self._seen_urls:
            return False
        self._seen_urls.add(url)
        document, _ = self._client.get_json(url, api=self._api)
        self.pages_fetched += 1
        return self._take_page(url, document)


def _total_count(document: object) -> int | None:
    if isinstance(document, Mapping):
        pagination = document.get("pagination")
        if isinstance(pagination, Mapping):
            total = pagination.get("total_count")
            if isinstance(total, int) and not isinstance(total, bool):
                return total
    return None


class Collection(Resource[str]):
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

    def __iter__(self) -> Iterator[Resource[Any]]:
        from ._registry import model_for_key

        client = self._require_client()
        url = self._url or ""
        model: type[Resource[Any]] = model_for_key(self._item_key) if self._item_key else Resource
        api = self._api or client.api_for_url(url)
        return Paginator(client, model, key=self._item_key, api=api, first_page=(url, self._data, self.response))

    def _summary(self) -> str:
        try:
            count = len(page_items(self._data, self._item_key, self._url or ""))
        except DecodeError:
            count = 0
        return f"Collection {self._item_key or 'items'} page_items={count} links={len(self.links)}"
