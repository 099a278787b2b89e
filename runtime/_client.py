"""``BaseClient``: configuration, and the one path every request takes.

A call goes in through a generated method (``client.report_runs.get``), which names its
``Endpoint`` and arguments; ``BaseClient`` builds the URL and headers, sends it through the
``Transport``, checks the status, and decodes the body into a resource. The generated
``modehal.Client`` adds one attribute per operation group on top.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlencode

import requests

from . import _retries, _urls
from ._api import Api, Endpoint
from ._auth import basic_header, bearer_header, hide, missing_credentials
from ._decode import decode_json, encode_body, json_kind
from ._errors import APIError, ConfigurationError, DecodeError, InvalidParameter, TransportError, error_for_status
from ._logging import configure_from_environment, logger, redacted
from ._ratelimit import TokenBucket
from ._hal import Resource, ResponseInfo
from ._pagination import Collection, Paginator, items_key, looks_like_collection, page_items
from ._registry import model_named, route_for_path
from ._transport import TimeoutValue, Transport
from ._operations import Operations as _Bound
from ._version import __version__

if TYPE_CHECKING:
    from typing_extensions import Self

M = TypeVar("M", bound=Resource[Any])


class _NotGiven:
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()  # for with_options(): "leave as is", where None means "no timeout"


class BaseClient:
    """Everything a Mode client needs but its operation groups (see ``modehal.Client``)."""

    #: The APIs this client speaks; set by the generated ``Client`` from ``spec/apis.yaml``.
    apis: Sequence[Api] = ()

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
        allow_insecure: bool = False,
    ) -> None:
        # Hidden first thing: a traceback that shows locals (pytest --showlocals, Sentry) must
        # not show them if a setting below is refused.
        token, secret = hide(token), hide(secret)  # type: ignore[assignment]
        if isinstance(discovery, (tuple, list)):
            discovery = tuple(hide(part) for part in discovery)  # type: ignore[assignment]
        self.account = account if account is not None else os.environ.get("MODE_ACCOUNT") or None
        url = base_url or os.environ.get("MODE_BASE_URL") or _urls.DEFAULT_BASE_URL
        self.base_url = _urls.check_base_url(url, allow_insecure=allow_insecure)
        self.timeout = _check_timeout(timeout)
        self.max_retries = _check_retries(max_retries)
        if rate_limit is not None and (not isinstance(rate_limit, (int, float)) or rate_limit <= 0):
            raise ConfigurationError(f"rate_limit must be a positive number of requests per second, got {rate_limit!r}")
        # One bucket for this client and every copy with_options() makes: they share the budget.
        self._bucket = TokenBucket(rate_limit) if rate_limit else None
        self._origin = _urls.origin(self.base_url)
        # Only the finished headers are kept, never the token, secret or keys themselves.
        self._basic = basic_header(token, secret)
        self._bearer = bearer_header(discovery)
        self._transport = Transport()
        self._headers = {"User-Agent": f"modehal/{__version__}", "Accept-Encoding": "gzip, deflate"}
        configure_from_environment()

    def with_options(
        self,
        *,
        timeout: TimeoutValue = NOT_GIVEN,
        max_retries: int = NOT_GIVEN,
        account: str = NOT_GIVEN,
    ) -> Self:
        """A copy of this client with other settings, sharing its connection pool and its rate
        limit: ``client.with_options(timeout=5, max_retries=0).report_runs.get(...)``."""
        copy = object.__new__(type(self))
        # Operation groups are bound to their client, so the copy makes its own.
        copy.__dict__.update({key: value for key, value in self.__dict__.items() if not isinstance(value, _Bound)})
        if timeout is not NOT_GIVEN:
            copy.timeout = _check_timeout(timeout)
        if max_retries is not NOT_GIVEN:
            copy.max_retries = _check_retries(max_retries)
        if account is not NOT_GIVEN:
            copy.account = account
        return copy

    # -- what generated operations call -------------------------------------------------

    def fetch(
        self,
        endpoint: Endpoint,
        model: type[M],
        *,
        path: Mapping[str, str | None],
        query: Mapping[str, object] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> M:
        """Call ``endpoint`` and decode its body as one ``model``."""
        url = self._endpoint_url(endpoint, path, query)
        payload = encode_body(body, endpoint.name) if body is not None else None
        response = self._send(endpoint.method, url, endpoint.api, payload)
        document = decode_json(response, url)
        if not isinstance(document, dict):
            raise DecodeError(url, f"expected a JSON object, got a JSON {json_kind(document)}")
        return model(document, client=self, url=url, response=_info(response, endpoint.method, url))

    def paginate(
        self,
        endpoint: Endpoint,
        model: type[M],
        *,
        key: str,
        path: Mapping[str, str | None],
        query: Mapping[str, object] | None = None,
    ) -> Paginator[M]:
        """Call ``endpoint`` and iterate the collection it answers, across every page."""
        url = self._endpoint_url(endpoint, path, query)
        response = self._send(endpoint.method, url, endpoint.api, None)
        document = decode_json(response, url)
        return Paginator(
            self,
            model,
            key=key,
            api=endpoint.api,
            first_page=(url, document),
            variables={"account": self._account_for(path)},
        )

    def send(
        self,
        endpoint: Endpoint,
        *,
        path: Mapping[str, str | None],
        query: Mapping[str, object] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        """Call ``endpoint`` for its effect; the body, if any, is ignored."""
        url = self._endpoint_url(endpoint, path, query)
        payload = encode_body(body, endpoint.name) if body is not None else None
        self._send(endpoint.method, url, endpoint.api, payload)

    # -- the generic navigator ----------------------------------------------------------

    def get(self, href: str) -> Resource[Any]:
        """Fetch any HAL URL or host-relative href (``/api/hogwarts/reports/...``).

        The result is the generated model when the URL matches a documented GET operation, a
        ``Collection`` when the document is a list of resources, and a plain ``Resource``
        otherwise. Credentials go with it only if it is on the configured origin.
        """
        return self.follow_href(href)

    def follow_href(self, href: str, *, target: tuple[str, bool] | None = None, rel: str | None = None) -> Resource[Any]:
        """``get()`` for a link: ``target`` is the spec's (model, is a collection) for ``rel``."""
        url = self.resolve(href, rel=rel)
        api = self.api_for_url(url)
        response = self._send("GET", url, api, None)
        document = decode_json(response, url)
        info = _info(response, "GET", url)
        if target is None:
            target = route_for_path(_urls.api_path(self.base_url, url))
        model_name, is_collection = target if target is not None else (None, False)
        if isinstance(document, list) or is_collection or looks_like_collection(document):
            item_model = model_named(model_name) if model_name else None
            key = item_model.plural if item_model is not None and item_model.plural else items_key(document)
            data = document if isinstance(document, dict) else {"_embedded": {key or "items": document}}
            page_items(data, key, url)  # fail here, not mid-iteration, if it is not a collection
            return Collection(data, item_key=key, api=api, client=self, url=url, response=info)
        if not isinstance(document, dict):
            raise DecodeError(url, f"expected a JSON object, got a JSON {json_kind(document)}")
        model = model_named(model_name) if model_name else self._model_from_self(document)
        return model(document, client=self, url=url, response=info)

    def resolve(self, href: str, variables: Mapping[str, str] | None = None, *, rel: str | None = None) -> str:
        """An absolute URL for ``href``: host-relative hrefs resolve against ``base_url``."""
        return _urls.resolve(self.base_url, href, variables, rel=rel)

    def api_for_url(self, url: str) -> Api:
        """The API a URL belongs to, by its path prefix (``/batch`` → Discovery)."""
        path = _urls.api_path(self.base_url, url)
        for api in self.apis:
            if path == api.base_path or path.startswith(api.base_path + "/"):
                return api
        for api in self.apis:
            if api.auth == "basic":
                return api
        raise ConfigurationError("this client declares no API to send requests to")

    def get_json(self, url: str, *, api: Api) -> object:
        """GET an absolute URL and decode its JSON body (used to fetch further pages)."""
        return decode_json(self._send("GET", url, api, None), url)

    # -- one request ----------------------------------------------------------------------

    def _send(self, method: str, url: str, api: Api, payload: bytes | None) -> requests.Response:
        """Send one request, retrying what is safe to retry (see ``_retries``)."""
        headers = {**self._headers, "Accept": api.accept}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        authorization = self._authorization(api)
        attempt = 1
        while True:
            try:
                return self._send_once(method, url, headers, payload, authorization)
            except (TransportError, APIError) as error:
                error.attempts = attempt
                if attempt > self.max_retries or not _retries.should_retry(method, error):
                    raise
                wait = _retries.delay(attempt, error)
                logger.info(
                    "retrying %s %s in %.2fs (attempt %d of %d): %s",
                    method, url, wait, attempt + 1, self.max_retries + 1, _short(error),
                )
                _retries.sleep(wait)
                attempt += 1

    def _send_once(
        self, method: str, url: str, headers: dict[str, str], payload: bytes | None, authorization: str
    ) -> requests.Response:
        if self._bucket is not None:
            waited = self._bucket.acquire()
            if waited:
                logger.debug("rate limit: waited %.3fs before %s %s", waited, method, url)
        if logger.isEnabledFor(logging.DEBUG):
            sent = {**headers, "Authorization": authorization} if _same_origin(url, self._origin) else headers
            logger.debug("%s %s %s", method, url, redacted(sent))
        response = self._transport.send(
            method,
            url,
            headers=headers,
            body=payload,
            timeout=self.timeout,
            # Credentials go only to the configured origin: not to a host a link or a
            # redirect points at.
            authorization=lambda target: authorization if _same_origin(target, self._origin) else None,
        )
        logger.debug("%s %s -> %d in %.3fs", method, response.url or url, response.status_code, response.elapsed.total_seconds())
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
        header = self._bearer if api.auth == "bearer" else self._basic
        if header is None:
            raise missing_credentials(api.name, api.auth)
        return header

    def _endpoint_url(
        self, endpoint: Endpoint, path: Mapping[str, str | None], query: Mapping[str, object] | None
    ) -> str:
        values: dict[str, str] = {}
        for name, value in path.items():
            if name == "account":
                value = self._account_for(path)
            if not isinstance(value, str) or not value or value in (".", ".."):
                raise InvalidParameter(f"{endpoint.name}: {name} must be a token (a non-empty string), got {value!r}")
            values[name] = quote(value, safe="")
        url = self.base_url + endpoint.api.base_path + endpoint.path.format_map(values)
        if query:
            pairs = [(name, value) for name, value in query.items() if value is not None]
            if pairs:
                url += "?" + urlencode(pairs)
        return url

    def _account_for(self, path: Mapping[str, str | None]) -> str:
        account = path.get("account") or self.account
        if not account:
            raise ConfigurationError("no account: pass account= or set MODE_ACCOUNT (or Client(account=...))")
        return account

    def _model_from_self(self, document: Mapping[str, Any]) -> type[Resource[Any]]:
        """Best guess of a model for an unknown URL: by the path of its own ``self`` link."""
        links = document.get("_links")
        own = links.get("self") if isinstance(links, Mapping) else None
        href = own.get("href") if isinstance(own, Mapping) else None
        if isinstance(href, str):
            try:
                route = route_for_path(_urls.api_path(self.base_url, self.resolve(href)))
            except LookupError:
                route = None
            if route is not None and not route[1]:
                return model_named(route[0])
        return Resource

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._transport.close()

    def __enter__(self) -> BaseClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        # Never the credentials: only which of them are configured.
        # getattr: a client whose __init__ failed half-way is still printable (in tracebacks).
        basic, bearer = getattr(self, "_basic", None), getattr(self, "_bearer", None)
        auth = [name for name, header in (("basic", basic), ("bearer", bearer)) if header]
        return (
            f"<modehal.Client base_url={getattr(self, 'base_url', '?')!r} account={getattr(self, 'account', None)!r} "
            f"auth={'+'.join(auth) or 'none'} timeout={getattr(self, 'timeout', None)!r} "
            f"max_retries={getattr(self, 'max_retries', None)}>"
        )


def _short(error: Exception) -> str:
    if isinstance(error, APIError):
        return f"{error.status} {error.message[:80]}"
    return str(error)


def _check_retries(max_retries: int) -> int:
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise ConfigurationError(f"max_retries must be a whole number of retries, 0 or more; got {max_retries!r}")
    return max_retries


def _same_origin(url: str, expected: str) -> bool:
    try:
        return _urls.origin(url) == expected
    except ValueError:
        return False


def _check_timeout(timeout: TimeoutValue) -> TimeoutValue:
    values = timeout if isinstance(timeout, tuple) else (timeout,)
    if timeout is not None and (
        len(values) not in (1, 2)
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in values)
    ):
        raise ConfigurationError(f"timeout must be positive seconds, a (connect, read) pair, or None; got {timeout!r}")
    return timeout


def _info(response: requests.Response, method: str, url: str) -> ResponseInfo:
    return ResponseInfo(
        method=method,
        url=url,
        status=response.status_code,
        headers=response.headers,
        elapsed=response.elapsed.total_seconds(),
    )
