"""``BaseClient``: the one path every request takes.

A call goes in at ``call(endpoint, **arguments)`` (generated methods such as
``client.report_runs.get`` are one line over it): the arguments are checked against the
endpoint's params and split into path, query and body (``_arguments``), the request goes out
through the ``Transport`` with retries and the rate limit, and the body comes back as the
endpoint's model, a ``Collection`` of it, or a streamed ``Download`` (results, a PDF).
``get()`` and ``follow_link()`` fetch what a URL or a link leads to and leave the choice of
model to ``_navigation``; ``download()`` streams what is not a HAL document. The generated
``modehal.Client`` adds the catalog of models and operations, and one attribute per group.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload
from urllib.parse import quote, urlencode

import requests

from . import _retries, _urls
from ._api import Api, Endpoint
from ._auth import hide, hide_discovery
from ._arguments import Bound, bind
from ._decode import decode_json, encode_body
from ._download import Download
from ._errors import (
    APIError,
    ConfigurationError,
    LinkError,
    NotJSON,
    TransportError,
    error_for_status,
)
from ._hal import Resource, ResponseInfo
from ._jobs_runs import Batch, Plan
from ._logging import log_to_stderr, logger, redacted
from ._navigation import Catalog, Target, to_collection, to_model, to_resource
from ._ratelimit import TokenBucket
from ._settings import Settings, missing_credentials
from ._transport import TimeoutValue, Transport
from ._version import __version__

if TYPE_CHECKING:
    from typing_extensions import Self

R = TypeVar("R")
D = TypeVar("D", bound=Download)


class _NotGiven:
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()  # for with_options(): "leave as is", where None means "no timeout"


class BaseClient:
    """Everything a Mode client needs but its operation groups (see ``modehal.Client``)."""

    #: The APIs this client speaks and the models and operations it knows; set by the
    #: generated ``Client`` from the spec.
    apis: ClassVar[Sequence[Api]] = ()
    catalog: ClassVar[Catalog] = Catalog()

    def __init__(
        self,
        token: str | None = None,
        secret: str | None = None,
        *,
        account: str | None = None,
        base_url: str | None = None,
        discovery: tuple[str, str, str] | None = None,
        timeout: TimeoutValue = 30.0,
        max_retries: int = 2,
        rate_limit: float | None = None,
        rate_burst: int = 1,
        max_response_bytes: int | None = 64 * 1024 * 1024,
        max_download_bytes: int | None = None,
        max_pages: int = 5_000,
        max_connections: int = 32,
        allow_insecure: bool = False,
    ) -> None:
        # Hidden on the first line that touches them: a traceback showing this frame's locals
        # (a refused setting below, say) shows '[redacted]', whatever type they were given as.
        token, secret, discovery = hide(token), hide(secret), hide_discovery(discovery)  # type: ignore[assignment]
        settings = Settings.resolve(
            token,
            secret,
            account=account,
            base_url=base_url,
            discovery=discovery,
            allow_insecure=allow_insecure,
            timeout=timeout,
            max_retries=max_retries,
            rate_limit=rate_limit,
            rate_burst=rate_burst,
            max_response_bytes=max_response_bytes,
            max_download_bytes=max_download_bytes,
            max_pages=max_pages,
            max_connections=max_connections,
        )
        del token, secret, discovery  # held only as headers in settings from here on
        # One bucket for this client and every copy with_options() makes: they share the budget.
        bucket = (
            TokenBucket(settings.rate_limit, burst=settings.rate_burst)
            if settings.rate_limit
            else None
        )
        self._setup(settings, Transport(max_connections=settings.max_connections), bucket)
        log_to_stderr(settings.log_level)

    def _setup(self, settings: Settings, transport: Transport, bucket: TokenBucket | None) -> None:
        self._settings = settings
        self._transport = transport
        self._bucket = bucket
        self._origin = _urls.origin(settings.base_url)
        self._sent = 0  # requests sent through this copy (the jobs report what they cost)
        self._headers = {"User-Agent": f"modehal/{__version__}", "Accept-Encoding": "gzip, deflate"}

    def with_options(
        self,
        *,
        timeout: TimeoutValue = NOT_GIVEN,
        max_retries: int = NOT_GIVEN,
        account: str = NOT_GIVEN,
        max_pages: int = NOT_GIVEN,
        max_response_bytes: int | None = NOT_GIVEN,
        max_download_bytes: int | None = NOT_GIVEN,
    ) -> Self:
        """A copy of this client with other settings, sharing its connection pool and its rate
        limit: ``client.with_options(timeout=5, max_retries=0).report_runs.get(...)``."""
        given = {
            "timeout": timeout,
            "max_retries": max_retries,
            "account": account,
            "max_pages": max_pages,
            "max_response_bytes": max_response_bytes,
            "max_download_bytes": max_download_bytes,
        }
        settings = self._settings.replace(
            **{name: value for name, value in given.items() if value is not NOT_GIVEN}
        )
        copy = type(self).__new__(type(self))
        copy._setup(settings, self._transport, self._bucket)
        return copy

    # -- settings -----------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """This client's configuration (credentials only as redacted headers)."""
        return self._settings

    @property
    def account(self) -> str | None:
        return self._settings.account

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def timeout(self) -> TimeoutValue:
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        return self._settings.max_retries

    @property
    def max_pages(self) -> int:
        """Pages a collection may read when the server states no ``total_pages``."""
        return self._settings.max_pages

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
        op = self.operation(endpoint) if isinstance(endpoint, str) else endpoint
        bound = bind(op, arguments, account=self.account)
        url = self._url(op, bound)
        payload = encode_body(bound.body, op.name) if bound.body is not None else None
        try:
            response = self._send(op.method, url, op.api, payload, stream=op.streams)
        except APIError as error:
            error.documented = op.errors.get(error.status)
            raise
        returns = op.returns
        if isinstance(returns, type) and issubclass(returns, Download):
            return self._streamed(response, url, returns)
        if response.status_code != op.status:  # any 2xx will do; the difference is worth a note
            logger.debug(
                "%s answered %d; the spec documents %d", op.name, response.status_code, op.status
            )
        if returns is None:
            return None
        document = decode_json(response, url)
        info = _info(response, op.method, url)
        if op.collection:
            return to_collection(
                document,
                model=returns,
                key=op.item_key,
                client=self,
                url=url,
                response=info,
                catalog=self.catalog,
            )
        return to_model(document, returns, client=self, url=url, response=info)

    def call_on(self, resource: Resource[Any], endpoint: str, /, **arguments: object) -> Any:
        """Call an operation about ``resource``: its path params (``report``, ``run``...) are
        taken from the resource's own URL unless given. What ``run.results()`` does."""
        op = self.operation(endpoint)
        url = resource.url
        own = None
        if url is not None:
            own = self.catalog.own_params(type(resource), _urls.api_path(self.base_url, url))
        if own is None:
            raise LinkError(
                f"{op.name}: this {type(resource).__name__} has no URL its tokens can be read "
                f"from ({url or 'no self link'})",
                rel="self",
            )
        path_params = {param.name for param in op.params if param.location == "path"}
        given = {name: value for name, value in own.items() if name in path_params}
        return self.call(op, **{**given, **arguments})

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

    def operation(self, name: str) -> Endpoint[Any]:
        """The operation called ``name`` (``"report_runs.get"``), or ``InvalidParameter``."""
        return self.catalog.operation(name)

    def _url(self, op: Endpoint[Any], bound: Bound) -> str:
        path = op.path.format_map(
            {name: quote(value, safe="") for name, value in bound.path.items()}
        )
        url = self.base_url + op.api.base_path + path
        if bound.query:
            url += "?" + urlencode(list(bound.query.items()))
        return url

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
        url = self.resolve(href, rel=rel)
        page = self.web_page(url)
        if page is not None:  # nothing is sent: a web page is no API resource, and no HAL
            raise LinkError(
                f"{rel!r} is a web page ({page}), not an API resource: open it in a browser",
                rel=rel,
            )
        try:
            return self._navigate(url, target=self.catalog.link_target(type(source), rel))
        except NotJSON as error:
            raise LinkError(
                f"{rel!r} leads to {error.content_type}, not a HAL document ({url}): read it "
                f"with .download({rel!r})",
                rel=rel,
            ) from None

    def _navigate(self, url: str, *, target: Target | None) -> Resource[Any]:
        document, info = self.get_page(url)
        return to_resource(
            document,
            target=target,
            catalog=self.catalog,
            client=self,
            url=url,
            response=info,
            base_url=self.base_url,
        )

    def web_page(self, href: str) -> str | None:
        """The absolute URL of ``href`` when it is a page of Mode's web app (on the configured
        origin, outside every API's base path, as ``share`` and ``web_*`` rels are); else None."""
        url = self._on_origin(href)
        if url is None or self._api_under(url) is not None:
            return None
        return url

    def api_url(self, href: str) -> str | None:
        """The absolute URL of ``href`` when it is an API resource on the configured origin
        (under ``/api`` or ``/batch``); None for a web page, another origin or a bad href."""
        url = self._on_origin(href)
        if url is None or self._api_under(url) is None:
            return None
        return url

    def _on_origin(self, href: str) -> str | None:
        try:
            url = self.resolve(href)
        except LinkError:
            return None
        return url if _urls.same_origin(url, self._origin) else None

    def model_for_key(self, key: str) -> type[Resource[Any]]:
        """The model of an ``_embedded`` entry, by its key (a plain ``Resource`` if unknown)."""
        return self.catalog.model_for_key(key)

    def resolve(
        self, href: str, variables: Mapping[str, str] | None = None, *, rel: str | None = None
    ) -> str:
        """An absolute URL for ``href``: host-relative hrefs resolve against ``base_url``."""
        return _urls.resolve(self.base_url, href, variables, rel=rel)

    def api_for_url(self, url: str) -> Api:
        """The API a URL belongs to, by its path prefix (``/batch`` → Discovery)."""
        found = self._api_under(url)
        if found is not None:
            return found
        for api in self.apis:
            if api.auth == "basic":
                return api
        raise ConfigurationError("this client declares no API to send requests to")

    def _api_under(self, url: str) -> Api | None:
        """The API whose base path ``url``'s path is under, if any."""
        path = _urls.api_path(self.base_url, url)
        for api in self.apis:
            if path == api.base_path or path.startswith(api.base_path + "/"):
                return api
        return None

    def get_page(self, url: str) -> tuple[object, ResponseInfo]:
        """GET an absolute URL: its decoded JSON, and the response it came in."""
        response = self._send("GET", url, self.api_for_url(url), None, expect_json=True)
        return decode_json(response, url), _info(response, "GET", url)

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
        headers = {**self._headers, "Accept": api.accept}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        authorization = self._authorization(api)
        attempt = 1
        while True:
            try:
                return self._send_once(
                    method, url, headers, payload, authorization, stream, expect_json
                )
            except (TransportError, APIError) as error:
                error.attempts = attempt
                if attempt > self.max_retries or not _retries.should_retry(method, error):
                    raise
                wait = _retries.delay(attempt, error)
                logger.info(
                    "retrying %s %s in %.2fs (attempt %d of %d): %s",
                    method,
                    url,
                    wait,
                    attempt + 1,
                    self.max_retries + 1,
                    _short(error),
                )
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
    ) -> requests.Response:
        self._sent += 1
        if self._bucket is not None:
            waited = self._bucket.acquire()
            if waited:
                logger.debug("rate limit: waited %.3fs before %s %s", waited, method, url)
        if logger.isEnabledFor(logging.DEBUG):
            sent = (
                {**headers, "Authorization": authorization}
                if _urls.same_origin(url, self._origin)
                else headers
            )
            logger.debug("%s %s %s", method, url, redacted(sent))
        response = self._transport.send(
            method,
            url,
            headers=headers,
            body=payload,
            timeout=self.timeout,
            # Credentials go only to the configured origin: not to a host a link or a
            # redirect points at.
            authorization=authorization,
            home=self._origin,
            max_bytes=self._settings.max_response_bytes,
            stream=stream,
            expect_json=expect_json,
        )
        logger.debug(
            "%s %s -> %d in %.3fs",
            method,
            response.url or url,
            response.status_code,
            response.elapsed.total_seconds(),
        )
        if response.status_code >= 400:
            raise error_for_status(response.status_code)(
                status=response.status_code,
                method=method,
                url=response.url or url,
                body=response.text,
                headers=response.headers,
            )
        return response

    def _authorization(self, api: Api) -> str:
        header = self._settings.bearer if api.auth == "bearer" else self._settings.basic
        if header is None:
            raise missing_credentials(api.name, api.auth)
        return header

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        # Never the credentials: only which of them are configured.
        # getattr: a client whose __init__ failed half-way is still printable (in tracebacks).
        settings: Settings | None = getattr(self, "_settings", None)
        if settings is None:
            return "<modehal.Client (not configured)>"
        auth = [
            name
            for name, header in (("basic", settings.basic), ("bearer", settings.bearer))
            if header
        ]
        return (
            f"<modehal.Client base_url={settings.base_url!r} account={settings.account!r} "
            f"auth={'+'.join(auth) or 'none'} timeout={settings.timeout!r} max_retries={settings.max_retries}>"
        )


def _short(error: Exception) -> str:
    if isinstance(error, APIError):
        return f"{error.status} {error.message[:80]}"
    return str(error)


def _info(response: requests.Response, method: str, url: str) -> ResponseInfo:
    return ResponseInfo(
        method=method,
        url=url,
        status=response.status_code,
        headers=response.headers,
        elapsed=response.elapsed.total_seconds(),
    )
