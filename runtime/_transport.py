"""Sending one HTTP request with ``requests``, following redirects, and turning failures into
modehal errors.

Requests go straight to the mounted adapter (``HTTPAdapter.send``) as ``PreparedRequest``
objects the client built itself. ``Session.request`` would, on every call, re-read proxy
settings and ``~/.netrc`` from the environment, merge cookie jars and re-parse the URL, which
costs more than the rest of a call; the environment is read once per origin here instead.
Going through the adapter keeps ``responses`` and custom adapters working.

Redirects are followed here rather than by ``requests``, so that credentials are decided
again for every hop by the client's own rule (only the configured origin gets them).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import get_environ_proxies
from urllib3.exceptions import NewConnectionError, ReadTimeoutError

from ._adapter import ExactTargetAdapter, exact_target
from ._errors import ConnectionError, Timeout, TooManyRedirects, TransportError
from ._urls import split_http

TimeoutValue = float | tuple[float, float] | None
MAX_REDIRECTS = 10
_REDIRECTS = {301, 302, 303, 307, 308}


class Transport:
    """Owns the ``requests.Session`` whose adapters hold the connection pools."""

    def __init__(self) -> None:
        self.session = requests.Session()
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, ExactTargetAdapter())
        self._verify: bool | str = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self._proxies: dict[str, dict[str, str]] = {}

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: TimeoutValue,
        authorization: Callable[[str], str | None],
    ) -> requests.Response:
        """Send the request and follow redirects; ``authorization(url)`` is asked at every hop.

        Errors name the request as the caller made it. Once any hop has been answered, the
        request has reached a server: a failure after that is never ``before_sending``, so a
        POST answered with a redirect is not sent again.
        """
        first_method, first_url = method, url
        for hop in range(MAX_REDIRECTS + 1):
            try:
                response = self._send_once(method, url, headers, body, timeout, authorization(url))
            except TransportError as error:
                if hop:
                    error.before_sending = False
                    error.method, error.url = first_method, first_url
                raise
            location = response.headers.get("Location")
            if response.status_code not in _REDIRECTS or not location:
                return response
            response.close()
            try:
                url = urljoin(url, location)
                split_http(url)
            except ValueError as exc:
                raise TransportError(
                    f"{first_method} {first_url}: unusable redirect to {location!r}: {exc}",
                    method=first_method,
                    url=first_url,
                    retryable=False,
                ) from None
            if response.status_code == 303 or (
                response.status_code in (301, 302) and method == "POST"
            ):
                method, body = "GET", None  # as browsers and requests do
        raise TooManyRedirects(
            f"{first_method} {first_url}: more than {MAX_REDIRECTS} redirects",
            method=first_method,
            url=first_url,
            retryable=False,
        )

    def _send_once(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: TimeoutValue,
        authorization: str | None,
    ) -> requests.Response:
        request = requests.PreparedRequest()
        request.method = method
        request.url = url
        request.headers = CaseInsensitiveDict(headers)
        if authorization is not None:
            request.headers["Authorization"] = authorization
        request.body = body
        if body is not None or method in ("POST", "PUT", "PATCH"):
            request.headers["Content-Length"] = str(len(body or b""))
        started = time.perf_counter()
        failure: TransportError | None = None
        try:
            with exact_target(url):
                response = self.session.get_adapter(url).send(
                    request, timeout=timeout, proxies=self._proxies_for(url), verify=self._verify
                )
                response.content  # noqa: B018 - read it here, so a truncated body fails here
        except requests.RequestException as exc:
            failure = _transport_error(exc, method, url)
        if failure is not None:
            # Raised out here, not in the `except`: the requests exception holds the request,
            # Authorization header included, and must not ride along as __context__.
            raise failure
        response.elapsed = timedelta(seconds=time.perf_counter() - started)
        return response

    def _proxies_for(self, url: str) -> dict[str, str]:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        proxies = self._proxies.get(origin)
        if proxies is None:
            proxies = self._proxies[origin] = get_environ_proxies(url)
        return proxies

    def close(self) -> None:
        self.session.close()


def _transport_error(exc: requests.RequestException, method: str, url: str) -> TransportError:
    """The modehal error for what requests raised, saying whether the request ever left."""
    reason = _reason(exc)
    if isinstance(exc, requests.ConnectTimeout):
        return Timeout(
            f"{method} {url}: connect timed out: {reason}",
            method=method,
            url=url,
            before_sending=True,
        )
    if isinstance(exc, requests.Timeout) or _caused_by(exc, ReadTimeoutError):
        # requests reports a timeout while reading the body as a ConnectionError
        return Timeout(f"{method} {url} timed out: {reason}", method=method, url=url)
    if isinstance(exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        never_connected = _caused_by(exc, NewConnectionError)  # refused, DNS: never sent
        what = "could not connect" if never_connected else "lost the connection"
        return ConnectionError(
            f"{method} {url} {what}: {reason}",
            method=method,
            url=url,
            before_sending=never_connected,
        )
    return TransportError(f"{method} {url} failed: {reason}", method=method, url=url)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``kind`` is in the chain requests and urllib3 wrap their errors in."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        reason = getattr(seen, "reason", None)
        if isinstance(reason, BaseException):
            seen = reason
        else:
            seen = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
    return False


def _reason(exc: Exception) -> str:
    # urllib3 nests the useful part ("Connection refused", "Read timed out") a few levels down.
    reason: BaseException = exc
    while reason.args and isinstance(reason.args[0], BaseException):
        reason = reason.args[0]
    inner = getattr(reason, "reason", None)
    if isinstance(inner, BaseException):
        reason = inner
    return str(reason) or type(reason).__name__
