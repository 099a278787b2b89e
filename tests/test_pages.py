"""The docs-page parser (``codegen/_pages.py``) on the five saved Mode pages.

Every expectation below was read off the page by hand. The layout tests then re-save each page
differently (prose re-flowed, blank lines added, indentation changed, sections and rows
shuffled) and expect the same reading; the error tests break a page in one place and expect a
``PageError`` naming that place, whose line is found by searching the edited text.
"""

from __future__ import annotations

import random
import re
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modehal.codegen._pages import DocField, DocOperation, DocPage, DocParam, PageError, parse_page

from .conftest import fuzz_examples

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "docs" / "mode-docs"  # the pages as saved in the repository
NAMES = (
    "report-schedules.txt",
    "dataset-schedules.txt",
    "reports-discovery.txt",
    "report-runs.txt",
    "dataset-runs.txt",
)


def text_of(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def parsed(name: str) -> DocPage:
    return parse_page(text_of(name), name)


def line_of(text: str, exact: str, after: int = 0) -> int:
    """1-based number of the first line (after line ``after``) whose stripped text is ``exact``."""
    for number, line in enumerate(text.split("\n"), 1):
        if number > after and line.strip() == exact:
            return number
    raise AssertionError(f"{exact!r} not found")


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, f"{old!r} not in the page"
    return text.replace(old, new, 1)


# -- what each page says -------------------------------------------------------------------

Row = tuple[str, str | None, bool, tuple[str, ...], str]  # name, type, required, enum, table
Param = tuple[str, str, str | None, bool, str | None]  # name, location, type, required, parent


def rows(page: DocPage) -> list[Row]:
    return [(f.name, f.type, f.required, f.enum, f.table) for f in page.fields]


def params(op: DocOperation) -> list[Param]:
    return [(p.name, p.location, p.type, p.required, p.parent) for p in op.params]


def path(*names: str) -> list[Param]:
    return [(name, "path", "string", True, None) for name in names]


def query(*names: str, type: str = "string") -> list[Param]:
    return [(name, "query", type, False, None) for name in names]


CRON: list[Param] = [(name, "body", None, False, "cron") for name in
        ("freq", "day_of_month", "day_of_week", "hour", "minute", "time_zone")]  # fmt: skip
RUN_STATES = (
    "pending",
    "enqueued",
    "cancelled",
    "failed",
    "succeeded",
    "completed",
    "running_notebook",
)
PYTHON_STATES = ("none", "pending", "failed", "submitted", "succeeded")
SCHEDULE_EXAMPLE = [
    "token", "state", "parameters", "created_at", "updated_at", "retry_state", "retry_count",
    "retry_delay", "timeout", "last_run_at", "last_succeeded_at", "last_scheduled_run",
    "next_scheduled_run", "subscribed", "frequency", "time_zone", "hour", "minute",
]  # fmt: skip
SCHEDULE_EXAMPLE_LINKS = (
    "account",
    "creator",
    "self",
    "report",
    "report_runs",
    "report_subscriptions",
)
RUN_ROWS: list[Row] = [
    ("token", "string", True, (), "properties"),
    ("state", "string", True, RUN_STATES, "properties"),
    ("parameters", None, False, (), "properties"),
    ("created_at", "string", True, (), "properties"),
    ("updated_at", "string", True, (), "properties"),
    ("completed_at", "string", True, (), "properties"),
    ("purge_started_at", "string", True, (), "properties"),
    ("purge_completed_at", "string", True, (), "properties"),
    ("python_state", "string", False, PYTHON_STATES, "properties"),
    ("form_fields", "array", False, (), "properties"),
    ("is_latest_report_run", "string", True, (), "properties"),
    ("is_latest_successful_report_run", "string", True, (), "properties"),
    ("report_has_failures_since_last_success", "string", True, (), "properties"),
    ("pusher_channel_name", "string", False, (), "properties"),
    ("_links", "object", True, (), "properties"),
]
RUN_LINKS = (
    "account", "clone", "content", "embed", "executed_by", "latest_successful_report_run_api_url",
    "pdf_export", "preview", "python_cell_runs", "query_runs", "report", "report_schedule", "self",
    "share", "web_clone", "web_edit_dataset", "web_external_url",
)  # fmt: skip
RUN_EXAMPLE = (
    "token", "state", "parameters", "created_at", "updated_at", "completed_at", "purge_started_at",
    "purge_completed_at", "python_state", "form_fields",
)  # fmt: skip
# The example's _links lack latest_successful_report_run_api_url and web_edit_dataset.
RUN_EXAMPLE_LINKS = (
    "self", "preview", "account", "report_schedule", "executed_by", "report", "clone", "query_runs",
    "python_cell_runs", "pdf_export", "content", "share", "embed", "web_clone", "web_external_url",
)  # fmt: skip

# title -> (method, header_path, example_path, params, statuses)
Expected = dict[str, tuple[str, str, str | None, list[Param], list[tuple[int, str]]]]
UNAUTHORIZED = (401, "Unauthorized")
SCHEDULE = "/{account}/reports/{report}/schedules"
OPERATIONS: dict[str, Expected] = {
    "report-schedules.txt": {
        "Get a report schedule": (
            "GET", SCHEDULE + "/{schedule}", "/api" + SCHEDULE + "/{schedule}",
            path("account", "report", "schedule"),
            [(200, "Report Schedule response"), UNAUTHORIZED, (404, "ReportSchedule not found")],
        ),
        "List schedules for a report": (
            "GET", SCHEDULE, "/api" + SCHEDULE,
            path("account", "report"),
            [(200, "Report Schedule collection response"), UNAUTHORIZED, (404, "Report not found")],
        ),
        "Create a report schedule": (
            "POST", SCHEDULE, "/api" + SCHEDULE,
            path("account", "report") + CRON,
            [(200, "Report Schedule response"), UNAUTHORIZED, (404, "Report not found")],
        ),
        "Update a report schedule": (
            "PATCH", SCHEDULE + "/{schedule}", "/api" + SCHEDULE + "/{schedule}",
            path("account", "report", "schedule") + CRON,
            [(200, "Report Schedule response"), UNAUTHORIZED, (404, "ReportSchedule not found")],
        ),
        "Delete a report schedule": (
            "DELETE", SCHEDULE + "/{schedule}", "/api" + SCHEDULE + "/{schedule}",
            path("account", "report", "schedule"),
            [(200, "Empty body"), UNAUTHORIZED, (404, "ReportSchedule not found")],
        ),
    },
    "dataset-schedules.txt": {
        # Docs README items 3 and 4: the header is truncated and names `workspace`.
        "List schedules for a dataset": (
            "GET", "/{workspace}", "/api/{account}/datasets/{dataset}/schedules",
            path("workspace", "dataset"),
            [(200, "Dataset Schedule collection response"), UNAUTHORIZED, (404, "Dataset not found")],
        ),
    },
    "reports-discovery.txt": {
        "List reports for an account": (
            "GET", "/batch/{organization}/reports", "/batch/{account}/reports",
            path("organization") + query("include_spaces") + query("per_page", type="integer"),
            [(200, "Report collection response"), UNAUTHORIZED, (404, "Organization not found")],
        ),
    },
    "report-runs.txt": {
        # Docs README item 3: every header reads `/{account}`; this curl example drops /{run}.
        "Get a report run": (
            "GET", "/{account}", "/api/{account}/reports/{report}/runs",
            path("account", "report", "run"),
            [(200, "ReportRun response"), UNAUTHORIZED, (404, "ReportRun not found")],
        ),
        "Get report run duplication status": (
            "GET", "/{account}", "/api/{account}/reports/{report}/runs/{run}/duplicates/{duplicate}",
            path("account", "report", "run", "duplicate"),
            [(200, "ReportRunDuplicate response"), UNAUTHORIZED, (404, "ReportRunDuplicate not found")],
        ),
        "List report runs": (
            "GET", "/{account}", "/api/{account}/reports/{report}/runs",
            path("account", "report") + query("filter", "order", "order_by"),
            [(200, "ReportRun collection response"), UNAUTHORIZED, (404, "ReportRun not found")],
        ),
        "Clone a report run": (
            "POST", "/{account}", "/api/{account}/reports/{report}/runs/{run}/clone",
            path("account", "report", "run"),
            [(200, "Report response"), (400, "Bad request"), UNAUTHORIZED, (404, "ReportRun not found")],
        ),
        "Duplicate a report run": (
            "POST", "/{account}", "/api/{account}/reports/{report}/runs/{run}/duplicates",
            path("account", "report", "run") + query("collection_id"),
            [(200, "ReportRunDuplicate response"), (400, "Bad request"), UNAUTHORIZED,
             (404, "ReportRun not found")],
        ),
        "Create a report run": (
            "POST", "/{account}", "/api/{account}/reports/{report}/runs",
            path("account", "report") + [("parameters", "body", None, False, None)],
            [(202, "ReportRun Accepted"), (400, "Bad request"), UNAUTHORIZED, (404, "Report not found")],
        ),
    },
    "dataset-runs.txt": {
        # Like "Get a report run", this curl example drops /{run} (the header does not).
        "Get a Dataset run": (
            "GET", "/{account}/datasets/{dataset}/runs/{run}", "/api/{account}/datasets/{dataset}/runs",
            path("account", "dataset", "run"),
            [(200, "DatasetRun response"), UNAUTHORIZED, (404, "DatasetRun not found")],
        ),
        "List Dataset runs": (
            "GET", "/{account}/datasets/{dataset}/runs", "/api/{account}/datasets/{dataset}/runs",
            path("account", "dataset") + query("filter", "order", "order_by"),
            [(200, "DatasetRun collection response"), UNAUTHORIZED, (404, "Dataset not found")],
        ),
        "Create a Dataset run": (
            "POST", "/{account}/datasets/{dataset}/runs", "/api/{account}/datasets/{dataset}/runs",
            path("account", "dataset"),
            [(202, "DatasetRun Accepted"), (400, "Bad request"), UNAUTHORIZED, (404, "Dataset not found")],
        ),
    },
}  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_operations(name: str) -> None:
    page = parsed(name)
    text = text_of(name)
    assert [op.title for op in page.operations] == list(OPERATIONS[name])
    for op in page.operations:
        method, header_path, example_path, expected_params, statuses = OPERATIONS[name][op.title]
        assert (op.method, op.header_path, op.example_path) == (
            method,
            header_path,
            example_path,
        ), op.title
        assert params(op) == expected_params, op.title
        assert list(op.statuses) == statuses, op.title
        assert op.line == line_of(text, op.title)
        for param in op.params:  # each param's line holds its name
            assert text.split("\n")[param.line - 1].split()[0] == param.name


def test_sixteen_operations_in_all() -> None:
    assert sum(len(parsed(name).operations) for name in NAMES) == 16


def test_report_schedules() -> None:
    page = parsed("report-schedules.txt")
    assert page.title == "Report Schedules"
    # Docs README item 1: the table calls every field a required string.
    names = [row[0] for row in rows(page)]
    assert names == [
        "token", "state", "parameters", "created_at", "updated_at", "retry_state", "retry_count",
        "retry_delay", "timeout", "last_run_at", "last_succeeded_at", "last_scheduled_run",
        "next_scheduled_run", "subscribed", "_links",
    ]  # fmt: skip
    assert all(row[1:] == ("string", True, (), "properties") for row in rows(page)[:-1])
    assert rows(page)[-1] == ("_links", "object", True, (), "properties")
    assert page.links == (
        "account",
        "creator",
        "report",
        "report_runs",
        "report_subscriptions",
        "self",
    )
    # Docs README item 2: frequency, time_zone, hour and minute are only in the example.
    assert list(page.example_fields) == SCHEDULE_EXAMPLE
    assert page.example_links == SCHEDULE_EXAMPLE_LINKS
    text = text_of("report-schedules.txt")
    assert page.fields[0].line == line_of(text, "token")
    assert page.fields[-1].line == line_of(text, "_links")

    create = page.operations[2]
    docs = {p.name: p.doc for p in create.params}
    assert docs["account"] == "Account (Organization or User) username"
    assert docs["report"] == "Report token"
    assert docs["freq"] == "How often this schedule repeats Example: hourly"
    assert docs["time_zone"] == (
        "The name of the time zone in which to evaluate the scheduled time to run "
        "Example: Pacific Time (US & Canada)"
    )


def test_dataset_schedules() -> None:
    page = parsed("dataset-schedules.txt")
    assert page.title == "Dataset Schedules"
    assert page.fields == () and page.links == ()  # no table, no link list: only the example
    assert list(page.example_fields) == SCHEDULE_EXAMPLE[:1] + ["name"] + SCHEDULE_EXAMPLE[2:]
    assert page.example_links == SCHEDULE_EXAMPLE_LINKS
    (op,) = page.operations
    assert [p.doc for p in op.params] == ["Workspace username", "Dataset token"]


def test_reports_discovery() -> None:
    page = parsed("reports-discovery.txt")
    assert page.title == "Reports"
    report_fields = [
        "id", "token", "name", "description", "created_at", "edited_at", "updated_at",
        "last_successfully_run_at", "last_viewed_at", "last_run_token", "last_run_state",
        "creator_email", "space_id", "space_token", "report_url",
    ]  # fmt: skip
    expected = [
        (n, "integer" if n == "id" else "string", False, (), "properties") for n in report_fields
    ]
    expected += [(n, "integer", False, (), "pagination")
                 for n in ("page", "per_page", "count", "total_pages", "total_count")]  # fmt: skip
    assert rows(page) == expected
    assert page.links == ("next_page", "prev_page")
    # One item of "reports" (its example lacks last_viewed_at); the page's _links are the pager's.
    assert list(page.example_fields) == [n for n in report_fields if n != "last_viewed_at"]
    assert page.example_links == ("next_page", "prev_page")
    docs = {p.name: p.doc for p in page.operations[0].params}
    assert docs["per_page"] == (
        "The number of objects to return per_page. Example: per_page?=100. "
        "Note: per_page must be greater than 0 and less than 1000."
    )
    assert docs["include_spaces"].startswith("With?include_spaces=all, the endpoint will include")


@pytest.mark.parametrize("name", ["report-runs.txt", "dataset-runs.txt"])
def test_runs(name: str) -> None:
    page = parsed(name)
    assert (
        page.title == {"report-runs.txt": "Report Runs", "dataset-runs.txt": "Dataset Runs"}[name]
    )
    assert rows(page) == RUN_ROWS
    assert page.links == RUN_LINKS
    assert page.example_fields == RUN_EXAMPLE
    assert page.example_links == RUN_EXAMPLE_LINKS
    text = text_of(name)
    state = page.fields[1]
    assert text.split("\n")[state.line - 1].split()[0] == "state"


def test_report_runs_params_docs() -> None:
    ops = {op.title: op for op in parsed("report-runs.txt").operations}
    duplicate = {p.name: p.doc for p in ops["Duplicate a report run"].params}
    assert duplicate["account"] == "Account (Workspace or User ) username"
    assert (
        duplicate["collection_id"]
        == "The token of a collection. Example: collection_id=875a93v22b93"
    )
    create = {p.name: p.doc for p in ops["Create a report run"].params}
    assert create["parameters"] == "Custom parameter attributes"
    # Docs README item 7: the text says order is the field; kept as printed.
    order = {p.name: p.doc for p in ops["List report runs"].params}["order"]
    assert order.startswith("With the order param, returns all ReportRun s for a Report ordered by")


# -- the same page, saved differently --------------------------------------------------------


def without_lines(page: DocPage) -> DocPage:
    return replace(
        page,
        fields=tuple(replace(f, line=0) for f in page.fields),
        operations=tuple(
            replace(op, line=0, params=tuple(replace(p, line=0) for p in op.params))
            for op in page.operations
        ),
    )


def as_sets(page: DocPage) -> tuple[object, ...]:
    flat = without_lines(page)
    ops = frozenset(
        replace(op, params=tuple(sorted(op.params, key=repr))) for op in flat.operations
    )
    return (
        flat.title,
        frozenset(flat.fields),
        flat.links,
        flat.example_fields,
        flat.example_links,
        ops,
    )


_HEADING = re.compile(
    r"(URL Params|Query Params|POST Body Params|Responses|Properties|Links|Pagination|Object:.*"
    r"|.* [Oo]bject|(GET|POST|PUT|PATCH|DELETE)( /.*)?)[\s|]*"
)
_METHOD = re.compile(r"(GET|POST|PUT|PATCH|DELETE)( /\S*)?")


def _prose_start(line: str, titles: set[str]) -> bool:
    """A line of at least five words starting with a letter, outside tables (tables end their
    cells with "|" in layout B and print "enum:" lists, which are not prose)."""
    return (
        len(line.split()) >= 5
        and line[0].isalpha()
        and "|" not in line
        and not line.startswith("enum:")
        and line not in titles
        and not _HEADING.fullmatch(line)
    )


def _continues(previous: str, line: str, titles: set[str]) -> bool:
    """Layout B wraps a paragraph's lines with no blank line between them."""
    return (
        bool(line)
        and (line[0].isalpha() or line[0] in ",.(")
        and "|" not in line
        and line not in titles
        and not _HEADING.fullmatch(line)
        and not line.startswith(("•", "- "))
        and not (previous.endswith((".", "!", "?")) and line[0].isupper())
    )


def rewrap(text: str, titles: set[str], width: int, seed: int) -> str:
    """Re-flow every prose paragraph to ``width``, with random indentation, trailing spaces and
    extra blank lines around it. Code samples (from a method header line to the next section's
    title) and the example JSON are left alone."""
    rng = random.Random(seed)
    lines = text.split("\n")
    out: list[str] = []
    in_code = False
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if _METHOD.fullmatch(line):
            in_code = True
        elif line in titles:
            in_code = False
        if in_code or not _prose_start(line, titles):
            out.append(lines[index])
            index += 1
            continue
        paragraph = [line]
        index += 1
        while index < len(lines) and _continues(paragraph[-1], lines[index].strip(), titles):
            paragraph.append(lines[index].strip())
            index += 1
        wrapped = textwrap.wrap(
            " ".join(paragraph), width, break_long_words=False, break_on_hyphens=False
        )
        indent = " " * rng.randint(0, 4)
        out += [""] * rng.randint(1, 3)
        out += [indent + part + " " * rng.randint(0, 2) for part in wrapped]
        out += [""] * rng.randint(1, 3)
    return "\n".join(out)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("width", [23, 41, 160])
def test_rewrapped_prose_reads_the_same(name: str, width: int) -> None:
    original = parsed(name)
    titles = {original.title} | {op.title for op in original.operations}
    text = rewrap(text_of(name), titles, width, seed=width)
    assert text != text_of(name)
    assert without_lines(parse_page(text, name)) == without_lines(original)


@pytest.mark.parametrize("name", NAMES)
def test_rewrapping_is_real(name: str) -> None:
    """The rewrap above does move prose: a description's words land on other lines."""
    original = parsed(name)
    titles = {original.title} | {op.title for op in original.operations}
    text = rewrap(text_of(name), titles, 23, seed=1)
    assert len(text.split("\n")) > len(text_of(name).split("\n")) + 20


def _spans(starts: list[int], end: int) -> list[tuple[int, int]]:
    bounds = sorted(starts) + [end]
    return [(bounds[i], bounds[i + 1]) for i in range(len(starts))]


def _shuffle_rows(lines: list[str], groups: list[list[int]], rng: random.Random) -> list[str]:
    """Shuffle the rows of each group (1-based lines where rows start). A group's last row has
    no known end, so it stays last; the others are permuted, blank lines and all."""
    lines = list(lines)
    for starts in groups:
        if len(starts) < 3:
            continue
        spans = _spans(starts[:-1], starts[-1])
        chunks = [lines[a - 1 : b - 1] for a, b in spans]
        rng.shuffle(chunks)
        first, last = spans[0][0], spans[-1][1]
        lines[first - 1 : last - 1] = [line for chunk in chunks for line in chunk]
    return lines


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [1, 2])
def test_reordered_sections_and_rows_read_the_same(name: str, seed: int) -> None:
    rng = random.Random(seed)
    original = parsed(name)
    lines = text_of(name).split("\n")

    groups = [
        [f.line for f in original.fields if f.table == table]
        for table in ("properties", "pagination")
    ]
    for op in original.operations:
        for key in {(p.location, p.parent) for p in op.params}:
            groups.append([p.line for p in op.params if (p.location, p.parent) == key])
    lines = _shuffle_rows(lines, groups, rng)

    # Operation sections run from one title to the next; the last one to the end of the page.
    starts = [op.line for op in original.operations]
    head = lines[: starts[0] - 1]
    sections = [lines[a - 1 : b - 1] for a, b in _spans(starts, len(lines) + 1)]
    sections = [section + [""] for section in sections]  # the last one may lack a final newline
    for _ in range(5):
        rng.shuffle(sections)
        if len(sections) < 2 or [s[0] for s in sections] != [lines[n - 1] for n in starts]:
            break
    text = "\n".join(head + [line for section in sections for line in section])

    reread = parse_page(text, name)
    assert as_sets(reread) == as_sets(original)
    if len(sections) > 1:
        assert [op.title for op in reread.operations] != [op.title for op in original.operations]


def test_crlf_tabs_and_indentation_do_not_matter() -> None:
    for name in NAMES:
        original = text_of(name)
        text = "\r\n".join("\t  " + line + " \t" for line in original.split("\n"))
        assert parse_page(text, name) == parsed(name)


def test_a_wrapped_enum_is_read_whole() -> None:
    for name, old in [
        ("dataset-runs.txt", "enum: pending enqueued cancelled failed"),
        ("report-runs.txt", "string enum: pending enqueued cancelled failed"),
    ]:
        text = edit(text_of(name), old, old + "\n")
        assert rows(parse_page(text, name)) == RUN_ROWS


def test_missing_breadcrumb_and_no_description() -> None:
    # The title is the first line when no nav breadcrumb precedes it.
    text = text_of("report-runs.txt").split("\n", 1)[1]
    assert parse_page(text, "x").title == "Report Runs"
    # An operation with no prose between its title and its params.
    text = edit(text_of("dataset-runs.txt"), "To get a list of all runs for a given Dataset, send a GET "
                "request to the runs resource.", "")  # fmt: skip
    assert [op.title for op in parse_page(text, "x").operations][1] == "List Dataset runs"


# -- what cannot be read --------------------------------------------------------------------


def raises(text: str, name: str = "page.txt") -> PageError:
    with pytest.raises(PageError) as info:
        parse_page(text, name)
    error = info.value
    assert error.file == name
    assert str(error).startswith(
        f"{name}:{error.line}: " if error.line is not None else f"{name}: "
    )
    return error


def test_error_empty_page() -> None:
    error = raises("\n  \n\n")
    assert error.line is None and "no title" in error.message


def test_error_no_title() -> None:
    text = text_of("report-runs.txt")
    text = text[text.index("Properties | |") :]  # starts with the table
    error = raises(text)
    assert error.line == 1 and "no title" in error.message


@pytest.mark.parametrize(
    ("name", "row"),
    [("report-schedules.txt", "_links\n\nrequired\n"), ("report-runs.txt", "_links required |\n")],
)
def test_error_table_ends_mid_row(name: str, row: str) -> None:
    text = text_of(name)
    text = text[: text.index(row) + len(row)]  # truncated after "required", before the type
    error = raises(text, name)
    assert error.line == line_of(text, row.split("\n")[0])
    assert "ends mid-row" in error.message and "_links" in error.message


@dataclass(frozen=True)
class Broken:
    """One edit of a saved page (the first ``old`` becomes ``new``) and the ``PageError`` it
    must cause: on the first line reading ``at`` (after the first line reading ``after``, if
    given), with every fragment of ``says`` in its message."""

    name: str
    old: str
    new: str
    at: str
    says: tuple[str, ...]
    after: str | None = None


# fmt: off
PAGE_ERRORS = [
    pytest.param(Broken(
        "report-schedules.txt", "\nGET /{account}/reports/{report}/schedules/{schedule}\n", "\n",
        at="curl --include \\", after="Get a report schedule",
        says=("'Get a report schedule'", "HTTP-method header"),
    ), id="operation-without-method-header"),
    pytest.param(Broken(
        "report-runs.txt", "ReportRun not found |\nPOST\n/{account}\n", "ReportRun not found |\n",
        at="curl --include \\", after="Clone a report run", says=("'Clone a report run'",),
    ), id="operation-without-method-header-layout-b"),
    pytest.param(Broken(
        "dataset-schedules.txt", "GET\n/{workspace}\n", "GET\n", at="GET", says=("no path",),
    ), id="method-header-without-path"),
    pytest.param(Broken(
        "report-schedules.txt", '"retry_state": "ok",', '"retry_state": ok,',
        at='"retry_state": ok,', says=("example JSON",),
    ), id="example-json-invalid"),
    pytest.param(Broken(
        "report-schedules.txt", '  "_forms": {...}\n}\n', '  "_forms": {...}\n\n',
        at="{", says=("never closes",),
    ), id="example-json-never-closes"),
    pytest.param(Broken(
        "report-schedules.txt", "\n401\n", "\nFour-oh-one\n",
        at="Four-oh-one", says=("not a number",),
    ), id="status-not-a-number"),
    pytest.param(Broken(
        "report-runs.txt", "401 |", "4O1 |", at="4O1 |", says=("not a number",),
    ), id="status-not-a-number-layout-b"),
    pytest.param(Broken(
        "report-runs.txt", "\nGet a report run\n", "\n", at="URL Params | ||", says=("no title",),
    ), id="operation-without-title"),
    pytest.param(Broken(
        "dataset-runs.txt", "URL Params\n\naccount\n", "URL Params\n\nSee below.\n\naccount\n",
        at="See below.", says=("URL Params",),
    ), id="param-text-before-any-name"),
]
# fmt: on


@pytest.mark.parametrize("case", PAGE_ERRORS)
def test_error_after_one_edit(case: Broken) -> None:
    text = edit(text_of(case.name), case.old, case.new)
    error = raises(text, case.name)
    after = line_of(text, case.after) if case.after else 0
    assert error.line == line_of(text, case.at, after=after)
    for fragment in case.says:
        assert fragment in error.message


def test_error_last_operation_without_method_header_or_code() -> None:
    name = "dataset-schedules.txt"
    text = text_of(name)
    text = text[: text.index("GET\n/{workspace}")]
    error = raises(text, name)
    assert "'List schedules for a dataset'" in error.message
    assert error.line == len(text.split("\n"))


# -- fuzzing ----------------------------------------------------------------------------------

_EDIT = st.tuples(
    st.sampled_from(["delete", "duplicate", "swap", "insert", "scramble", "truncate"]),
    st.floats(0, 1),
    st.floats(0, 1),
    st.text(max_size=12),
)


def _apply(text: str, edits: list[tuple[str, float, float, str]]) -> str:
    lines = text.split("\n")
    for kind, a, b, junk in edits:
        i, j = int(a * (len(lines) - 1)), int(b * (len(lines) - 1))
        if kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert":
            lines.insert(i, junk)
        elif kind == "scramble":
            at = int(b * len(lines[i]))
            lines[i] = lines[i][:at] + junk + lines[i][at:]
        elif kind == "truncate":
            joined = "\n".join(lines)
            lines = joined[: int(a * len(joined))].split("\n")
    return "\n".join(lines)


# 250 examples (a parse takes milliseconds); 5000 with MODEHAL_FUZZ=full (see conftest).
@settings(
    max_examples=fuzz_examples(250), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.sampled_from(NAMES), st.lists(_EDIT, min_size=1, max_size=5))
def test_fuzz_only_page_errors_escape(
    name: str, edits: list[tuple[str, float, float, str]]
) -> None:
    text = _apply(text_of(name), edits)
    try:
        page = parse_page(text, name)
    except PageError as error:
        assert error.file == name
        assert error.line is None or 1 <= error.line <= len(text.split("\n"))
    else:
        assert isinstance(page, DocPage)
        assert all(isinstance(f, DocField) for f in page.fields)
        assert all(isinstance(p, DocParam) for op in page.operations for p in op.params)
