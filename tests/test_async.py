"""modehal.AsyncClient: the paging rules over real HTTP with both clients, and what only an
asyncio client has (tasks sharing a client, its connections and its rate limit; lazy
collections; httpx kept out of ``import modehal``).

The other policy suites (faults, limits, wire, hardening, data out; of the hostile-input
suite, the Location, chunked-truncation and depth tests) run against both clients through
conftest's ``make_client``; this module holds what they do not.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import modehal
from modehal.api import AsyncReport, AsyncReportRun, ReportRun
from modehal.sim import Simulator

from ._servers import Answer, Server
from ._blocking import unwrapped
from .conftest import ClientFactory, SimFactory

# -- paging over the wire, both clients -------------------------------------------------------


def pages(
    count: int, *, stated: int | None = None, past_the_end: bool = False, repeat: bool = False
) -> Callable[[str], Answer]:
    """Pages 1..count of `things`, one item each; `past_the_end` links a next page after the
    last (which answers empty), `repeat` serves page 1 whatever page is asked for."""

    def answer(target: str) -> Answer:
        number = int(parse_qs(urlsplit(target).query).get("page", ["1"])[0])
        shown = 1 if repeat else number
        items = [{"token": f"t{shown}"}] if shown <= count else []
        document: dict[str, Any] = {"_embedded": {"things": items}, "_links": {}}
        if number < count or past_the_end or repeat:
            document["_links"]["next_page"] = {"href": f"/api/a/things?page={number + 1}"}
        if stated is not None:
            document["pagination"] = {"page": number, "total_pages": stated}
        return 200, {}, json.dumps(document).encode()

    return answer


def tokens(collection: Any) -> list[str]:
    return [item.data["token"] for item in collection]


def test_a_walk_reads_every_page_once(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    server = wire_server(pages(3, past_the_end=True))
    client = make_client("t", "s", account="a", base_url=server.url)
    assert tokens(client.get("/api/a/things")) == ["t1", "t2", "t3"]
    assert len(server.seen) == 4  # the empty page past the end ends it


def test_a_collection_shows_its_first_items_lists_and_refuses_an_index(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    server = wire_server(pages(3))
    client = make_client("t", "s", account="a", base_url=server.url)
    things = client.get("/api/a/things")
    collection = unwrapped(things)
    assert re.fullmatch(
        r"<(Async)?Collection\[(Async)?Resource\] things page_items=1 more pages: "
        r"<(Async)?Resource t1 links=0>, \.\.\.>",
        repr(collection),
    )
    assert len(server.seen) == 1  # the repr fetched no page beyond the first
    with pytest.raises(
        TypeError, match=r"not indexed.*first\(\).*take\(n\).*to_list\(\)"
    ) as caught:
        collection[0]
    assert isinstance(caught.value, modehal.ModeError)
    if isinstance(collection, modehal.AsyncCollection):  # not fetched: it says so, no "none"
        later = modehal.AsyncCollection.later(collection._fetched)
        assert repr(later) == "<AsyncCollection (not fetched yet: await it, or iterate it)>"
        assert later._pretty_items() == []
    assert collection["_links"] == {"next_page": {"href": "/api/a/things?page=2"}}  # raw keys
    assert [item.data["token"] for item in things.to_list()] == ["t1", "t2", "t3"]


def test_follow_refuses_a_download_rel_before_sending(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    run = {"token": "x", "state": "succeeded", "_links": {"content": {"href": "/api/a/x.csv"}}}
    server = wire_server(lambda target: (200, {}, json.dumps(run).encode()))
    client = make_client("t", "s", account="a", base_url=server.url)
    fetched = client.report_runs.get("r", "x")
    with pytest.raises(modehal.LinkError, match=r"'content'.*a download.*\.download\('content'\)"):
        fetched.follow("content")
    assert len(server.seen) == 1  # the get only


def test_a_collection_ignoring_page_stops_without_repeating(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    server = wire_server(pages(5, repeat=True))
    client = make_client("t", "s", account="a", base_url=server.url)
    assert tokens(client.get("/api/a/things")) == ["t1"]
    assert len(server.seen) == 2


def test_max_pages_stops_an_endless_walk_with_an_error(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    server = wire_server(pages(10_000))
    client = make_client("t", "s", account="a", base_url=server.url, max_pages=7)
    seen: list[str] = []
    with pytest.raises(modehal.PaginationError) as caught:
        for item in client.get("/api/a/things"):
            seen.append(item.data["token"])
    assert (caught.value.pages, caught.value.items, len(seen), len(server.seen)) == (7, 7, 7, 7)


def test_a_stated_total_bounds_the_walk_instead(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    server = wire_server(pages(10_000, stated=12))
    client = make_client("t", "s", account="a", base_url=server.url, max_pages=5)
    assert len(tokens(client.get("/api/a/things"))) == 12


def test_a_next_page_on_another_origin_is_an_error_and_is_not_fetched(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    elsewhere = wire_server()
    home = wire_server(
        lambda target: (
            200,
            {},
            json.dumps(
                {
                    "_embedded": {"things": [{"token": "a"}]},
                    "_links": {"next_page": {"href": f"{elsewhere.url}/api/a/things?page=2"}},
                }
            ).encode(),
        )
    )
    client = make_client("t", "s", account="a", base_url=home.url)
    with pytest.raises(modehal.PaginationError, match="another origin"):
        tokens(client.get("/api/a/things"))
    assert elsewhere.seen == []


def test_a_link_to_another_origin_gets_no_credentials(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    elsewhere = wire_server()
    home = wire_server(
        lambda target: (
            200,
            {},
            json.dumps(
                {"token": "r", "_links": {"x": {"href": f"{elsewhere.url}/api/x"}}}
            ).encode(),
        )
    )
    client = make_client("t", "s", account="a", base_url=home.url)
    client.get("/api/a/r").follow("x")
    assert "Authorization" in home.seen[0].headers
    assert elsewhere.seen and "Authorization" not in elsewhere.seen[0].headers


# -- asyncio: one client, many tasks ----------------------------------------------------------


@pytest.fixture
def sim(make_sim: SimFactory) -> Simulator:
    return make_sim(speed=500.0, discovery_reports=10)


def async_client(sim: Simulator, **options: Any) -> modehal.AsyncClient:
    return modehal.AsyncClient(
        sim.token,
        sim.secret,
        account=sim.account,
        base_url=sim.url,
        discovery=sim.discovery,
        **options,
    )


def test_tasks_share_one_client_and_the_simulator_serves_them_at_once(sim: Simulator) -> None:
    report = sim.reports[0]
    run = sim.runs(report)[0]

    async def main() -> list[AsyncReportRun]:
        async with async_client(sim) as client:
            return await asyncio.gather(*(client.report_runs.get(report, run) for _ in range(60)))

    runs = asyncio.run(main())
    assert {r.token for r in runs} == {run} and all(isinstance(r, AsyncReportRun) for r in runs)
    # gathered tasks each open a connection: the simulator answered on several at once
    assert sim.connections > 1


def test_every_task_of_a_client_and_its_copies_share_one_rate_limit(sim: Simulator) -> None:
    report = sim.reports[0]

    async def main() -> float:
        async with async_client(sim, rate_limit=40.0) as client:
            quick = client.with_options(timeout=5.0)
            started = time.monotonic()
            await asyncio.gather(
                *(c.reports.get(report) for c in [client, quick] * 6 for _ in range(1))
            )
            return time.monotonic() - started

    # 12 requests at 40 a second, the first one free: at least 11/40 s, however many tasks
    assert asyncio.run(main()) >= 11 / 40 - 0.02


def test_a_list_sends_nothing_until_it_is_used_but_checks_its_arguments_at_once(
    sim: Simulator,
) -> None:
    report = sim.reports[0]

    async def main() -> None:
        async with async_client(sim) as client:
            before = sim.calls["report_runs.list"]
            runs = client.report_runs.list(report, order="desc")
            assert sim.calls["report_runs.list"] == before and "not fetched" in repr(runs)
            with pytest.raises(modehal.InvalidParameter):
                client.report_runs.list(report, order="sideways")  # type: ignore[arg-type]
            first = await runs.first()
            assert isinstance(first, AsyncReportRun) and first.state
            fetched = await runs
            # the simulator states its pages' total, as Mode's OpenAPI file says Mode does
            assert fetched is runs and runs.data["_embedded"]
            assert runs.total == len(sim.runs(report))
            assert len(await runs.take(2)) == 2
            assert [item.token async for item in runs][:1] == [first.token]

    asyncio.run(main())


def test_a_resource_reads_the_same_from_both_clients(sim: Simulator) -> None:
    report = sim.reports[0]
    token = sim.runs(report)[0]
    with sim.client() as client:
        blocking = client.report_runs.get(report, token)

    async def main() -> AsyncReportRun:
        async with async_client(sim) as client:
            run = await client.report_runs.get(report, token)
            report_of_it = await run.follow("report")
            assert isinstance(report_of_it, AsyncReport) and report_of_it.token == report
            return run

    run = asyncio.run(main())
    assert isinstance(blocking, ReportRun) and not isinstance(run, ReportRun)
    assert (run.data, run.state, run.completed_at) == (
        blocking.data,
        blocking.state,
        blocking.completed_at,
    )
    assert dict(run.links) == dict(blocking.links) and run.field_errors == blocking.field_errors
    assert repr(run) == repr(blocking).replace("<ReportRun", "<AsyncReportRun")


def test_wait_polls_a_run_to_its_end_alongside_other_tasks(sim: Simulator) -> None:
    report = sim.reports[0]

    async def main() -> list[AsyncReportRun]:
        async with async_client(sim) as client:
            runs = [await client.report_runs.create(report) for _ in range(5)]
            return await asyncio.gather(*(r.wait(poll_interval=0.02) for r in runs))

    assert {run.state for run in asyncio.run(main())} == {"succeeded"}


def test_a_failed_run_raises_run_failed(sim: Simulator) -> None:
    async def main() -> None:
        async with async_client(sim) as client:
            run = await client.report_runs.create(sim.reports[-1])  # seeded to fail
            with pytest.raises(modehal.RunFailed) as caught:
                await run.wait(poll_interval=0.02)
            assert isinstance(caught.value.run, AsyncReportRun)

    asyncio.run(main())


def test_import_modehal_and_the_blocking_client_never_import_httpx() -> None:
    code = """
import sys
import modehal
client = modehal.Client("t", "s", account="a")
client.report_runs
client.catalog.route("/api/a/spaces/s1")
import modehal.api
modehal.api.ReportRun
print(sorted(m for m in ("httpx", "anyio", "asyncio", "modehal._async_client") if m in sys.modules))
modehal.AsyncClient
print("httpx" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    assert out.stdout.split("\n")[:2] == ["[]", "True"]


# -- one definition, two clients ----------------------------------------------------------------


def test_the_async_client_has_the_same_arguments_groups_and_operations() -> None:
    import inspect

    from modehal import api

    assert inspect.signature(modehal.AsyncClient) == inspect.signature(modehal.Client)
    groups = [name for name, value in vars(api.Client).items() if hasattr(value, "func")]
    assert len(groups) > 20
    for group in groups:
        blocking = vars(api.Client)[group].func.__annotations__["return"]
        awaited = vars(api.AsyncClient)[group].func.__annotations__["return"]
        assert awaited == "Async" + blocking
        sync_class, async_class = getattr(api, blocking), getattr(api, awaited)
        operations = {n for n in vars(sync_class) if not n.startswith("_")}
        assert operations and operations == {n for n in vars(async_class) if not n.startswith("_")}
        for name in operations:  # awaited, but for lists, which hand back an AsyncCollection
            method = getattr(async_class, name)
            lists = getattr(sync_class, name).__annotations__["return"].startswith("Collection[")
            assert inspect.iscoroutinefunction(method) != lists, name
            assert (
                inspect.signature(method).parameters.keys()
                == inspect.signature(getattr(sync_class, name)).parameters.keys()
            )


def test_every_model_has_an_async_twin_sharing_its_fields() -> None:
    from modehal import api
    from modehal._async_hal import async_model

    for model in api.MODELS:
        twin = async_model(model)
        assert twin.sync_model is model and twin.__name__ == "Async" + model.__name__
        shared = set(model.__mro__) & set(twin.__mro__)
        fields = next(cls for cls in model.__mro__ if cls.__name__.endswith("Fields"))
        assert fields in shared and twin.field_names == model.field_names


# -- downloads over the wire, both clients --------------------------------------------------


def test_a_gzip_bomb_download_stops_at_max_download_bytes(make_client: ClientFactory) -> None:
    import zlib

    from ._servers import read_request, scripted

    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = b"".join(compressor.compress(b"a," * (1 << 19)) for _ in range(64)) + compressor.flush()
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )

    def script(connection: Any) -> None:
        read_request(connection)
        connection.sendall(head + body)

    with scripted(script) as url:
        client = make_client("t", "s", account="a", base_url=url, max_download_bytes=1 << 20)
        download = client.download("/api/a/reports/r/runs/x/results/content.csv")
        with pytest.raises(modehal.ResponseTooLarge) as caught:
            download.read()
    assert caught.value.limit == 1 << 20  # counted decompressed: 64 MiB inflated, 70 KB sent


def test_a_download_streams_in_chunks_and_saves_whole(
    make_client: ClientFactory, make_sim: SimFactory, tmp_path: Any
) -> None:
    sim = make_sim(speed=500.0, discovery_reports=10)
    client = make_client.for_sim(sim)
    report = sim.reports[0]
    run = client.report_runs.get(report, sim.runs(report)[0])
    chunks = list(run.results().iter_bytes(chunk_size=64))
    assert len(chunks) > 1 and all(len(chunk) <= 64 for chunk in chunks)
    saved = run.results().save(tmp_path)
    assert saved.read_bytes() == b"".join(chunks) and list(tmp_path.iterdir()) == [saved]
    assert [row["id"] for row in run.results().rows()][:2] == ["1", "2"]
