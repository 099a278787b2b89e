"""Hostile input, round 2 (issue 23): one test per promise, then the property suites.

Whatever a server sends (numbers, nesting, hrefs, Location headers, zips, CSV, a body cut
short; tests taking ``make_client`` run with both clients) and whatever a caller passes (text that cannot be encoded, dot segments however
encoded, nesting, naive datetimes, credentials with a newline), the result is a value or a
``ModeError``, and no limit is walked around.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import subprocess
import sys
import time
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modehal
from modehal._decode import MAX_DEPTH
from modehal._hal import Link, Resource
from modehal._results import MAX_ZIP_MEMBERS, Results

from ._servers import read_request, scripted
from .conftest import BASE, ClientFactory, fuzz_examples

RUN_URL = f"{BASE}/api/hogwarts/reports/r/runs/q"
CSV_URL = f"{BASE}/api/hogwarts/reports/r1/runs/run1/results/content.csv"
JSON_URL = f"{BASE}/api/hogwarts/reports/r1/runs/run1/results/content.json"
SURROGATE = "\udcff"  # what Python makes of the byte 0xff in argv or a file name


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_mapping(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def body_results(body: bytes, content_type: str = "text/csv", **options: Any) -> Results:
    """A ``Results`` over ``body``, in small chunks, as the client would make it."""
    return Results(
        lambda size: iter([body[i : i + 7] for i in range(0, len(body), 7)]),
        url=CSV_URL,
        content_type=content_type,
        filename="Sales" + {"text/csv": ".csv", "application/zip": ".zip"}.get(content_type, ""),
        **options,
    )


# -- 1. numbers -----------------------------------------------------------------------------

NUMBERS = ["1" * 4_000, "1e400", "-1e400", "-0", "-0.0", "1" * 400, "1e-400"]


@pytest.mark.parametrize("number", NUMBERS)
def test_any_json_number_decodes_or_lands_in_field_errors(
    offline_client: modehal.Client, mocked: responses.RequestsMock, number: str
) -> None:
    # a Report has fields of every type: string, integer, number, boolean, datetime
    fields = {name: number for name in modehal.api.Report.field_names}
    document = json.dumps(fields)
    for name in fields:
        document = document.replace(f'"{name}": "{number}"', f'"{name}": {number}')
    mocked.get(f"{BASE}/api/hogwarts/reports/r", body=document, content_type="application/json")
    report = offline_client.reports.get("r")
    errors = report.field_errors
    for name in report.field_names:
        try:
            value = getattr(report, name)
        except modehal.DecodeError:  # a field the spec says is always there
            assert name in errors
        else:
            assert value is not None or name in errors, name
    assert errors["expected_runtime"] if number == "1" * 400 else True  # float(10**400)
    repr(report), report._repr_html_()


def test_a_number_too_large_for_a_float_is_a_field_error_not_an_overflow(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{BASE}/api/hogwarts/reports/r",
        body='{"token": "r", "expected_runtime": %s}' % ("9" * 400),
        content_type="application/json",
    )
    report = offline_client.reports.get("r")
    assert report.expected_runtime is None
    assert "expected_runtime" in report.field_errors


@pytest.mark.parametrize("number", NUMBERS)
def test_any_json_number_in_json_rows_is_read(number: str) -> None:
    body = ('[{"a": %s}, {"a": 1}]' % number).encode()
    rows = list(body_results(body, "application/json").rows())
    assert len(rows) == 2
    frame = body_results(body, "application/json").to_pandas()
    assert len(frame) == 2


def test_an_integer_past_pythons_digit_limit_is_a_decode_error(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUN_URL, body='{"token": %s}' % ("1" * 5_000), content_type="application/json")
    with pytest.raises(modehal.DecodeError, match="digits"):
        offline_client.report_runs.get("r", "q")
    body = ('[{"a": %s}]' % ("1" * 5_000)).encode()
    with pytest.raises(modehal.DecodeError, match=CSV_URL):
        list(body_results(body, "application/json").rows())


# -- 2. depth -------------------------------------------------------------------------------


def test_a_field_holding_deep_json_as_a_string_is_a_field_error(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    for depth in (MAX_DEPTH, 5_000):
        document = {"token": "q", "state": "succeeded", "parameters": '{"a": %s}' % nested(depth)}
        mocked.get(RUN_URL, json=document)
        run = offline_client.report_runs.get("r", "q")
        assert run.parameters is None
        assert f"more than {MAX_DEPTH} levels" in run.field_errors["parameters"]
    mocked.get(RUN_URL, json={"token": "q", "parameters": '{"a": %s}' % nested(MAX_DEPTH - 1)})
    assert offline_client.report_runs.get("r", "q").parameters is not None


@pytest.mark.parametrize("depth", [MAX_DEPTH, 990, 5_000, 100_000])
def test_deep_json_rows_are_a_decode_error(depth: int) -> None:
    body = ('[{"a": 1}, {"a": %s}]' % nested(depth)).encode()
    with pytest.raises(modehal.DecodeError, match=f"more than {MAX_DEPTH} levels") as error:
        list(body_results(body, "application/json").rows())
    assert error.value.url == CSV_URL


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 2_000, 50_000])
def test_deep_parameters_from_the_caller_are_invalid_and_not_sent(
    offline_client: modehal.Client, mocked: responses.RequestsMock, depth: int
) -> None:
    with pytest.raises(modehal.InvalidParameter, match=f"more than {MAX_DEPTH} levels"):
        offline_client.report_runs.create("r", parameters=deep_mapping(depth))
    ordered: Any = OrderedDict()
    for _ in range(5_000):  # a mapping type json.loads never makes: json.dumps finds the depth
        ordered = OrderedDict(a=ordered)
    with pytest.raises(modehal.InvalidParameter, match=f"more than {MAX_DEPTH} levels"):
        offline_client.report_runs.create("r", parameters=ordered)
    cyclic: dict[str, Any] = {}
    cyclic["a"] = cyclic
    with pytest.raises(modehal.InvalidParameter):
        offline_client.report_runs.create("r", parameters=cyclic)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("depth", [MAX_DEPTH, 990, 100_000])
def test_a_document_nested_too_deeply_is_a_decode_error(
    make_client: ClientFactory, depth: int
) -> None:
    document = ('{"token": "q", "parameters": %s}' % nested(depth)).encode()

    def script(connection: Any) -> None:
        while read_request(connection):
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/hal+json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(document) + document
            )

    with scripted(script) as url:
        client = make_client("t", "s", account="hogwarts", base_url=url, max_retries=0)
        with pytest.raises(modehal.DecodeError, match=f"more than {MAX_DEPTH} levels") as error:
            client.report_runs.get("r", "q")
    assert error.value.url == f"{url}/api/hogwarts/reports/r/runs/q"


def test_deep_parameters_are_invalid_and_not_sent_by_either_client(
    make_client: ClientFactory,
) -> None:
    seen: list[bytes] = []
    with scripted(lambda connection: seen.append(read_request(connection))) as url:
        client = make_client("t", "s", account="hogwarts", base_url=url, max_retries=0)
        with pytest.raises(modehal.InvalidParameter, match=f"more than {MAX_DEPTH} levels"):
            client.report_runs.create("r", parameters=deep_mapping(MAX_DEPTH + 1))
    assert seen == []


def test_parameters_up_to_the_depth_limit_are_sent(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    # the body wraps parameters one level down: {"parameters": ...}
    mocked.post(f"{BASE}/api/hogwarts/reports/r/runs", json={"token": "x"}, status=202)
    offline_client.report_runs.create("r", parameters=deep_mapping(MAX_DEPTH - 1))
    assert len(mocked.calls) == 1


# -- 3. text that cannot be encoded -----------------------------------------------------------


def test_an_href_with_a_lone_surrogate_is_a_link_error(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    for href in [f"/api/x{SURROGATE}", f"/api/x?q={SURROGATE}", f"https://a{SURROGATE}b/x"]:
        with pytest.raises(modehal.LinkError, match="surrogate"):
            offline_client.get(href)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    "href",
    [
        "/api/a b",
        "/api/a\r\nb",
        "/api/a\x00b",
        "/api/caf\u00e9?q=\u00e9 x",
        "/api/%zz",
        "https://caf\u00e9.example/x",
        "/api/hogwarts/reports/r/runs?embed[report_runs][x]=1&y=a b",
    ],
)
def test_an_href_is_encoded_as_requests_would_encode_it(
    offline_client: modehal.Client, href: str
) -> None:
    url = href if href.startswith("https:") else BASE + href
    expected = requests.PreparedRequest()
    expected.prepare_url(url, None)
    # requests encodes the query's brackets; modehal sends them as Mode wrote them
    wanted = expected.url.replace("%5B", "[").replace("%5D", "]")  # type: ignore[union-attr]
    assert offline_client.resolve(href) == wanted


@pytest.mark.parametrize("href", ["https://ex ample/x", "https://a\r\nb/x", "https://a\x00b/"])
def test_an_href_whose_host_cannot_be_sent_is_a_link_error(
    offline_client: modehal.Client, href: str
) -> None:
    with pytest.raises(modehal.LinkError, match="not a valid URL"):
        offline_client.get(href)


def redirecting(location: bytes, seen: list[bytes]) -> Callable[[Any], None]:
    """A server that redirects /api/x to ``location`` and answers anything else with ``{}``."""

    def script(connection: Any) -> None:
        while True:
            head = read_request(connection)
            if not head:
                return
            line = head.split(b"\r\n")[0]
            seen.append(line)
            if line.startswith(b"GET /api/x "):
                connection.sendall(
                    b"HTTP/1.1 302 Found\r\nLocation: "
                    + location
                    + b"\r\nContent-Length: 0\r\n\r\n"
                )
            else:
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 2\r\n\r\n{}"
                )

    return script


@pytest.mark.parametrize(
    "location, target",
    [
        ("/api/next/caf\u00e9".encode(), b"/api/next/caf%C3%A9"),
        (b"/api/next/a b", b"/api/next/a%20b"),
        (b"/api/next/a\x00b", b"/api/next/a%00b"),
        (b"/api/next?q=\xc3\xa9", b"/api/next?q=%C3%A9"),
    ],
)
def test_a_location_is_followed_as_requests_follows_it(
    make_client: ClientFactory, location: bytes, target: bytes
) -> None:
    seen: list[bytes] = []
    with scripted(redirecting(location, seen)) as url:
        client = make_client("t", "s", base_url=url, max_retries=0, timeout=5)
        if make_client.kind == "async" and b"\x00" in location:
            # h11 (httpx) refuses a field value holding NUL, as RFC 9110 says a client may:
            # the answer is a protocol error, and nothing is followed
            with pytest.raises(modehal.ConnectionError, match="illegal header"):
                client.get("/api/x")
            assert seen == [b"GET /api/x HTTP/1.1"]
            return
        assert client.get("/api/x").data == {}
    assert seen == [b"GET /api/x HTTP/1.1", b"GET " + target + b" HTTP/1.1"]


@pytest.mark.parametrize(
    "location, problem",
    [
        (b"/api/next/\xff", "not UTF-8"),
        (b"http://ex ample/x", "invalid character"),
        (b"http://[::1/x", "Invalid IPv6"),
    ],
)
def test_an_unusable_location_is_a_redirect_error(
    make_client: ClientFactory, location: bytes, problem: str
) -> None:
    seen: list[bytes] = []
    with scripted(redirecting(location, seen)) as url:
        client = make_client("t", "s", base_url=url, max_retries=0, timeout=5)
        with pytest.raises(modehal.RedirectError, match=problem) as error:
            client.get("/api/x")
    assert "\n" not in str(error.value) and len(seen) == 1


def test_path_and_query_arguments_with_a_lone_surrogate_are_invalid(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    with pytest.raises(modehal.InvalidParameter, match="run .* surrogate"):
        offline_client.report_runs.get("r", f"q{SURROGATE}")
    now = datetime.now(timezone.utc)
    with pytest.raises(modehal.InvalidParameter, match="username .* surrogate"):
        offline_client.audit_logs.list(
            start_timestamp=now, end_timestamp=now, username=f"a{SURROGATE}"
        )
    with pytest.raises(modehal.InvalidParameter, match="name .* surrogate"):
        offline_client.spaces.create(name=f"a{SURROGATE}")
    with pytest.raises(modehal.InvalidParameter, match="body holds .* surrogate"):
        offline_client.report_runs.create("r", parameters={"region": [f"a{SURROGATE}"]})
    with pytest.raises(modehal.InvalidParameter, match="surrogate"):
        Link("/api/{x}", templated=True).expand(x=SURROGATE)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("value", ["a b", "a\r\nb", "\x00", "caf\u00e9", "a/b?c#d"])
def test_path_arguments_are_percent_encoded_into_one_segment(
    offline_client: modehal.Client, mocked: responses.RequestsMock, value: str
) -> None:
    mocked.get(RUN_URL.rsplit("/", 1)[0] + "/" + _quoted(value), json={"token": "x"})
    assert offline_client.report_runs.get("r", value).data == {"token": "x"}


def _quoted(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def run_cli(
    *args: str | bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("MODE_")}
    return subprocess.run(
        [sys.executable, "-m", "modehal.cli", *args],
        capture_output=True,
        timeout=60,
        env={**clean, **(env or {})},
    )


def test_the_command_line_refuses_undecodable_arguments_in_one_line() -> None:
    env = {"MODE_TOKEN": "t", "MODE_SECRET": "s", "MODE_ACCOUNT": "hogwarts"}
    env["MODE_BASE_URL"] = "http://127.0.0.1:9"  # never reached: refused before sending
    for args in ([b"get", b"/api/\xff"], [b"results", b"r", b"\xff"], [b"get", b"reports/%2e%2e"]):
        out = run_cli(*args, env=env)
        assert out.returncode == 1, out
        assert b"Traceback" not in out.stderr
        assert out.stderr.count(b"\n") == 1 and out.stderr.startswith(b"modehal: error: ")


def test_the_command_line_prints_a_servers_lone_surrogates_escaped(
    mocked: responses.RequestsMock,
) -> None:
    from modehal.cli._common import show

    resource = Resource({"name": "a\ud800b"})
    text = show(resource, as_json=False)
    # what the command prints goes through a stream that escapes it (see cli.main)
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
    stream.write(text)
    stream.flush()
    assert b"\\ud800" in stream.buffer.getvalue()  # type: ignore[attr-defined]


# -- 4. dot segments after decoding ---------------------------------------------------------

DOTS = [".", "..", "%2e", "%2E%2e", ".%2E", "%2e.", "a/../b", "a/%2e%2E/b", "%252e%252e", "./x"]
TEMPLATES = ["/api/hogwarts/reports/{x}", "/api/{+x}", "/api/hogwarts{/x}", "/api/h{?x}"]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("value", DOTS)
def test_dot_segments_are_refused_in_every_expansion(
    offline_client: modehal.Client, mocked: responses.RequestsMock, template: str, value: str
) -> None:
    resource = Resource(
        {"_links": {"x": {"href": template, "templated": True}}}, client=offline_client
    )
    for given in (value, [value], ["ok", value], {"k": value}):
        with pytest.raises(modehal.InvalidParameter, match="step out of the path"):
            resource.follow("x", x=given)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("value", DOTS)
def test_dot_segments_are_refused_in_path_arguments(
    offline_client: modehal.Client, mocked: responses.RequestsMock, value: str
) -> None:
    with pytest.raises(modehal.InvalidParameter, match="run .* not a token"):
        offline_client.report_runs.get("r", value)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("value", ["...", ".a", "a.", "%2e%2e%2e", "a%2Eb", "%"])
def test_values_that_only_look_like_dots_are_sent(
    offline_client: modehal.Client, mocked: responses.RequestsMock, value: str
) -> None:
    mocked.get(RUN_URL.rsplit("/", 1)[0] + "/" + _quoted(value), json={"token": "x"})
    assert offline_client.report_runs.get("r", value).data == {"token": "x"}


# -- 5. zip archives ------------------------------------------------------------------------


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_members_count_what_they_inflate_to() -> None:
    big = b"a\n" + b"1\n" * 500_000  # a megabyte that deflates to a few kilobytes
    archive = zipped({"One.csv": big, "Two.csv": b"a\n1\n"})
    assert len(archive) < 16_000
    results = body_results(archive, "application/zip", max_bytes=64_000)
    tables = results.tables()
    with pytest.raises(modehal.ResponseTooLarge) as error:
        sum(1 for _ in tables["One"].rows())
    assert error.value.limit == 64_000
    # a limit the members fit in together reads them all
    tables = body_results(archive, "application/zip", max_bytes=2_000_000).tables()
    assert sum(1 for _ in tables["One"].rows()) == 500_000
    assert list(tables["Two"].rows()) == [{"a": "1"}]


def test_the_zip_limit_is_for_all_members_read_together() -> None:
    member = b"a\n" + b"1\n" * 20_000  # 40 kB each
    archive = zipped({f"T{n}.csv": member for n in range(4)})
    tables = body_results(archive, "application/zip", max_bytes=100_000).tables()
    read = 0
    with pytest.raises(modehal.ResponseTooLarge):
        for table in tables.values():
            read += len(table.read())
    assert read <= 100_000


def lying_sizes(archive: bytes, factor: float) -> bytes:
    """``archive`` with each member's declared (uncompressed) size multiplied by ``factor``."""
    data = bytearray(archive)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            at = start + offset
            size = int.from_bytes(data[at : at + 4], "little")
            data[at : at + 4] = int(size * factor).to_bytes(4, "little")
            start += 4
    return bytes(data)


@pytest.mark.parametrize("factor", [0.01, 0.5, 2.0])
def test_a_members_declared_size_is_not_trusted(factor: float) -> None:
    archive = lying_sizes(zipped({"One.csv": b"a\n" + b"1\n" * 50_000}), factor)
    try:
        tables = body_results(archive, "application/zip", max_bytes=60_000).tables()
        assert tables["One"].size is None  # the declared size is not shown as known
        data = tables["One"].read()
    except modehal.ModeError:
        return
    assert len(data) <= 60_000


def test_the_number_of_zip_members_is_bounded() -> None:
    archive = zipped({f"T{n}.csv": b"a\n" for n in range(MAX_ZIP_MEMBERS + 1)})
    with pytest.raises(modehal.DecodeError, match=f"more than the {MAX_ZIP_MEMBERS:,}"):
        body_results(archive, "application/zip").tables()
    archive = zipped({f"T{n}.csv": b"a\n" for n in range(3)})
    assert len(body_results(archive, "application/zip").tables()) == 3


def test_a_corrupt_zip_member_names_the_url() -> None:
    noise = random.Random(0).randbytes(4_000)  # deflates to about as much
    archive = bytearray(zipped({"One.csv": noise}))
    archive[1_000:1_100] = b"\x00" * 100  # inside the deflated data
    with pytest.raises(modehal.DecodeError) as error:
        body_results(bytes(archive), "application/zip").tables()["One"].read()
    assert error.value.url == f"{CSV_URL}#One.csv"


# -- 6. one reading of a malformed CSV ------------------------------------------------------

MALFORMED = {
    "values past a trailing delimiter": b"a,b\n1,2,\n3,4,5\n",
    "a trailing delimiter the first row lacks": b"a,b\n1,2\n3,4,\n",
    "an unterminated quote": b'a,b\n1,"2\n3,4\n',
    "a quote open at the end": b'a,b\n1,"2',
    "an unterminated header": b'"a,b\n1,2\n',
    "a row longer than the header": b"a,b\n1,2,3\n",
    "a first row one longer": b"a,b\n1,2,3\n4,5,6\n",
    "a later row longer": b"a,b\n1,2\n3,4,5\n",
    "no header": b"",
    "only blank lines": b"\n  \n\t\n",
    "not UTF-8": b"a,b\n1,\xff\n",
}
ODD_BUT_READABLE = {
    "trailing delimiters": (b"a,b\n1,2,\n3,4\n5,6,\n", 3),
    "a short row": (b"a,b\n1\n", 1),
    "blank lines": (b"\na,b\n\n1,2\n  \n3,4\n", 2),
    "a repeated column": (b"a,a,a\n1,2,3\n", 1),
    "an empty column name": (b",b\n1,2\n", 1),
    "a quote inside a value": (b'a,b\n1,x"y\n', 1),
    "text after a closing quote": (b'a,b\n1,"x"y\n', 1),
    "a quoted blank": (b'a\n" "\n', 1),
    "no final line break": (b"a,b\n1,2", 1),
    "a header alone": (b"a,b\n", 0),
}


def three_readings(body: bytes) -> list[object]:
    """What rows(), tables() and to_pandas() make of ``body``: rows (as text, pandas' values
    read as text too), or "DecodeError"."""

    def rows() -> object:
        return [list(row) for row in body_results(body).rows()], len(
            list(body_results(body).rows())
        )

    def tables() -> object:
        (table,) = body_results(body).tables().values()
        found = list(table.rows())
        return [list(row) for row in found], len(found)

    def frame() -> object:
        data = body_results(body).to_pandas()
        return [list(data.columns)] * len(data), len(data)

    readings: list[object] = []
    for read in (rows, tables, frame):
        try:
            readings.append(read())
        except modehal.DecodeError as error:
            assert error.url == CSV_URL
            readings.append("DecodeError")
    return readings


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_csv_is_a_decode_error_in_every_reading(name: str) -> None:
    pytest.importorskip("pandas")
    assert three_readings(MALFORMED[name]) == ["DecodeError"] * 3


@pytest.mark.parametrize("name", ODD_BUT_READABLE)
def test_odd_csv_reads_as_the_same_rows_in_every_reading(name: str) -> None:
    pytest.importorskip("pandas")
    body, count = ODD_BUT_READABLE[name]
    first, *others = three_readings(body)
    assert first != "DecodeError" and first[1] == count  # type: ignore[index]
    assert others == [first, first]


# What pyarrow cannot read as the other readings do: to_arrow() refuses it rather than read it
# otherwise (a short row, a trailing delimiter, an odd number of quote characters)
ARROW_REFUSES = {"trailing delimiters", "a short row", "a quote inside a value"}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_csv_is_a_decode_error_in_to_arrow_too(name: str) -> None:
    pytest.importorskip("pyarrow")
    with pytest.raises(modehal.DecodeError) as error:
        body_results(MALFORMED[name]).to_arrow()
    assert error.value.url == CSV_URL


@pytest.mark.parametrize("name", ODD_BUT_READABLE)
def test_odd_csv_reads_in_to_arrow_as_the_same_rows_or_is_refused(name: str) -> None:
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    body, count = ODD_BUT_READABLE[name]
    if name in ARROW_REFUSES:
        with pytest.raises(modehal.DecodeError, match="cannot be read") as error:
            body_results(body).to_arrow()
        assert error.value.url == CSV_URL
        return
    table = body_results(body).to_arrow()
    assert ([table.column_names] * table.num_rows, table.num_rows) == three_readings(body)[0]
    assert table.num_rows == count
    frame = body_results(body).to_pandas()
    assert table.to_pandas().astype(str).equals(frame.astype(str))  # the same values too


def test_csv_rows_name_columns_as_pandas_does() -> None:
    pandas = pytest.importorskip("pandas")
    body = b"a,a,,a.1,a\n1,2,3,4,5\n"
    (row,) = body_results(body).rows()
    assert list(row) == list(pandas.read_csv(io.BytesIO(body)).columns)
    assert row == {"a": "1", "a.2": "2", "Unnamed: 2": "3", "a.1": "4", "a.3": "5"}


# -- 7. messages say what happened ----------------------------------------------------------


@pytest.mark.parametrize(
    "tail", [b"4\r\na,b\n\r\n", b"4\r\na,b\n\r\n10\r\n1,2", b"4\r\na,b\n\r\nzz\r\n", b"4\r\na,"]
)
def test_a_chunked_body_cut_short_says_so(make_client: ClientFactory, tail: bytes) -> None:
    def script(connection: Any) -> None:
        read_request(connection)
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n"
            + tail
        )
        time.sleep(0.05)

    with scripted(script) as url:
        client = make_client("t", "s", base_url=url, max_retries=0, timeout=5)
        with pytest.raises(modehal.DecodeError) as error:
            client.download("/api/x.csv").read()
    assert "chunked" in str(error.value) and "None" not in str(error.value)
    assert error.value.url == f"{url}/api/x.csv"


# -- 8. caller values with one meaning --------------------------------------------------------


def test_a_naive_datetime_is_sent_as_utc_in_a_query_and_a_body(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/hogwarts/audit_logs", json={"_embedded": {"audit_logs": []}})
    naive, aware = datetime(2024, 1, 2, 3, 4, 5), datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    offline_client.audit_logs.list(start_timestamp=naive, end_timestamp=aware).first()
    query = parse_qs(urlsplit(mocked.calls[0].request.url).query)
    assert query["start_timestamp"] == query["end_timestamp"] == ["2024-01-02T03:04:05+00:00"]
    mocked.post(f"{BASE}/api/hogwarts/reports/r/runs", json={"token": "x"}, status=202)
    offline_client.report_runs.create("r", parameters={"when": naive})
    sent = json.loads(mocked.calls[1].request.body)
    assert sent["parameters"]["when"] == "2024-01-02T03:04:05+00:00"


def test_the_command_line_reads_a_naive_time_as_utc_too() -> None:
    from modehal.cli._call import _datetime

    assert _datetime("2024-01-02T03:04:05") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def test_credentials_from_the_environment_are_stripped(
    monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    monkeypatch.setenv("MODE_TOKEN", " tok\n")
    monkeypatch.setenv("MODE_SECRET", "sec\r\n")
    monkeypatch.setenv("MODE_ACCOUNT", "hogwarts\n")
    monkeypatch.setenv("MODE_BASE_URL", f"{BASE}\n")
    for name in ("MODE_DISCOVERY_ID", "MODE_DISCOVERY_ACCESS_KEY", "MODE_DISCOVERY_ACCESS_SECRET"):
        monkeypatch.setenv(name, f"\t{name.lower()}\n")
    client = modehal.Client()
    assert client.account == "hogwarts" and client.base_url == BASE
    assert client.settings.basic == modehal.Client("tok", "sec").settings.basic
    expected = modehal.Client(
        discovery=("mode_discovery_id", "mode_discovery_access_key", "mode_discovery_access_secret")
    )
    assert client.settings.bearer == expected.settings.bearer
    monkeypatch.setenv("MODE_SECRET", " \n")  # blank: as if unset
    assert modehal.Client().settings.basic is None


def test_a_credential_that_is_not_utf8_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODE_TOKEN", "tok\udcff")
    monkeypatch.setenv("MODE_SECRET", "sec")
    with pytest.raises(modehal.ConfigurationError, match="MODE_TOKEN is not UTF-8") as error:
        modehal.Client()
    assert "tok" not in str(error.value)
    with pytest.raises(modehal.ConfigurationError, match="UTF-8"):
        modehal.Client("tok\udcff", "sec")


def test_the_sent_path_never_holds_a_dot_segment() -> None:
    # the helper the property suite relies on, tried on what it must catch
    assert dot_segments("https://h/api/%2e%2E/x") and dot_segments("https://h/a/%252e")
    assert not dot_segments("https://h/api/...%2e/x")


def dot_segments(url: str) -> bool:
    for segment in urlsplit(url).path.split("/"):
        decoded = segment
        while True:
            if decoded in (".", ".."):
                return True
            once = unquote(decoded)
            if once == decoded:
                break
            decoded = once
    return False


# -- the property suites --------------------------------------------------------------------

hostile_text = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=12),  # surrogates included
    st.sampled_from(
        [
            "",
            ".",
            "..",
            "%2e%2E",
            ".%2e",
            "%252e.",
            "a/../b",
            "\x00",
            " ",
            "a\r\nb",
            "caf\u00e9",
            SURROGATE,
            "%",
            "%zz",
            "{x}",
            "?#[]",
            "https://evil.example/",
            "//evil.example/x",
        ]
    ),
)
hostile_numbers = st.sampled_from(["1" * 4_000, "1e400", "-1e400", "-0", "1e-400", "9" * 400])
SENTINEL = "0.123456789"


def deep_json(depth: int) -> str:
    return nested(depth) if depth % 2 else '{"a":' * depth + "1" + "}" * depth


documents = st.builds(
    lambda fields, number, depth, href, extra_href: json.dumps(
        {
            **fields,
            "expected_runtime": SENTINEL,
            "parameters": '{"a": %s}' % deep_json(depth),
            "_links": {
                "self": {"href": href},
                "report": {"href": extra_href, "templated": True},
                "next_page": {"href": href},
            },
            "_embedded": {"report_runs": [{"token": "t", "_links": {"self": {"href": href}}}]},
        }
    )
    .replace(f'"{SENTINEL}"', number)
    .replace('"DEEP"', deep_json(depth)),
    st.dictionaries(st.sampled_from(["token", "state", "name", "created_at", "x"]), hostile_text),
    hostile_numbers,
    st.sampled_from([1, 5, MAX_DEPTH - 3, MAX_DEPTH + 1, 3_000]),
    hostile_text.map(lambda text: "/api/hogwarts/" + text),
    st.sampled_from(["/api/hogwarts/reports/{x}", "/api/{+x}", "/api{/x}", "/api/r{?x}"]),
).map(str.encode)
csv_bodies = st.lists(
    st.sampled_from(["a", "b", ",", ",", '"', "\n", "\r\n", " ", "1", "\t", "\u00e9", "a.1"]),
    max_size=40,
).map(lambda parts: "".join(parts).encode())
zip_bodies = st.builds(
    lambda count, size, factor: lying_sizes(
        zipped({f"T{n}.csv": b"a\n" + b"1\n" * size for n in range(count)}), factor
    ),
    st.integers(1, 4),
    st.sampled_from([1, 1_000, 20_000]),
    st.sampled_from([1.0, 0.01, 3.0]),
)
json_rows = st.builds(
    lambda number, depth: ('[{"a": %s}, {"b": %s}]' % (number, deep_json(depth))).encode(),
    hostile_numbers,
    st.sampled_from([1, MAX_DEPTH - 2, MAX_DEPTH + 1, 2_000]),
)
header_values = st.one_of(
    hostile_text,
    st.sampled_from(
        ["/api/hogwarts/reports/r", "https://other.example/x", "http://169.254.169.254/"]
    ),
)
answers = st.tuples(
    st.sampled_from([200, 200, 200, 301, 302, 303, 307, 404, 500, 503]),
    st.one_of(documents, csv_bodies, zip_bodies, json_rows, st.binary(max_size=30)),
    st.fixed_dictionaries(
        {
            "Content-Type": st.sampled_from(
                ["application/hal+json", "text/csv", "application/zip", "application/json", ""]
            )
        },
        optional={
            "Location": header_values,
            "Content-Disposition": hostile_text.map(lambda name: f'attachment; filename="{name}"'),
            "Retry-After": st.sampled_from(
                ["1e400", "nan", "-1", "Mon, 01 Jan 99999 00:00:00 GMT"]
            ),
        },
    ),
)

MAX_RESPONSE, MAX_DOWNLOAD = 64_000, 30_000


def within_depth(value: object) -> bool:
    from modehal._decode import too_deep

    # a bare array of items is kept as {"_embedded": {key: [...]}}: two levels more
    return not too_deep(value, MAX_DEPTH + 2)


def exercise(client: modehal.Client) -> None:
    """Everything a caller may do with what the server sends; only ModeError may escape."""
    try:
        resource = client.get("/api/hogwarts/reports/r/runs/q")
        assert within_depth(resource.data)
        repr(resource), resource.field_errors, resource.embedded
        for name in resource.field_names:
            try:
                getattr(resource, name)
            except modehal.DecodeError:
                pass
        for rel, variables in (("self", {}), ("report", {"x": "r"}), ("next_page", {})):
            try:
                assert within_depth(resource.follow(rel, **variables).data)
            except modehal.ModeError:
                pass
    except modehal.ModeError:
        pass
    for format in ("csv", "json"):
        for read in (
            lambda results: sum(len(table.read()) for table in results.tables().values()),
            lambda results: list(results.rows()),
            lambda results: results.to_pandas(),
            lambda results: len(results.read()),
        ):
            try:
                outcome = read(client.report_runs.results("r", "q", format=format))
            except modehal.ModeError:
                continue
            if isinstance(outcome, int):  # bytes read: within the limit however they came
                assert outcome <= MAX_DOWNLOAD


@settings(
    max_examples=fuzz_examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(answers, min_size=1, max_size=4))
def test_hostile_responses_give_a_result_or_a_mode_error(
    script: list[tuple[int, bytes, dict[str, str]]],
) -> None:
    calls = [0]

    def answer(request: Any) -> tuple[int, dict[str, str], bytes]:
        status, body, headers = script[min(calls[0], len(script) - 1)]
        calls[0] += 1
        return status, dict(headers), body

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback("GET", re.compile(r".*"), callback=answer)
        with modehal.Client(
            "t",
            "s",
            account="hogwarts",
            base_url=BASE,
            max_retries=1,
            max_response_bytes=MAX_RESPONSE,
            max_download_bytes=MAX_DOWNLOAD,
        ) as client:
            exercise(client)
    # a redirect chain stops at 10 hops, each attempt at 2 tries: no endless walk
    assert calls[0] <= 13 * (2 * 4 + 8 * 2)


calls_made = st.sampled_from(["path", "template", "query", "body", "parameters"])


@settings(max_examples=fuzz_examples(200), deadline=None)
@given(calls_made, hostile_text, st.sampled_from(["{x}", "{+x}", "{/x}", "{?x}", "{x,y}"]))
def test_hostile_caller_arguments_are_sent_safely_or_refused(
    kind: str, text: str, expression: str
) -> None:
    sent: list[str] = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        sent.append(request.url)
        return 200, {"Content-Type": "application/json"}, '{"token": "t"}'

    now = datetime.now(timezone.utc)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback("GET", re.compile(r".*"), callback=answer)
        mock.add_callback("POST", re.compile(r".*"), callback=answer)
        client = modehal.Client("t", "s", account="hogwarts", base_url=BASE)
        try:
            if kind == "path":
                client.report_runs.get("r", text)
            elif kind == "template":
                template = f"/api/hogwarts/reports/r{expression}"
                resource = Resource(
                    {"_links": {"x": {"href": template, "templated": True}}}, client=client
                )
                resource.follow("x", x=text, y=[text, "b"])
            elif kind == "query":
                client.audit_logs.list(start_timestamp=now, end_timestamp=now, username=text)
            elif kind == "body":
                client.spaces.create(name=text)
            else:
                client.report_runs.create("r", parameters={text: [text, {"d": text}]})
        except modehal.ModeError:
            pass
    for url in sent:
        assert not dot_segments(url), url
        assert url.isascii() and not any(c in url for c in " \r\n\x00"), url
