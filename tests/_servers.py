"""A programmable HTTP server on loopback, for tests about what crosses the wire, and a port
on which nothing listens.

Tests use them through conftest's ``wire_server`` and ``refused_url`` fixtures."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    request_line: str
    headers: dict[str, str]
    peer: tuple[str, int] = ("", 0)  # the client's address and port: one per connection


@dataclass
class Server:
    url: str
    seen: list[Seen] = field(default_factory=list)
    answer: Callable[[str], Answer] = lambda target: (
        200,
        {},
        json.dumps({"token": "t", "_links": {}}).encode(),
    )


@contextmanager
def serve(
    answer: Callable[[str], Answer] | None = None, tls: ssl.SSLContext | None = None
) -> Iterator[Server]:
    """A server answering every request with ``answer(target)``; it records what it saw.
    With ``tls`` (a server-side context), it speaks HTTPS."""
    state = Server(url="")
    if answer is not None:
        state.answer = answer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            state.seen.append(Seen(self.requestline, dict(self.headers), self.client_address))
            status, headers, body = state.answer(self.path)
            self.send_response(status)
            for key, value in {"Content-Type": "application/hal+json", **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_DELETE = _any

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    scheme = "http"
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
        scheme = "https"
    state.url = f"{scheme}://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def scripted(script: Callable[[socket.socket], None]) -> Iterator[str]:
    """A server that hands each connection to ``script`` (which reads the request itself, if it
    cares, and writes whatever bytes it likes); yields its ``http://127.0.0.1:<port>`` URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def run(connection: socket.socket) -> None:
        with connection:
            try:
                script(connection)
            except OSError:
                pass  # the client hung up: that is often the point

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            connection.settimeout(None)
            threading.Thread(target=run, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


def read_request(connection: socket.socket) -> bytes:
    """The request's head (up to the blank line), read off ``connection``."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(65536)
        if not chunk:
            break
        head += chunk
    return head


def unused_port() -> int:
    """A loopback port nobody listens on: bound once to pick it, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
