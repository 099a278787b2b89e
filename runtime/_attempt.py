"""One attempt at a request, as both transports make it: its deadline, and its hops through
redirects.

Each transport (``requests`` for ``modehal.Client``, ``httpx`` for ``modehal.AsyncClient``)
sends the hops itself, so that every hop is decided here by the client's own rules rather
than by the HTTP library: credentials only for the configured origin, no write replayed on
another origin, nothing sent to a link-local address, at most ``MAX_REDIRECTS`` hops. The
whole attempt, hops included, has one deadline (``whole_attempt``); how it is kept is the
transport's business (a watchdog thread, a cancel scope).
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

from ._errors import RedirectError, ResponseTooLarge, Timeout, TooManyRedirects, TransportError
from ._urls import as_sent, origin, refused_link_local, same_origin, split_http

TimeoutValue = float | tuple[float, float] | None
T = TypeVar("T")
MAX_REDIRECTS = 10
_REDIRECTS = {301, 302, 303, 307, 308}
_MAY_CHANGE_ORIGIN = {"GET", "HEAD"}  # redirecting anything else elsewhere would replay it


def whole_attempt(timeout: TimeoutValue) -> float | None:
    """The seconds one attempt may take in all: ``timeout``, or connect + read for a pair."""
    if timeout is None:
        return None
    return float(sum(timeout)) if isinstance(timeout, tuple) else float(timeout)


def out_of_time(seconds: float, method: str, url: str) -> Timeout:
    """The error of an attempt its deadline cut off."""
    return Timeout(
        f"{method} {url}: no complete response within {seconds:g}s (the timeout bounds "
        "connecting, the headers and the whole body)",
        method=method,
        url=url,
    )


def not_json(status: int, content_type: str | None) -> str | None:
    """The media type of a successful answer that is not JSON (when JSON was expected), or
    None. ``text/plain`` passes: servers and test doubles label JSON so often."""
    if not 200 <= status < 300:
        return None
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind and kind != "text/plain" and not kind.endswith(("/json", "+json")):
        return kind
    return None


class SizeLimit:
    """The one rule of a body's size, for documents and downloads of both clients: past
    ``limit`` bytes once decompressed (None: no limit) it is ``ResponseTooLarge``, counted as
    it streams in, so the rest is never read."""

    __slots__ = ("limit", "method", "url", "size")

    def __init__(self, limit: int | None, method: str, url: str) -> None:
        self.limit, self.method, self.url = limit, method, url
        self.size = 0

    def check_stated(self, headers: Any) -> None:
        """An uncompressed body whose ``Content-Length`` is already past the limit."""
        if self.limit is None or headers.get("Content-Encoding", "identity") != "identity":
            return
        length = headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.limit:
            raise ResponseTooLarge(self.method, self.url, self.limit)

    def count(self, chunk: bytes) -> None:
        """One more decompressed chunk of the body."""
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            raise ResponseTooLarge(self.method, self.url, self.limit)


class Hops:
    """Where one attempt goes: the request as the caller made it, then each redirect's target.

    ``method``, ``url`` and ``body`` are the next hop's. ``authorization()`` is the
    credentials for it (None off the ``home`` origin); ``redirected()`` reads an answer and
    moves to its target, or says it is the final one; ``failed()`` makes a transport error
    name the request as the caller made it.
    """

    __slots__ = ("first_method", "first_url", "method", "url", "body", "home", "count")

    def __init__(self, method: str, url: str, body: bytes | None, home: str) -> None:
        self.first_method, self.first_url = method, url
        self.method, self.url, self.body = method, url, body
        self.home = home
        self.count = 0  # redirects followed so far

    def authorization(self, authorization: T | None) -> T | None:
        """``authorization`` (credentials, or the caller's own headers) if the next hop is on
        the configured origin, else None."""
        return authorization if same_origin(self.url, self.home) else None

    def redirected(self, status: int, location: str | bytes | None) -> bool:
        """Whether an answer is a redirect to follow. If it is, the next hop is its target
        (``RedirectError``, ``TooManyRedirects`` when it must not be followed).

        ``location`` is the header's bytes as they came off the socket (each driver's
        ``_location``), read here as UTF-8 as ``requests`` reads them; text is taken as it
        is (a test double's header, which no socket carried)."""
        if status not in _REDIRECTS or not location:
            return False
        if self.count >= MAX_REDIRECTS:
            raise TooManyRedirects(
                f"{self.first_method} {self.first_url}: more than {MAX_REDIRECTS} redirects",
                method=self.first_method,
                url=self.first_url,
                retryable=False,
            )
        target = self._target(location)
        self._check(target)
        self.url = target
        self.count += 1
        if status == 303 or (status in (301, 302) and self.method == "POST"):
            self.method, self.body = "GET", None  # as browsers and requests do
        return True

    def failed(self, error: TransportError) -> TransportError:
        """``error`` as the caller sees it. Once any hop has been answered, the request has
        reached a server: a failure after that is never ``before_sending``, so a POST answered
        with a redirect is not sent again."""
        if self.count:
            error.before_sending = False
            error.method, error.url = self.first_method, self.first_url
        return error

    def _target(self, location: str | bytes) -> str:
        """The URL a ``Location`` leads to: resolved against this hop's URL and
        percent-encoded for sending (``as_sent``), as ``requests`` would send it."""
        shown = location.decode("latin-1") if isinstance(location, bytes) else location
        try:
            if isinstance(location, bytes):
                try:
                    location = location.decode("utf-8")
                except UnicodeDecodeError:
                    raise ValueError("the Location header is not UTF-8") from None
            target = as_sent(urljoin(self.url, location))
            split_http(target)
        except ValueError as exc:
            raise RedirectError(
                f"{self.first_method} {self.first_url}: unusable redirect to {shown!r}: {exc}",
                method=self.first_method,
                url=self.first_url,
                retryable=False,
            ) from None
        return target

    def _check(self, target: str) -> None:
        """``RedirectError`` for a redirect that would replay a request on another origin, or
        lead to a link-local (cloud metadata) address."""
        here, there = origin(self.url), origin(target)
        problem = None
        if there != here and self.method not in _MAY_CHANGE_ORIGIN:
            problem = f"refusing to send {self.method} again to another origin: redirected from {here} to {there}"
        host = urlsplit(target).hostname or ""
        if refused_link_local(host, self.home):
            problem = f"refusing a redirect to the link-local address {host} (from {here})"
        if problem is not None:
            raise RedirectError(
                f"{self.first_method} {self.first_url}: {problem}",
                method=self.first_method,
                url=self.first_url,
                retryable=False,
            )
