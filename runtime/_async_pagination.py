"""``AsyncCollection``: every item of a collection, page after page, for
``modehal.AsyncClient``: ``async for item in collection``, ``await first()``, ``await
take(n)``, ``async for page in pages()``.

The walk is ``_pagination.Walker``'s, as ``Collection`` walks: the same stop rules (Mode's
paging quirks, ``max_pages``, a next page on another origin), one page in memory at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ._async_hal import AsyncResource
from ._hal import Document, Resource
from ._pagination import Collection, CollectionDocument, Page

if TYPE_CHECKING:
    from typing_extensions import Self

M = TypeVar("M", bound=Document[Any])


class AsyncCollection(CollectionDocument[M], AsyncResource[str]):
    """A collection of ``M`` fetched by ``modehal.AsyncClient``.

    A ``list()`` operation returns it before anything is sent: iterating it (``async for``,
    ``first()``, ``take()``, ``pages()``) fetches the first page, and ``await collection``
    fetches it and returns the collection (then ``data``, ``links``, ``total`` read as on a
    ``Collection``). ``follow()`` to a list and ``call()`` return it fetched.
    """

    __slots__ = ("_fetch",)
    _kind: ClassVar[str] = "AsyncCollection"
    _instead: ClassVar[str] = (
        "await .first(), await .take(n), await .to_list() or `async for item in collection`"
    )
    sync_model: ClassVar[type[Resource[Any]]] = Collection

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fetch: Callable[[], Awaitable[AsyncCollection[Any]]] | None = None

    @staticmethod
    def _default_model() -> type[Any]:
        return AsyncResource

    @classmethod
    def later(cls, fetch: Callable[[], Awaitable[AsyncCollection[Any]]]) -> AsyncCollection[Any]:
        """A collection whose first page ``fetch()`` gets, when it is first needed."""
        collection: AsyncCollection[Any] = cls()
        collection._fetch = fetch
        return collection

    async def _fetched(self) -> Self:
        if self._fetch is not None:
            fetch, self._fetch = self._fetch, None
            first = await fetch()
            self._data, self._url, self.response = first._data, first._url, first.response
            self._client, self._links = first._client, None
            self._model, self._item_key = first._model, first._item_key
        return self

    def __await__(self) -> Generator[Any, None, Self]:
        return self._fetched().__await__()

    async def pages(self) -> AsyncIterator[Page[M]]:
        """Each page of the collection, from the first, fetching the next one only when asked."""
        await self._fetched()
        client = self._require_client()
        walker = self._walker(client)
        while True:
            page = walker.page()
            if page is None:
                return
            yield page
            del page
            url = walker.next_url()
            if url is None:
                return
            walker.arrived(*await client.get_page(url))
            self.pages_fetched += 1

    async def __aiter__(self) -> AsyncIterator[M]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def first(self) -> M | None:
        """The first item, or None for an empty collection; no page but the first is fetched."""
        async for item in self:
            return item
        return None

    async def take(self, count: int) -> list[M]:
        """At most ``count`` items from the start; pages after the last one needed are not fetched."""
        taken: list[M] = []
        if count <= 0:
            return taken
        async for item in self:
            taken.append(item)
            if len(taken) >= count:
                break
        return taken

    async def to_list(self) -> list[M]:
        """Every item, from every page."""
        return [item async for item in self]

    def _pretty_items(self) -> list[str]:
        return [] if self._fetch is not None else super()._pretty_items()

    def _summary(self) -> str:
        if self._fetch is not None:
            return f"{self._kind} (not fetched yet: await it, or iterate it)"
        return super()._summary()
