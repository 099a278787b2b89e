"""``Collection``: every item of a collection, page after page, and the pages themselves.

A collection page is a HAL document whose items sit under ``_embedded.<plural>`` (the REST
API) or a top-level key (``reports`` on the Discovery API); a bare JSON array and a single list
under an unexpected ``_embedded`` key are accepted too (docs README item 15). The next page is
``_links.next_page`` or ``_links.next``; a page with neither that carries a top-level
``next_token`` (the audit log's cursor, per Mode's OpenAPI file) continues at the same URL with
``next_token=<it>``.

Mode sends ``next_page`` even past the last page and some collections ignore ``page``, so a
walk stops at the first of: no next link, an empty page, a page number past ``total_pages``,
an href already fetched, a page seen before (same items), or ``total_pages`` pages fetched.
Items repeated from the previous page are never yielded twice. Only one page is held at a
time (and the first, which the collection is), plus one small fingerprint per page.

A walk never stops quietly short of the end: past the client's ``max_pages`` when Mode states
no ``total_pages`` (a server that links pages forever), or at a next page on another origin
(its items are not Mode's), it raises ``PaginationError`` saying how far it got.
"""

from __future__ import annotations

import itertools
import json
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from ._errors import DecodeError, ModeError, PaginationError
from ._hal import Document, Links, Resource, ResponseInfo, Session
from ._urls import origin, with_query

M = TypeVar("M", bound=Document[Any])

_NEXT_RELS = ("next_page", "next")

#: items of the first page a collection's repr shows, and its pretty form (IPython, ``modehal get``)
REPR_ITEMS = 3
SHOWN_ITEMS = 20


class NotAList(ModeError, TypeError):
    """``collection[0]``: a collection is walked, not indexed (its later pages are not fetched
    yet, and each walk starts again from the first)."""


def page_items(document: object, key: str | None, url: str) -> list[Mapping[str, Any]]:
    """The item objects of one collection page."""
    if isinstance(document, list):
        raw: object = document
    elif isinstance(document, Mapping):
        raw = _find_items(document, key, url)
    else:
        raise DecodeError(url, f"expected a collection, got a JSON {type(document).__name__}")
    if not isinstance(raw, list):
        raise DecodeError(
            url, f"collection items under {key!r} are a {type(raw).__name__}, not a list"
        )
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise DecodeError(
                url, f"collection item {index} is a JSON {type(item).__name__}, not an object"
            )
    return raw


def _find_items(document: Mapping[str, Any], key: str | None, url: str) -> object:
    embedded = document.get("_embedded")
    if isinstance(embedded, Mapping):
        if key is not None and key in embedded:
            return embedded[key]
        found = lists(embedded)
        if len(found) == 1:
            return next(iter(found.values()))
        if len(found) > 1:
            raise DecodeError(
                url,
                f"the collection has no {key!r} list and several others ({', '.join(sorted(found))}): "
                "which are the items?",
            )
    if key is not None and key in document:
        return document[key]
    found = lists(document, own_only=True)
    if len(found) == 1:
        return next(iter(found.values()))
    if len(found) > 1:
        raise DecodeError(
            url,
            f"the collection has no {key!r} list and several others ({', '.join(sorted(found))})",
        )
    return []  # a collection with nothing embedded is an empty one


def lists(mapping: Mapping[Any, Any], *, own_only: bool = False) -> dict[str, list[Any]]:
    """The lists of a mapping by key: where a collection's items may be. ``own_only`` leaves
    out HAL's own ``_links``/``_embedded``-style keys."""
    return {
        str(name): value
        for name, value in mapping.items()
        if isinstance(value, list) and not (own_only and str(name).startswith("_"))
    }


def next_href(document: object, url: str) -> str | None:
    """The href of the page after ``document`` (fetched from ``url``), or None when it is the
    last one."""
    if not isinstance(document, Mapping):
        return None
    links = Links(document.get("_links"))
    for rel in _NEXT_RELS:
        if rel in links:
            return links[rel].href or None
    cursor = document.get("next_token")
    if isinstance(cursor, str) and cursor:
        return with_query(url, next_token=cursor)
    return None


def pagination(document: object) -> tuple[int | None, int | None, int | None]:
    """(page, total_pages, total_count) from a ``pagination`` object, where it states them."""
    stated = document.get("pagination") if isinstance(document, Mapping) else None
    if not isinstance(stated, Mapping):
        return None, None, None

    def number(key: str) -> int | None:
        value = stated.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return number("page"), number("total_pages"), number("total_count")


def _identity(item: Mapping[str, Any]) -> str:
    for key in ("token", "id"):
        value = item.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return f"{key}:{value}"
    return json.dumps(item, sort_keys=True, default=str)


@dataclass(frozen=True)
class Page(Generic[M]):
    """One page of a collection, as ``Collection.pages()`` yields it.

    ``items`` are the page's items not already on the page before it; ``data`` is the page's
    JSON, ``links`` its ``_links``, ``response`` the HTTP answer it came in.
    """

    number: int
    url: str
    items: list[M]
    data: object
    response: ResponseInfo | None

    @property
    def links(self) -> Links:
        return Links(
            self.data.get("_links") if isinstance(self.data, Mapping) else None, source=self.url
        )


class _Walk:
    """The loop guards of one walk through a collection's pages."""

    def __init__(self, first_url: str) -> None:
        self.seen_urls = {first_url}
        self.seen_pages: set[int] = set()
        self.previous_ids: set[str] = set()
        self.pages_left: int | None = None

    def fresh_items(
        self, url: str, document: object, key: str | None
    ) -> list[Mapping[str, Any]] | None:
        """The items of a page not seen on the page before, or None when the walk should end."""
        page, total_pages, _ = pagination(document)
        if page is not None and total_pages is not None:
            if page > max(total_pages, 1):
                return None
            self.pages_left = total_pages - page
        items = page_items(document, key, url)
        try:
            ids = [_identity(item) for item in items]
        except RecursionError:
            raise DecodeError(url, "a collection item is nested too deeply to compare") from None
        fingerprint = hash(tuple(ids))
        if (
            not items
            or fingerprint in self.seen_pages
            or (self.previous_ids and set(ids) <= self.previous_ids)
        ):
            return None
        self.seen_pages.add(fingerprint)
        fresh = [item for item, ident in zip(items, ids) if ident not in self.previous_ids]
        self.previous_ids = set(ids)
        return fresh


class Walker(Generic[M]):
    """The decisions of one walk through a collection's pages, without the fetching: which
    items of a page are new, whether the walk ends, and where the next page is (or
    ``PaginationError``). ``Collection`` and ``AsyncCollection`` fetch; this decides.

    A page is let go of before the next one is fetched, so that at most one is in memory.
    """

    def __init__(
        self,
        client: Any,
        url: str,
        document: object,
        response: ResponseInfo | None,
        model: type[M],
        key: str | None,
    ) -> None:
        self._client = client
        self._guards = _Walk(url)
        self._variables = {"account": client.account} if client.account else {}
        self._home = origin(client.base_url)
        self._url = url
        self._document: object = document
        self._response = response
        self._model = model
        self._key = key
        self._number = 0
        self._items = 0
        self._href: str | None = None

    def page(self) -> Page[M] | None:
        """The page just fetched, holding the items not seen before; None ends the walk."""
        fresh = self._guards.fresh_items(self._url, self._document, self._key)
        if fresh is None:
            return None
        self._number += 1
        self._items += len(fresh)
        # Read now: a bad next href must not cost the items of the page before it.
        self._href = None if self._guards.pages_left == 0 else next_href(self._document, self._url)
        page = Page(
            self._number,
            self._url,
            [self._model(item, client=self._client) for item in fresh],
            self._document,
            self._response,
        )
        self._document = self._response = None
        return page

    def next_url(self) -> str | None:
        """The URL of the next page to fetch, or None when the walk ends here."""
        href, url, number = self._href, self._url, self._number
        if href is None:
            return None
        max_pages = self._client.max_pages
        if self._guards.pages_left is None and number >= max_pages:
            raise _stopped(
                url,
                number,
                self._items,
                f"the server states no total_pages and links more pages than "
                f"max_pages={max_pages}; to read on, raise it "
                "(client.with_options(max_pages=...))",
            )
        next_url: str = self._client.resolve(href, self._variables, rel="next_page")
        if origin(next_url) != self._home:
            raise _stopped(
                url,
                number,
                self._items,
                f"the next page is on another origin ({next_url}), so its items would not be "
                "Mode's",
            )
        if next_url in self._guards.seen_urls:
            return None
        self._guards.seen_urls.add(next_url)
        self._url = next_url
        return next_url

    def arrived(self, document: object, response: ResponseInfo) -> None:
        """The page at ``next_url()`` has been fetched."""
        self._document, self._response = document, response


def _walk(
    owner: weakref.ReferenceType[Collection[M]], walker: Walker[M], client: Session
) -> Iterator[Page[M]]:
    """The pages of a collection, fetched one at a time as ``walker`` directs."""
    while True:
        page = walker.page()
        if page is None:
            return
        yield page
        del page
        url = walker.next_url()
        if url is None:
            return
        walker.arrived(*client.get_page(url))
        collection = owner()
        if collection is not None:
            collection.pages_fetched += 1
            del collection


def _stopped(url: str, pages: int, items: int, why: str) -> PaginationError:
    return PaginationError(
        f"{url}: stopped after {pages} pages and {items} items: {why}",
        url=url,
        pages=pages,
        items=items,
    )


class CollectionDocument(Document[str], Generic[M]):
    """What a collection reads the same from either client: its first page's ``Document``,
    the model of its items, its ``total``, its repr. ``Collection`` and ``AsyncCollection``
    add the walking."""

    __slots__ = ("_model", "_item_key", "pages_fetched", "__weakref__")
    _kind: ClassVar[str] = "Collection"  # the repr's name
    _instead: ClassVar[str] = ".first(), .take(n), .to_list() or list(collection)"

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        model: type[M] | None = None,
        item_key: str | None = None,
        client: Any = None,
        url: str | None = None,
        response: ResponseInfo | None = None,
    ) -> None:
        super().__init__(data, client=client, url=url, response=response)
        self._model: type[Any] = model if model is not None else self._default_model()
        self._item_key = item_key
        #: pages the latest walk has fetched, the first page included
        self.pages_fetched = 1

    @staticmethod
    def _default_model() -> type[Any]:
        return Resource

    @property
    def model(self) -> type[M]:
        """The model of the items."""
        return self._model

    @property
    def total(self) -> int | None:
        """The number of items in the whole collection, when the server states it."""
        return pagination(self._data)[2]

    def _walker(self, client: Any) -> Walker[M]:
        self.pages_fetched = 1
        return Walker(
            client, self._url or "", self._data, self.response, self._model, self._item_key
        )

    def __getitem__(self, key: str) -> Any:
        """The raw JSON value of ``key`` of the first page (``collection["pagination"]``).
        A number or a slice is refused: say ``first()``, ``take(n)`` or ``list()``."""
        if not isinstance(key, str):
            raise NotAList(
                f"a collection is not indexed (collection[{key!r}]): its items come page by "
                f"page; use {self._instead}"
            )
        return super().__getitem__(key)

    def _first_page_items(self, limit: int | None = None) -> list[M]:
        """The items of the first page (at most ``limit``), as models, without fetching:
        what the repr and the pretty form show. Empty when the page is not readable."""
        try:
            raw = page_items(self._data, self._item_key, self._url or "")
        except DecodeError:
            return []
        return [self._model(item, client=self._client) for item in raw[:limit]]

    def _more_than(self, shown: int) -> bool:
        """Whether the collection has items beyond the first ``shown`` of its first page."""
        total = self.total
        if total is not None:
            return total > shown
        try:
            on_page = len(page_items(self._data, self._item_key, self._url or ""))
        except DecodeError:
            return False
        return on_page > shown or next_href(self._data, self._url or "") is not None

    def __repr__(self) -> str:
        items = self._first_page_items(REPR_ITEMS)
        if not items:
            return self._headline()
        shown = ", ".join(repr(item) for item in items)
        more = ", ..." if self._more_than(len(items)) else ""
        return f"<{self._summary()}: {shown}{more}>"

    def _pretty_items(self) -> list[str]:
        """The lines the pretty form adds: the first page's first items, numbered."""
        items = self._first_page_items(SHOWN_ITEMS)
        lines = ["items (first page; iterating fetches the rest):" if items else "items: none"]
        lines += [f"  #{number:<3} {item!r}" for number, item in enumerate(items, start=1)]
        if self._more_than(len(items)):
            lines.append("  ...")
        return lines

    def _summary(self) -> str:
        parts = [
            f"{self._kind}[{self._model.__name__}]",
            self._item_key or "items",
        ]
        total = self.total
        if total is not None:
            parts.append(f"total={total}")
        else:
            try:
                parts.append(
                    f"page_items={len(page_items(self._data, self._item_key, self._url or ''))}"
                )
            except DecodeError:
                parts.append("page_items=?")
            if next_href(self._data, self._url or "") is not None:
                parts.append("more pages")
        return " ".join(parts)


class Collection(CollectionDocument[M], Resource[str]):
    """A collection of ``M``: what ``list()`` operations return, and ``follow()`` to a list.

    It is the first page's ``Resource`` (``data``, ``links``, ``response``), fetched when the
    collection is made, so a wrong token fails at the call. Iterating it walks every item from
    the first page each time, fetching later pages lazily with one page in memory:

    - ``first()`` is the first item (or None), fetching no page beyond the first;
    - ``take(n)`` is a list of at most ``n`` items, fetching no page beyond the n-th item's;
    - ``pages()`` yields each ``Page`` with its items, links and response;
    - ``total`` is the number of items when Mode states it (the Discovery API does), else None.
    """

    __slots__ = ()

    def pages(self) -> Iterator[Page[M]]:
        """Each page of the collection, from the first, fetching the next one only when asked."""
        client = self._require_client()
        # The walk keeps only a weak reference to the collection: `for r in client.reports.list()`
        # then holds one page at a time, not the first page as well for the whole walk.
        return _walk(weakref.ref(self), self._walker(client), client)

    def __iter__(self) -> Iterator[M]:
        pages = self.pages()
        del self  # as above: a walk must not keep its collection alive
        for page in pages:
            items = page.items
            del page
            yield from items
            del items  # before the next page is fetched

    def first(self) -> M | None:
        """The first item, or None for an empty collection; no page but the first is fetched."""
        return next(iter(self), None)

    def take(self, count: int) -> list[M]:
        """At most ``count`` items from the start; pages after the last one needed are not fetched."""
        return list(itertools.islice(self, count))

    def to_list(self) -> list[M]:
        """Every item, from every page: ``list(collection)``."""
        return list(self)
