"""modehal's benchmark: per-call cost, link following, paging memory, connections, import and
regeneration time. Not a test: it prints numbers.

    python benchmarks/bench.py [--rounds 5] [--calls 1000] [--json results.json]

Everything runs in this process, on loopback. Per-call costs are measured against a minimal
canned HAL server of its own (so server cost does not drown client cost) and against the
simulator; every client does the same GET and decodes the same JSON. Calls are interleaved
(each round runs every client once, in rotating order) and the median round is reported.
Ratios are against a default ``requests.Session`` in the same run. Peers that are not
installed (mode-sdk and httpx come with the ``bench`` extra) are left out of the table.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
import urllib3

import modehal
from modehal.sim import Simulator

ACCOUNT, REPORT, RUN, SCHEDULE = "hogwarts", "4384932af3bd", "7eb1cd0dae6b", "9f253834ec5d"
TOKEN, SECRET = "bench-token", "bench-secret"
DISCOVERY = ("bench-id", "bench-key", "bench-secret")
REPO = Path(__file__).resolve().parent.parent

# -- the canned server ----------------------------------------------------------------------


def _run_document() -> bytes:
    base = f"/api/{ACCOUNT}/reports/{REPORT}/runs/{RUN}"
    links = {
        rel: {"href": f"{base}/{rel}"}
        for rel in (
            "content",
            "preview",
            "query_runs",
            "python_cell_runs",
            "pdf_export",
            "share",
            "embed",
        )
    }
    links.update(
        self={"href": base},
        account={"href": f"/api/{ACCOUNT}"},
        report={"href": f"/api/{ACCOUNT}/reports/{REPORT}"},
        report_schedule={"href": f"/api/{ACCOUNT}/reports/{REPORT}/schedules/{SCHEDULE}"},
        executed_by={"href": "/api/albus_dumbledore"},
        clone={"href": f"{base}/clone"},
    )
    stamp = "2024-01-01T00:00:00.000Z"
    document = {
        "token": RUN,
        "state": "succeeded",
        "parameters": {},
        "created_at": stamp,
        "updated_at": stamp,
        "completed_at": stamp,
        "purge_started_at": None,
        "purge_completed_at": None,
        "python_state": "none",
        "form_fields": [],
        "is_latest_report_run": True,
        "is_latest_successful_report_run": True,
        "report_has_failures_since_last_success": False,
        "pusher_channel_name": f"report-run-{RUN}",
        "_links": links,
        "_embedded": {},
    }
    return json.dumps(document).encode()


def _discovery_pages(pages: int, per_page: int) -> dict[int, bytes]:
    item = (
        '{"id": %d, "token": "%012x", "name": "Report %d", "description": null, '
        '"created_at": "2024-01-01T00:00:00.000Z", "edited_at": null, "updated_at": "2024-01-01T00:00:00.000Z", '
        '"last_successfully_run_at": null, "last_viewed_at": null, "last_run_token": null, "last_run_state": null, '
        '"creator_email": "albus@hogwarts.example", "space_id": 41, "space_token": "acd5fc167d0g", '
        '"report_url": "/api/hogwarts/reports/%012x"}'
    )
    result = {}
    for page in range(1, pages + 1):
        numbers = range((page - 1) * per_page, page * per_page)
        items = ",".join(item % (n, n, n, n) for n in numbers)
        nxt = (
            f', "next_page": {{"href": "/batch/{ACCOUNT}/reports?page={page + 1}&per_page={per_page}"}}'
            if page < pages
            else ""
        )
        body = (
            f'{{"pagination": {{"page": {page}, "per_page": {per_page}, "count": {per_page}, '
            f'"total_pages": {pages}, "total_count": {pages * per_page}}}, "reports": [{items}], '
            f'"_links": {{"self": {{"href": "/batch/{ACCOUNT}/reports?page={page}"}}{nxt}}}}}'
        )
        result[page] = body.encode()
    return result


class CannedServer:
    """Answers a fixed body per path, one write per response, Nagle off, keep-alive."""

    def __init__(self, routes: dict[str, bytes], *, head: bytes = b"") -> None:
        self.routes = routes
        # the headers every answer carries: a HAL document's by default
        self.head = head or b"Content-Type: application/hal+json\r\n"
        self.connections = 0
        # a deep backlog: 500 clients connecting at once must not wait out SYN retransmits
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            conn, _ = self._listener.accept()
            self.connections += 1
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                target = head.split(b" ", 2)[1].decode()
                body = self.routes.get(target)
                if body is None and target.startswith("/batch/"):
                    body = self.routes.get(target.split("&")[0])
                status = b"200 OK" if body is not None else b"404 Not Found"
                body = body if body is not None else b'{"id": "not_found", "message": "nope"}'
                conn.sendall(
                    b"HTTP/1.1 "
                    + status
                    + b"\r\n"
                    + self.head
                    + b"Content-Length: "
                    + str(len(body)).encode()
                    + b"\r\n\r\n"
                    + body
                )


# -- the clients ----------------------------------------------------------------------------


def peers(base_url: str, *, with_follow: bool) -> dict[str, Callable[[], Any]]:
    """name -> one call: GET the run and decode its JSON, each its own way."""
    url = f"{base_url}/api/{ACCOUNT}/reports/{REPORT}/runs/{RUN}"
    auth = (TOKEN, SECRET)
    default = requests.Session()
    bare = requests.Session()
    bare.trust_env = False
    pool = urllib3.PoolManager()
    basic = urllib3.make_headers(basic_auth=f"{TOKEN}:{SECRET}")
    client = modehal.Client(TOKEN, SECRET, account=ACCOUNT, base_url=base_url)
    result: dict[str, Callable[[], Any]] = {
        "requests.Session (default)": lambda: default.get(url, auth=auth).json(),
        "requests, trust_env=False": lambda: bare.get(url, auth=auth).json(),
        "urllib3 PoolManager": lambda: json.loads(pool.request("GET", url, headers=basic).data),
        "modehal report_runs.get": lambda: client.report_runs.get(REPORT, RUN).state,
    }
    try:
        import httpx

        hx = httpx.Client(auth=auth)
        result["httpx.Client"] = lambda: hx.get(url).json()
    except ImportError:
        pass
    try:
        import mode_sdk

        sdk = mode_sdk.Mode(
            ACCOUNT, token=TOKEN, secret=SECRET, base_url=f"{base_url}/api", max_retries=0
        )
        result["mode-sdk report_runs.get"] = lambda: sdk.report_runs.get(REPORT, RUN).state
    except ImportError:
        pass
    if with_follow:
        # follow() is compared with the same GET (of the report) made with bare requests
        report_url = f"{base_url}/api/{ACCOUNT}/reports/{REPORT}"
        run = client.report_runs.get(REPORT, RUN)
        result["requests.Session, GET the report"] = lambda: default.get(
            report_url, auth=auth
        ).json()
        result["modehal run.follow('report')"] = lambda: run.follow("report")
    return result


def interleaved(calls: dict[str, Callable[[], Any]], count: int, rounds: int) -> dict[str, float]:
    """Median over ``rounds`` of the mean seconds per call, clients interleaved per round."""
    for call in calls.values():  # warm up: connections, imports, caches
        for _ in range(20):
            call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for round_number in range(rounds):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for name in order:
            call = calls[name]
            gc.collect()
            started = time.perf_counter()
            for _ in range(count):
                call()
            samples[name].append((time.perf_counter() - started) / count)
    return {name: statistics.median(values) for name, values in samples.items()}


# -- asyncio --------------------------------------------------------------------------------


def concurrent_gets(base_url: str, *, calls: int = 500, rounds: int = 5) -> dict[str, float]:
    """Seconds per call of ``calls`` GETs of the run made at once: ``asyncio.gather`` through
    ``modehal.AsyncClient`` and through a raw ``httpx.AsyncClient`` (the same pool limits),
    and ``modehal.Client`` on 16 threads. Median of ``rounds`` interleaved rounds."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    url = f"{base_url}/api/{ACCOUNT}/reports/{REPORT}/runs/{RUN}"
    blocking = modehal.Client(TOKEN, SECRET, account=ACCOUNT, base_url=base_url)
    threads = ThreadPoolExecutor(16)
    loop = asyncio.new_event_loop()
    modehal_async = modehal.AsyncClient(TOKEN, SECRET, account=ACCOUNT, base_url=base_url)
    # the credentials as a ready header, not httpx's auth flow: the leanest raw call
    raw = httpx.AsyncClient(
        headers=urllib3.make_headers(basic_auth=f"{TOKEN}:{SECRET}"),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),  # AsyncClient's
    )

    async def through_modehal() -> None:
        runs = await asyncio.gather(
            *(modehal_async.report_runs.get(REPORT, RUN) for _ in range(calls))
        )
        assert all(run.state for run in runs)

    async def through_httpx() -> None:
        async def one() -> Any:
            response = await raw.get(url)
            response.raise_for_status()
            return response.json()

        await asyncio.gather(*(one() for _ in range(calls)))

    def on_threads() -> None:
        list(threads.map(lambda _: blocking.report_runs.get(REPORT, RUN).state, range(calls)))

    rows: dict[str, Callable[[], None]] = {
        "httpx.AsyncClient, gather": lambda: loop.run_until_complete(through_httpx()),
        "modehal.AsyncClient, gather": lambda: loop.run_until_complete(through_modehal()),
        "modehal.Client, 16 threads": on_threads,
    }
    try:
        per_round = interleaved(rows, 1, rounds)
    finally:
        loop.run_until_complete(modehal_async.aclose())
        loop.run_until_complete(raw.aclose())
        loop.close()
        threads.shutdown()
        blocking.close()
    return {name: seconds / calls for name, seconds in per_round.items()}


def wait_many(runs: int = 200) -> dict[str, Any]:
    """One ``asyncio.gather`` of ``wait()`` over ``runs`` runs just created on the simulator
    (its clock at 50x, so a run takes a fraction of a second), and the same on 16 threads."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    figures: dict[str, Any] = {"runs": runs}
    with Simulator(port=0, account=ACCOUNT, token=TOKEN, secret=SECRET, speed=50.0) as sim:
        report = sim.reports[0]

        async def waited() -> float:
            async with modehal.AsyncClient(
                TOKEN, SECRET, account=ACCOUNT, base_url=sim.url
            ) as client:
                created = await asyncio.gather(
                    *(client.report_runs.create(report) for _ in range(runs))
                )
                started = time.perf_counter()
                done = await asyncio.gather(*(run.wait(poll_interval=0.1) for run in created))
                assert {run.state for run in done} == {"succeeded"}
                return time.perf_counter() - started

        before = sim.calls["report_runs.get"]
        figures["async_seconds"] = asyncio.run(waited())
        figures["async_polls"] = sim.calls["report_runs.get"] - before
        with sim.client() as client, ThreadPoolExecutor(16) as threads:
            created = list(threads.map(lambda _: client.report_runs.create(report), range(runs)))
            before = sim.calls["report_runs.get"]
            started = time.perf_counter()
            done = list(threads.map(lambda run: run.wait(poll_interval=0.1), created))
            figures["threads_seconds"] = time.perf_counter() - started
            figures["threads_polls"] = sim.calls["report_runs.get"] - before
            assert {run.state for run in done} == {"succeeded"}
    return figures


def _print_asyncio(gets: dict[str, float], waits: dict[str, Any]) -> None:
    raw = gets["httpx.AsyncClient, gather"]
    print(
        "\n500 concurrent GETs of a run, canned HAL server (per call; ratio to raw httpx.AsyncClient)"
    )
    for name, seconds in gets.items():
        print(f"  {name:32s} {seconds * 1e6:8.1f} us   {seconds / raw:5.2f}x")
    print(
        f"wait() over {waits['runs']} runs (simulator at 50x): asyncio.gather "
        f"{waits['async_seconds']:.2f} s ({waits['async_polls']} polls), "
        f"16 threads {waits['threads_seconds']:.2f} s ({waits['threads_polls']} polls)"
    )


# -- jobs ---------------------------------------------------------------------------------------


def jobs(reports: int = 1000) -> dict[str, Any]:
    """Requests and seconds of each job on ``Simulator(reports=...)``: through the REST API only
    (no Discovery credentials) and with Discovery; then ``run_reports`` of 50 reports at
    concurrency 8 with ``rate_limit=4``, against the bound the rate limit sets."""
    import tempfile

    figures: dict[str, Any] = {"reports": reports}
    with Simulator(reports=reports, speed=1000.0) as sim:

        def timed(job: Callable[[], Any]) -> tuple[Any, int, float]:
            before, started = len(sim.requests), time.perf_counter()
            value = job()
            return value, len(sim.requests) - before, time.perf_counter() - started

        for label, options in (("REST", {"discovery": None}), ("Discovery", {})):
            with sim.client(**options) as client, tempfile.TemporaryDirectory() as folder:
                first, first_n, first_s = timed(lambda: modehal.export_sql(client, folder))
                again, again_n, again_s = timed(lambda: modehal.export_sql(client, folder))
                found, inventory_n, inventory_s = timed(lambda: modehal.inventory(client))
                _, stale_n, stale_s = timed(lambda: modehal.stale_reports(client, days=180))
            figures[label] = {
                "export_sql": (first_n, first_s, len(first.added)),
                "export_sql_rerun": (again_n, again_s, len(again.added) + len(again.changed)),
                "inventory": (inventory_n, inventory_s, len(found.reports)),
                "stale_reports": (stale_n, stale_s),
            }
        with sim.client(rate_limit=4.0) as client:
            outcomes, sent, seconds = timed(
                lambda: list(client.run_reports(sim.reports[:50], concurrency=8))
            )
        # the bucket holds one request and starts full: n requests take (n - 1) / 4 s at least
        figures["run_reports"] = {
            "requests": sent,
            "seconds": seconds,
            "bound": (sent - 1) / 4.0,
            "ok": sum(outcome.ok for outcome in outcomes),
        }
    return figures


def _print_jobs(figures: dict[str, Any]) -> None:
    print(f"\nJobs on Simulator(reports={figures['reports']}) (requests, seconds)")
    for label in ("REST", "Discovery"):
        rows = figures[label]
        n, s, files = rows["export_sql"]
        rn, rs, written = rows["export_sql_rerun"]
        inv_n, inv_s, listed = rows["inventory"]
        st_n, st_s = rows["stale_reports"]
        print(
            f"  {label:9s} export_sql {n:5d} req {s:5.2f} s ({files} files); unchanged rerun "
            f"{rn} req {rs:.2f} s, {written} written; inventory {inv_n} req {inv_s:.2f} s "
            f"({listed} reports); stale_reports {st_n} req {st_s:.2f} s"
        )
    runs = figures["run_reports"]
    print(
        f"  run_reports, 50 reports at concurrency 8, rate_limit=4: {runs['requests']} requests "
        f"in {runs['seconds']:.2f} s, the rate limit's bound {runs['bound']:.2f} s = "
        f"{runs['seconds'] / runs['bound']:.3f}x ({runs['ok']} ok)"
    )


# -- the other figures ----------------------------------------------------------------------


def paging_memory(pages: int = 100, per_page: int = 1000) -> dict[str, float]:
    bodies = _discovery_pages(pages, per_page)
    routes = {f"/batch/{ACCOUNT}/reports": bodies[1]}
    routes.update({f"/batch/{ACCOUNT}/reports?page={n}": body for n, body in bodies.items()})
    server = CannedServer(routes)
    session = requests.Session()
    url = f"{server.url}/batch/{ACCOUNT}/reports"
    session.get(url).json()  # warm up outside the trace
    gc.collect()
    tracemalloc.start()
    one = session.get(url).json()
    one_page = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del one
    client = modehal.Client(account=ACCOUNT, base_url=server.url, discovery=DISCOVERY)
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    count = sum(1 for _ in client.reports.list())
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == pages * per_page, count
    return {
        "reports": count,
        "one_page_bytes": one_page,
        "peak_bytes": peak,
        "ratio": peak / one_page,
        "seconds": elapsed,
    }


def connections_for(calls: int) -> int:
    server = CannedServer({f"/api/{ACCOUNT}/reports/{REPORT}/runs/{RUN}": _run_document()})
    client = modehal.Client(TOKEN, SECRET, account=ACCOUNT, base_url=server.url)
    for _ in range(calls):
        client.report_runs.get(REPORT, RUN)
    return server.connections


def import_times(repeats: int = 15) -> dict[str, float]:
    def one(module: str) -> float:
        # `modehal.Client` too: the generated half is imported on first use, and counts.
        use = "; modehal.Client" if module == "modehal" else ""
        code = f"import time; t = time.perf_counter(); import {module}{use}; print(time.perf_counter() - t)"
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
        )
        return float(out.stdout)

    samples: dict[str, list[float]] = {"requests": [], "modehal": []}
    for _ in range(repeats):
        for module in samples:
            samples[module].append(one(module))
    medians = {module: statistics.median(values) for module, values in samples.items()}
    return {**medians, "ratio": medians["modehal"] / medians["requests"]}


def regeneration_time(repeats: int = 3) -> float:
    """Wall time of `python -m modehal.codegen --check` (load, validate, render, black, compare)."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "modehal.codegen",
                "--check",
                "--spec",
                str(REPO / "spec"),
                "--out",
                str(REPO / "generated"),
            ],
            check=True,
            capture_output=True,
        )
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def drift_time(repeats: int = 3) -> float:
    """Wall time of `drift` over both OpenAPI files and the saved pages, as CI runs it."""
    sources = sorted(str(p) for p in (REPO / "docs/mode-swagger").glob("*.yaml"))
    sources += sorted(str(p) for p in (REPO / "docs/mode-docs").glob("*.txt"))
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "modehal.codegen", "drift", *sources],
            check=True,
            capture_output=True,
        )
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


# -- getting the data out -------------------------------------------------------------------

# Each measurement runs in a child process of its own, so that its peak RSS is its own (the
# simulator serving the body lives in this one).
_CHILD = """
import json, sys, time
import modehal
url, report, run, target, job = sys.argv[1:6]
client = modehal.Client({token!r}, {secret!r}, account={account!r}, base_url=url)
def memory(name):  # bytes: VmRSS is the resident size now, VmHWM its peak so far
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith(name))
if job == "pandas-read-csv" or job == "modehal-pandas":
    import pandas  # imported before measuring, for both
if job in ("modehal-arrow", "modehal-polars", "pyarrow-read-csv"):
    import pyarrow, pyarrow.csv  # likewise
    if job == "modehal-polars":
        import polars
before = memory("VmRSS:")
started, cpu = time.perf_counter(), time.process_time()
figures = {{}}
if job == "modehal-save":
    figures["bytes"] = client.report_runs.results(report, run).save(target).stat().st_size
elif job == "urllib3-save":
    import urllib3
    pool = urllib3.PoolManager()
    answer = pool.request(
        "GET", f"{{url}}/api/{account}/reports/{{report}}/runs/{{run}}/results/content.csv",
        headers={{"Authorization": client.settings.basic, "Accept-Encoding": "gzip"}},
        preload_content=False,
    )
    with open(target, "wb") as file:
        for chunk in answer.stream(65536, decode_content=True):
            file.write(chunk)
        figures["bytes"] = file.tell()
elif job == "modehal-rows":
    figures["rows"] = sum(1 for _ in client.report_runs.results(report, run).rows())
elif job == "modehal-pandas":
    frame = client.report_runs.results(report, run).to_pandas()
    figures["rows"], figures["table_bytes"] = len(frame), int(frame.memory_usage(deep=True).sum())
elif job == "pandas-read-csv":
    import pandas
    figures["rows"] = len(pandas.read_csv(target))
elif job == "modehal-arrow":
    table = client.report_runs.results(report, run).to_arrow()
    figures["rows"], figures["table_bytes"] = table.num_rows, table.nbytes
elif job == "modehal-polars":
    frame = client.report_runs.results(report, run).to_polars()
    figures["rows"], figures["table_bytes"] = frame.height, frame.estimated_size()
elif job == "pyarrow-read-csv":
    table = pyarrow.csv.read_csv(target)
    figures["rows"], figures["table_bytes"] = table.num_rows, table.nbytes
figures["seconds"] = time.perf_counter() - started
figures["cpu_seconds"] = time.process_time() - cpu  # every thread's, the parsers' own too
figures["rss_growth_bytes"] = memory("VmHWM:") - before
print(json.dumps(figures))
"""


def _child(job: str, url: str, report: str, run: str, target: Path) -> dict[str, float]:
    code = _CHILD.format(token=TOKEN, secret=SECRET, account=ACCOUNT)
    out = subprocess.run(
        [sys.executable, "-c", code, url, report, run, str(target), job],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"{job} failed:\n{out.stderr}")
    figures: dict[str, float] = json.loads(out.stdout)
    return figures


@contextlib.contextmanager
def _one_csv_run() -> Iterator[tuple[Simulator, str, str, float, Path]]:
    """A simulator with a finished run of a one-query report (one CSV): the simulator, the
    report, the run, the CSV's bytes per row, and a scratch path to save it at."""
    import tempfile

    with (
        Simulator(port=0, account=ACCOUNT, token=TOKEN, secret=SECRET, discovery=DISCOVERY) as sim,
        tempfile.TemporaryDirectory() as scratch,
    ):
        report = sim.reports[0]
        client = sim.client()
        run = client.report_runs.create(report).wait(poll_interval=0.05).token
        sample_rows = 10_000
        sim.set_results_rows(report, sample_rows)
        row_bytes = len(client.report_runs.results(report, run).read()) / (sample_rows + 1)
        yield sim, report, run, row_bytes, Path(scratch) / "results.csv"


def _served_gzipped(target: Path, report: str, run: str) -> CannedServer:
    """The CSV saved at ``target``, served gzipped from memory as the run's results: the
    simulator makes rows in Python, slower than the parsers read them."""
    return CannedServer(
        {
            f"/api/{ACCOUNT}/reports/{report}/runs/{run}/results/content.csv": gzip.compress(
                target.read_bytes(), 1
            )
        },
        head=b"Content-Type: text/csv\r\nContent-Encoding: gzip\r\n",
    )


def data_out(megabytes: int, pandas_megabytes: int) -> dict[str, Any]:
    """A run's results, ``megabytes`` of CSV once decompressed, saved and read as rows by
    modehal and saved by bare urllib3; ``pandas_megabytes`` of it into a DataFrame by modehal
    and by pandas' own ``read_csv`` of the saved file."""
    results: dict[str, Any] = {}
    with _one_csv_run() as (sim, report, run, row_bytes, target):
        client = sim.client()
        sim.set_results_rows(report, int(megabytes * 1024 * 1024 / row_bytes))
        jobs = ("urllib3-save", "modehal-save", "modehal-rows")
        results["save"] = {job: _child(job, sim.url, report, run, target) for job in jobs}
        # to_pandas() against read_csv: the simulator makes rows in Python, slower than pandas
        # parses them, so the same CSV is served gzipped from memory by a canned server.
        sim.set_results_rows(report, int(pandas_megabytes * 1024 * 1024 / row_bytes))
        client.report_runs.results(report, run).save(target)
        served = _served_gzipped(target, report, run)
        jobs = ("pandas-read-csv", "modehal-pandas")
        results["pandas"] = {job: _child(job, served.url, report, run, target) for job in jobs}
    return results


def columnar(sizes: list[int], rounds: int = 3) -> dict[int, dict[str, Any]]:
    """For each size in ``sizes`` (MB of CSV once decompressed, gzip on the wire):
    ``to_arrow()`` and ``to_polars()`` against ``to_pandas()`` and against pyarrow's own
    ``read_csv`` of the saved file, each in a child process of its own (its peak RSS); the
    median of ``rounds`` runs of each."""
    figures: dict[int, dict[str, Any]] = {}
    with _one_csv_run() as (sim, report, run, row_bytes, target):
        client = sim.client()
        for megabytes in sizes:
            sim.set_results_rows(report, int(megabytes * 1024 * 1024 / row_bytes))
            client.report_runs.results(report, run).save(target)
            served = _served_gzipped(target, report, run)
            jobs = ("modehal-pandas", "modehal-arrow", "modehal-polars", "pyarrow-read-csv")
            runs: dict[str, list[dict[str, float]]] = {job: [] for job in jobs}
            for _ in range(rounds):  # interleaved, as the per-call rows are: a noisy machine
                for job in jobs:
                    runs[job].append(_child(job, served.url, report, run, target))
            figures[megabytes] = {
                job: sorted(found, key=lambda one: one["seconds"])[len(found) // 2]
                for job, found in runs.items()
            }
            target.unlink()
    return figures


# -- report ---------------------------------------------------------------------------------


def _print_columnar(figures: dict[int, dict[str, Any]]) -> None:
    mb = 1024 * 1024
    for megabytes, jobs in figures.items():
        pandas, arrow = jobs["modehal-pandas"], jobs["modehal-arrow"]
        print(f"\nArrow and Polars: {megabytes:,} MB of CSV once decompressed (gzip on the wire)")
        for job, name in (
            ("modehal-pandas", "modehal to_pandas()"),
            ("modehal-arrow", "modehal to_arrow()"),
            ("modehal-polars", "modehal to_polars()"),
            ("pyarrow-read-csv", "pyarrow.csv.read_csv(saved file)"),
        ):
            one = jobs[job]
            print(
                f"  {name:<34}{one['seconds']:7.2f} s ({one['cpu_seconds']:6.2f} s CPU)"
                f"   table {one['table_bytes'] / mb:7.1f} MB"
                f"   peak RSS +{one['rss_growth_bytes'] / mb:7.1f} MB"
                f" = {one['rss_growth_bytes'] / one['table_bytes']:.2f}x the table"
            )
        print(
            f"  to_arrow() vs to_pandas(): {pandas['seconds'] / arrow['seconds']:.2f}x faster"
            f" ({pandas['cpu_seconds'] / arrow['cpu_seconds']:.2f}x less CPU; goal 2x);"
            f" vs pyarrow on the saved file: {arrow['seconds'] / jobs['pyarrow-read-csv']['seconds']:.2f}x"
            " its time"
        )


def _print_data_out(figures: dict[str, dict[str, Any]], big: int, small: int) -> None:
    mb = 1024 * 1024
    saved = figures["save"]
    bare, ours, rows = saved["urllib3-save"], saved["modehal-save"], saved["modehal-rows"]
    print(
        f"\nGetting the data out: a run's results, {big:,} MB of CSV once decompressed (gzip on the wire)"
    )
    for name, run in (("urllib3, streamed to disk", bare), ("modehal Results.save()", ours)):
        print(
            f"  {name:<32}{run['bytes'] / mb / run['seconds']:8.1f} MB/s   peak RSS +{run['rss_growth_bytes'] / mb:.1f} MB"
        )
    print(f"  save() throughput vs urllib3: {bare['seconds'] / ours['seconds']:.2f}x")
    print(
        f"  modehal Results.rows()          {rows['rows'] / rows['seconds']:8,.0f} rows/s   peak RSS +{rows['rss_growth_bytes'] / mb:.1f} MB"
    )
    frame = figures["pandas"]
    ours, theirs = frame["modehal-pandas"], frame["pandas-read-csv"]
    print(
        f"  to_pandas() on {small} MB: {ours['seconds']:.2f} s vs pandas.read_csv of the saved file {theirs['seconds']:.2f} s = {ours['seconds'] / theirs['seconds']:.2f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this path")
    parser.add_argument(
        "--data-mb", type=int, default=1024, help="size of the results body saved (default 1024)"
    )
    parser.add_argument(
        "--pandas-mb", type=int, default=100, help="size of the CSV read into pandas (default 100)"
    )
    parser.add_argument(
        "--columnar-mb",
        default="100,1024",
        help="sizes of the CSV read into Arrow, Polars and pandas, comma-separated (default "
        "100,1024; 0: skip)",
    )
    parser.add_argument(
        "--columnar-rounds", type=int, default=3, help="runs of each Arrow/Polars row (median)"
    )
    parser.add_argument(
        "--only",
        choices=["asyncio", "columnar", "jobs"],
        help="run only these rows (asyncio: AsyncClient's; columnar: Arrow and Polars; jobs: the "
        "jobs on a big workspace)",
    )
    args = parser.parse_args()
    os.environ.pop("MODE_TOKEN", None)
    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "rounds": args.rounds,
        "calls": args.calls,
    }
    sizes = [int(size) for size in args.columnar_mb.split(",") if int(size) > 0]
    if args.only == "columnar":
        results["columnar"] = columnar(sizes, args.columnar_rounds)
        _print_columnar(results["columnar"])
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
        return 0

    run_doc = _run_document()
    if args.only == "jobs":
        _print_jobs(jobs())
        return 0
    if args.only == "asyncio":
        canned = CannedServer({f"/api/{ACCOUNT}/reports/{REPORT}/runs/{RUN}": run_doc})
        _print_asyncio(concurrent_gets(canned.url, rounds=args.rounds), wait_many())
        return 0
    canned = CannedServer(
        {
            f"/api/{ACCOUNT}/reports/{REPORT}/runs/{RUN}": run_doc,
            f"/api/{ACCOUNT}/reports/{REPORT}": json.dumps(
                {
                    "token": REPORT,
                    "name": "r",
                    "_links": {"self": {"href": f"/api/{ACCOUNT}/reports/{REPORT}"}},
                }
            ).encode(),
        }
    )
    per_call = interleaved(peers(canned.url, with_follow=True), args.calls, args.rounds)
    results["asyncio_gets"] = concurrent_gets(canned.url, rounds=args.rounds)
    results["asyncio_wait"] = wait_many()
    results["jobs"] = jobs()
    baseline = per_call["requests.Session (default)"]
    results["canned"] = {
        name: {"us_per_call": seconds * 1e6, "ratio": seconds / baseline}
        for name, seconds in per_call.items()
    }
    results["follow_vs_same_get"] = (
        per_call["modehal run.follow('report')"] / per_call["requests.Session, GET the report"]
    )

    with Simulator(port=0, account=ACCOUNT, token=TOKEN, secret=SECRET, discovery=DISCOVERY) as sim:
        report = sim.reports[0]
        run = sim.runs(report)[0]
        globals().update(REPORT=report, RUN=run)
        sim_calls = interleaved(
            {
                name: call
                for name, call in peers(sim.url, with_follow=False).items()
                if name
                in (
                    "requests.Session (default)",
                    "modehal report_runs.get",
                    "mode-sdk report_runs.get",
                )
            },
            max(100, args.calls // 5),
            args.rounds,
        )
        sim.requests.clear()
    sim_base = sim_calls["requests.Session (default)"]
    results["simulator"] = {
        name: {"us_per_call": s * 1e6, "ratio": s / sim_base} for name, s in sim_calls.items()
    }
    globals().update(REPORT="4384932af3bd", RUN="7eb1cd0dae6b")

    results["paging"] = paging_memory()
    results["sequential_calls"] = args.calls
    results["connections_for_sequential_calls"] = connections_for(args.calls)
    results["import"] = import_times()
    results["regeneration_seconds"] = regeneration_time()
    results["drift_seconds"] = drift_time()
    results["data_out"] = data_out(args.data_mb, args.pandas_mb)
    results["columnar"] = columnar(sizes, args.columnar_rounds)

    print(
        f"modehal {modehal.__version__} benchmark, Python {results['python']}, {args.rounds} rounds x {args.calls} calls, median round\n"
    )
    print("Per call, canned HAL server (ratio: lower is faster, 1.00 = default requests.Session)")
    for name, figures in results["canned"].items():
        print(f"  {name:32s} {figures['us_per_call']:8.1f} us   {figures['ratio']:5.2f}x")
    print(
        f"  follow() vs the same GET with a default requests.Session: {results['follow_vs_same_get']:.2f}x"
    )
    print("\nPer call, simulator")
    for name, figures in results["simulator"].items():
        print(f"  {name:32s} {figures['us_per_call']:8.1f} us   {figures['ratio']:5.2f}x")
    paging = results["paging"]
    print(
        f"\nIterating {paging['reports']:,} Discovery reports: peak traced memory {paging['peak_bytes'] / 1e6:.1f} MB "
        f"= {paging['ratio']:.2f}x one page ({paging['one_page_bytes'] / 1e6:.1f} MB), {paging['seconds']:.2f} s"
    )
    print(
        f"TCP connections for {results['sequential_calls']:,} sequential calls: "
        f"{results['connections_for_sequential_calls']}"
    )
    imports = results["import"]
    print(
        f"import modehal: {imports['modehal'] * 1e3:.1f} ms vs import requests {imports['requests'] * 1e3:.1f} ms = {imports['ratio']:.2f}x"
    )
    print(
        f"Full regeneration (python -m modehal.codegen --check): {results['regeneration_seconds']:.2f} s"
    )
    print(f"drift over both OpenAPI files and the saved pages: {results['drift_seconds']:.2f} s")
    _print_asyncio(results["asyncio_gets"], results["asyncio_wait"])
    _print_jobs(results["jobs"])
    _print_data_out(results["data_out"], args.data_mb, args.pandas_mb)
    _print_columnar(results["columnar"])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
