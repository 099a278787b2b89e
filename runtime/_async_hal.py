"""``AsyncResource`` and ``AsyncPollable``: resources as ``modehal.AsyncClient`` returns them.

A resource reads the same from either client (``Document``: data, links, fields, reprs); only
fetching differs. Each generated model is one fields class with two flavours: ``ReportRun``
(``Pollable``, blocking) and ``AsyncReportRun`` (``AsyncPollable``), whose ``follow()``,
``refresh()``, ``wait()`` and generated methods are awaited. The twins find each other
through ``sync_model``: the endpoints and the catalog name the blocking model, and
``async_model()`` gives the one ``AsyncClient`` builds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ._async_download import AsyncDownload
from ._hal import Document, Navigator, RelT, Resource, ResponseInfo
from ._polling import Pollable, PollableDocument, Progress, polls

if TYPE_CHECKING:
    from typing_extensions import Self

_TWINS: dict[type[Any], type[Any]] = {}


def async_model(model: type[Resource[Any]]) -> type[Any]:
    """The ``AsyncResource`` twin of a blocking model (``AsyncResource`` for one it has not)."""
    found = _TWINS.get(model)
    if found is not None:
        return found
    for base in model.__mro__[1:]:  # a subclass of a model without a twin of its own
        if base in _TWINS:
            return _TWINS[base]
    return AsyncResource


def sync_model(model: type[Any]) -> type[Resource[Any]]:
    """The blocking twin of an ``AsyncResource`` model (what the catalog knows it as)."""
    twin: type[Resource[Any]] = getattr(model, "sync_model", Resource)
    return twin


class AsyncSession(Navigator, Protocol):
    """What an ``AsyncResource`` asks of ``modehal.AsyncClient`` (``AsyncBaseClient``)."""

    async def get(self, href: str) -> Any: ...

    async def follow_link(self, source: AsyncResource[Any], rel: str, href: str) -> Any: ...

    async def get_page(self, url: str) -> tuple[object, ResponseInfo]: ...

    async def call_on(
        self, resource: AsyncResource[Any], endpoint: str, /, **arguments: object
    ) -> Any: ...

    async def download_link(
        self, source: AsyncResource[Any], rel: str, href: str
    ) -> AsyncDownload: ...


class AsyncResource(Document[RelT]):
    """A HAL resource fetched by ``modehal.AsyncClient``: the same document as a
    ``Resource`` (``data``, ``links``, ``embedded``, fields), with ``await follow(rel)``,
    ``await download(rel)`` and ``await refresh()``."""

    __slots__ = ()

    #: the blocking model this one is the twin of
    sync_model: ClassVar[type[Resource[Any]]] = Resource

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        twin = cls.__dict__.get("sync_model")
        if twin is not None:
            _TWINS[twin] = cls

    def _require_client(self) -> AsyncSession:
        client: AsyncSession = super()._require_client()
        return client

    async def follow(self, rel: RelT, **variables: object) -> AsyncResource[Any]:
        """Fetch the resource at link ``rel``, as ``Resource.follow`` does: the generated
        model's twin when the spec knows the target, an ``AsyncCollection`` for a list."""
        href = self._followed_href(rel, variables)
        resource: AsyncResource[Any] = await self._require_client().follow_link(self, rel, href)
        return resource

    async def download(self, rel: RelT, **variables: object) -> AsyncDownload:
        """Stream what link ``rel`` leads to when it is not a HAL document: an
        ``AsyncDownload``."""
        href = self._href(rel, variables)
        return await self._require_client().download_link(self, rel, href)

    async def _call(self, endpoint: str, /, **arguments: object) -> Any:
        return await self._require_client().call_on(self, endpoint, **arguments)

    async def refresh(self) -> Self:
        """Fetch this resource again from its ``self`` link (or the URL it came from)."""
        return self._renewed(await self._require_client().get(self._fresh_url()))


_TWINS[Resource] = AsyncResource


class AsyncPollable(PollableDocument[RelT], AsyncResource[RelT]):
    """A resource whose state moves on by itself, fetched by ``modehal.AsyncClient``:
    ``await run.wait()`` polls it as ``Pollable.wait`` does (the same cadence, from the same
    code), sleeping with ``asyncio.sleep``."""

    __slots__ = ()

    sync_model: ClassVar[type[Resource[Any]]] = Pollable

    async def wait(
        self,
        *,
        timeout: float | None = 600.0,
        poll_interval: float = 1.0,
        max_interval: float = 15.0,
        raise_on_failure: bool = True,
        progress: Progress | bool | None = None,
    ) -> Self:
        """Poll until the state is final and return the fresh resource (see ``Pollable.wait``)."""
        cadence = polls(
            self,
            timeout=timeout,
            poll_interval=poll_interval,
            max_interval=max_interval,
            raise_on_failure=raise_on_failure,
            progress=progress,
        )
        import asyncio  # here: `import modehal` need not load asyncio for Client's sake

        current = self
        try:
            wait = next(cadence)
            while True:
                await asyncio.sleep(wait)
                current = await current.refresh()
                wait = cadence.send(current)
        except StopIteration as finished:
            result: Self = finished.value
            return result
