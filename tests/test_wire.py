"""What actually goes over a socket, against a real HTTP server on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

import modehal

from .conftest import ClientFactory

from ._servers import Answer, Server


def a_run(delay: float = 0.0) -> Callable[[str], Answer]:
    """Answers every request with a report run, ``delay`` seconds late."""

    def answer(target: str) -> Answer:
        time.sleep(delay)
        return 200, {}, json.dumps({"token": "run1", "state": "succeeded", "_links": {}}).encode()

    return answer


def test_bracket_query_reaches_the_server_byte_for_byte(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    server = wire_server(a_run())
    client = make_client("tok", "sec", account="hogwarts", base_url=server.url)
    href = "/api/hogwarts/reports/r/schedules/s/runs?embed[report_runs][executed_by]=1"
    client.get(href)
    seen = server.seen[0]
    assert seen.request_line == f"GET {href} HTTP/1.1"
    assert seen.headers["Accept"] == "application/hal+json"
    assert seen.headers["User-Agent"] == f"modehal/{modehal.__version__}"


def test_one_connection_serves_many_calls(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    server = wire_server(a_run())
    client = make_client("tok", "sec", account="hogwarts", base_url=server.url)
    for _ in range(5):
        client.report_runs.get("r", "run1")
    assert len(server.seen) == 5
    assert all(seen.headers.get("Connection", "keep-alive") != "close" for seen in server.seen)
    assert len({seen.peer for seen in server.seen}) == 1  # one client port: one connection


def test_read_timeout_becomes_modehal_timeout(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    server = wire_server(a_run(delay=0.5))
    client = make_client("tok", "sec", account="hogwarts", base_url=server.url, timeout=0.1)
    with pytest.raises(modehal.Timeout) as caught:
        client.report_runs.get("r", "run1")
    assert caught.value.url.startswith(server.url)


def test_connection_refused_becomes_modehal_connection_error(
    refused_url: str, make_client: ClientFactory
) -> None:
    client = make_client("tok", "sec", account="hogwarts", base_url=refused_url)
    with pytest.raises(modehal.ConnectionError, match="refused|failed to connect"):
        client.report_runs.get("r", "run1")
