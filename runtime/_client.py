"""``BaseClient``: the blocking driver, the one path every request of ``modehal.Client`` takes.

A call goes in at ``call(endpoint, **arguments)`` (generated methods such as
``client.report_runs.get`` are one line over it). Everything that is decided rather than done
(binding the arguments, building the request, the credentials, what the answer becomes) is
``ClientCore``'s, shared with ``modehal.AsyncClient``; this module sends: through the
``Transport`` (``requests``), attempt after attempt as ``_retries`` allows, within the rate
limit. ``get()`` and ``follow_link()`` fetch what a URL or a link leads to; ``download()``
streams what is not a HAL document. The generated ``modehal.Client`` adds one attribute per
group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

import requests

from . import _retries
from ._api import Api, Endpoint
from ._core import NOT_GIVEN, ClientCore
from ._download import Download
from ._errors import APIError, NotJSON, TransportError
from ._hal import Resource, ResponseInfo
from ._jobs_runs import Batch, Plan
from ._navigation import Target
from ._settings import Settings
from ._transport import Transport

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["NOT_GIVEN", "BaseClient"]

R = TypeVar("R")
D = TypeVar("D", bound=Download)


class BaseClient(ClientCore):
    """Everything a Mode client needs but its operation groups (see ``modehal.Client``)."""

    _transport: Transport

    def _new_transport(self, settings: Settings) -> Transport:
        return Transport(settings)

    # -- operations ---------------------------------------------------------------------

    @overload
    def call(self, endpoint: Endpoint[R], /, **arguments: object) -> R: ...

    @overload
    def call(self, endpoint: str, /, **arguments: object) -> Any: ...

    def call(self, endpoint: Endpoint[Any] | str, /, **arguments: object) -> Any:
        """Call an operation, by its ``Endpoint`` or its name (``"report_runs.get"``).

        The arguments are checked against the operation's params first (``InvalidParameter``
        names the operation and the param); the answer is decoded into the operation's model,
        a ``Collection`` of it, or None; or, for results and PDFs, left unread as a streamed
        ``Download`` (``Results``).
        """
        request = self._request(endpoint, arguments)
        op = request.endpoint
        with self._documenting(op):
            response = self._send(
                op.method, request.url, op.api, request.payload, stream=op.streams
            )
        if op.streams:
            return self._streamed(response, request.url, cast("type[Download]", op.returns))
        return self._answer(request, response)

    def call_on(self, resource: Resource[Any], endpoint: str, /, **arguments: object) -> Any:
        """Call an operation about ``resource``: its path params (``report``, ``run``...) are
        taken from the resource's own URL unless given. What ``run.results()`` does."""
        op, given = self._on_resource(resource, endpoint, arguments)
        return self.call(op, **given)

    def download(self, href: str) -> Download:
        """Stream what ``href`` (a URL or a host-relative path) leads to, without decoding it:
        results, a PDF, any body that is not a HAL document. See ``modehal.Download``."""
        return self._download(self.resolve(href))

    def download_link(self, source: Resource[Any], rel: str, href: str) -> Download:
        """Stream the (expanded) link ``rel`` of ``source``: ``Resource.download``."""
        return self._download(self.resolve(href, rel=rel))

    def _download(self, url: str) -> Download:
        response = self._send("GET", url, self.api_for_url(url), None, stream=True)
        return self._streamed(response, url, Download)

    def _streamed(self, response: requests.Response, url: str, kind: type[D]) -> D:
        return kind.from_response(response, url=url, max_bytes=self._settings.max_download_bytes)

    def run_reports(
        self,
        reports: Iterable[str],
        *,
        parameters: Mapping[str, Any] | None = None,
        concurrency: int = 4,
        timeout: float | None = None,
        poll_interval: float = 1.0,
        max_interval: float = 15.0,
    ) -> Batch:
        """Run several reports at once and yield a ``modehal.RunOutcome`` for each as it
        finishes (completion order): ``.report``, ``.run`` (the finished ``ReportRun``),
        ``.error`` (a ``ModeError``, None on success) and ``.ok``.

        At most ``concurrency`` runs are in flight; one loop in the calling thread polls them
        all (no thread per run), spaced as ``wait()`` spaces its polls, and every trigger and
        poll goes through this client, within its ``rate_limit``. ``poll_interval`` and
        ``max_interval`` space each run's polls as in ``wait()``. Each report is triggered
        once, with ``parameters`` when given; a run that fails, times out (``timeout``
        seconds after it was triggered, then ``modehal.Timeout``) or cannot be triggered
        stops only itself. Ctrl-C stops triggering and raises ``modehal.RunsInterrupted``
        (a ``KeyboardInterrupt``) naming the runs that go on in Mode.
        """
        plan = Plan(reports, parameters, concurrency, timeout, poll_interval, max_interval)
        return Batch(self, plan)

    # -- the generic navigator ----------------------------------------------------------

    def get(self, href: str) -> Resource[Any]:
        """Fetch any HAL URL or host-relative href (``/api/hogwarts/reports/...``).

        The result is the generated model when the URL matches a documented GET operation, a
        ``Collection`` when the document is a list of resources, and a plain ``Resource``
        otherwise. Credentials go with it only if it is on the configured origin.
        """
        return self._navigate(self.resolve(href), target=None)

    def follow_link(self, source: Resource[Any], rel: str, href: str) -> Resource[Any]:
        """Fetch ``href``, the (expanded) link ``rel`` of ``source``: ``Resource.follow``."""
        url, target = self._link(source, rel, href)
        try:
            return self._navigate(url, target=target)
        except NotJSON as error:
            raise self._not_hal(rel, url, error) from None

    def _navigate(self, url: str, *, target: Target | None) -> Resource[Any]:
        document, info = self.get_page(url)
        resource: Resource[Any] = self._resource(url, target, document, info)
        return resource

    def get_page(self, url: str) -> tuple[object, ResponseInfo]:
        """GET an absolute URL: its decoded JSON, and the response it came in."""
        response = self._send("GET", url, self.api_for_url(url), None, expect_json=True)
        return self._page(url, response)

    # -- one request ----------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        api: Api,
        payload: bytes | None,
        *,
        stream: bool = False,
        expect_json: bool = False,
    ) -> requests.Response:
        """Send one request, retrying what is safe to retry (see ``_retries``).

        ``stream`` leaves a successful answer's body unread; ``expect_json`` refuses one that
        is not JSON (``NotJSON``) before reading it (see ``Transport.send``).
        """
        headers, authorization = self._request_headers(api, payload)
        attempt = 1
        while True:
            try:
                return self._send_once(
                    method, url, headers, payload, authorization, stream, expect_json, attempt
                )
            except (TransportError, APIError) as error:
                wait = _retries.wait_before_retry(method, url, error, attempt, self.retry)
                if wait is None:
                    raise
                _retries.sleep(wait)
                attempt += 1

    def _send_once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        payload: bytes | None,
        authorization: str,
        stream: bool,
        expect_json: bool,
        attempt: int,
    ) -> requests.Response:
        waited = self._bucket.acquire() if self._bucket is not None else 0.0
        self._about_to_send(method, url, headers, authorization, waited)
        view = self._request_view(method, url, headers, authorization, attempt)
        if view is not None:
            for hook in self._settings.event_hooks.request:
                hook(view)
        response = self._transport.send(
            method, url, **self._sending(headers, payload, authorization, stream, expect_json)
        )
        if view is not None and self._settings.event_hooks.response:
            answered = self._response_view(view, response, response.url)
            try:
                for respond in self._settings.event_hooks.response:
                    respond(answered)
            except BaseException:
                response.close()  # a streamed body goes unread: its connection with it
                raise
        self._check_status(method, url, response, response.url)
        return response

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool (not a ``session=`` given to the client: its owner's)."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
