"""What actually goes over a socket, against a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import modehal


class Recorder(BaseHTTPRequestHandler):
    """Answers every GET with a report run and records the raw request line and headers."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, dict[str, str]]] = []
    delay = 0.0

    def do_GET(self) -> None:
        type(self).seen.append((self.requestline, dict(self.headers)))
        if type(self).delay:
            time.sleep(type(self).delay)
        body = json.dumps({"token": "run1", "state": "succeeded", "_links": {}}).encode()
        # One write, so the response is not split across two segments (delayed-ACK stalls).
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/hal+json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.seen = []
    Recorder.delay = 0.0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_bracket_query_reaches_the_server_byte_for_byte(server: str) -> None:
    client = modehal.Client("tok", "sec", account="hogwarts", base_url=server)
    href = "/api/hogwarts/reports/r/schedules/s/runs?embed[report_runs][executed_by]=1"
    client.get(href)
    request_line, headers = Recorder.seen[0]
    assert request_line == f"GET {href} HTTP/1.1"
    assert headers["Accept"] == "application/hal+json"
    assert headers["User-Agent"] == f"modehal/{modehal.__version__}"


def test_one_connection_serves_many_calls(server: str) -> None:
    client = modehal.Client("tok", "sec", account="hogwarts", base_url=server)
    for _ in range(5):
        client.report_runs.get("r", "run1")
    assert all(headers.get("Connection", "keep-alive") != "close" for _, headers in Recorder.seen)
    pool = next(iter(client._transport.session.adapters["http://"].poolmanager.pools._container.values()))
    assert pool.num_connections == 1


def test_read_timeout_becomes_modehal_timeout(server: str) -> None:
    Recorder.delay = 0.5
    client = modehal.Client("tok", "sec", account="hogwarts", base_url=server, timeout=0.1)
    with pytest.raises(modehal.Timeout) as caught:
        client.report_runs.get("r", "run1")
    assert caught.value.url.startswith(server)


def test_connection_refused_becomes_modehal_connection_error() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = modehal.Client("tok", "sec", account="hogwarts", base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(modehal.ConnectionError, match="refused|failed to connect"):
        client.report_runs.get("r", "run1")
