"""``Results.to_arrow()``, ``to_polars()`` and ``save("x.parquet")``: pyarrow's streaming CSV
reader over the download, end to end through a loopback server and the simulator (gzip on the
wire); column types and values; zips; bodies cut short or too large; the missing extras."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import modehal
from modehal import _columnar
from modehal.sim import Simulator

from ._servers import Server, read_request, scripted
from .conftest import SimFactory

pa = pytest.importorskip("pyarrow")
parquet = pytest.importorskip("pyarrow.parquet")

PATH = "/api/hogwarts/reports/r/runs/x/results/content.csv"
TYPED = (
    b"id,name,amount,paid,day,created_at,local_time,note\r\n"
    b'1,"Malfoy, Draco ""the Ferret""",1.5,true,2024-01-02,2024-12-28T21:08:21Z,'
    b'2024-01-01 10:00:00,"two\nlines"\r\n'
    b"2,Luna Lovegood,,false,2024-02-03,2024-03-02T02:21:43Z,2024-01-01 11:30:00,NA\r\n"
    b"3,,-7,TRUE,2024-03-04,2024-01-29T00:07:37Z,2024-01-01 12:00:00,\r\n"
)


def csv_answer(body: bytes, *, gzipped: bool = True) -> Callable[[str], Any]:
    headers = {"Content-Type": "text/csv"}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    data = gzip.compress(body) if gzipped else body
    return lambda target: (200, headers, data)


def results_from(server: Server, **options: Any) -> modehal.Results:
    client = modehal.Client("t", "s", account="hogwarts", base_url=server.url, **options)
    return client.report_runs.results("r", "x")


@pytest.fixture(scope="module")
def sim(make_shared_sim: SimFactory) -> Simulator:
    return make_shared_sim(speed=200.0, discovery_reports=10, results_rows=2_000)


def finished_run(sim: Simulator, report: str) -> Any:
    return sim.client().report_runs.create(report).wait(poll_interval=0.02, timeout=30)


# -- types and values -----------------------------------------------------------------------


def test_to_arrow_types_each_column_and_reads_the_values(
    wire_server: Callable[..., Server],
) -> None:
    table = results_from(wire_server(csv_answer(TYPED))).to_arrow()
    assert isinstance(table, pa.Table)
    assert dict(zip(table.column_names, map(str, table.schema.types))) == {
        "id": "int64",
        "name": "string",
        "amount": "double",
        "paid": "bool",
        "day": "date32[day]",
        "created_at": "timestamp[us, tz=UTC]",
        "local_time": "timestamp[us]",
        "note": "string",
    }
    rows = table.to_pylist()
    assert rows[0]["name"] == 'Malfoy, Draco "the Ferret"' and rows[0]["note"] == "two\nlines"
    assert [row["amount"] for row in rows] == [1.5, None, -7.0]
    assert [row["paid"] for row in rows] == [True, False, True]
    assert rows[1]["day"] == date(2024, 2, 3)
    assert rows[0]["created_at"] == datetime(2024, 12, 28, 21, 8, 21, tzinfo=timezone.utc)
    assert rows[2]["local_time"] == datetime(2024, 1, 1, 12, 0)
    # empty cells and pandas' null markers are nulls, as to_pandas() has them
    assert rows[2]["name"] is None and rows[1]["note"] is None and rows[2]["note"] is None


def test_to_arrow_values_are_those_of_to_pandas(wire_server: Callable[..., Server]) -> None:
    pandas = pytest.importorskip("pandas")
    server = wire_server(csv_answer(TYPED))
    table = results_from(server).to_arrow()
    frame = results_from(server).to_pandas()
    assert table.column_names == list(frame.columns)
    for name in ("id", "name", "amount", "paid", "note"):
        ours = [None if value is None else value for value in table.column(name).to_pylist()]
        theirs = [None if pandas.isna(value) else value for value in frame[name]]
        assert ours == theirs, name


def test_a_column_whose_later_blocks_do_not_fit_is_widened(
    wire_server: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    # pyarrow's own reader would fail on the 2,000th row: types come from its first block
    monkeypatch.setattr(_columnar, "BLOCK_SIZE", 4096)
    rows = [f"{n},,{n},{n}" for n in range(2000)]
    rows += ["2000,late,2000.5,not a number"]
    body = ("id,empty_then_text,int_then_float,int_then_text\n" + "\n".join(rows) + "\n").encode()
    table = results_from(wire_server(csv_answer(body))).to_arrow()
    assert table.column("empty_then_text").num_chunks > 1  # the body came in several blocks
    assert [str(kind) for kind in table.schema.types] == ["int64", "string", "double", "string"]
    assert table.column("empty_then_text").to_pylist()[-2:] == [None, "late"]
    assert table.column("int_then_float").to_pylist()[-2:] == [1999.0, 2000.5]
    assert table.column("int_then_text").to_pylist()[-2:] == ["1999", "not a number"]
    assert table.num_rows == 2001


def test_a_column_with_no_value_is_of_the_null_type(wire_server: Callable[..., Server]) -> None:
    table = results_from(wire_server(csv_answer(b"a,b\n1,\n2,\n"))).to_arrow()
    assert str(table.schema.field("b").type) == "null" and table.column("b").null_count == 2


def test_to_polars_reads_the_same_table(wire_server: Callable[..., Server]) -> None:
    polars = pytest.importorskip("polars")
    server = wire_server(csv_answer(TYPED))
    frame = results_from(server).to_polars()
    assert isinstance(frame, polars.DataFrame)
    assert frame.to_dicts() == results_from(server).to_arrow().to_pylist()
    assert frame.schema["id"] == polars.Int64 and frame.schema["paid"] == polars.Boolean


def test_json_results_become_a_table_too(wire_server: Callable[..., Server]) -> None:
    body = b'[{"id": 1, "name": "a", "x": null}, {"id": 2, "name": "b", "x": 2.5}]'
    server = wire_server(lambda target: (200, {"Content-Type": "application/json"}, body))
    client = modehal.Client("t", "s", account="hogwarts", base_url=server.url)
    table = client.report_runs.results("r", "x", format="json").to_arrow()
    assert table.to_pylist() == [
        {"id": 1, "name": "a", "x": None},
        {"id": 2, "name": "b", "x": 2.5},
    ]
    mixed = b'[{"id": 1}, {"id": "one"}]'
    server.answer = lambda target: (200, {"Content-Type": "application/json"}, mixed)
    with pytest.raises(modehal.DecodeError, match="cannot be made a table") as error:
        client.report_runs.results("r", "x", format="json").to_arrow()
    assert error.value.url.endswith("content.json")


def test_to_arrow_is_one_pass_like_every_reading(wire_server: Callable[..., Server]) -> None:
    results = results_from(wire_server(csv_answer(TYPED)))
    results.to_arrow()
    with pytest.raises(modehal.ModeError, match="read already"):
        results.to_arrow()


# -- end to end through the simulator --------------------------------------------------------


def test_the_simulators_results_as_arrow_polars_and_parquet(sim: Simulator, tmp_path: Path) -> None:
    run = finished_run(sim, sim.reports[0])
    results = run.results()
    table = results.to_arrow()
    rows = list(run.results().rows())
    assert table.num_rows == len(rows) == 2_000
    assert table.column_names == ["id", "name", "amount", "created_at"]
    assert [str(kind) for kind in table.schema.types] == [
        "int64",
        "string",
        "double",
        "timestamp[us, tz=UTC]",
    ]
    assert table.column("name").to_pylist() == [row["name"] for row in rows]
    assert table.column("amount").to_pylist() == [float(row["amount"]) for row in rows]
    saved = run.results().save(tmp_path / "sales.parquet")
    assert parquet.read_table(saved).equals(table)
    assert run.results().to_polars().height == 2_000


def test_a_zip_gives_one_table_per_member(sim: Simulator, tmp_path: Path) -> None:
    report = sim.reports[1]
    run = finished_run(sim, report)
    tables = run.results().tables()
    assert len(tables) == len(sim.queries(report)) >= 2
    arrow = {name: table.to_arrow() for name, table in tables.items()}
    assert all(table.num_rows == 2_000 for table in arrow.values())
    with pytest.raises(modehal.ModeError, match="tables"):
        run.results().to_arrow()
    with pytest.raises(modehal.ModeError, match="tables"):
        run.results().save(tmp_path / "all.parquet")
    assert list(tmp_path.iterdir()) == []


def test_a_zip_of_one_table_reads_as_that_table(wire_server: Callable[..., Server]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Sales.csv", TYPED)
    body = buffer.getvalue()
    server = wire_server(lambda target: (200, {"Content-Type": "application/zip"}, body))
    assert results_from(server).to_arrow().num_rows == 3


# -- bodies cut short, too large, malformed ---------------------------------------------------


def test_a_truncated_body_is_a_decode_error_and_no_parquet_file(tmp_path: Path) -> None:
    data = TYPED * 2000

    def short(connection: Any) -> None:
        read_request(connection)
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\n"
            % (len(data) + 100)
            + data
        )

    with scripted(short) as url:
        client = modehal.Client("t", "s", account="hogwarts", base_url=url, max_retries=0)
        with pytest.raises(modehal.DecodeError, match="truncated"):
            client.report_runs.results("r", "x").to_arrow()
        with pytest.raises(modehal.DecodeError, match="truncated"):
            client.report_runs.results("r", "x").save(tmp_path / "x.parquet")
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_gzip_body_from_the_simulator_is_a_decode_error(
    make_sim: SimFactory,
) -> None:
    sim = make_sim(speed=200.0, discovery_reports=10, results_rows=20_000)
    run = finished_run(sim, sim.reports[0])
    sim.inject("report_runs.results", truncate=True)
    with pytest.raises((modehal.DecodeError, modehal.ConnectionError)):
        run.results().to_arrow()


def test_a_body_past_max_download_bytes_stops_there(wire_server: Callable[..., Server]) -> None:
    body = b"a,b\n" + b"1,2\n" * 1_000_000  # 4 MB once decompressed, a few KB gzipped
    server = wire_server(csv_answer(body))
    with pytest.raises(modehal.ResponseTooLarge) as error:
        results_from(server, max_download_bytes=1 << 20).to_arrow()
    assert error.value.limit == 1 << 20
    assert results_from(server, max_download_bytes=8 << 20).to_arrow().num_rows == 1_000_000


def test_malformed_csv_is_a_decode_error_naming_the_url(
    wire_server: Callable[..., Server],
) -> None:
    server = wire_server(csv_answer(b'a,b\n1,"never closed\n2,3\n'))
    with pytest.raises(modehal.DecodeError, match="never closed") as error:
        results_from(server).to_arrow()
    assert error.value.url == server.url + PATH


# -- Parquet ---------------------------------------------------------------------------------


def test_parquet_round_trip(wire_server: Callable[..., Server], tmp_path: Path) -> None:
    server = wire_server(csv_answer(TYPED))
    seen: list[int] = []
    path = results_from(server).save(tmp_path / "sales.PARQUET", progress=seen.append)
    assert path == tmp_path / "sales.PARQUET"
    assert parquet.read_table(path).equals(results_from(server).to_arrow())
    assert sum(seen) == len(TYPED)  # progress counts the body as it is read
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sales.PARQUET"]  # no temporary left
    # any other suffix, and a directory, save the body as it came
    assert results_from(server).save(tmp_path / "sales.csv").read_bytes() == TYPED


def test_a_parquet_save_into_a_missing_directory_reads_nothing(
    wire_server: Callable[..., Server], tmp_path: Path
) -> None:
    server = wire_server(csv_answer(TYPED))
    results = results_from(server)
    with pytest.raises(FileNotFoundError):
        results.save(tmp_path / "no" / "such" / "x.parquet")
    assert results.read() == TYPED  # the body is still there to read


# -- the extras --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hidden, read, extra",
    [
        ("pyarrow", lambda results: results.to_arrow(), "arrow"),
        ("pyarrow", lambda results: results.save("x.parquet"), "arrow"),
        ("polars", lambda results: results.to_polars(), "polars"),
        ("pyarrow", lambda results: results.to_polars(), "polars"),
    ],
)
def test_a_missing_extra_names_the_pip_command_and_reads_nothing(
    wire_server: Callable[..., Server],
    monkeypatch: pytest.MonkeyPatch,
    hidden: str,
    read: Callable[[modehal.Results], object],
    extra: str,
) -> None:
    results = results_from(wire_server(csv_answer(TYPED)))
    monkeypatch.setitem(sys.modules, hidden, None)  # importing it now raises ImportError
    with pytest.raises(modehal.MissingExtra, match=rf'pip install "modehal\[{extra}\]"') as error:
        read(results)
    assert isinstance(error.value, modehal.ModeError) and error.value.extra == extra
    assert results.read() == TYPED


def test_import_modehal_imports_neither_pyarrow_nor_polars() -> None:
    code = (
        "import sys, modehal\n"
        "modehal.Results, modehal.MissingExtra, modehal.Client\n"
        "print(sorted(m for m in ('pyarrow', 'polars', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
