"""Getting the data out, end to end against the simulator over HTTP: run → results → rows,
tables, files and DataFrames; query runs; PDF exports; redirects to a storage origin; faults.

``MODEHAL_BIG_MB`` sizes the bounded-memory download (default 64 MB, so the suite stays
fast); ``MODEHAL_BIG_MB=1024 pytest tests/test_data_out.py -k big`` runs it with a 1 GB body.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

import modehal
from modehal.api import QueryRun, ReportRun
from modehal.sim import Simulator

from .conftest import ClientFactory, SimFactory

BIG_MB = int(os.environ.get("MODEHAL_BIG_MB", "64"))


@pytest.fixture(scope="module")
def sim(make_shared_sim: SimFactory) -> Simulator:
    return make_shared_sim(speed=200.0, discovery_reports=10, results_rows=25)


@pytest.fixture
def client(sim: Simulator) -> modehal.Client:
    return sim.client()


def finished_run(client: modehal.Client, report: str) -> ReportRun:
    return client.report_runs.create(report).wait(poll_interval=0.02, timeout=30)


def test_one_query_report_results_as_rows_file_and_frame(
    sim: Simulator, client: modehal.Client, tmp_path: Path
) -> None:
    run = finished_run(client, sim.reports[0])
    results = run.results()
    assert (results.content_type, results.format, results.size) == ("text/csv", "csv", None)
    rows = list(results.rows())
    assert len(rows) == 25 and list(rows[0]) == ["id", "name", "amount", "created_at"]
    assert any("," in row["name"] for row in rows)  # quoting survived

    path = run.results().save(tmp_path / "sales.csv")
    with path.open(newline="") as file:
        assert list(csv.DictReader(file)) == rows
    pandas = pytest.importorskip("pandas")
    frame = run.results().to_pandas()
    assert isinstance(frame, pandas.DataFrame) and len(frame) == 25


def test_several_queries_are_one_table_each(sim: Simulator, client: modehal.Client) -> None:
    report = sim.reports[1]
    run = finished_run(client, report)
    results = run.results()
    assert results.format == "zip"
    tables = results.tables()
    assert len(tables) == len(sim.queries(report)) >= 2
    assert all(len(list(table.rows())) == 25 for table in tables.values())
    with pytest.raises(modehal.ModeError, match="tables"):
        list(run.results().rows())
    json_rows = list(run.results(format="json").rows())  # Mode's JSON: the first query only
    assert len(json_rows) == 25 and isinstance(json_rows[0]["id"], int)


def test_query_runs_and_their_results(sim: Simulator, client: modehal.Client) -> None:
    report = sim.reports[1]
    run = finished_run(client, report)
    query_runs = run.query_runs()
    assert isinstance(query_runs, modehal.Collection)
    names = []
    for query_run in query_runs:
        assert isinstance(query_run, QueryRun)
        names.append(query_run.query_name)
        assert len(list(query_run.results().rows())) == 25
        assert len(list(query_run.results(format="json").rows())) == 25
    assert len(names) == len(sim.queries(report))
    followed = run.follow("query_runs").first()
    assert isinstance(followed, QueryRun) and isinstance(followed.follow("report_run"), ReportRun)


def test_export_pdf(sim: Simulator, client: modehal.Client, tmp_path: Path) -> None:
    run = finished_run(client, sim.reports[0])
    with pytest.raises(modehal.NotFound, match="not yet generated"):
        client.pdf_exports.download(sim.reports[0], run.token).read()
    pdf = run.export_pdf(timeout=30)
    assert pdf.content_type == "application/pdf" and pdf.filename.endswith(".pdf")
    data = pdf.save(tmp_path).read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_results_of_a_run_that_has_not_finished_are_not_found(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = make_sim(speed=1.0, discovery_reports=10)  # a run takes seconds to finish
    run = make_client.for_sim(sim).report_runs.create(sim.reports[0])
    assert run.state not in ("succeeded", "completed")
    with pytest.raises(modehal.NotFound, match="results"):
        run.results()


def test_a_redirect_to_storage_sends_no_credentials(
    make_sim: SimFactory, tmp_path: Path, make_client: ClientFactory
) -> None:
    sim = make_sim(speed=200.0, discovery_reports=10)
    client = make_client.for_sim(sim)
    run = finished_run(client, sim.reports[0])
    sim.inject("report_runs.results", offsite=True)
    path = run.results().save(tmp_path / "x.csv")
    assert path.stat().st_size > 0
    assert sim.storage_requests and all(
        "Authorization" not in request.headers for request in sim.storage_requests
    )


def test_a_truncated_download_is_a_decode_error_and_leaves_no_file(
    make_sim: SimFactory, tmp_path: Path, make_client: ClientFactory
) -> None:
    sim = make_sim(speed=200.0, discovery_reports=10, results_rows=5000)
    client = make_client.for_sim(sim)
    run = finished_run(client, sim.reports[0])
    sim.inject("report_runs.results", truncate=True)
    with pytest.raises((modehal.DecodeError, modehal.ConnectionError)):
        run.results().save(tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


def test_follow_on_the_content_link_says_to_download(
    sim: Simulator, client: modehal.Client, make_client: ClientFactory
) -> None:
    run = finished_run(client, sim.reports[0])
    with pytest.raises(modehal.LinkError, match=r"download\('content'\)"):
        run.follow("content")
    assert run.download("content").read().startswith(b"id,name")


BIG_CHILD = """
import resource, sys, time
import modehal
from modehal.sim import Simulator
megabytes = int(sys.argv[1])
with Simulator(port=0, speed=200.0, discovery_reports=10) as sim, sim.client() as client:
    report = sim.reports[0]
    run = client.report_runs.create(report).wait(poll_interval=0.02)
    sample = client.report_runs.results(report, run.token).read()
    sim.set_results_rows(report, int(megabytes * 2**20 / (len(sample) / 6)))
    def status(name):
        for line in open("/proc/self/status"):
            if line.startswith(name):
                return int(line.split()[1]) * 1024
    before = status("VmRSS:")
    saved = run.results().save(sys.argv[2]).stat().st_size
    rows = sum(1 for _ in run.results().rows())
    print(saved, rows, status("VmHWM:") - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for memory")
def test_a_big_download_saves_and_streams_rows_in_bounded_memory(tmp_path: Path) -> None:
    # In a process of its own, so that its peak memory is only this: the simulator serving
    # the body (generated and gzipped as it goes) and the client saving, then reading, it.
    out = subprocess.run(
        [sys.executable, "-c", BIG_CHILD, str(BIG_MB), str(tmp_path / "big.csv")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    saved, rows, growth = map(int, out.stdout.split())
    assert saved >= BIG_MB * 2**20 * 0.9 and rows > 0
    assert growth < 64 * 2**20, f"peak RSS grew {growth / 2**20:.0f} MB for a {BIG_MB} MB body"


def test_a_signed_storage_url_stays_out_of_the_download(
    make_sim: SimFactory, tmp_path: Path, make_client: ClientFactory
) -> None:
    sim = make_sim(speed=200.0, discovery_reports=10)
    client = make_client.for_sim(sim)
    run = finished_run(client, sim.reports[0])
    sim.inject("report_runs.results", offsite=True)
    results = run.results()
    assert results.url.startswith(sim.url) and "sig" not in results.url  # the URL asked for
    results.save(tmp_path / "x.csv")
