"""The simulator's downloads over plain HTTP: results (CSV, zip, JSON), query runs, PDF exports
and the storage origin Mode may redirect them to.

Plain ``requests`` on purpose: these tests pin what the simulator sends on the wire, whatever
a client makes of it. ``MODEHAL_SIM_BODY_MB=500 pytest tests/test_sim_results.py`` serves a
500 MB body in the memory test instead of the default 50 MB.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from modehal.api import OPERATIONS, Client
from modehal.sim import Simulator
from modehal.sim._downloads import NAMES, Rows, pdf_document
from modehal.sim._runs import PDF_RENDER_FOR
from modehal.sim._server import build_routes
from modehal.sim._shapes import Shapes

from .conftest import SimFactory

GZIP_MAGIC = b"\x1f\x8b"
BODY_MB = int(os.environ.get("MODEHAL_SIM_BODY_MB", "50"))
MEMORY_BOUND = 32 << 20  # far below any body the memory test serves


@pytest.fixture(scope="module")
def shared(make_shared_sim: SimFactory) -> Simulator:
    """One simulator for the tests that only read (no faults, no new runs, no clock moves)."""
    return make_shared_sim(speed=200.0, discovery_reports=10)


def get(sim: Simulator, path: str, **options: Any) -> requests.Response:
    """GET ``path`` (``/api/...`` or a full URL) with the REST credentials."""
    url = path if path.startswith("http") else sim.url + path
    options.setdefault("auth", (sim.token, sim.secret))
    return requests.get(url, timeout=10, **options)


def run_path(sim: Simulator, report: str, run: str | None = None) -> str:
    run = run or sim.runs(report)[0]  # seeded runs finished long ago
    return f"/api/{sim.account}/reports/{report}/runs/{run}"


def pdf_path(sim: Simulator, report: str, run: str) -> str:
    return f"/api/{sim.account}/reports/{report}/exports/runs/{run}/pdf.pdf"


def query_runs(sim: Simulator, report: str, run: str | None = None) -> list[dict[str, Any]]:
    answer = get(sim, run_path(sim, report, run) + "/query_runs")
    assert answer.status_code == 200
    items: list[dict[str, Any]] = answer.json()["_embedded"]["query_runs"]
    return items


def wire_bytes(answer: requests.Response) -> bytes:
    """The body as sent, still gzip-compressed."""
    return answer.raw.read(decode_content=False)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(), newline="")))


def assert_not_found(answer: requests.Response, message: str = "") -> None:
    assert answer.status_code == 404
    assert answer.json()["id"] == "not_found"
    assert message in answer.json()["message"]


# -- routes and links -------------------------------------------------------------------------


def test_each_download_path_matches_exactly_its_own_route() -> None:
    routes = build_routes(OPERATIONS, Shapes(Client.catalog))
    run = "/api/acme/reports/r1/runs/x1"
    expected = {
        f"{run}/results/content.csv": ("report_runs.results", {"format": "csv"}),
        f"{run}/results/content.json": ("report_runs.results", {"format": "json"}),
        f"{run}/query_runs": ("query_runs.list", {}),
        f"{run}/query_runs/q1": ("query_runs.get", {"query_run": "q1"}),
        f"{run}/query_runs/q1/results/content.csv": ("query_runs.results", {"format": "csv"}),
        "/api/acme/reports/r1/exports/runs/x1/pdf.pdf": ("pdf_exports.get", {}),
        "/api/acme/reports/r1/exports/runs/x1/pdf/download": ("pdf_exports.download", {}),
    }
    for path, (name, params) in expected.items():
        matched = [(route, route.pattern.match(path)) for route in routes]
        hits = [(route, match) for route, match in matched if match]
        assert [route.name for route, _ in hits] == [name], path
        assert params.items() <= hits[0][1].groupdict().items()
    # A dot in a template is a dot, not "any character".
    assert not any(r.pattern.match("/api/acme/reports/r1/exports/runs/x1/pdfxpdf") for r in routes)
    assert not any(r.pattern.match(f"{run}/results/contentxcsv") for r in routes)


def test_the_first_report_has_one_query_the_others_two_or_three(shared: Simulator) -> None:
    assert len(shared.queries(shared.reports[0])) == 1
    assert all(len(shared.queries(report)) in (2, 3) for report in shared.reports[1:])


def test_a_run_links_its_results_query_runs_and_pdf_export_where_they_are_served(
    shared: Simulator,
) -> None:
    report = shared.reports[1]
    path = run_path(shared, report)
    links = get(shared, path).json()["_links"]
    assert links["content"]["href"] == f"{path}/results/content.csv"
    assert links["query_runs"]["href"] == f"{path}/query_runs"
    run = path.rsplit("/", 1)[1]
    assert links["pdf_export"]["href"] == pdf_path(shared, report, run)
    for rel in ("content", "query_runs"):
        assert get(shared, links[rel]["href"]).status_code == 200, rel


def test_a_query_run_mirrors_its_run_and_links_a_result_without_a_format(
    shared: Simulator,
) -> None:
    report = shared.reports[2]
    items = query_runs(shared, report)
    assert [item["query_token"] for item in items] == shared.queries(report)
    item = items[0]
    assert item["state"] == "succeeded" and item["completed_at"] and item["query_name"]
    assert {"created_at", "data_source_id", "data_source_token", "raw_source"} <= set(item)
    links = {rel: link["href"] for rel, link in item["_links"].items()}
    assert links["result"] == f"{links['self']}/results"  # Mode's link: no /content.csv
    # Mode's link names no format: what it answers links the rows in each one
    result = get(shared, links["result"])
    assert result.status_code == 200, result.text
    formats = {rel: link["href"] for rel, link in result.json()["_links"].items()}
    assert formats["csv"] == formats["content"] == links["result"] + "/content.csv"
    assert formats["json"] == links["result"] + "/content.json"
    for href in (formats["csv"], formats["json"]):
        assert get(shared, href).status_code == 200
    assert get(shared, links["self"]).json()["token"] == item["token"]
    assert get(shared, links["report_run"]).json()["token"] in links["self"]
    assert get(shared, links["query"]).json()["token"] == item["query_token"]
    for rel in ("result_web", "query_web"):
        assert links[rel].startswith(f"/{shared.account}/"), rel


def test_query_runs_page_like_other_rest_collections(shared: Simulator) -> None:
    report = next(r for r in shared.reports if len(shared.queries(r)) == 3)
    path = run_path(shared, report) + "/query_runs"
    first = get(shared, path, params={"per_page": 2}).json()
    assert len(first["_embedded"]["query_runs"]) == 2
    second = get(shared, first["_links"]["next_page"]["href"]).json()
    tokens = [i["query_token"] for i in first["_embedded"]["query_runs"]]
    assert tokens + [i["query_token"] for i in second["_embedded"]["query_runs"]] == (
        shared.queries(report)
    )


# -- results ----------------------------------------------------------------------------------


def test_a_single_query_report_answers_a_gzipped_csv(shared: Simulator) -> None:
    report = shared.reports[0]
    answer = get(shared, run_path(shared, report) + "/results/content.csv", stream=True)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert answer.headers["Content-Encoding"] == "gzip"
    name = shared.store.tables["report"][report].fields["name"]
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{name}.csv"'
    raw = wire_bytes(answer)
    assert raw[:2] == GZIP_MAGIC
    rows = csv_rows(zlib.decompress(raw, 31))
    assert rows[0] == ["id", "name", "amount", "created_at"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4", "5"]  # 5 rows by default
    for _, name, amount, created_at in rows[1:]:
        assert name in NAMES and float(amount) >= 0
        assert re.fullmatch(r"2024-\d\d-\d\dT\d\d:\d\d:\d\dZ", created_at)


def test_rows_quote_commas_and_quotes_as_csv_does() -> None:
    rows = csv_rows(b"".join(Rows("any key", 300).csv()))
    names = {row[1] for row in rows[1:]}
    assert {"Weasley, Ron", '"Mad-Eye" Moody', 'Malfoy, Draco "the Ferret"'} <= names
    assert all(len(row) == 4 for row in rows)


def test_results_are_the_same_for_the_same_seed(make_sim: SimFactory) -> None:
    one, two, other = (make_sim(seed=seed, discovery_reports=10) for seed in (3, 3, 4))

    def results(sim: Simulator) -> str:
        return get(sim, run_path(sim, sim.reports[0]) + "/results/content.csv").text

    assert results(one) == results(two) != results(other)


def test_a_multi_query_report_answers_a_zip_with_a_csv_per_query(shared: Simulator) -> None:
    report = next(r for r in shared.reports if len(shared.queries(r)) == 3)
    answer = get(shared, run_path(shared, report) + "/results/content.csv", stream=True)
    assert answer.headers["Content-Type"] == "application/zip"
    assert answer.headers["Content-Disposition"].endswith('.zip"')
    raw = wire_bytes(answer)
    assert raw[:2] == GZIP_MAGIC
    archive = zipfile.ZipFile(io.BytesIO(zlib.decompress(raw, 31)))
    names = [item["query_name"] for item in query_runs(shared, report)]
    assert archive.namelist() == [f"{name}.csv" for name in names]
    for item in query_runs(shared, report):
        member = archive.read(f"{item['query_name']}.csv")
        alone = get(shared, item["_links"]["result"]["href"] + "/content.csv").content
        assert member == alone
        assert len(csv_rows(member)) == 6


def test_report_json_holds_the_first_query_only(shared: Simulator) -> None:
    report = shared.reports[1]
    answer = get(shared, run_path(shared, report) + "/results/content.json", stream=True)
    assert answer.headers["Content-Type"].startswith("application/json")
    assert wire_bytes(answer)[:2] == GZIP_MAGIC
    answer = get(shared, run_path(shared, report) + "/results/content.json")
    rows = answer.json()
    assert [row["id"] for row in rows] == [1, 2, 3, 4, 5]
    assert set(rows[0]) == {"id", "name", "amount", "created_at"}
    first, second = (
        get(shared, item["_links"]["result"]["href"] + "/content.json").json()
        for item in query_runs(shared, report)[:2]
    )
    assert rows == first != second


def test_a_query_runs_csv_and_json_hold_the_same_rows(shared: Simulator) -> None:
    item = query_runs(shared, shared.reports[3])[1]
    base = item["_links"]["result"]["href"]
    as_csv = get(shared, base + "/content.csv", stream=True)
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert as_csv.headers["Content-Disposition"] == (
        f'attachment; filename="{item["query_name"]}.csv"'
    )
    assert wire_bytes(as_csv)[:2] == GZIP_MAGIC
    table = csv_rows(get(shared, base + "/content.csv").content)
    as_json = get(shared, base + "/content.json")
    assert as_json.headers["Content-Type"].startswith("application/json")
    records = as_json.json()
    assert [[str(r["id"]), r["name"], f"{r['amount']:.2f}", r["created_at"]] for r in records] == (
        table[1:]
    )


def test_no_results_before_a_run_succeeds(make_sim: SimFactory) -> None:
    sim = make_sim(speed=1.0, discovery_reports=10)
    report = sim.reports[1]
    created = requests.post(
        f"{sim.url}/api/{sim.account}/reports/{report}/runs", auth=(sim.token, sim.secret)
    ).json()
    path = run_path(sim, report, created["token"])
    item = query_runs(sim, report, created["token"])[0]
    assert item["state"] == "enqueued" and item["completed_at"] is None
    results = item["_links"]["result"]["href"] + "/content.csv"
    for target in (f"{path}/results/content.csv", f"{path}/results/content.json", results):
        assert_not_found(get(sim, target), "the run is enqueued")
    assert_not_found(get(sim, pdf_path(sim, report, created["token"])))
    sim.advance(5)
    assert query_runs(sim, report, created["token"])[0]["state"] == "succeeded"
    assert get(sim, f"{path}/results/content.csv").status_code == 200
    assert get(sim, results).status_code == 200
    # The last report's runs fail: they never have results.
    failing = sim.reports[-1]
    failed = requests.post(
        f"{sim.url}/api/{sim.account}/reports/{failing}/runs", auth=(sim.token, sim.secret)
    ).json()
    sim.advance(5)
    answer = get(sim, run_path(sim, failing, failed["token"]) + "/results/content.csv")
    assert_not_found(answer, "the run is failed")


def test_unknown_formats_and_query_runs_are_not_found(shared: Simulator) -> None:
    path = run_path(shared, shared.reports[0])
    assert_not_found(get(shared, f"{path}/results/content.xlsx"))
    assert_not_found(get(shared, f"{path}/query_runs/nope"), "QueryRun")
    assert_not_found(get(shared, f"{path}/query_runs/nope/results/content.csv"), "QueryRun")
    assert get(shared, f"{path}/results/content.csv", auth=None).status_code == 401


def test_results_rows_can_be_set_for_all_reports_or_one(make_sim: SimFactory) -> None:
    sim = make_sim(results_rows=2, discovery_reports=10)
    first, second = sim.reports[0], sim.reports[1]
    sim.set_results_rows(second, 7)

    def count(report: str) -> int:
        return len(get(sim, run_path(sim, report) + "/results/content.json").json())

    assert (count(first), count(second)) == (2, 7)
    by_report = make_sim(results_rows={first: 0}, discovery_reports=10)
    assert get(by_report, run_path(by_report, first) + "/results/content.json").json() == []
    for wrong in (-1, 2.5, True):
        with pytest.raises(ValueError):
            sim.set_results_rows(first, wrong)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no report"):
        sim.set_results_rows("nope", 1)


def test_a_small_body_has_a_length_and_a_large_one_is_chunked(make_sim: SimFactory) -> None:
    sim = make_sim(discovery_reports=10)
    path = run_path(sim, sim.reports[0]) + "/results/content.csv"
    small = get(sim, path, stream=True)
    assert int(small.headers["Content-Length"]) == len(wire_bytes(small))
    sim.set_results_rows(sim.reports[0], 50_000)
    large = get(sim, path, stream=True)
    assert large.headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in large.headers
    assert len(csv_rows(large.content)) == 50_001


# -- memory -----------------------------------------------------------------------------------


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        match = re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE)
    assert match, field
    return int(match.group(1))


def peak_growth(work: Callable[[], None]) -> int:
    """Bytes the process's resident memory grew by at its peak while ``work`` ran. The kernel's
    high-water mark is reset first (Linux: clear_refs 5); where that is refused, RSS is sampled
    every 2 ms instead."""
    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs Linux /proc to read resident memory")
    base = _rss_kib("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return _sampled_growth(work, base)
    work()
    return (_rss_kib("VmHWM") - base) * 1024


def _sampled_growth(work: Callable[[], None], base: int) -> int:
    peak, done = [base], threading.Event()

    def sample() -> None:
        while not done.wait(0.002):
            peak[0] = max(peak[0], _rss_kib("VmRSS"))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        work()
    finally:
        done.set()
        sampler.join()
    return (peak[0] - base) * 1024


def decompressed_size(answer: requests.Response) -> Iterator[int]:
    """Sizes of the decompressed pieces, read as they arrive: the test holds none of them."""
    inflate = zlib.decompressobj(31)
    for piece in answer.raw.stream(1 << 16, decode_content=False):
        yield len(inflate.decompress(piece))
    yield len(inflate.flush())


def test_a_large_body_is_served_with_bounded_memory(make_sim: SimFactory) -> None:
    sim = make_sim(discovery_reports=10)
    report = sim.reports[0]
    sim.set_results_rows(report, BODY_MB * (1 << 20) // 48)  # rows average ~56 bytes
    sizes: list[int] = []

    def download() -> None:
        answer = get(sim, run_path(sim, report) + "/results/content.csv", stream=True)
        sizes.append(sum(decompressed_size(answer)))

    started = time.monotonic()
    growth = peak_growth(download)
    print(f"\n{sizes[0] / 2**20:.0f} MB in {time.monotonic() - started:.1f} s, ", end="")
    print(f"peak memory growth {growth / 2**20:.1f} MB")
    assert sizes[0] >= BODY_MB << 20
    assert growth < MEMORY_BOUND


# -- PDF exports ------------------------------------------------------------------------------


def test_a_pdf_is_requested_by_the_first_get_and_downloadable_once_rendered(
    make_sim: SimFactory,
) -> None:
    sim = make_sim(speed=1.0, discovery_reports=10)
    report = sim.reports[1]
    run = sim.runs(report)[0]
    download = pdf_path(sim, report, run).removesuffix(".pdf") + "/download"
    assert_not_found(get(sim, download), "export not yet generated")  # never requested
    job = get(sim, pdf_path(sim, report, run)).json()
    assert job["state"] == "requested" and job["filename"].endswith(".pdf")
    assert job["stale"] is False and job["created_at"] and job["token"]
    assert job["_links"] == {"self": {"href": pdf_path(sim, report, run)}}
    assert_not_found(get(sim, download), "export not yet generated")  # still rendering
    sim.advance(PDF_RENDER_FOR)
    job = get(sim, pdf_path(sim, report, run)).json()
    assert job["state"] == "completed" and job["_links"]["download"]["href"] == download
    answer = get(sim, download, stream=True)
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{job["filename"]}"'
    raw = wire_bytes(answer)
    assert raw[:2] == GZIP_MAGIC
    pdf = zlib.decompress(raw, 31)
    assert pdf.startswith(b"%PDF-1.4") and pdf.endswith(b"%%EOF")
    assert sim.store.tables["report"][report].fields["name"].encode() in pdf


def test_the_pdf_is_well_formed() -> None:
    pdf = pdf_document("A (title)", ["one line", "back\\slash"])
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref:].startswith(b"xref\n0 6\n")
    offsets = [int(line[:10]) for line in pdf[xref:].split(b"\n")[3:8]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    assert b"(A \\(title\\)) Tj" in pdf and b"(back\\\\slash) Tj" in pdf


# -- the storage origin -----------------------------------------------------------------------


def test_an_offsite_download_redirects_to_storage_and_no_credentials_go_there(
    make_sim: SimFactory,
) -> None:
    sim = make_sim(discovery_reports=10)
    path = run_path(sim, sim.reports[0]) + "/results/content.csv"
    direct = get(sim, path).content
    sim.inject("report_runs.results", offsite=True)
    answer = get(sim, path, stream=True)
    assert [hop.status_code for hop in answer.history] == [302]
    assert answer.history[0].headers["Location"].startswith(sim.storage_url + "/")
    assert answer.url.startswith(sim.storage_url)
    assert answer.headers["Content-Encoding"] == "gzip"
    assert zlib.decompress(wire_bytes(answer), 31) == direct
    assert [r.route for r in sim.storage_requests] == ["storage"]
    assert "Authorization" not in sim.storage_requests[0].headers
    assert "Authorization" in sim.requests[-1].headers  # the API itself did get them
    assert get(sim, path).history == []  # times=1: the next download is served directly


def test_an_offsite_pdf_download(make_sim: SimFactory) -> None:
    sim = make_sim(speed=1.0, discovery_reports=10)
    report = sim.reports[0]
    run = sim.runs(report)[0]
    get(sim, pdf_path(sim, report, run))
    sim.advance(PDF_RENDER_FOR)
    sim.inject("pdf_exports.download", offsite=True)
    answer = get(sim, pdf_path(sim, report, run).removesuffix(".pdf") + "/download")
    assert answer.history[0].status_code == 302 and answer.content.startswith(b"%PDF-")
    assert answer.headers["Content-Type"] == "application/pdf"
    assert not any("Authorization" in r.headers for r in sim.storage_requests)


def test_an_offsite_fault_leaves_a_refusal_as_it_is(make_sim: SimFactory) -> None:
    sim = make_sim(discovery_reports=10)
    sim.inject("report_runs.results", offsite=True)
    answer = get(sim, run_path(sim, sim.reports[0]) + "/results/content.xml")
    assert answer.history == [] and answer.status_code == 404
    assert sim.storage_requests == []


def test_storage_takes_only_the_signed_url(make_sim: SimFactory) -> None:
    sim = make_sim(discovery_reports=10)
    sim.inject("report_runs.results", offsite=True)
    path = run_path(sim, sim.reports[0]) + "/results/content.csv"
    location = get(sim, path, allow_redirects=False).headers["Location"]
    # A presigned URL is its own credential: S3 refuses a second one.
    with_credentials = requests.get(location, auth=("someone", "secret"), timeout=5)
    assert with_credentials.status_code == 400 and b"InvalidArgument" in with_credentials.content
    forged = requests.get(re.sub(r"Signature=\w+", "Signature=00", location), timeout=5)
    assert forged.status_code == 403
    assert requests.get(location, timeout=5).status_code == 200
    assert requests.get(sim.storage_url + "/mode-results/nope/x.csv", timeout=5).status_code == 404


# -- faults on downloads ------------------------------------------------------------------------


def test_a_truncated_download_ends_mid_body(make_sim: SimFactory) -> None:
    sim = make_sim(discovery_reports=10)
    report = sim.reports[0]
    sim.set_results_rows(report, 20_000)
    path = run_path(sim, report) + "/results/content.csv"
    sim.inject("report_runs.results", truncate=True)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(sim, path)
    for rows in (20_000, 5):  # a chunked body, and one with a length
        sim.set_results_rows(report, rows)
        sim.inject("report_runs.results", invalid_json=True)
        with pytest.raises(requests.exceptions.ContentDecodingError):
            get(sim, path)
    sim.set_results_rows(report, 20_000)
    assert len(csv_rows(get(sim, path).content)) == 20_001
