"""What each route of the simulator does, one function per documented operation.

``OPERATION_HANDLERS`` is keyed by the generated client's operation names
(``report_runs.create`` ...); the server refuses to start if the spec has an operation this
table lacks, so the simulator cannot drift from the client. ``EXTRA_ROUTES`` serve the
documents Mode links to without documenting them (the account, a report, a user), so link
walks work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from . import _documents as docs
from ._downloads import Body, Rows, pdf_document, zipped_csv
from ._store import Store
from ._world import EPOCH, Duplicate, QueryRun, Report, Run, Schedule, World

REST_PAGE_LIMIT = 30  # Mode's REST pages hold at most 30 items (docs README item 15)
DISCOVERY_PAGE = 1000
_FILTER = re.compile(
    r"^(created_at|updated_at)\.(gt|lt)\.(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$"
)


@dataclass
class Quirks:
    """Mode's observed habits, on by default (docs README items 5, 10 and 15)."""

    rest_page_limit: bool = True  # a larger per_page is silently clamped to 30
    next_page_past_end: bool = True  # the last page still links a next_page (which is empty)
    clone_answers_202: bool = True  # the page says 200
    discovery_account_placeholder: bool = True  # next_page hrefs hold a literal {account}

    @classmethod
    def none(cls) -> Quirks:
        return cls(False, False, False, False)


@dataclass
class Reply:
    status: int
    document: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Body | None = None  # a download, sent instead of a document once the lock is released


class Refusal(Exception):
    """A 4xx answer, raised from deep inside a handler."""

    def __init__(self, status: int, error_id: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_id, self.message = status, error_id, message


@dataclass
class Request:
    world: World
    quirks: Quirks
    params: dict[str, str]
    query: dict[str, str]
    raw_query: str
    path: str
    body: Any
    store: Store | None = None  # the generic store, for operations without a handler here


# Handlers run one at a time under the world's lock (see _server.SimServer), so they change
# the world directly.
Handler = Callable[[Request], Reply]


def bad_request(message: str) -> Refusal:
    return Refusal(400, "bad_request", message)


def not_found(what: str) -> Refusal:
    return Refusal(404, "not_found", f"{what} not found")


# -- lookups --------------------------------------------------------------------------------


def _account(request: Request, what: str = "Account") -> None:
    if request.params.get("account") != request.world.account:
        raise not_found(what)


def _report(request: Request) -> Report:
    _account(request)
    report = request.world.reports.get(request.params["report"])
    if report is None:
        raise not_found("Report")
    return report


def _run(request: Request, kind: str) -> Run:
    parent = request.params["report" if kind == "report" else "dataset"]
    run = request.world.runs.get(request.params["run"])
    if run is None or run.parent != parent or run.kind != kind:
        raise not_found("ReportRun" if kind == "report" else "DatasetRun")
    return run


def _schedule(request: Request, kind: str) -> Schedule:
    parent = request.params["report" if kind == "report" else "dataset"]
    schedule = request.world.schedules.get(request.params["schedule"])
    if schedule is None or schedule.parent != parent or schedule.kind != kind:
        raise not_found("ReportSchedule" if kind == "report" else "DatasetSchedule")
    return schedule


def _dataset(request: Request) -> None:
    _account(request)
    if request.params["dataset"] not in request.world.datasets:
        raise not_found("Dataset")


# -- paging ---------------------------------------------------------------------------------


def int_param(request: Request, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise bad_request(f"{name} must be {bound}, got {value}")
    return value


def _next_path(request: Request, page: int) -> str:
    query = {**request.query, "page": str(page)}
    # Brackets stay literal, as Mode writes them (`embed[report_runs][executed_by]=1`).
    return f"{request.path}?{urlencode(query, safe='[]')}"


def rest_collection(
    request: Request, key: str, items: list[Any], render: Callable[[World, Any], dict[str, Any]]
) -> Reply:
    """One page of a REST collection; only that page's items are rendered."""
    per_page = int_param(request, "per_page", REST_PAGE_LIMIT, 1)
    if request.quirks.rest_page_limit:
        per_page = min(per_page, REST_PAGE_LIMIT)
    page = int_param(request, "page", 1, 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    more = page * per_page < len(items)
    past_end = request.quirks.next_page_past_end and bool(chunk)
    next_path = _next_path(request, page + 1) if more or past_end else None
    self_path = f"{request.path}?{request.raw_query}" if request.raw_query else request.path
    documents = [render(request.world, item) for item in chunk]
    return Reply(200, docs.collection_doc(self_path, key, documents, next_path))


def discovery_page(
    request: Request, key: str, items: list[Any], render: Callable[[World, Any], dict[str, Any]]
) -> Reply:
    """One page of a Discovery list: the page's items under ``key``, a ``pagination`` object and
    ``next_page``/``prev_page`` links; only that page's items are rendered."""
    # Docs README item 6: per_page "must be greater than 0 and less than 1000", yet the
    # default page holds 1000 and Mode's own next_page hrefs say per_page=1000. So the
    # simulator takes 1 to 1000 (the client, stricter, sends at most 999).
    per_page = int_param(request, "per_page", DISCOVERY_PAGE, 1, DISCOVERY_PAGE)
    page = int_param(request, "page", 1, 1)
    total_pages = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    account = "{account}" if request.quirks.discovery_account_placeholder else request.world.account
    # the path below /batch/<account>, written with Mode's literal {account} quirk (item 5)
    base = f"/batch/{account}/{request.path.split('/', 3)[3]}"
    others = {
        name: value for name, value in request.query.items() if name not in ("page", "per_page")
    }

    def at(number: int) -> dict[str, Any]:
        return docs.href(f"{base}?{urlencode({'page': number, 'per_page': per_page, **others})}")

    links = {}
    if page < total_pages or (request.quirks.next_page_past_end and chunk):
        links["next_page"] = at(page + 1)
    if page > 1:
        links["prev_page"] = at(page - 1)
    document = {
        "pagination": {
            "page": page,
            "per_page": per_page,
            "count": len(chunk),
            "total_pages": total_pages,
            "total_count": len(items),
        },
        key: [render(request.world, item) for item in chunk],
        "_links": links,
    }
    return Reply(200, document)


def _sorted_runs(request: Request, runs: list[Run]) -> list[Run]:
    order = request.query.get("order", "desc")
    order_by = request.query.get("order_by", "created_at")
    if order not in ("asc", "desc"):
        raise bad_request(f"order must be asc or desc, got {order!r}")
    if order_by not in ("created_at", "updated_at"):
        raise bad_request(f"order_by must be created_at or updated_at, got {order_by!r}")
    world = request.world

    def updated(run: Run) -> float:
        finished = world.run_finished_at(run)
        return finished if finished is not None else run.created

    key = (lambda run: run.created) if order_by == "created_at" else updated
    raw_filter = request.query.get("filter")
    if raw_filter is not None:
        match = _FILTER.match(raw_filter)
        if match is None:
            raise bad_request(
                f"filter must look like created_at.gt.2019-12-19T10:21:12Z, got {raw_filter!r}"
            )
        field_name, comparison, stamp = match.groups()
        try:
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(timezone.utc)
        except ValueError:
            raise bad_request(f"filter has an impossible time: {stamp!r}") from None
        limit = (when - EPOCH).total_seconds()
        field_key = (lambda run: run.created) if field_name == "created_at" else updated
        runs = [
            r
            for r in runs
            if (field_key(r) > limit if comparison == "gt" else field_key(r) < limit)
        ]
    return sorted(runs, key=key, reverse=order == "desc")


# -- report schedules -----------------------------------------------------------------------


def report_schedules_get(request: Request) -> Reply:
    _report(request)
    return Reply(200, docs.schedule_doc(request.world, _schedule(request, "report")))


def report_schedules_list(request: Request) -> Reply:
    report = _report(request)
    schedules = sorted(request.world.schedules_of(report.token), key=lambda s: s.created)
    return rest_collection(request, "report_schedules", schedules, docs.schedule_doc)


def _schedule_body(request: Request, *, require_cron: bool) -> dict[str, Any]:
    body = request.body
    if not isinstance(body, dict) or not isinstance(body.get("report_schedule"), dict):
        raise bad_request('body must be {"report_schedule": {...}}')
    values: dict[str, Any] = body["report_schedule"]
    unknown = set(values) - {"cron", "params", "timeout", "name"}
    if unknown:
        raise bad_request(f"unknown report_schedule attributes: {', '.join(sorted(unknown))}")
    if require_cron and not isinstance(values.get("cron"), dict):
        raise bad_request("report_schedule.cron is required")
    if "cron" in values and not isinstance(values["cron"], dict):
        raise bad_request("report_schedule.cron must be an object")
    if "params" in values and not isinstance(values["params"], dict):
        raise bad_request("report_schedule.params must be an object")
    if values.get("name") is not None and not isinstance(values["name"], str):
        raise bad_request("report_schedule.name must be a string")
    timeout = values.get("timeout")
    if timeout is not None and (
        not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 1
    ):
        raise bad_request("report_schedule.timeout must be a positive integer")
    return values


def report_schedules_create(request: Request) -> Reply:
    report = _report(request)
    values = _schedule_body(request, require_cron=True)
    world = request.world
    now = world.clock.now()
    schedule = Schedule(
        world.token(),
        report.token,
        "report",
        values["cron"],
        values.get("params") or {},
        values.get("timeout") or 900,
        now,
        now,
        name=values.get("name"),
    )
    world.schedules[schedule.token] = schedule
    return Reply(200, docs.schedule_doc(world, schedule))


def report_schedules_update(request: Request) -> Reply:
    _report(request)
    schedule = _schedule(request, "report")
    values = _schedule_body(request, require_cron=False)
    if "cron" in values:
        schedule.cron = values["cron"]
    if "params" in values:
        schedule.params = values["params"]
    if "timeout" in values:
        schedule.timeout = values["timeout"]
    if "name" in values:
        schedule.name = values["name"]
    schedule.updated = request.world.clock.now()
    return Reply(200, docs.schedule_doc(request.world, schedule))


def report_schedules_delete(request: Request) -> Reply:
    _report(request)
    schedule = _schedule(request, "report")
    request.world.remove_schedule(schedule.token)
    return Reply(200)  # an empty body (docs README item 10)


def dataset_schedules_list(request: Request) -> Reply:
    _dataset(request)
    schedules = sorted(
        request.world.schedules_of(request.params["dataset"]), key=lambda s: s.created
    )
    return rest_collection(request, "dataset_schedules", schedules, docs.schedule_doc)


# -- Discovery ------------------------------------------------------------------------------


def reports_list(request: Request) -> Reply:
    _account(request, "Organization")
    include = request.query.get("include_spaces")
    if include is not None and include != "all":
        raise bad_request(f"include_spaces must be all, got {include!r}")
    reports = [r for r in request.world.discovery if include == "all" or not r.personal]
    return discovery_page(request, "reports", reports, docs.discovery_report_doc)


# -- report runs ----------------------------------------------------------------------------


def report_runs_get(request: Request) -> Reply:
    _report(request)
    return Reply(200, docs.run_doc(request.world, _run(request, "report")))


def report_runs_list(request: Request) -> Reply:
    report = _report(request)
    runs = _sorted_runs(request, request.world.runs_of(report.token))
    return rest_collection(request, "report_runs", runs, docs.run_doc)


def report_runs_create(request: Request) -> Reply:
    report = _report(request)
    body = request.body if request.body is not None else {}
    if not isinstance(body, dict) or not isinstance(body.get("parameters", {}), dict):
        raise bad_request('body must be {"parameters": {...}}')
    run = request.world.new_run(
        report.token, "report", body.get("parameters") or {}, fails=report.fails
    )
    return Reply(202, docs.run_doc(request.world, run))


def report_runs_clone(request: Request) -> Reply:
    report = _report(request)
    _run(request, "report")
    copy = request.world.copy_report(report, f"Copy of {report.name}", fails=report.fails)
    return Reply(
        202 if request.quirks.clone_answers_202 else 200, docs.report_doc(request.world, copy)
    )


def report_runs_duplicate(request: Request) -> Reply:
    report = _report(request)
    run = _run(request, "report")
    world = request.world
    copy = world.copy_report(report, f"Duplicate of {report.name}")
    duplicate = Duplicate(
        world.token(),
        report.token,
        run.token,
        world.clock.now(),
        copy.token,
        request.query.get("collection_id"),
    )
    world.duplicates[duplicate.token] = duplicate
    return Reply(200, docs.duplicate_doc(world, duplicate))


def report_runs_get_duplicate(request: Request) -> Reply:
    _report(request)
    _run(request, "report")
    duplicate = request.world.duplicates.get(request.params["duplicate"])
    if duplicate is None or duplicate.run != request.params["run"]:
        raise not_found("ReportRunDuplicate")
    return Reply(200, docs.duplicate_doc(request.world, duplicate))


# -- dataset runs ---------------------------------------------------------------------------


def dataset_runs_get(request: Request) -> Reply:
    _dataset(request)
    return Reply(200, docs.run_doc(request.world, _run(request, "dataset")))


def dataset_runs_list(request: Request) -> Reply:
    _dataset(request)
    runs = _sorted_runs(request, request.world.runs_of(request.params["dataset"]))
    return rest_collection(request, "dataset_runs", runs, docs.run_doc)


def dataset_runs_create(request: Request) -> Reply:
    _dataset(request)
    run = request.world.new_run(request.params["dataset"], "dataset", {}, fails=False)
    return Reply(202, docs.run_doc(request.world, run))


# -- results, query runs and PDF exports ------------------------------------------------------

CSV = "text/csv; charset=utf-8"
JSON = "application/json; charset=utf-8"
FORMATS = ("csv", "json")


def _finished_run(request: Request) -> tuple[Report, Run]:
    """The report run of the path, refused unless it succeeded: only then has it results."""
    report = _report(request)
    run = _run(request, "report")
    state = request.world.run_state(run)
    if state != "succeeded":
        raise Refusal(404, "not_found", f"ReportRun results not found: the run is {state}")
    return report, run


def _format(request: Request) -> str:
    fmt = request.params["format"]
    if fmt not in FORMATS:
        raise not_found(f"Results in format {fmt!r}")
    return fmt


def _query_run(request: Request, run: Run) -> QueryRun:
    for query_run in request.world.query_runs(run):
        if query_run.token == request.params["query_run"]:
            return query_run
    raise not_found("QueryRun")


def _rows(world: World, query_run: QueryRun) -> Rows:
    # Taken now, under the lock; the rows themselves are made while the answer is sent.
    return Rows(world.rows_key(query_run), world.rows_of(query_run.run.parent))


def report_runs_results(request: Request) -> Reply:
    report, run = _finished_run(request)
    fmt = _format(request)
    query_runs = request.world.query_runs(run)
    rows = [(query_run.query.name, _rows(request.world, query_run)) for query_run in query_runs]
    if not rows:
        raise not_found("ReportRun results (the report has no queries)")
    if fmt == "json":  # Mode's trap: the first query's rows only, whatever the report holds
        return Reply(200, body=Body(JSON, f"{report.name}.json", rows[0][1].json))
    if len(rows) == 1:
        return Reply(200, body=Body(CSV, f"{report.name}.csv", rows[0][1].csv))
    members = [(f"{name}.csv", one) for name, one in rows]
    return Reply(
        200, body=Body("application/zip", f"{report.name}.zip", lambda: zipped_csv(members))
    )


def query_runs_list(request: Request) -> Reply:
    _report(request)
    run = _run(request, "report")
    return rest_collection(request, "query_runs", request.world.query_runs(run), docs.query_run_doc)


def query_runs_get(request: Request) -> Reply:
    _report(request)
    query_run = _query_run(request, _run(request, "report"))
    return Reply(200, docs.query_run_doc(request.world, query_run))


def query_runs_results(request: Request) -> Reply:
    _, run = _finished_run(request)
    query_run = _query_run(request, run)
    rows = _rows(request.world, query_run)
    fmt = _format(request)
    produce, content_type = (rows.csv, CSV) if fmt == "csv" else (rows.json, JSON)
    return Reply(200, body=Body(content_type, f"{query_run.query.name}.{fmt}", produce))


def pdf_exports_get(request: Request) -> Reply:
    """The export job of a run; the first GET is what requests the render."""
    _, run = _finished_run(request)
    export = request.world.request_export(run)
    return Reply(200, docs.pdf_export_doc(request.world, run, export))


def pdf_exports_download(request: Request) -> Reply:
    _, run = _finished_run(request)
    world = request.world
    export = world.exports.get(run.token)
    if export is None or world.export_state(export) != "completed":
        raise Refusal(404, "not_found", "export not yet generated")
    report = world.reports[run.parent]
    pdf = pdf_document(
        report.name,
        [
            f"Report run {run.token}, created {world.clock.timestamp(run.created)}",
            *(f"Query: {query.name}" for query in report.queries),
        ],
    )
    return Reply(
        200, body=Body("application/pdf", docs.pdf_filename(world, run), lambda: iter((pdf,)))
    )


OPERATION_HANDLERS: Mapping[str, Handler] = {
    "report_schedules.get": report_schedules_get,
    "report_schedules.list": report_schedules_list,
    "report_schedules.create": report_schedules_create,
    "report_schedules.update": report_schedules_update,
    "report_schedules.delete": report_schedules_delete,
    "dataset_schedules.list": dataset_schedules_list,
    "reports.list": reports_list,
    "report_runs.get": report_runs_get,
    "report_runs.list": report_runs_list,
    "report_runs.create": report_runs_create,
    "report_runs.clone": report_runs_clone,
    "report_runs.duplicate": report_runs_duplicate,
    "report_runs.get_duplicate": report_runs_get_duplicate,
    "dataset_runs.get": dataset_runs_get,
    "dataset_runs.list": dataset_runs_list,
    "dataset_runs.create": dataset_runs_create,
    "report_runs.results": report_runs_results,
    "query_runs.list": query_runs_list,
    "query_runs.get": query_runs_get,
    "query_runs.results": query_runs_results,
    "pdf_exports.get": pdf_exports_get,
    "pdf_exports.download": pdf_exports_download,
}


# -- undocumented documents Mode links to ---------------------------------------------------


def account_get(request: Request) -> Reply:
    world = request.world
    if request.params["account"] == world.account:
        return Reply(200, docs.account_doc(world))
    if request.params["account"] in {run.executed_by for run in world.runs.values()} | {
        "albus_dumbledore"
    }:
        return Reply(200, docs.user_doc(world, request.params["account"]))
    raise not_found("Account")


def report_get(request: Request) -> Reply:
    return Reply(200, docs.report_doc(request.world, _report(request)))


def rest_reports_list(request: Request) -> Reply:
    _account(request)
    reports = sorted(request.world.reports.values(), key=lambda r: r.id)
    return rest_collection(request, "reports", reports, docs.report_doc)


def dataset_get(request: Request) -> Reply:
    _dataset(request)
    return Reply(
        200, docs.dataset_doc(request.world, request.world.datasets[request.params["dataset"]])
    )


def datasets_list(request: Request) -> Reply:
    _account(request)
    return rest_collection(
        request, "datasets", list(request.world.datasets.values()), docs.dataset_doc
    )


def schedule_runs_list(request: Request) -> Reply:
    report = _report(request)
    schedule = _schedule(request, "report")
    runs = _sorted_runs(request, request.world.runs_of(report.token, schedule.token))
    return rest_collection(request, "report_runs", runs, docs.run_doc)


def query_get(request: Request) -> Reply:
    report = _report(request)
    for query in report.queries:
        if query.token == request.params["query"]:
            return Reply(200, docs.query_doc(request.world, report, query))
    raise not_found("Query")


def dataset_schedule_get(request: Request) -> Reply:
    _dataset(request)
    return Reply(200, docs.schedule_doc(request.world, _schedule(request, "dataset")))


EXTRA_ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/api/{account}", account_get),
    ("GET", "/api/{account}/reports", rest_reports_list),
    ("GET", "/api/{account}/reports/{report}", report_get),
    ("GET", "/api/{account}/reports/{report}/schedules/{schedule}/runs", schedule_runs_list),
    ("GET", "/api/{account}/reports/{report}/queries/{query}", query_get),
    ("GET", "/api/{account}/datasets", datasets_list),
    ("GET", "/api/{account}/datasets/{dataset}", dataset_get),
    ("GET", "/api/{account}/datasets/{dataset}/schedules/{schedule}", dataset_schedule_get),
)
