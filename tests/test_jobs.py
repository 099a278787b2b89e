"""The jobs, from Python: latest results, many runs at once, every query's SQL as files, the
catalog inventory, stale reports. End to end on the simulator where it holds what a job reads
(and ``responses`` where it does not yet: see each test), with the requests each job sends.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import responses

import modehal
from modehal.sim import Simulator

from .conftest import BASE, SimFactory

API = f"{BASE}/api/hogwarts"
BATCH = f"{BASE}/batch/hogwarts"


@pytest.fixture
def sim(make_sim: SimFactory) -> Simulator:
    return make_sim(speed=200.0, discovery_reports=10)


def rest_client(sim: Simulator, **options: Any) -> Any:
    """A client without Discovery credentials: the jobs take the REST listings."""
    return sim.client(discovery=None, **options)


def routes(sim: Simulator, since: int = 0) -> list[str]:
    return [f"{r.method} {r.route}" for r in sim.requests[since:]]


# -- 1. latest results ---------------------------------------------------------------------


def newest_succeeded(client: Any, report: str) -> Any:
    runs = [run for run in client.report_runs.list(report) if run.state == "succeeded"]
    return max(runs, key=lambda run: (run.created_at, run.token))


def test_latest_run_is_the_newest_succeeded_run_from_the_listing(sim: Simulator) -> None:
    # Today's simulator links last_successful_run to a web page and makes up a
    # last_successful_run_token that 404s: the listing answers. The one of issue 19 links the
    # run itself: the link answers, and no listing is read.
    client = sim.client()
    report = sim.reports[1]
    expected = newest_succeeded(client, report)
    since = len(sim.requests)
    latest = client.reports.latest_run(report)
    assert type(latest).__name__ == "ReportRun" and latest.token == expected.token
    assert routes(sim, since) in (
        ["GET reports.get", "GET report_runs.get"],
        ["GET reports.get", "GET report_runs.list"],
        ["GET reports.get", "GET report_runs.get", "GET report_runs.list"],
    )

    fresh = client.report_runs.create(report).wait(poll_interval=0.02, timeout=30)
    assert client.reports.latest_run(report).token == fresh.token
    assert client.reports.latest_results(report).read() == fresh.results().read()
    assert client.reports.latest_results(report, format="json").read() == (
        fresh.results(format="json").read()
    )


def report_document(**extra: Any) -> dict[str, Any]:
    links = {"self": {"href": "/api/hogwarts/reports/r1"}}
    links.update(extra.pop("_links", {}))
    return {"token": "r1", "name": "Revenue", **extra, "_links": links}


def run_document(token: str, state: str, created: str = "2024-01-01T00:00:00Z") -> dict[str, Any]:
    return {
        "token": token,
        "state": state,
        "created_at": created,
        "_links": {"self": {"href": f"/api/hogwarts/reports/r1/runs/{token}"}},
    }


def test_latest_run_follows_an_api_last_successful_run_link(
    offline_client: Any, mocked: responses.RequestsMock
) -> None:
    link = {"last_successful_run": {"href": "/api/hogwarts/reports/r1/runs/good"}}
    mocked.get(f"{API}/reports/r1", json=report_document(_links=link))
    mocked.get(f"{API}/reports/r1/runs/good", json=run_document("good", "succeeded"))
    assert offline_client.reports.latest_run("r1").token == "good"
    assert [call.request.url for call in mocked.calls] == [
        f"{API}/reports/r1",
        f"{API}/reports/r1/runs/good",
    ]


def test_latest_run_reads_the_token_field_when_the_link_is_a_web_page(
    offline_client: Any, mocked: responses.RequestsMock
) -> None:
    link = {"last_successful_run": {"href": "/hogwarts/reports/r1/last_successful_run"}}
    mocked.get(
        f"{API}/reports/r1",
        json=report_document(_links=link, last_successful_run_token="tok"),
    )
    mocked.get(f"{API}/reports/r1/runs/tok", json=run_document("tok", "succeeded"))
    assert offline_client.reports.latest_run("r1").token == "tok"
    assert len(mocked.calls) == 2  # the web page was never fetched


def test_latest_run_falls_back_to_the_listing_when_the_link_is_stale(
    offline_client: Any, mocked: responses.RequestsMock
) -> None:
    link = {"last_successful_run": {"href": "/api/hogwarts/reports/r1/runs/gone"}}
    mocked.get(f"{API}/reports/r1", json=report_document(_links=link))
    mocked.get(f"{API}/reports/r1/runs/gone", status=404, json={"message": "not found"})
    runs = [run_document("new", "failed"), run_document("older", "succeeded")]
    mocked.get(f"{API}/reports/r1/runs", json={"_embedded": {"report_runs": runs}})
    assert offline_client.reports.latest_run("r1").token == "older"
    assert "order=desc" in mocked.calls[-1].request.url


def test_latest_run_of_a_report_that_never_succeeded_is_not_found(
    offline_client: Any, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{API}/reports/r1", json=report_document())
    runs = [run_document("a", "failed"), run_document("b", "cancelled")]
    mocked.get(f"{API}/reports/r1/runs", json={"_embedded": {"report_runs": runs}})
    with pytest.raises(modehal.NotFound, match="report r1 has never run successfully"):
        offline_client.reports.latest_run("r1")


# -- 2. many runs at once ------------------------------------------------------------------


def test_run_reports_one_failure_among_successes(sim: Simulator) -> None:
    client = sim.client()
    creates_at_each_outcome = []
    outcomes = []
    for outcome in client.run_reports(sim.reports, concurrency=2, poll_interval=0.02):
        creates_at_each_outcome.append(sim.calls["report_runs.create"])
        outcomes.append(outcome)
    assert sorted(o.report for o in outcomes) == sorted(sim.reports)
    by_report = {o.report: o for o in outcomes}
    failing = by_report[sim.reports[-1]]
    assert not failing.ok and isinstance(failing.error, modehal.RunFailed)
    assert failing.run is not None and failing.run.state == "failed"
    for report in sim.reports[:-1]:
        outcome = by_report[report]
        assert outcome.ok and outcome.error is None and outcome.run.state == "succeeded"
        assert f"/api/hogwarts/reports/{report}/runs/" in outcome.run.url
    # at most two in flight: when the k-th outcome arrives, at most k + 1 runs were triggered
    assert all(creates <= k + 2 for k, creates in enumerate(creates_at_each_outcome))
    assert sim.calls["report_runs.create"] == len(sim.reports)  # each once


def test_run_reports_triggers_each_report_once_and_a_trigger_error_stops_only_it(
    sim: Simulator,
) -> None:
    client = sim.client()
    sim.inject("report_runs.create", status=500, times=1)  # the first trigger: no retry (POST)
    reports = [sim.reports[0], sim.reports[1], sim.reports[0], sim.reports[2]]
    outcomes = list(client.run_reports(reports, concurrency=4, poll_interval=0.02))
    assert [o.report for o in outcomes][0] == sim.reports[0]  # failed at once, reported first
    assert isinstance(outcomes[0].error, modehal.ServerError) and outcomes[0].run is None
    assert sorted(o.report for o in outcomes[1:]) == sorted(sim.reports[1:3])
    assert all(o.ok for o in outcomes[1:])
    assert sim.calls["report_runs.create"] == 3


class RequestTimes:
    """When each request reached the simulator (sampled every 2 ms from another thread)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.seen: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample)

    def __enter__(self) -> RequestTimes:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        count = len(self.sim.requests)
        while not self._stop.is_set():
            now, current = time.monotonic(), len(self.sim.requests)
            self.seen.extend([now] * (current - count))
            count = current
            time.sleep(0.002)

    def most_in_a_second(self) -> int:
        return max(sum(1 for t in self.seen if first <= t < first + 1.0) for first in self.seen)


def test_run_reports_polls_from_one_loop_and_holds_the_rate_limit(sim: Simulator) -> None:
    client = sim.client(rate_limit=10.0)
    client.accounts.current()  # the watchdog thread, shared by every client, is running
    threads = threading.active_count()
    sim.speed = 5.0  # runs last 0.6 s: several polls each
    started = time.monotonic()
    with RequestTimes(sim) as times:
        most_threads = 0
        for _ in client.run_reports(sim.reports, concurrency=5, poll_interval=0.02):
            most_threads = max(most_threads, threading.active_count())
    elapsed = time.monotonic() - started
    assert most_threads <= threads + 1  # + the sampler: no thread per run
    assert len(times.seen) >= 10
    # a token bucket of 10 a second, burst 1: any second holds at most 11 requests
    # (one more for the sampling's 2 ms)
    assert times.most_in_a_second() <= 12
    assert elapsed >= (len(times.seen) - 1) / 10.0 - 0.05


def test_run_reports_timeout_leaves_the_runs_going(sim: Simulator) -> None:
    client = sim.client()
    sim.speed = 0.01  # runs take five minutes
    outcomes = list(client.run_reports(sim.reports[:2], timeout=0.3, poll_interval=0.05))
    assert [type(o.error) for o in outcomes] == [modehal.Timeout, modehal.Timeout]
    assert all(o.run is None and "goes on in Mode" in str(o.error) for o in outcomes)


def test_ctrl_c_stops_triggering_and_names_the_runs_started(sim: Simulator) -> None:
    client = sim.client()
    sim.speed = 0.01

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.4)
    try:
        with pytest.raises(modehal.RunsInterrupted) as caught:
            list(client.run_reports(sim.reports, concurrency=2, poll_interval=0.05))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert isinstance(caught.value, KeyboardInterrupt)
    assert sorted(caught.value.started) == sorted(sim.reports[:2])
    assert sim.calls["report_runs.create"] == 2  # nothing triggered after Ctrl-C
    for report, run in caught.value.started.items():
        assert f"report {report}: run {run}" in str(caught.value)


def test_run_reports_refuses_bad_arguments_before_sending(sim: Simulator) -> None:
    client = sim.client()
    for bad in ({"concurrency": 0}, {"timeout": -1}, {"poll_interval": 0}):
        with pytest.raises(modehal.InvalidParameter):
            client.run_reports(sim.reports, **bad)
    with pytest.raises(modehal.InvalidParameter, match="not one"):
        client.run_reports(sim.reports[0])
    assert sim.requests == []


# -- 3. every query's SQL ------------------------------------------------------------------


def files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*")}


def test_export_sql_writes_each_query_and_a_manifest_then_follows_changes(
    sim: Simulator, tmp_path: Path
) -> None:
    client = rest_client(sim)
    out = tmp_path / "sql"
    since = len(sim.requests)
    first = modehal.export_sql(client, out)
    assert first.requests == len(sim.requests) - since
    manifest = json.loads((out / "modehal-export.json").read_text())
    written = files(out)
    spaces = list(client.spaces.list())
    reports = {entry["report"] for entry in manifest["files"].values()}
    # pages: the spaces, each space's reports, each report's queries; a REST listing costs
    # two requests on the simulator (its next_page past the last page, a Mode quirk)
    assert first.requests <= 2 + 2 * len(spaces) + 2 * len(reports)
    assert set(sim.reports) <= reports  # the seeded reports, and any other the spaces list
    for report in sim.reports:
        mine = {e["query"] for e in manifest["files"].values() if e["report"] == report}
        assert mine == set(sim.queries(report))
    for path, entry in manifest["files"].items():
        # each query read alone, not through the listings export_sql reads
        expected = client.queries.get(entry["report"], entry["query"]).raw_query
        assert written[path] == expected.encode()  # exactly the SQL
        assert f"--{entry['report']}/" in path and path.endswith(".sql")
        assert (
            entry["data_source_id"]
            == client.queries.get(entry["report"], entry["query"]).data_source_id
        )
        assert entry["updated_at"]
    assert sorted(p.as_posix() for p in first.added) == sorted(manifest["files"])
    assert set(written) == set(manifest["files"]) | {"modehal-export.json"}

    # unchanged: nothing written, not even the manifest
    before = mtimes(out)
    again = modehal.export_sql(client, out)
    assert (again.added, again.changed, again.removed) == ([], [], [])
    assert len(again.unchanged) == len(manifest["files"]) and mtimes(out) == before

    # one query changed: exactly its file
    report, query = sim.reports[1], sim.queries(sim.reports[1])[0]
    client.queries.update(report, query, raw_query="SELECT 42 AS answer\n-- über")
    (path,) = [p for p, e in manifest["files"].items() if e["query"] == query]
    changed = modehal.export_sql(client, out)
    assert [p.as_posix() for p in changed.changed] == [path]
    assert (changed.added, changed.removed) == ([], [])
    assert (out / path).read_bytes() == "SELECT 42 AS answer\n-- über".encode()
    after = mtimes(out)
    touched = {p for p in after if after[p] != before.get(p) and (out / p).is_file()}
    assert touched == {path, "modehal-export.json"}

    # a report deleted: its files go, a file of ours beside them stays
    gone = sim.reports[2]
    gone_files = {p for p, e in manifest["files"].items() if e["report"] == gone}
    folder = out / next(iter(gone_files)).rsplit("/", 1)[0]
    (out / "notes.md").write_text("mine")
    client.reports.delete(gone)
    removed = modehal.export_sql(client, out)
    assert {p.as_posix() for p in removed.removed} == gone_files and gone_files
    assert not folder.exists()
    assert (out / "notes.md").read_text() == "mine"
    remaining = json.loads((out / "modehal-export.json").read_text())["files"]
    assert not set(remaining) & gone_files


def test_export_sql_removes_only_what_the_manifest_lists_inside_the_directory(
    sim: Simulator, tmp_path: Path
) -> None:
    client = rest_client(sim)
    out = tmp_path / "sql"
    modehal.export_sql(client, out)
    manifest_path = out / "modehal-export.json"
    manifest = json.loads(manifest_path.read_text())
    outside = tmp_path / "outside.sql"
    outside.write_text("keep")
    sibling = out / "a" / "b" / "kept.sql"
    sibling.parent.mkdir(parents=True)
    sibling.write_text("keep")
    manifest["files"]["../outside.sql"] = {"query": "x"}
    manifest["files"]["/etc/hosts.sql"] = {"query": "y"}
    manifest_path.write_text(json.dumps(manifest))
    summary = modehal.export_sql(client, out)
    assert summary.removed == []
    assert outside.read_text() == "keep" and sibling.read_text() == "keep"


def test_export_sql_limited_to_spaces_keeps_the_other_spaces_files(
    sim: Simulator, tmp_path: Path
) -> None:
    client = rest_client(sim)
    spaces = [space.token for space in client.spaces.list()]
    out = tmp_path / "sql"
    everything = modehal.export_sql(client, out)
    only = modehal.export_sql(client, out, spaces=[spaces[0]])
    assert only.removed == [] and only.added == []
    manifest = json.loads((out / "modehal-export.json").read_text())["files"]
    assert len(manifest) == len(everything.added)
    with pytest.raises(modehal.NotFound):
        modehal.export_sql(client, tmp_path / "other", spaces=["nosuchspace0"])


def test_export_sql_with_discovery_reads_the_account_wide_listings(
    sim: Simulator, tmp_path: Path
) -> None:
    client = sim.client()
    since = len(sim.requests)
    summary = modehal.export_sql(client, tmp_path)
    sent = routes(sim, since)
    assert all(" /" not in r and "list" in r for r in sent) and summary.requests == len(sent)
    assert {r.split()[1] for r in sent} == {"reports.list", "spaces.list_all", "queries.list_all"}
    manifest = json.loads((tmp_path / "modehal-export.json").read_text())["files"]
    listed = {q.token: q for q in client.queries.list_all()}
    assert {e["query"] for e in manifest.values()} == set(listed)
    for path, entry in manifest.items():
        query = listed[entry["query"]]
        assert (tmp_path / path).read_text() == query.raw_query
        assert entry["data_source_token"] == query.data_source_token
        assert path.split("/")[1].endswith(f"--{query.report_token}")


def discovery_page(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        key: items,
        "pagination": {"page": 1, "per_page": 999, "total_pages": 1, "total_count": len(items)},
        "_links": {"self": {"href": "/batch/hogwarts/" + key}},
    }


def test_export_sql_names_are_safe_and_clashes_resolved_whatever_the_order(
    offline_client: Any, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    queries = [
        {"token": "q1", "name": "Revenue", "raw_query": "SELECT 1"},
        {"token": "q2", "name": "revenue", "raw_query": "SELECT 2"},
        {"token": "q3", "name": "../../etc/passwd", "raw_query": "SELECT 3"},
        {"token": "q4", "name": "CON", "raw_query": "SELECT 4"},
        {"token": "q5", "name": "a:b*c?. ", "raw_query": "SELECT 5"},
        {"token": "q6", "name": "nul.txt", "raw_query": "SELECT 6"},
    ]
    for query in queries:
        query.update(report_token="r1", space_token="s1", data_source_token="d1")
    reports = [{"token": "r1", "name": "..", "space_token": "s1"}]
    spaces = [{"token": "s1", "name": "AUX"}]

    def export(order: list[dict[str, Any]], out: Path) -> dict[str, bytes]:
        mocked.get(f"{BATCH}/queries", json=discovery_page("queries", order))
        mocked.get(f"{BATCH}/reports", json=discovery_page("reports", reports))
        mocked.get(f"{BATCH}/spaces", json=discovery_page("spaces", spaces))
        summary = modehal.export_sql(offline_client, out)
        assert summary.requests == 3
        return files(out)

    one = export(queries, tmp_path / "one")
    two = export(list(reversed(queries)), tmp_path / "two")
    sql = {name: body for name, body in one.items() if name.endswith(".sql")}
    assert sql == {
        "_AUX--s1/report--r1/Revenue--q1.sql": b"SELECT 1",
        "_AUX--s1/report--r1/revenue--q2.sql": b"SELECT 2",
        "_AUX--s1/report--r1/_.._etc_passwd.sql": b"SELECT 3",
        "_AUX--s1/report--r1/_CON.sql": b"SELECT 4",
        "_AUX--s1/report--r1/a_b_c_.sql": b"SELECT 5",
        "_AUX--s1/report--r1/_nul.txt.sql": b"SELECT 6",
    }
    assert {k: v for k, v in two.items() if k.endswith(".sql")} == sql


# -- 4. the inventory ----------------------------------------------------------------------


def tokens(records: list[dict[str, Any]], key: str = "token") -> set[Any]:
    return {record[key] for record in records}


def test_inventory_over_rest_links_every_kind(sim: Simulator) -> None:
    client = rest_client(sim)
    since = len(sim.requests)
    found = modehal.inventory(client)
    assert found.requests == len(sim.requests) - since
    assert set(sim.reports) <= tokens(found.reports)  # and any other report the spaces list
    for record in found.reports:
        assert client.reports.get(record["token"]).name == record["name"]
    assert tokens(found.spaces) == {space.token for space in client.spaces.list()}
    for report in sim.reports:
        space = client.reports.get(report).space_token
        assert {r["space_token"] for r in found.reports if r["token"] == report} == {space}
        mine = [q for q in found.queries if q["report_token"] == report]
        assert tokens(mine) == set(sim.queries(report))
        assert {q["space_token"] for q in mine} == {space}
        for query in mine:
            expected = client.queries.get(report, query["token"])
            assert query["raw_query"] == expected.raw_query
            assert query["data_source_id"] == expected.data_source_id
            creator = expected.links["creator"].href  # an account: /api/<username>
            assert creator.startswith("/api/") and query["owner"] == creator.split("/")[-1]
            charts = {c.token for c in client.charts.list(report, query["token"])}
            assert tokens(c for c in found.charts if c["query_token"] == query["token"]) == charts
        schedules = [s for s in found.schedules if s["report_token"] == report]
        assert tokens(schedules) == set(sim.schedules(report))
    assert tokens(found.members, "member_token") == {
        m.member_token for m in client.memberships.list()
    }
    assert tokens(found.data_sources) == {d.token for d in client.data_sources.list()}
    assert set(found.queries[0]) >= {"token", "name", "raw_query", "report_token"}


def test_inventory_with_discovery_uses_the_account_wide_listings(sim: Simulator) -> None:
    client = sim.client()
    since = len(sim.requests)
    found = modehal.inventory(client)
    sent = routes(sim, since)
    schedules = [r.target for r in sim.requests[since:] if r.route == "report_schedules.list"]
    asked = {target.split("/")[4] for target in schedules}
    assert asked == tokens(found.reports)  # a listing per report: one page, and the
    assert len(schedules) <= 2 * len(asked)  # simulator's next_page past the end (a quirk)
    others = [r for r in sent if r != "GET report_schedules.list"]
    assert {r.split()[1] for r in others} == {
        "spaces.list_all",
        "reports.list",
        "queries.list_all",
        "charts.list_all",
        "memberships.list_all",
        "data_sources.list",
    }
    assert tokens(found.queries) == {q.token for q in client.queries.list_all()}
    assert tokens(found.charts) == {c.token for c in client.charts.list_all()}
    reports = {r.token: r for r in client.reports.list(include_spaces="all")}
    assert tokens(found.reports) == set(reports)
    first = found.reports[0]
    assert first["owner"] == reports[first["token"]].creator_email
    assert first["space_token"] == reports[first["token"]].space_token


def test_inventory_saves_jsonl_csv_and_parquet(sim: Simulator, tmp_path: Path) -> None:
    found = modehal.inventory(rest_client(sim))
    kinds = found.kinds()
    assert list(kinds) == [
        "spaces",
        "reports",
        "queries",
        "charts",
        "schedules",
        "members",
        "data_sources",
    ]
    paths = found.save(tmp_path / "jsonl")
    assert [p.name for p in paths] == [f"{kind}.jsonl" for kind in kinds]
    for kind, records in kinds.items():
        lines = (tmp_path / "jsonl" / f"{kind}.jsonl").read_text().splitlines()
        assert [json.loads(line) for line in lines] == records

    found.save(tmp_path / "csv", format="csv")
    with (tmp_path / "csv" / "schedules.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["token"] for row in rows] == [s["token"] for s in found.schedules]
    assert json.loads(rows[0]["parameters"]) == found.schedules[0]["parameters"]

    parquet = pytest.importorskip("pyarrow.parquet")
    found.save(tmp_path / "parquet", format="parquet")
    table = parquet.read_table(tmp_path / "parquet" / "queries.parquet").to_pylist()
    assert [row["raw_query"] for row in table] == [q["raw_query"] for q in found.queries]


def test_inventory_parquet_without_pyarrow_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)
    with pytest.raises(modehal.ModeError, match=r'pip install "modehal\[arrow\]"'):
        modehal.Inventory(spaces=[{"token": "s"}]).save(tmp_path, format="parquet")
    with pytest.raises(modehal.InvalidParameter, match="jsonl, csv, parquet"):
        modehal.Inventory().save(tmp_path, format="xlsx")
    assert list(tmp_path.iterdir()) == []


# -- 5. stale reports ----------------------------------------------------------------------

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_stale_reports_from_discovery(offline_client: Any, mocked: responses.RequestsMock) -> None:
    old = ago(900)
    reports = [
        {"token": "viewed", "name": "A", "created_at": old, "last_viewed_at": ago(10)},
        {"token": "ran", "name": "B", "created_at": old, "last_run_at": ago(10)},
        {"token": "young", "name": "C", "created_at": ago(20)},
        {"token": "idle", "name": "D", "created_at": old, "last_viewed_at": ago(400),
         "last_run_at": ago(300), "space_token": "s1"},
        {"token": "never", "name": "E", "created_at": old},
        {"token": "succeeded", "name": "F", "created_at": old, "last_successfully_run_at": ago(5)},
    ]  # fmt: skip
    mocked.get(f"{BATCH}/reports", json=discovery_page("reports", reports))
    found = modehal.stale_reports(offline_client, days=180, now=NOW)
    assert found == [
        modehal.StaleReport("never", "E", None, None, None),
        modehal.StaleReport(
            "idle", "D", "s1", NOW - timedelta(days=400), NOW - timedelta(days=300)
        ),
    ]
    assert [call.request.method for call in mocked.calls] == ["GET"]
    assert modehal.stale_reports(offline_client, days=1000, now=NOW) == []


def test_stale_reports_over_rest_counts_runs(sim: Simulator) -> None:
    client = rest_client(sim)
    seeded = set(sim.reports)
    reports = {r: client.reports.get(r) for r in seeded}  # one at a time, not the listing
    last_active = {
        token: max(
            when
            for when in (r.last_run_at, r.last_successfully_run_at, r.created_at)
            if when is not None
        )
        for token, r in reports.items()
    }
    cutoff = max(last_active.values())  # the seeded reports used last are not stale, the rest are
    found = modehal.stale_reports(client, days=1, now=cutoff + timedelta(days=1))
    stale = {s.report for s in found} & seeded  # the simulator may hold other reports
    assert stale == {r for r, when in last_active.items() if when < cutoff}
    assert 0 < len(stale) < len(seeded)
    for stale_report in (s for s in found if s.report in seeded):
        assert stale_report.name == reports[stale_report.report].name
        assert stale_report.space == reports[stale_report.report].space_token
        assert stale_report.last_viewed_at is None  # REST does not say
    later = modehal.stale_reports(client, days=1, now=max(last_active.values()) + timedelta(2))
    assert {s.report for s in later} >= seeded
    assert not [r for r in sim.requests if r.method != "GET"]
    with pytest.raises(modehal.InvalidParameter):
        modehal.stale_reports(client, days=-1)


def test_jobs_keep_import_modehal_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, modehal; modehal.export_sql, modehal.inventory, modehal.stale_reports; "
        "print(sorted(m for m in ('pyarrow', 'pandas', 'tqdm', 'httpx') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ
    )
    assert out.stdout.strip() == "[]", out.stderr
