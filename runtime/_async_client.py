"""``AsyncBaseClient``: the asyncio driver, the one path every request of
``modehal.AsyncClient`` takes.

It is ``BaseClient`` with ``await``: everything decided rather than done is ``ClientCore``'s,
the same code the blocking client runs (arguments, request, credentials per origin, what an
answer becomes, links and URLs), and so are the retry rule (``_retries``), the redirect and
deadline rules (``_attempt``), paging (``Walker``), polling (``polls``) and download
accounting (``BodyDecoder``). What this module adds is the sending: ``httpx.AsyncClient``
(``_async_transport``), ``asyncio.sleep`` between attempts, and the shared rate-limit bucket
awaited rather than slept on. Importing it imports httpx: ``pip install "modehal[async]"``.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import httpx

from . import _retries
from ._api import Api, Endpoint
from ._async_download import AsyncDownload, AsyncResults
from ._async_hal import AsyncResource, async_model, sync_model
from ._async_pagination import AsyncCollection
from ._async_transport import AsyncTransport
from ._core import ClientCore, Request
from ._download import Download
from ._errors import APIError, ConfigurationError, ModeError, NotJSON, TransportError
from ._hal import ResponseInfo
from ._navigation import Flavor
from ._results import Results
from ._settings import Settings

if TYPE_CHECKING:
    from typing_extensions import Self

D = TypeVar("D", bound=AsyncDownload)

sleep = asyncio.sleep  # between attempts; replaced by tests that count waits instead

#: what AsyncClient streams where the blocking client streams a Download or Results
_ASYNC_DOWNLOADS: dict[type[Any], type[AsyncDownload]] = {
    Download: AsyncDownload,
    Results: AsyncResults,
}
ASYNC = Flavor(model=async_model, sync_model=sync_model, collection=AsyncCollection)


class AsyncBaseClient(ClientCore):
    """Everything an asyncio Mode client needs but its operation groups (see
    ``modehal.AsyncClient``)."""

    _transport: AsyncTransport
    flavor: ClassVar[Flavor] = ASYNC
    _name: ClassVar[str] = "modehal.AsyncClient"
    _awaits_hooks: ClassVar[bool] = True

    def _new_transport(self, settings: Settings) -> AsyncTransport:
        if settings.session is not None:
            raise ConfigurationError(
                "session= takes a requests.Session, which only modehal.Client sends through; "
                "give AsyncClient verify=, cert=, proxies= and headers= instead"
            )
        return AsyncTransport(settings)

    # -- operations ---------------------------------------------------------------------

    async def call(self, endpoint: Endpoint[Any] | str, /, **arguments: object) -> Any:
        """Call an operation, by its ``Endpoint`` or its name (``"report_runs.get"``), as
        ``Client.call`` does: the answer is the model's async twin, a fetched
        ``AsyncCollection`` of them, None, or an ``AsyncDownload`` (``AsyncResults``)."""
        request = self._request(endpoint, arguments)
        if request.endpoint.collection:
            return await self._collection(request)
        return await self._call(request)

    def collection(
        self, endpoint: Endpoint[Any] | str, /, **arguments: object
    ) -> AsyncCollection[Any]:
        """A list operation's ``AsyncCollection``, checked now and fetched when first used:
        what the generated ``list()`` methods return (``async for run in ...list(report)``)."""
        request = self._request(endpoint, arguments)
        return AsyncCollection.later(lambda: self._collection(request))

    async def _collection(self, request: Request) -> AsyncCollection[Any]:
        collection: AsyncCollection[Any] = await self._call(request)
        return collection

    async def _call(self, request: Request) -> Any:
        op = request.endpoint
        with self._documenting(op):
            response = await self._send(
                op.method, request.url, op.api, request.payload, stream=op.streams
            )
        if op.streams:
            return await self._streamed(response, request.url, _ASYNC_DOWNLOADS[op.returns])  # type: ignore[index]
        return self._answer(request, response)

    async def call_on(
        self, resource: AsyncResource[Any], endpoint: str, /, **arguments: object
    ) -> Any:
        """Call an operation about ``resource``, its path params read from its URL (what
        ``await run.results()`` does)."""
        op, given = self._on_resource(resource, endpoint, arguments)
        return await self.call(op, **given)

    async def download(self, href: str) -> AsyncDownload:
        """Stream what ``href`` leads to, without decoding it (see ``AsyncDownload``)."""
        return await self._download(self.resolve(href))

    async def download_link(self, source: AsyncResource[Any], rel: str, href: str) -> AsyncDownload:
        """Stream the (expanded) link ``rel`` of ``source``: ``AsyncResource.download``."""
        return await self._download(self.resolve(href, rel=rel))

    async def _download(self, url: str) -> AsyncDownload:
        response = await self._send("GET", url, self.api_for_url(url), None, stream=True)
        return await self._streamed(response, url, AsyncDownload)

    async def _streamed(self, response: httpx.Response, url: str, kind: type[D]) -> D:
        try:
            return kind.from_response(
                response, url=url, max_bytes=self._settings.max_download_bytes
            )
        except ModeError:  # an HTML page where results were expected: the body goes unread
            await response.aclose()
            raise

    # -- the generic navigator ----------------------------------------------------------

    async def get(self, href: str) -> Any:
        """Fetch any HAL URL or host-relative href, as ``Client.get`` does."""
        url = self.resolve(href)
        return self._resource(url, None, *await self.get_page(url))

    async def follow_link(self, source: AsyncResource[Any], rel: str, href: str) -> Any:
        """Fetch ``href``, the (expanded) link ``rel`` of ``source``: ``AsyncResource.follow``."""
        url, target = self._link(source, rel, href)
        try:
            document, info = await self.get_page(url)
        except NotJSON as error:
            raise self._not_hal(rel, url, error) from None
        return self._resource(url, target, document, info)

    async def get_page(self, url: str) -> tuple[object, ResponseInfo]:
        """GET an absolute URL: its decoded JSON, and the response it came in."""
        response = await self._send("GET", url, self.api_for_url(url), None, expect_json=True)
        return self._page(url, response)

    # -- one request ----------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        url: str,
        api: Api,
        payload: bytes | None,
        *,
        stream: bool = False,
        expect_json: bool = False,
    ) -> httpx.Response:
        """Send one request, retrying what is safe to retry, as ``BaseClient._send``."""
        headers, authorization = self._request_headers(api, payload)
        attempt = 1
        while True:
            try:
                return await self._send_once(
                    method, url, headers, payload, authorization, stream, expect_json, attempt
                )
            except (TransportError, APIError) as error:
                wait = _retries.wait_before_retry(method, url, error, attempt, self.retry)
                if wait is None:
                    raise
                await sleep(wait)
                attempt += 1

    async def _send_once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        payload: bytes | None,
        authorization: str,
        stream: bool,
        expect_json: bool,
        attempt: int,
    ) -> httpx.Response:
        waited = self._bucket.take() if self._bucket is not None else 0.0
        if waited:
            await asyncio.sleep(waited)
        self._about_to_send(method, url, headers, authorization, waited)
        view = self._request_view(method, url, headers, authorization, attempt)
        if view is not None:
            for hook in self._settings.event_hooks.request:
                await _called(hook, view)
        response = await self._transport.send(
            method, url, **self._sending(headers, payload, authorization, stream, expect_json)
        )
        if view is not None and self._settings.event_hooks.response:
            answered = self._response_view(view, response, str(response.url))
            try:
                for respond in self._settings.event_hooks.response:
                    await _called(respond, answered)
            except BaseException:
                await response.aclose()  # a streamed body goes unread: its connection with it
                raise
        self._check_status(method, url, response, str(response.url))
        return response

    # -- lifecycle ------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connection pools."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def _called(hook: Any, view: object) -> None:
    """Call an event hook, awaiting it if it is a coroutine function (either kind is taken)."""
    result = hook(view)
    if inspect.isawaitable(result):
        await result
