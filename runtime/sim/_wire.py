"""What both of the simulator's servers (the API and its storage origin) share: the record of a
request, keep-alive connections they can drop on stop, and sending a download.

A download is gzip-compressed as it is sent. When the whole compressed body fits in one buffer
it goes with a ``Content-Length``; otherwise its length is not known until the end, so it goes
in chunked transfer encoding.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NoReturn

from ._downloads import Body

SMALL_BODY = 1 << 16  # a compressed body up to this size is sent with a Content-Length
DRIP_PIECE = 64


@dataclass
class Recorded:
    """One request as the server saw it, for tests (headers included, so auth can be checked)."""

    method: str
    target: str
    route: str | None
    headers: dict[str, str]
    body: bytes


class Dropped(Exception):
    """The connection was closed on purpose (a reset or truncation fault)."""


class TrackedServer(ThreadingHTTPServer):
    """A threading server that knows its open connections, so ``close_connections`` can end
    idle keep-alive ones and no handler thread outlives it."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver listens with a backlog of 5: a burst of clients connecting at once (tasks
    # of an asyncio client, a thread pool) overflowed it, and the refused connects waited out
    # TCP's retransmission (1 s, 3 s, 7 s...). The kernel caps it at its somaxconn.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.connections = 0  # TCP connections accepted
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self.connections += 1
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            open_sockets, self._open = list(self._open), set()
        for sock in open_sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"


def send_body(
    handler: BaseHTTPRequestHandler,
    body: Body,
    *,
    status: int = 200,
    drip: float | None = None,
    truncate: bool = False,
    mangle: bool = False,
) -> None:
    """Send ``body`` gzip-compressed. ``truncate`` sends part of it and drops the connection;
    ``mangle`` sends a corrupt gzip stream, as a proxy cutting it and appending junk would."""
    chunks = body.gzipped()
    head, ended = _prefetch(chunks, SMALL_BODY)
    handler.send_response(status)
    for key, value in body.headers().items():
        handler.send_header(key, value)
    if ended:
        _send_whole(handler, b"".join(head), drip=drip, truncate=truncate, mangle=mangle)
    else:
        _send_chunked(handler, head, chunks, drip=drip, truncate=truncate, mangle=mangle)


def _prefetch(chunks: Iterator[bytes], limit: int) -> tuple[list[bytes], bool]:
    """The first chunks, up to about ``limit`` bytes, and whether they are all there is."""
    head: list[bytes] = []
    size = 0
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size > limit:
            return head, False
    return head, True


def _send_whole(
    handler: BaseHTTPRequestHandler,
    payload: bytes,
    *,
    drip: float | None,
    truncate: bool,
    mangle: bool,
) -> None:
    if mangle:
        payload = _spoiled(payload)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    if truncate:  # the full length was promised; half arrives
        handler.wfile.write(payload[: len(payload) // 2])
        _drop(handler)
    _put(handler, payload, drip)


def _send_chunked(
    handler: BaseHTTPRequestHandler,
    head: list[bytes],
    rest: Iterator[bytes],
    *,
    drip: float | None,
    truncate: bool,
    mangle: bool,
) -> None:
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    if truncate:  # no terminating chunk: the body ends mid-way
        for chunk in head:
            _put_chunk(handler, chunk, drip)
        _drop(handler)
    if mangle:
        _put_chunk(handler, _spoiled(b"".join(head)), drip)
    else:
        for chunk in head:
            _put_chunk(handler, chunk, drip)
        for chunk in rest:
            _put_chunk(handler, chunk, drip)
    handler.wfile.write(b"0\r\n\r\n")


def _spoiled(gzipped: bytes) -> bytes:
    """The first half of a gzip stream, its compression method byte garbled: it still looks
    like gzip (the magic is intact), but no decoder gets past the header."""
    return gzipped[:2] + b"\x00}{" + gzipped[5 : max(5, len(gzipped) // 2)]


def _put_chunk(handler: BaseHTTPRequestHandler, chunk: bytes, drip: float | None) -> None:
    if chunk:  # an empty chunk would end the body
        _put(handler, b"%x\r\n%s\r\n" % (len(chunk), chunk), drip)


def _put(handler: BaseHTTPRequestHandler, payload: bytes, drip: float | None) -> None:
    if not drip:
        handler.wfile.write(payload)
        return
    handler.wfile.flush()
    for start in range(0, len(payload), DRIP_PIECE):
        handler.wfile.write(payload[start : start + DRIP_PIECE])
        handler.wfile.flush()
        time.sleep(drip)


def _drop(handler: BaseHTTPRequestHandler) -> NoReturn:
    handler.wfile.flush()
    handler.connection.shutdown(socket.SHUT_WR)
    raise Dropped
