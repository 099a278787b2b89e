"""Sending one HTTP request with ``httpx.AsyncClient``: ``modehal.AsyncClient``'s transport.

The decisions are the blocking transport's, from the same code: each hop of a redirect is
decided by ``_attempt.Hops`` (credentials only for the configured origin, no write replayed
on another origin, nothing sent to a link-local address); the attempt, hops included, has
one deadline (``whole_attempt``), kept here by a cancel scope instead of a watchdog thread,
so a server that dribbles its answer is cut off whatever its pace; a body is read raw and
decompressed by ``_download.BodyDecoder``, so its size is refused as it grows, counted
decompressed. TLS and proxies are ``Settings``' (``verify``, ``cert``, ``proxies``, read from the
environment there, so httpx is told not to read it: ``trust_env=False``); a URL's proxy is
chosen by ``_proxies.proxy_for``, as the blocking transport chooses it, and each proxy (or
none) has an ``httpx.AsyncClient`` of its own. This is the only module that imports ``httpx``.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import sys
import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import timedelta
from typing import Any

import anyio
import httpx

from ._attempt import Hops, TimeoutValue, not_json, out_of_time, whole_attempt
from ._download import CHUNK_SIZE, BodyDecoder
from ._errors import ConfigurationError, ConnectionError, NotJSON, Timeout, TransportError
from ._proxies import proxy_for
from ._settings import Settings


class AsyncTransport:
    """Owns the ``httpx.AsyncClient`` whose pool holds the connections (one per proxy)."""

    def __init__(self, settings: Settings | None = None) -> None:
        settings = settings or Settings()
        self._settings = settings
        self._proxy_map = settings.proxy_map
        self._ssl = _ssl_context(settings.verify, settings.cert)
        self.client = self._new_client(None)
        self._clients: dict[str | None, httpx.AsyncClient] = {None: self.client}

    def _new_client(self, proxy: str | None) -> httpx.AsyncClient:
        limit = self._settings.max_connections
        # At most max_connections open at once: a gather of 500 calls shares them rather than
        # opening 500 connections to Mode (the rest wait for one, within their timeout).
        return httpx.AsyncClient(
            limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
            follow_redirects=False,
            timeout=None,
            event_hooks={"response": [_hold_location]},
            verify=self._ssl,
            proxy=proxy,
            trust_env=False,  # Settings read the environment already
        )

    def _client_for(self, url: str) -> httpx.AsyncClient:
        """The client whose pool goes to ``url``: direct, or through its proxy."""
        if not self._proxy_map:
            return self.client
        proxy = proxy_for(url, self._proxy_map, self._settings.no_proxy)
        client = self._clients.get(proxy)
        if client is None:
            client = self._clients[proxy] = self._new_client(proxy)
        return client

    async def send(
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
    ) -> httpx.Response:
        """Send the request, follow redirects, and read the whole body: as
        ``Transport.send`` does, with the same arguments and the same errors."""
        seconds = whole_attempt(timeout)
        hops = Hops(method, url, body, home)
        response: httpx.Response | None = None
        try:
            async with _deadline(seconds):
                while True:
                    try:
                        response = await self._send_once(
                            hops, headers, timeout, authorization, home_headers
                        )
                    except TransportError as error:
                        raise hops.failed(error)
                    if not hops.redirected(response.status_code, _location(response)):
                        break
                    await response.aclose()
                kind = not_json(response.status_code, response.headers.get("Content-Type"))
                if expect_json and kind is not None:
                    await response.aclose()
                    raise NotJSON(url, kind)
                if not (stream and 200 <= response.status_code < 300):
                    await _read_body(response, max_bytes, method, url)
        except TimeoutError:
            if response is not None:
                await response.aclose()
            raise hops.failed(out_of_time(seconds or 0.0, method, url)) from None
        return response

    async def _send_once(
        self,
        hops: Hops,
        headers: Mapping[str, str],
        timeout: TimeoutValue,
        authorization: str | None,
        home_headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        method, url = hops.method, hops.url
        sent = dict(headers)
        if home_headers:
            sent.update(hops.authorization(home_headers) or {})
        credentials = hops.authorization(authorization)
        if credentials is not None:
            sent["Authorization"] = credentials
        if hops.body is not None or method in ("POST", "PUT", "PATCH"):
            sent["Content-Length"] = str(len(hops.body or b""))
        client = self._client_for(url)
        request = client.build_request(
            method, url, headers=sent, content=hops.body, timeout=_phases(timeout)
        )
        started = time.perf_counter()
        try:
            response = await client.send(request, stream=True)
        except httpx.TransportError as exc:
            raise _transport_error(exc, method, url) from None
        except ssl.SSLError as exc:
            raise _tls_error(exc, method, url) from None
        response.elapsed = timedelta(seconds=time.perf_counter() - started)
        return response

    async def aclose(self) -> None:
        for client in list(self._clients.values()):
            await client.aclose()


def _ssl_context(verify: bool | str, cert: str | tuple[str, str] | None) -> ssl.SSLContext | bool:
    """httpx's ``verify=`` for ``Settings.verify`` and ``.cert``: True (httpx's default, the
    certifi bundle, as requests uses) when neither is changed, else an ``SSLContext`` (httpx
    takes a CA path or a client certificate only inside one)."""
    if verify is True and cert is None:
        return True
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif verify is True:
        import certifi  # requests' own dependency: the bundle requests verifies with

        context = ssl.create_default_context(cafile=certifi.where())
    elif os.path.isdir(verify):
        context = ssl.create_default_context(capath=verify)
    else:
        context = ssl.create_default_context(cafile=verify)
    if cert is not None:
        certificate, key = cert if isinstance(cert, tuple) else (cert, None)
        try:
            context.load_cert_chain(certificate, key)
        except (ssl.SSLError, OSError) as exc:
            raise ConfigurationError(f"cert {cert!r} cannot be used: {exc}") from None
    return context


_LOCATION = "modehal.location"


async def _hold_location(response: httpx.Response) -> None:
    """Takes a redirect's ``Location`` out of httpx's sight as the answer arrives: httpx
    parses it even when it follows no redirect, and refuses one it cannot parse as a lost
    connection. ``Hops`` decides about it instead, as for the blocking client."""
    raw = [value for name, value in response.headers.raw if name.lower() == b"location"]
    if raw:
        response.extensions[_LOCATION] = raw[0]
        del response.headers["Location"]


def _location(response: httpx.Response) -> bytes | None:
    """The ``Location`` header's bytes as they were sent (put back in the headers, as text)."""
    value: bytes | None = response.extensions.pop(_LOCATION, None)
    if value is not None:
        response.headers["Location"] = value.decode("latin-1")
    return value


def _deadline(seconds: float | None) -> AbstractAsyncContextManager[object]:
    """A scope that cancels what runs in it after ``seconds`` (``TimeoutError``): asyncio's
    own where it has one (3.11), a third of the cost of anyio's."""
    if seconds is None:
        return nullcontext()
    if sys.version_info >= (3, 11):
        return asyncio.timeout(seconds)
    return _AnyioDeadline(seconds)


class _AnyioDeadline:
    def __init__(self, seconds: float) -> None:
        self._scope = anyio.fail_after(seconds)

    async def __aenter__(self) -> object:
        return self._scope.__enter__()

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        return self._scope.__exit__(*exc_info)


def _phases(timeout: TimeoutValue) -> httpx.Timeout:
    """httpx's per-phase timeouts for ``timeout``: a ``(connect, read)`` pair as requests
    reads it; each read of a streamed body gets the read timeout."""
    if isinstance(timeout, tuple):
        return httpx.Timeout(timeout[1], connect=timeout[0], pool=None)
    return httpx.Timeout(timeout, pool=None)


async def _read_body(response: httpx.Response, limit: int | None, method: str, url: str) -> None:
    """Read the body into ``response.content``, refusing it once it passes ``limit`` bytes
    (decompressed), before the rest is read. A body cut short is a lost connection (retried
    for what is safe to retry), as the blocking transport reports it."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    length = response.headers.get("Content-Length", "")
    chunks: list[bytes] = []
    try:
        decoder = BodyDecoder(
            url,
            encoding,
            int(length) if length.isdigit() else None,
            limit,
            CHUNK_SIZE,
            method=method,
        )
        decoder.size.check_stated(response.headers)
        async for data in response.aiter_raw():
            chunks.extend(decoder.feed(data))
        if decoder.cut_short:
            raise ConnectionError(
                f"{method} {url} lost the connection: the body ended before its Content-Length",
                method=method,
                url=url,
            )
        chunks.extend(decoder.finish())
    except httpx.TransportError as exc:
        raise _transport_error(exc, method, url, answered=True) from None
    except ssl.SSLError as exc:
        raise _tls_error(exc, method, url) from None
    finally:
        await response.aclose()  # the connection goes, not back to the pool with a body in it
    response._content = b"".join(chunks)


def _transport_error(
    exc: httpx.TransportError, method: str, url: str, *, answered: bool = False
) -> TransportError:
    """The modehal error for what httpx raised, saying whether the request ever left."""
    reason = _reason(exc)
    if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)) and not answered:
        return Timeout(
            f"{method} {url}: connect timed out: {reason}",
            method=method,
            url=url,
            before_sending=True,
        )
    if isinstance(exc, httpx.TimeoutException):
        return Timeout(f"{method} {url} timed out: {reason}", method=method, url=url)
    if isinstance(exc, httpx.ConnectError) and not answered:  # refused, DNS: never sent
        return ConnectionError(
            f"{method} {url} could not connect: {reason}",
            method=method,
            url=url,
            before_sending=True,
        )
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return ConnectionError(
            f"{method} {url} lost the connection: {reason}", method=method, url=url
        )
    return TransportError(f"{method} {url} failed: {reason}", method=method, url=url)


def _tls_error(exc: ssl.SSLError, method: str, url: str) -> ConnectionError:
    """A TLS alert read after the handshake (TLS 1.3 refuses a missing client certificate
    so), which httpcore lets through as the bare ``ssl.SSLError``: the request had left."""
    return ConnectionError(f"{method} {url} lost the connection: {exc}", method=method, url=url)


def _reason(exc: BaseException) -> str:
    # httpx says "All connection attempts failed"; the OSError beneath says why (refused).
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno:
            return f"{exc}: {os.strerror(seen.errno)}"
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__
