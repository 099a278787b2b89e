"""Every attempt is bounded in time, every body in size, every walk in pages, every burst in
requests, and a thread pool shares one client's connections: each against a server scripted to
break the bound (a dripping body, a gzip bomb, endless pages, a foreign next page)."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import pytest
import responses

import modehal
from modehal._decode import MAX_DEPTH
from modehal._ratelimit import TokenBucket

from ._servers import Server, read_request, scripted
from .conftest import BASE, ClientFactory

# -- time -----------------------------------------------------------------------------------


def drip_body(connection: socket.socket) -> None:
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    connection.sendall(b"Content-Length: 100\r\n\r\n")
    for _ in range(100):  # 30 s in all: one byte well inside any read timeout
        connection.sendall(b" ")
        time.sleep(0.3)


def drip_headers(connection: socket.socket) -> None:
    read_request(connection)
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 150:
        connection.sendall(bytes([byte]))
        time.sleep(0.2)


@pytest.mark.parametrize("script", [drip_body, drip_headers])
@pytest.mark.parametrize("timeout", [1.0, (0.5, 0.5)])
def test_a_dripping_server_times_out_at_the_timeout(
    script: Callable[[socket.socket], None],
    timeout: float | tuple[float, float],
    make_client: ClientFactory,
) -> None:
    with scripted(script) as url:
        client = make_client("t", "s", account="a", base_url=url, timeout=timeout, max_retries=0)
        started = time.monotonic()
        with pytest.raises(modehal.Timeout, match="no complete response within 1s"):
            client.get("/api/x")
        # the bound is 1 s; before, the call read on until the server gave up (30 s)
        assert time.monotonic() - started < 5


def test_a_timed_out_get_is_retried_as_before(make_client: ClientFactory) -> None:
    connections = []

    def script(connection: socket.socket) -> None:
        connections.append(connection)
        drip_body(connection)

    with scripted(script) as url:
        client = make_client("t", "s", account="a", base_url=url, timeout=0.5, max_retries=1)
        with pytest.raises(modehal.Timeout) as caught:
            client.get("/api/x")
    assert caught.value.attempts == 2 and len(connections) == 2


# -- memory ---------------------------------------------------------------------------------


def answer_with(head: bytes, body: Iterator[bytes]) -> Callable[[socket.socket], None]:
    def script(connection: socket.socket) -> None:
        read_request(connection)
        connection.sendall(head)
        for chunk in body:
            connection.sendall(chunk)

    return script


def chunked(total: int, size: int = 1 << 16) -> Iterator[bytes]:
    """A JSON string of ``total`` bytes in chunked transfer coding (no Content-Length)."""
    parts = [b'"'] + [b"x" * size] * (total // size) + [b'"']
    for part in parts:
        yield b"%x\r\n%s\r\n" % (len(part), part)
    yield b"0\r\n\r\n"


def gzip_bomb(inflated: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1 << 20)
    return b"".join(compressor.compress(block) for _ in range(inflated >> 20)) + compressor.flush()


LIMIT = 4 << 20


def stated_length() -> tuple[bytes, Iterator[bytes]]:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (64 << 20)
    return head, iter([b" " * (1 << 20)] * 64)


def chunked_body() -> tuple[bytes, Iterator[bytes]]:
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", chunked(64 << 20)


def bomb() -> tuple[bytes, Iterator[bytes]]:
    body = gzip_bomb(256 << 20)  # 250 KB on the wire, 256 MiB once inflated
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)
    return head, iter([body])


@pytest.mark.parametrize("answer", [stated_length, chunked_body, bomb])
def test_a_body_past_max_response_bytes_is_refused_without_reading_it_all(
    answer: Callable[[], tuple[bytes, Iterator[bytes]]], make_client: ClientFactory
) -> None:
    head, body = answer()
    with scripted(answer_with(head, body)) as url:
        client = make_client(
            "t", "s", account="a", base_url=url, max_retries=0, max_response_bytes=LIMIT
        )
        tracemalloc.start()
        try:
            with pytest.raises(modehal.ResponseTooLarge) as caught:
                client.get("/api/x")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert caught.value.limit == LIMIT and caught.value.url == f"{url}/api/x"
    assert "max_response_bytes=4,194,304" in str(caught.value)
    # counted after decompression, and the rest never buffered: a few times the limit at most
    # (before: the whole body, 1 GiB for the bomb)
    assert peak < 4 * LIMIT


def test_the_size_limit_is_a_setting(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/big", json={"token": "t", "pad": "x" * 5000})
    assert offline_client.settings.max_response_bytes == 64 * 1024 * 1024
    small = offline_client.with_options(max_response_bytes=1000)
    with pytest.raises(modehal.ResponseTooLarge):
        small.get("/api/big")
    assert small.with_options(max_response_bytes=None).get("/api/big").data["token"] == "t"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def deeper_in_the_stack(frames: int, call: Callable[[], object]) -> object:
    return call() if frames == 0 else deeper_in_the_stack(frames - 1, call)


def test_any_nesting_depth_is_read_or_a_decode_error(
    offline_client: modehal.Client, mocked: responses.RequestsMock, collected: None
) -> None:
    # Items without a token or id are fingerprinted by their content to spot repeated pages;
    # re-encoding them overflowed the stack for depths just under what json.loads accepts,
    # when the collection is walked deeper in the caller's stack than it was fetched (as in
    # any program that fetches in one function and iterates in another). Documents nest at
    # most MAX_DEPTH levels: up to it every depth is read, past it (and far past what json
    # itself can read) it is a DecodeError that says so.
    url = f"{BASE}/api/hogwarts/things"
    body = [""]
    mocked.add_callback("GET", url, callback=lambda request: (200, {}, body[0]))
    for depth in [*range(1, 120), *range(600, 1_100, 7), 5_000, 200_000]:
        # the array holding the item and the item itself are levels 3 and 4; "[]" is level 5
        body[0] = '{"_embedded": {"things": [{"deep": %s}]}}' % nested(depth)
        if 4 + depth <= MAX_DEPTH:
            things = offline_client.get(url)
            items = deeper_in_the_stack(40, lambda: list(things))  # type: ignore[call-overload]
            assert len(items) == 1
        else:
            with pytest.raises(modehal.DecodeError, match=f"more than {MAX_DEPTH} levels"):
                offline_client.get(url)


# -- pagination -----------------------------------------------------------------------------

PAGES = re.compile(rf"{BASE}/api/hogwarts/things\?page=(\d+)")


def endless_pages(total_pages: int | None = None) -> Callable[..., tuple[int, dict[str, str], str]]:
    def answer(request: object) -> tuple[int, dict[str, str], str]:
        number = int(PAGES.fullmatch(request.url).group(1))  # type: ignore[attr-defined, union-attr]
        document: dict[str, object] = {
            "_embedded": {"things": [{"token": f"t{number}"}]},
            "_links": {"next_page": {"href": f"/api/hogwarts/things?page={number + 1}"}},
        }
        if total_pages is not None:
            document["pagination"] = {"page": number, "total_pages": total_pages}
        return 200, {}, json.dumps(document)

    return answer


def test_endless_pages_stop_at_max_pages_with_an_error(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.add_callback("GET", PAGES, callback=endless_pages())
    things = offline_client.with_options(max_pages=30).get("/api/hogwarts/things?page=1")
    seen = []
    with pytest.raises(modehal.PaginationError) as caught:
        for thing in things:  # type: ignore[attr-defined]
            seen.append(thing)
    error = caught.value
    assert (error.pages, error.items, len(seen), len(mocked.calls)) == (30, 30, 30, 30)
    assert "after 30 pages and 30 items" in str(error) and "max_pages=30" in str(error)
    assert offline_client.max_pages == 5_000


def test_a_stated_total_bounds_the_walk_instead(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.add_callback("GET", PAGES, callback=endless_pages(total_pages=40))
    client = modehal.Client("t", "s", account="hogwarts", max_pages=10)
    assert len(list(client.get("/api/hogwarts/things?page=1"))) == 40  # type: ignore[call-overload]


def test_a_next_page_on_another_origin_is_an_error_and_is_not_fetched(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{BASE}/api/hogwarts/things",
        json={
            "_embedded": {"things": [{"token": "a"}]},
            "_links": {
                "next_page": {"href": "https://elsewhere.example/api/hogwarts/things?page=2"}
            },
        },
    )
    things = offline_client.get("/api/hogwarts/things")
    with pytest.raises(modehal.PaginationError, match="another origin") as caught:
        list(things)  # type: ignore[call-overload]
    assert (caught.value.pages, caught.value.items, len(mocked.calls)) == (1, 1, 1)


# -- concurrency ----------------------------------------------------------------------------


def test_the_rate_limit_starts_with_one_token_not_a_full_bucket() -> None:
    # 8 threads, 20 requests a second: any window of N seconds may see rate * N + 1 requests.
    # Before, the bucket started full and 22 went out in the first 100 ms.
    bucket = TokenBucket(rate=20.0)
    times: list[float] = []
    started = time.monotonic()

    def worker() -> None:
        for _ in range(2):
            bucket.acquire()
            times.append(time.monotonic() - started)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for window in (0.1, 0.25, 0.5):
        assert sum(1 for t in times if t < window) <= 20 * window + 1


def test_a_client_uses_the_rate_burst_setting(make_client: ClientFactory) -> None:
    client = make_client("t", "s", rate_limit=4, rate_burst=3)
    assert client._bucket is not None and client._bucket.burst == 3
    assert make_client("t", "s", rate_limit=4)._bucket.burst == 1  # type: ignore[union-attr]


def test_sixteen_threads_share_the_pool_without_discarding_connections(
    wire_server: Callable[..., Server], caplog: pytest.LogCaptureFixture, make_client: ClientFactory
) -> None:
    server = wire_server()
    client = make_client("t", "s", account="a", base_url=server.url)
    caplog.set_level(logging.WARNING, logger="urllib3")

    def worker() -> None:
        for _ in range(25):
            client.get("/api/x")

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(server.seen) == 400
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]
    assert len({seen.peer for seen in server.seen}) <= 16
