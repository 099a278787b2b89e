"""``ClientCore``: everything a client decides without doing any I/O, shared by the blocking
``modehal.Client`` (``_client``) and ``modehal.AsyncClient`` (``_async_client``).

It holds the settings and the rate-limit bucket, binds a call's arguments and builds its
request (URL, body, headers, the credentials for its API), turns an answer into an error, a
model, a collection or nothing, resolves hrefs and links, and knows which model a URL or a
rel leads to. The two drivers add only the sending: a loop of attempts (whose retry rule is
``_retries.wait_before_retry``), the transport, and the waiting. Retries, redirects and
deadlines (``_attempt``), paging (``_pagination.Walker``), polling (``_polling.polls``) and
download accounting (``_download.BodyDecoder``) are shared the same way.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, urlencode

from . import _urls
from ._api import Api, Endpoint
from ._arguments import bind
from ._auth import hide, hide_discovery
from ._decode import Answer, decode_json, encode_body
from ._errors import (
    APIError,
    ConfigurationError,
    LinkError,
    NotJSON,
    error_for_status,
)
from ._hal import Document, ResponseInfo
from ._hooks import RequestView, ResponseView, read_only
from ._logging import log_to_stderr, logger, redacted
from ._navigation import SYNC, Catalog, Flavor, Target, to_collection, to_model, to_resource
from ._ratelimit import TokenBucket
from ._retries import Retry
from ._settings import Settings, missing_credentials
from ._attempt import TimeoutValue

if TYPE_CHECKING:
    from typing_extensions import Self


class _NotGiven:
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()  # for with_options(): "leave as is", where None means "no timeout"


@dataclass(frozen=True)
class Request:
    """One call's request, built and checked, before anything is sent."""

    endpoint: Endpoint[Any]
    url: str
    payload: bytes | None


class ClientCore:
    """The I/O-free half of a Mode client (see the module's docstring)."""

    #: The APIs this client speaks and the models and operations it knows; set by the
    #: generated clients from the spec.
    apis: ClassVar[Sequence[Api]] = ()
    catalog: ClassVar[Catalog] = Catalog()
    #: which models, collections and downloads this client's answers are made of
    flavor: ClassVar[Flavor] = SYNC
    _name: ClassVar[str] = "modehal.Client"
    #: whether coroutine functions may be event hooks (the asyncio client awaits them)
    _awaits_hooks: ClassVar[bool] = False

    _transport: Any

    def __init__(
        self,
        token: str | None = None,
        secret: str | None = None,
        *,
        account: str | None = None,
        base_url: str | None = None,
        discovery: tuple[str, str, str] | None = None,
        timeout: TimeoutValue = 30.0,
        max_retries: int = NOT_GIVEN,
        rate_limit: float | None = None,
        rate_burst: int = 1,
        max_response_bytes: int | None = 64 * 1024 * 1024,
        max_download_bytes: int | None = None,
        max_pages: int = 5_000,
        max_connections: int = 32,
        allow_insecure: bool = False,
        retry: Retry | None = None,
        session: Any = None,
        verify: bool | str | None = None,
        cert: str | tuple[str, str] | None = None,
        proxies: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
        event_hooks: Mapping[str, Sequence[Any]] | None = None,
    ) -> None:
        # Hidden on the first line that touches them: a traceback showing this frame's locals
        # (a refused setting below, say) shows '[redacted]', whatever type they were given as.
        token, secret, discovery = hide(token), hide(secret), hide_discovery(discovery)  # type: ignore[assignment]
        # max_retries= is retry='s shorthand: passed on only when given (both: refused)
        shorthand: dict[str, Any] = {} if max_retries is NOT_GIVEN else {"max_retries": max_retries}
        settings = Settings.resolve(
            token,
            secret,
            account=account,
            base_url=base_url,
            discovery=discovery,
            allow_insecure=allow_insecure,
            session=session,
            verify=verify,
            cert=cert,
            proxies=proxies,
            timeout=timeout,
            **shorthand,
            retry=retry,
            headers=headers,
            user_agent=user_agent,
            event_hooks=event_hooks,
            rate_limit=rate_limit,
            rate_burst=rate_burst,
            max_response_bytes=max_response_bytes,
            max_download_bytes=max_download_bytes,
            max_pages=max_pages,
            max_connections=max_connections,
        )
        del token, secret, discovery  # held only as headers in settings from here on
        self._check_hooks(settings)  # before a transport is made, to be left unclosed
        # One bucket for this client and every copy with_options() makes: they share the budget.
        bucket = (
            TokenBucket(settings.rate_limit, burst=settings.rate_burst)
            if settings.rate_limit
            else None
        )
        self._setup(settings, self._new_transport(settings), bucket)
        log_to_stderr(settings.log_level)

    def _new_transport(self, settings: Settings) -> Any:
        """The driver's transport, holding its connection pool."""
        raise TypeError(
            "ClientCore is the shared half of a client: make a Client or an AsyncClient"
        )

    def _check_hooks(self, settings: Settings) -> Settings:
        """``settings``, unless a coroutine function is a hook of a client that would call it
        without awaiting it (the hook would silently never run)."""
        hooks = settings.event_hooks
        if not self._awaits_hooks and any(map(_is_async, hooks.request + hooks.response)):
            raise ConfigurationError(
                f"{self._name} calls event hooks in a blocking way: give it plain functions "
                "(coroutine functions are for modehal.AsyncClient)"
            )
        return settings

    def _setup(self, settings: Settings, transport: Any, bucket: TokenBucket | None) -> None:
        self._settings = settings
        self._transport = transport
        self._bucket = bucket
        self._origin = _urls.origin(settings.base_url)
        self._sent = 0  # requests sent through this copy (see _about_to_send)
        self._headers = {"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"}
        # headers= (and a session's own): like the credentials, only for the configured origin
        self._home_headers = settings.sent_headers

    def with_options(
        self,
        *,
        timeout: TimeoutValue = NOT_GIVEN,
        max_retries: int = NOT_GIVEN,
        account: str = NOT_GIVEN,
        max_pages: int = NOT_GIVEN,
        max_response_bytes: int | None = NOT_GIVEN,
        max_download_bytes: int | None = NOT_GIVEN,
        retry: Retry = NOT_GIVEN,
        headers: Mapping[str, str] = NOT_GIVEN,
        user_agent: str = NOT_GIVEN,
        event_hooks: Mapping[str, Sequence[Any]] = NOT_GIVEN,
    ) -> Self:
        """A copy of this client with other settings, sharing its connection pool and its rate
        limit: ``client.with_options(timeout=5, max_retries=0).report_runs.get(...)``.

        What the pool is made with (``session``, ``verify``, ``cert``, ``proxies``,
        ``max_connections``) is the pool's, so not here; ``headers=`` replaces the headers
        given before."""
        given = {
            "timeout": timeout,
            "max_retries": max_retries,
            "account": account,
            "max_pages": max_pages,
            "max_response_bytes": max_response_bytes,
            "max_download_bytes": max_download_bytes,
            "retry": retry,
            "headers": headers,
            "user_agent": user_agent,
            "event_hooks": event_hooks,
        }
        settings = self._check_hooks(
            self._settings.replace(
                **{name: value for name, value in given.items() if value is not NOT_GIVEN}
            )
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
    def retry(self) -> Retry:
        """The retry policy (``max_retries`` is its ``max_retries``)."""
        return self._settings.retry

    @property
    def max_pages(self) -> int:
        """Pages a collection may read when the server states no ``total_pages``."""
        return self._settings.max_pages

    # -- a call, before and after sending -------------------------------------------------

    def operation(self, name: str) -> Endpoint[Any]:
        """The operation called ``name`` (``"report_runs.get"``), or ``InvalidParameter``."""
        return self.catalog.operation(name)

    def _request(self, endpoint: Endpoint[Any] | str, arguments: Mapping[str, object]) -> Request:
        """The checked request of a call (``InvalidParameter`` names the param; nothing sent)."""
        op = self.operation(endpoint) if isinstance(endpoint, str) else endpoint
        bound = bind(op, arguments, account=self.account)
        path = op.path.format_map(
            {name: quote(value, safe="") for name, value in bound.path.items()}
        )
        url = self.base_url + op.api.base_path + path
        if bound.query:
            url += "?" + urlencode(list(bound.query.items()))
        payload = encode_body(bound.body, op.name) if bound.body is not None else None
        return Request(op, url, payload)

    @staticmethod
    @contextmanager
    def _documenting(op: Endpoint[Any]) -> Iterator[None]:
        """An ``APIError`` of ``op`` says what the spec documents its status to mean."""
        try:
            yield
        except APIError as error:
            error.documented = op.errors.get(error.status)
            raise

    def _answer(self, request: Request, response: Answer) -> Any:
        """What a call's (decoded) answer is: its model, a collection of it, or None."""
        op, url = request.endpoint, request.url
        if response.status_code != op.status:  # any 2xx will do; the difference is worth a note
            logger.debug(
                "%s answered %d; the spec documents %d", op.name, response.status_code, op.status
            )
        returns = op.returns
        if returns is None:
            return None
        document = decode_json(response, url)
        info = _info(response, op.method, url)
        if op.collection:
            return to_collection(
                document,
                model=returns,  # type: ignore[arg-type]  # a Download never gets here
                key=op.item_key,
                client=self,
                url=url,
                response=info,
                catalog=self.catalog,
                flavor=self.flavor,
            )
        return to_model(
            document, self.flavor.model(returns), client=self, url=url, response=info  # type: ignore[arg-type]
        )

    def _on_resource(
        self, resource: Document[Any], endpoint: str, arguments: Mapping[str, object]
    ) -> tuple[Endpoint[Any], dict[str, object]]:
        """An operation about ``resource``, with its path params (``report``, ``run``...) read
        from the resource's own URL unless given: what ``run.results()`` calls."""
        op = self.operation(endpoint)
        url = resource.url
        own = None
        if url is not None:
            model = self.flavor.sync_model(type(resource))
            own = self.catalog.own_params(model, _urls.api_path(self.base_url, url))
        if own is None:
            raise LinkError(
                f"{op.name}: this {type(resource).__name__} has no URL its tokens can be read "
                f"from ({url or 'no self link'})",
                rel="self",
            )
        path_params = {param.name for param in op.params if param.location == "path"}
        given = {name: value for name, value in own.items() if name in path_params}
        return op, {**given, **arguments}

    # -- links and URLs -----------------------------------------------------------------

    def _link(self, source: Document[Any], rel: str, href: str) -> tuple[str, Target | None]:
        """The URL link ``rel`` of ``source`` leads to, and what the spec says is there.
        Refuses a web page before anything is sent: it is no API resource, and no HAL."""
        url = self.resolve(href, rel=rel)
        page = self.web_page(url)
        if page is not None:
            raise LinkError(
                f"{rel!r} is a web page ({page}), not an API resource: open it in a browser",
                rel=rel,
            )
        return url, self.catalog.link_target(self.flavor.sync_model(type(source)), rel)

    @staticmethod
    def _not_hal(rel: str, url: str, error: NotJSON) -> LinkError:
        return LinkError(
            f"{rel!r} leads to {error.content_type}, not a HAL document ({url}): read it "
            f"with .download({rel!r})",
            rel=rel,
        )

    def _resource(
        self, url: str, target: Target | None, document: object, info: ResponseInfo
    ) -> Any:
        """The resource ``document``, fetched from ``url``, is (see ``to_resource``)."""
        return to_resource(
            document,
            target=target,
            catalog=self.catalog,
            client=self,
            url=url,
            response=info,
            base_url=self.base_url,
            flavor=self.flavor,
        )

    def _page(self, url: str, response: Answer) -> tuple[object, ResponseInfo]:
        return decode_json(response, url), _info(response, "GET", url)

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

    def model_for_key(self, key: str) -> type[Any]:
        """The model of an ``_embedded`` entry, by its key (a plain resource if unknown)."""
        return self.flavor.model(self.catalog.model_for_key(key))

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

    # -- one request ----------------------------------------------------------------------

    def _request_headers(self, api: Api, payload: bytes | None) -> tuple[dict[str, str], str]:
        """The headers of a request to ``api``, and the credentials it takes (which the
        transport sends only to the configured origin)."""
        headers = {**self._headers, "Accept": api.accept}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        header = self._settings.bearer if api.auth == "bearer" else self._settings.basic
        if header is None:
            raise missing_credentials(api.name, api.auth)
        return headers, header

    def _sending(
        self,
        headers: dict[str, str],
        payload: bytes | None,
        authorization: str,
        stream: bool,
        expect_json: bool,
    ) -> dict[str, Any]:
        """The transport's arguments for one attempt (``Transport.send``, the same for
        ``AsyncTransport.send``)."""
        return {
            "headers": headers,
            "body": payload,
            "timeout": self.timeout,
            # Credentials go only to the configured origin: not to a host a link or a
            # redirect points at (the transport decides at every hop).
            "authorization": authorization,
            "home_headers": self._home_headers,
            "home": self._origin,
            "max_bytes": self._settings.max_response_bytes,
            "stream": stream,
            "expect_json": expect_json,
        }

    def _about_to_send(
        self, method: str, url: str, headers: Mapping[str, str], authorization: str, waited: float
    ) -> None:
        """One attempt is leaving: counted (``_sent``, per ``with_options`` copy: the jobs
        report what they cost) and logged, credentials redacted."""
        self._sent += 1
        if waited:
            logger.debug("rate limit: waited %.3fs before %s %s", waited, method, url)
        if logger.isEnabledFor(logging.DEBUG):
            sent = (
                {**headers, "Authorization": authorization}
                if _urls.same_origin(url, self._origin)
                else headers
            )
            logger.debug("%s %s %s", method, url, redacted(sent))

    def _request_view(
        self, method: str, url: str, headers: Mapping[str, str], authorization: str, attempt: int
    ) -> RequestView | None:
        """What request hooks see of an attempt (None when there are no hooks: nothing to
        build). Credentials redacted; headers as sent to ``url``."""
        if not self._settings.event_hooks:
            return None
        sent = dict(headers)
        if _urls.same_origin(url, self._origin):
            sent.update(self._home_headers)
            sent["Authorization"] = authorization
        return RequestView(method, url, read_only(sent, redact=True), attempt)

    @staticmethod
    def _response_view(request: RequestView, response: Answer, answered_url: str) -> ResponseView:
        """What response hooks see of an attempt's answer."""
        return ResponseView(
            method=request.method,
            url=answered_url or request.url,
            status=response.status_code,
            headers=read_only(response.headers),
            elapsed=response.elapsed.total_seconds(),
            attempt=request.attempt,
            request=request,
        )

    @staticmethod
    def _check_status(method: str, url: str, response: Answer, answered_url: str) -> None:
        """Log the answer; an error status is raised as its ``APIError``."""
        logger.debug(
            "%s %s -> %d in %.3fs",
            method,
            answered_url or url,
            response.status_code,
            response.elapsed.total_seconds(),
        )
        if response.status_code >= 400:
            raise error_for_status(response.status_code)(
                status=response.status_code,
                method=method,
                url=answered_url or url,
                body=response.text,
                headers=response.headers,
            )

    # -- lifecycle ------------------------------------------------------------------------

    def __repr__(self) -> str:
        # Never the credentials: only which of them are configured.
        # getattr: a client whose __init__ failed half-way is still printable (in tracebacks).
        settings: Settings | None = getattr(self, "_settings", None)
        if settings is None:
            return f"<{self._name} (not configured)>"
        auth = [
            name
            for name, header in (("basic", settings.basic), ("bearer", settings.bearer))
            if header
        ]
        return (
            f"<{self._name} base_url={settings.base_url!r} account={settings.account!r} "
            f"auth={'+'.join(auth) or 'none'} timeout={settings.timeout!r} max_retries={settings.max_retries}"
            + (" session=yes" if settings.session is not None else "")
            + ">"
        )


def _is_async(hook: Any) -> bool:
    return inspect.iscoroutinefunction(hook) or inspect.iscoroutinefunction(
        getattr(hook, "__call__", None)
    )


def _info(response: Answer, method: str, url: str) -> ResponseInfo:
    return ResponseInfo(
        method=method,
        url=url,
        status=response.status_code,
        headers=response.headers,
        elapsed=response.elapsed.total_seconds(),
    )
