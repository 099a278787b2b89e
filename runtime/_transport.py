"""Sending one HTTP request with ``requests``, following redirects, reading the body within
its bounds, and turning failures into modehal errors.

Requests go straight to the mounted adapter (``HTTPAdapter.send``) as ``PreparedRequest``
objects the client built itself. ``Session.request`` would, on every call, re-read proxy
settings and ``~/.netrc`` from the environment, merge cookie jars and re-parse the URL, which
costs more than the rest of a call; ``Settings`` reads the environment once instead (CA bundle,
proxies), and the proxy of each origin is chosen once (``_proxies.proxy_for``). Going through
the adapter keeps ``responses`` and custom adapters working: a caller's ``session=`` is sent
through its own mounted adapters, with its ``verify``, ``cert`` and ``proxies`` (folded into
``Settings``), never its auth, cookies or hooks.

Redirects are followed here rather than by ``requests``, so that every hop is decided by the
client's own rules: credentials only for the configured origin, no write replayed on another
origin, nothing sent to a link-local address. Each attempt, hops included, has one deadline
(kept by ``_watchdog``), and a body is read in chunks so that its size can be refused as it
grows rather than after it has filled memory.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import NewConnectionError, ReadTimeoutError

from ._adapter import ExactTargetAdapter, sending
from ._attempt import Hops, SizeLimit, TimeoutValue, not_json, out_of_time, whole_attempt
from ._errors import ConnectionError, NotJSON, ResponseTooLarge, Timeout, TransportError
from ._proxies import proxy_for
from ._settings import Settings
from ._watchdog import Watch, watchdog

_CHUNK = 64 * 1024


class Transport:
    """Holds the ``requests.Session`` whose adapters hold the connection pools: its own, or
    the caller's (``Settings.session``, which it never closes)."""

    def __init__(self, settings: Settings | None = None) -> None:
        settings = settings or Settings()
        self._owned = settings.session is None
        if settings.session is not None:
            self.session: requests.Session = settings.session
        else:
            self.session = requests.Session()
            for prefix in ("http://", "https://"):
                # One pool per host, of max_connections: a thread pool that size reuses them.
                adapter = ExactTargetAdapter(pool_maxsize=settings.max_connections)
                self.session.mount(prefix, adapter)
        self._verify, self._cert = settings.verify, settings.cert
        self._proxy_map, self._no_proxy = settings.proxy_map, settings.no_proxy
        self._proxies: dict[str, dict[str, str]] = {}

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: TimeoutValue,
        authorization: str | None,
        home: str,
        max_bytes: int | None,
        stream: bool = False,
        expect_json: bool = False,
        home_headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send the request, follow redirects, and read the whole body.

        ``authorization`` and ``home_headers`` (the caller's ``headers=``) go only to URLs on
        the ``home`` origin, decided again at every hop.
        The attempt, hops included, ends within ``whole_attempt(timeout)`` seconds whatever the
        server's pace (``Timeout``), and the body may not grow past ``max_bytes`` once
        decompressed (``ResponseTooLarge``).

        With ``stream``, a successful answer's body is left unread for the caller (a download):
        the deadline then covers reaching it and its headers, and each read of the body has the
        read timeout. With ``expect_json``, a successful answer whose Content-Type is not JSON
        is ``NotJSON``, its body unread.

        Errors name the request as the caller made it. Once any hop has been answered, the
        request has reached a server: a failure after that is never ``before_sending``, so a
        POST answered with a redirect is not sent again.
        """
        seconds = whole_attempt(timeout)
        watch = watchdog.watch(seconds) if seconds is not None else None
        reading = _Reading(max_bytes, stream, expect_json)
        hops = Hops(method, url, body, home)
        try:
            while True:
                try:
                    response = self._send_once(
                        hops.method,
                        hops.url,
                        headers,
                        hops.body,
                        _time_left(timeout, watch, hops.method, hops.url),
                        hops.authorization(authorization),
                        reading,
                        watch,
                        hops.authorization(home_headers) if home_headers else None,
                    )
                except TransportError as error:
                    raise hops.failed(error)
                if not hops.redirected(response.status_code, _location(response)):
                    return response
                response.close()
        finally:
            if watch is not None:
                watchdog.cancel(watch)

    def _send_once(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: TimeoutValue,
        authorization: str | None,
        reading: _Reading,
        watch: Watch | None,
        home_headers: Mapping[str, str] | None,
    ) -> requests.Response:
        request = requests.PreparedRequest()
        request.method = method
        request.url = url
        request.headers = CaseInsensitiveDict(headers)
        if home_headers:
            request.headers.update(home_headers)
        if authorization is not None:
            request.headers["Authorization"] = authorization
        request.body = body
        if body is not None or method in ("POST", "PUT", "PATCH"):
            request.headers["Content-Length"] = str(len(body or b""))
        started = time.perf_counter()
        failure: TransportError | None = None
        response: requests.Response | None = None
        try:
            with sending(url, watch):
                response = self.session.get_adapter(url).send(
                    request,
                    timeout=timeout,
                    proxies=self._proxies_for(url),
                    verify=self._verify,
                    cert=self._cert,
                    stream=True,
                )
                reading.check(response, url)
                if reading.stream and 200 <= response.status_code < 300:
                    _read_timeout_for_the_body(response, timeout)
                else:
                    _read_body(response, reading.max_bytes, method, url)
        except requests.RequestException as exc:
            failure = _transport_error(exc, method, url)
        if watch is not None and watch.expired:
            # Cut off by the watchdog: whatever the read made of it, the time is up.
            failure = out_of_time(watch.seconds, method, url)
            if response is not None:
                response.close()
        if failure is not None:
            # Raised out here, not in the `except`: the requests exception holds the request,
            # Authorization header included, and must not ride along as __context__.
            raise failure
        assert response is not None  # sent without failing: answered
        response.elapsed = timedelta(seconds=time.perf_counter() - started)
        return response

    def _proxies_for(self, url: str) -> dict[str, str]:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        proxies = self._proxies.get(key)
        if proxies is None:
            proxy = proxy_for(url, self._proxy_map, self._no_proxy)
            # the adapter picks by scheme: give it this origin's proxy under its scheme
            proxies = self._proxies[key] = {parts.scheme: proxy} if proxy else {}
        return proxies

    def close(self) -> None:
        if self._owned:  # a session the caller gave is theirs to close
            self.session.close()


@dataclass(frozen=True)
class _Reading:
    """What to do with an answer's body: read it within ``max_bytes`` or leave it to the
    caller (``stream``); refuse one that is not JSON (``expect_json``)."""

    max_bytes: int | None
    stream: bool
    expect_json: bool

    def check(self, response: requests.Response, url: str) -> None:
        kind = not_json(response.status_code, response.headers.get("Content-Type"))
        if self.expect_json and kind is not None:
            response.close()
            raise NotJSON(url, kind)


def _read_timeout_for_the_body(response: requests.Response, timeout: TimeoutValue) -> None:
    # The socket still has the read timeout cut to what the attempt had left; a body read
    # later, for as long as it takes, gets the whole read timeout for each read.
    read = timeout[1] if isinstance(timeout, tuple) else timeout
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        sock.settimeout(read)


def _read_body(response: requests.Response, limit: int | None, method: str, url: str) -> None:
    """Read the body into ``response.content``, refusing it once it passes ``limit`` bytes
    (decompressed), before the rest is read."""
    size = SizeLimit(limit, method, url)
    chunks = []
    try:
        size.check_stated(response.headers)
        for chunk in response.iter_content(_CHUNK):
            size.count(chunk)
            chunks.append(chunk)
    except ResponseTooLarge:
        response.close()  # the connection goes, not back to the pool with a body in it
        raise
    response._content = b"".join(chunks)


def _time_left(timeout: TimeoutValue, watch: Watch | None, method: str, url: str) -> TimeoutValue:
    """The connect and read timeouts for the next hop: none longer than the attempt has left."""
    if watch is None:
        return timeout
    left = watch.deadline - time.monotonic()
    if left <= 0:
        raise out_of_time(watch.seconds, method, url)
    if isinstance(timeout, tuple):
        return (min(timeout[0], left), min(timeout[1], left))
    return left


def _location(response: requests.Response) -> str | bytes | None:
    """The ``Location`` header's bytes, which http.client hands over decoded as latin-1."""
    value: str | None = response.headers.get("Location")
    if value is None:
        return None
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value  # text past latin-1 came from no socket (a test double): taken as it is


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
    if isinstance(exc, requests.Timeout) or caused_by(exc, ReadTimeoutError):
        # requests reports a timeout while reading the body as a ConnectionError
        return Timeout(f"{method} {url} timed out: {reason}", method=method, url=url)
    if isinstance(exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        never_connected = caused_by(exc, NewConnectionError)  # refused, DNS: never sent
        what = "could not connect" if never_connected else "lost the connection"
        return ConnectionError(
            f"{method} {url} {what}: {reason}",
            method=method,
            url=url,
            before_sending=never_connected,
        )
    return TransportError(f"{method} {url} failed: {reason}", method=method, url=url)


def caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``kind`` is in the chain requests and urllib3 wrap their errors in: a
    ``reason``, an exception among the args, or the exception being handled when it rose."""
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
            nested = [arg for arg in seen.args if isinstance(arg, BaseException)]
            seen = nested[0] if nested else seen.__context__
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
