"""Mode's behaviour beyond storing documents: one function per operation name, in one table.

An operation named in ``BEHAVIOURS`` is served by its function; every other one by the generic
handling of its kind (``_generic.KINDS``): get, list, create, update, delete or act on the
store's records. Each behaviour builds on that (an archive is an update that sets
``archived``; an invite is a create that also adds a membership). Besides the operations, the
table holds the documents Mode links to without documenting them (``UNDOCUMENTED``), keyed by
method and path, so link walks work. An operation named here and missing from the spec is
simply never routed.

Every behaviour runs after the operation's params were checked (``_generic.check_params``):
the resources its path names exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from . import _discovery as discovery
from . import _generic as generic
from ._clock import derived_token
from ._documents import document, href
from ._downloads import Body, Rows, pdf_document, zipped_csv
from ._replies import (
    Refusal,
    Reply,
    Request,
    bad_request,
    discovery_page,
    not_found,
    rest_collection,
)
from ._runs import (
    export_state,
    finished_at,
    run_state,
    runs_of,
    start_dataset_run,
    start_run,
)
from ._shapes import Plan
from ._store import Record, Store
from ._values import plausible

Behaviour = Callable[[Request, Plan], Reply]

_FILTER = re.compile(
    r"^(created_at|updated_at)\.(gt|lt)\.(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$"
)


def _record(request: Request, shape: str, param: str) -> Record:
    """The record a path param names (its existence was checked with the params)."""
    record = request.store.get(shape, request.params[param])
    if record is None:
        raise not_found(request.store.shape(shape).model.__name__)
    return record


# -- runs -------------------------------------------------------------------------------------


def _sorted_runs(request: Request, runs: list[Record]) -> list[Record]:
    """Runs in the order, and through the filter, a runs listing asks for (docs README items 7
    and 8: ``order`` is the direction, ``order_by`` the timestamp)."""
    store = request.store
    order = request.query.get("order", "desc")
    order_by = request.query.get("order_by", "created_at")
    if order not in ("asc", "desc"):
        raise bad_request(f"order must be asc or desc, got {order!r}")
    if order_by not in ("created_at", "updated_at"):
        raise bad_request(f"order_by must be created_at or updated_at, got {order_by!r}")

    def created(run: Record) -> float:
        return float(run.facts["started"])

    def updated(run: Record) -> float:
        done = finished_at(store, run)
        return done if done is not None else created(run)

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
        limit = store.clock.sim_time(when)
        field_key = created if field_name == "created_at" else updated
        runs = [
            r
            for r in runs
            if (field_key(r) > limit if comparison == "gt" else field_key(r) < limit)
        ]
    key = created if order_by == "created_at" else updated
    return sorted(runs, key=key, reverse=order == "desc")


def _list_runs(kind: str) -> Behaviour:
    def handle(request: Request, plan: Plan) -> Reply:
        store = request.store
        runs = _sorted_runs(request, runs_of(store, f"{kind}_run", kind, request.params[kind]))
        return rest_collection(request, plan.op.item_key or f"{kind}_runs", runs, _render(store))

    return handle


def _render(store: Store) -> Callable[[Record], dict[str, Any]]:
    return lambda record: document(store, record)


def _new_run(request: Request, parameters: dict[str, Any]) -> Reply:
    """A new run, ``enqueued``; it ends on the simulator's clock (``_runs``)."""
    store = request.store
    token = store.new_token("report_run")
    run = start_run(store, request.params["report"], token, store.clock.now(), parameters)
    return Reply(202, document(store, run))


def create_report_run(request: Request, plan: Plan) -> Reply:
    body = request.body if request.body is not None else {}
    if not isinstance(body, dict) or not isinstance(body.get("parameters", {}), dict):
        raise bad_request('body must be {"parameters": {...}}')
    return _new_run(request, body.get("parameters") or {})


def refresh_report(request: Request, plan: Plan) -> Reply:
    """Refreshing a report's datasets starts a run of the report, as creating one does."""
    generic.values_of(plan, request, creating=True)
    return _new_run(request, {})


def create_dataset_run(request: Request, plan: Plan) -> Reply:
    store = request.store
    token = store.new_token("dataset_run")
    run = start_dataset_run(store, request.params["dataset"], token, store.clock.now())
    return Reply(202, document(store, run))


def _copy(store: Store, record: Record, token: str, scope: dict[str, str], **fields: Any) -> Record:
    """A copy of ``record`` under ``token`` and ``scope``, made by the API's user now."""
    changed = {"token": token, **fields}
    return store.add(
        Record(
            record.shape,
            token,
            scope,
            {**record.fields, **changed},
            dict(record.joins),
            {"creator": store.me},
        )
    )


def copy_report(store: Store, report: Record, name: str) -> Record:
    """A new report made from ``report`` (by a clone or a duplication): its fields, space and
    data source, and copies of its queries and their charts."""
    now = store.clock.timestamp(store.clock.now())
    token = store.new_token("report")
    copy = _copy(
        store,
        report,
        token,
        dict(report.scope),
        name=name,
        id=max(int(r.fields.get("id") or 0) for r in store.records("report")) + 1,
        created_at=now,
        updated_at=now,
    )
    copy.facts["fails"] = bool(report.facts.get("fails"))
    for query in store.children("query", "report", report.token):
        made = derived_token(token, query.token)
        _copy(store, query, made, {**copy.scope, "report": token}, id=int(made[:7], 16))
        for chart in store.children("chart", "query", query.token):
            scope = {**copy.scope, "report": token, "query": made}
            _copy(store, chart, derived_token(made, chart.token), scope)
    if report.token in store.results_rows_of:
        store.results_rows_of[token] = store.results_rows_of[report.token]
    return copy


def clone_run(request: Request, plan: Plan) -> Reply:
    """A clone is a new report, answered in full (the same document a GET of it answers)."""
    store = request.store
    report = _record(request, "report", "report")
    copy = copy_report(store, report, f"Copy of {report.fields.get('name')}")
    status = 202 if request.quirks.clone_answers_202 else 200
    return Reply(status, document(store, copy))


def duplicate_run(request: Request, plan: Plan) -> Reply:
    store = request.store
    report = _record(request, "report", "report")
    copy = copy_report(store, report, f"Duplicate of {report.fields.get('name')}")
    token = store.new_token("report_run_duplicate")
    now = store.clock.now()
    duplicate = store.add(
        Record(
            "report_run_duplicate",
            token,
            {"account": store.account, "report": report.token, "run": request.params["run"]},
            {
                "token": token,
                "created_at": store.clock.timestamp(now),
                "updated_at": store.clock.timestamp(now),
                "collection_id": request.query.get("collection_id"),
            },
            facts={"started": now, "copy": copy.token, "creator": store.me},
        )
    )
    return Reply(200, document(store, duplicate))


# -- results and PDFs ---------------------------------------------------------------------------

CSV = "text/csv; charset=utf-8"
JSON = "application/json; charset=utf-8"
FORMATS = ("csv", "json")


def _succeeded_run(request: Request) -> tuple[Record, Record]:
    """The report and run of the path, refused unless the run succeeded: only then has it
    results."""
    store = request.store
    report = _record(request, "report", "report")
    run = _record(request, "report_run", "run")
    state = run_state(store, run)
    if state != "succeeded":
        raise Refusal(404, "not_found", f"ReportRun results not found: the run is {state}")
    return report, run


def _format(request: Request) -> str:
    fmt = request.params["format"]
    if fmt not in FORMATS:
        raise not_found(f"Results in format {fmt!r}")
    return fmt


def _rows(store: Store, query_run: Record) -> Rows:
    # Taken now, under the lock; the rows themselves are made while the answer is sent.
    run, query = query_run.scope["run"], query_run.facts["query"]
    return Rows(f"{store.seed}/{run}/{query}", store.rows_of(query_run.scope["report"]))


def _query_runs(store: Store, run: Record) -> list[Record]:
    return store.children("query_run", "run", run.token)  # in the report's query order


def run_results(request: Request, plan: Plan) -> Reply:
    store = request.store
    report, run = _succeeded_run(request)
    fmt = _format(request)
    name = str(report.fields.get("name"))
    rows = [(str(q.fields.get("query_name")), _rows(store, q)) for q in _query_runs(store, run)]
    if not rows:
        raise not_found("ReportRun results (the report has no queries)")
    if fmt == "json":  # Mode's trap: the first query's rows only, whatever the report holds
        return Reply(200, body=Body(JSON, f"{name}.json", rows[0][1].json))
    if len(rows) == 1:
        return Reply(200, body=Body(CSV, f"{name}.csv", rows[0][1].csv))
    members = [(f"{query}.csv", one) for query, one in rows]
    return Reply(200, body=Body("application/zip", f"{name}.zip", lambda: zipped_csv(members)))


def query_run_results(request: Request, plan: Plan) -> Reply:
    store = request.store
    _succeeded_run(request)
    query_run = _record(request, "query_run", "query_run")
    rows = _rows(store, query_run)
    fmt = _format(request)
    produce, content_type = (rows.csv, CSV) if fmt == "csv" else (rows.json, JSON)
    return Reply(
        200, body=Body(content_type, f"{query_run.fields.get('query_name')}.{fmt}", produce)
    )


def query_run_result(request: Request, plan: Plan | None) -> Reply:
    """A query run's ``result`` link (``…/query_runs/{query_run}/results``): a small document
    linking the rows in each format (``content`` is the CSV, as a run's own is)."""
    store = request.store
    query_run = store.find(store.shape("query_run"), {"account": store.account, **request.params})
    if query_run is None:
        raise not_found("QueryRun")
    base = request.path
    return Reply(
        200,
        {
            "token": query_run.token,
            "state": run_state(store, _record(request, "report_run", "run")),
            "_links": {
                "self": href(base),
                "content": href(f"{base}/content.csv"),
                "csv": href(f"{base}/content.csv"),
                "json": href(f"{base}/content.json"),
                "query_run": href(base.removesuffix("/results")),
            },
        },
    )


def _export_path(store: Store, report: str, run: str) -> str:
    return f"/api/{store.account}/reports/{report}/exports/runs/{run}/pdf.pdf"


def get_pdf_export(request: Request, plan: Plan) -> Reply:
    """The export job of a run; the first GET is what requests the render. (Mode also names a
    state ``new``, a job not yet requested; here the GET that creates a job requests it, so a
    job is only ever ``requested`` or ``completed``.)"""
    store = request.store
    report, run = _succeeded_run(request)
    export = next(iter(store.children("pdf_export", "run", run.token)), None)
    if export is None:
        now = store.clock.now()
        token = derived_token("pdf", run.token)
        export = store.add(
            Record(
                "pdf_export",
                token,
                {"account": store.account, "report": report.token, "run": run.token},
                {
                    "token": token,
                    "filename": _pdf_filename(store, report, run),
                    "stale": False,
                    "created_at": store.clock.timestamp(now),
                },
                facts={"requested": now, "path": _export_path(store, report.token, run.token)},
            )
        )
    return Reply(200, document(store, export))


def _pdf_filename(store: Store, report: Record, run: Record) -> str:
    return f"{report.fields.get('name')} - {store.clock.timestamp(run.facts['started'])[:10]}.pdf"


def download_pdf(request: Request, plan: Plan) -> Reply:
    store = request.store
    report, run = _succeeded_run(request)
    export = next(iter(store.children("pdf_export", "run", run.token)), None)
    if export is None or export_state(store, export) != "completed":
        raise Refusal(404, "not_found", "export not yet generated")
    queries = [str(q.fields.get("query_name")) for q in _query_runs(store, run)]
    pdf = pdf_document(
        str(report.fields.get("name")),
        [
            f"Report run {run.token}, created {store.clock.timestamp(run.facts['started'])}",
            *(f"Query: {query}" for query in queries),
        ],
    )
    return Reply(
        200,
        body=Body("application/pdf", _pdf_filename(store, report, run), lambda: iter((pdf,))),
    )


# -- schedules ---------------------------------------------------------------------------------


def _schedule_values(request: Request, plan: Plan, *, creating: bool) -> dict[str, Any]:
    values = generic.values_of(plan, request, creating=creating)
    if "timeout" in values and (values["timeout"] is None or values["timeout"] < 1):
        raise bad_request("report_schedule.timeout must be a positive integer")
    return values


def _apply_schedule(record: Record, values: dict[str, Any]) -> None:
    if "cron" in values:
        record.facts["cron"] = values["cron"]
    if "params" in values:  # the body's `params` is the document's `parameters`
        record.fields["parameters"] = values["params"] or {}
    for name in ("timeout", "name"):
        if name in values:
            record.fields[name] = values[name]


def create_schedule(request: Request, plan: Plan) -> Reply:
    store = request.store
    values = _schedule_values(request, plan, creating=True)
    token = store.new_token("report_schedule")
    now = store.clock.timestamp(store.clock.now())
    record = Record(
        "report_schedule",
        token,
        {"account": store.account, "report": request.params["report"]},
        {
            "token": token,
            "name": None,
            "state": "active",
            "parameters": {},
            "created_at": now,
            "updated_at": now,
            "retry_state": "ok",
            "retry_count": 1,
            "retry_delay": 0,
            "timeout": 900,
            "subscribed": False,
            "report_type": "Report",
            "delivery": "email",
        },
        facts={"creator": store.me},
    )
    _apply_schedule(record, values)
    store.add(record)
    return Reply(200, document(store, record))


def update_schedule(request: Request, plan: Plan) -> Reply:
    store = request.store
    record = generic.found(store, plan, request)
    _apply_schedule(record, _schedule_values(request, plan, creating=False))
    record.fields["updated_at"] = store.clock.timestamp(store.clock.now())
    return Reply(200, document(store, record))


def _forget_schedule(store: Store, record: Record) -> None:
    """A schedule gone; its past runs stay, no longer naming it."""
    for run in store.children("report_run", "report", record.scope["report"]):
        if run.facts.get("report_schedule") == record.token:
            run.facts["report_schedule"] = None


def delete_schedule(request: Request, plan: Plan) -> Reply:
    record = generic.found(request.store, plan, request)
    _forget_schedule(request.store, record)
    request.store.remove(plan.shape, record)
    return Reply(200)  # an empty body (docs README item 10)


def bulk_delete_schedules(request: Request, plan: Plan) -> Reply:
    """Delete the schedule ``schedule`` of the report ``report`` (both query params: the
    spec's reading of bulkDeleteReportSchedule, spec/report_schedule.yaml)."""
    store = request.store
    report, schedule = request.query["report"], request.query["schedule"]
    if store.get("report", report) is None:
        raise not_found("Report")
    shape = store.shape("report_schedule")
    record = store.find(shape, {"account": store.account, "report": report, "schedule": schedule})
    if record is None:
        raise not_found("ReportSchedule")
    _forget_schedule(store, record)
    store.remove(shape, record)
    return generic.answer(plan, None)


def schedule_runs(request: Request, plan: Plan | None) -> Reply:
    """The runs a schedule started (its ``report_runs`` link; Mode documents no such GET)."""
    store = request.store
    schedule = store.find(
        store.shape("report_schedule"), {"account": store.account, **request.params}
    )
    if schedule is None or request.params["account"] != store.account:
        raise not_found("ReportSchedule")
    runs = [
        r
        for r in runs_of(store, "report_run", "report", request.params["report"])
        if r.facts.get("report_schedule") == schedule.token
    ]
    return rest_collection(request, "report_runs", _sorted_runs(request, runs), _render(store))


# -- reports ------------------------------------------------------------------------------------


def _archive(flag: bool) -> Behaviour:
    def handle(request: Request, plan: Plan) -> Reply:
        return generic.update(request.store, plan, request, values={"archived": flag})

    return handle


def update_report(request: Request, plan: Plan) -> Reply:
    """Moving a report to another space moves it in the space's listing too."""
    values = generic.values_of(plan, request, creating=False)
    if "space_token" in values:
        store = request.store
        if store.get("space", values["space_token"]) is None:
            raise not_found("Space")
        _record(request, "report", "report").joins["space"] = values["space_token"]
    return generic.update(request.store, plan, request, values=values)


def purge_reports(request: Request, plan: Plan) -> Reply:
    """Mode purges the results of every report run: the runs stay, marked as purged."""
    generic.values_of(plan, request, creating=True)
    store = request.store
    now = store.clock.now()
    for run in store.records("report_run"):
        run.facts.setdefault("purged", now)
    return generic.answer(plan, None)


# -- spaces and people ---------------------------------------------------------------------------


def list_spaces(request: Request, plan: Plan) -> Reply:
    """Without ``filter``, the spaces a member sees (no other member's personal space); with
    ``filter=all`` every space; ``filter=custom`` the shared (custom) spaces only."""
    store = request.store
    wanted = request.query.get("filter")

    def keep(record: Record) -> bool:
        kind = record.fields.get("space_type")
        if wanted == "custom":
            return kind != "personal"
        return wanted == "all" or kind != "personal" or record.facts.get("creator") == store.me

    return generic.list_(store, plan, request, keep=keep)


def current_account(request: Request, plan: Plan) -> Reply:
    """The user the credentials belong to."""
    store = request.store
    user = store.get("account", store.me)
    assert user is not None  # seeded, and the API has no way to delete it
    return Reply(plan.op.status, document(store, user))


def list_definitions(request: Request, plan: Plan) -> Reply:
    """``filter=by_tokens`` keeps only the definitions named in ``tokens`` (listDefinitions)."""
    if request.query.get("filter") != "by_tokens":
        return generic.list_(request.store, plan, request)
    wanted = set(request.query.get("tokens", "").split(","))
    return generic.list_(request.store, plan, request, keep=lambda record: record.token in wanted)


def _subscription_write(creating: bool) -> Behaviour:
    """A subscription's body names its settings without the ``_enabled`` its fields carry
    (``csv_attachments`` sets ``csv_attachments_enabled``; spec/subscription.yaml)."""

    def handle(request: Request, plan: Plan) -> Reply:
        fields = plan.shape.model.field_types
        values = {
            f"{key}_enabled" if f"{key}_enabled" in fields else key: value
            for key, value in generic.values_of(plan, request, creating=creating).items()
        }
        if creating:
            return generic.create(request.store, plan, request, values=values)[0]
        return generic.update(request.store, plan, request, values=values)

    return handle


def create_invite(request: Request, plan: Plan) -> Reply:
    """An invite makes the invitee a member of the account (an invited membership)."""
    store = request.store
    reply, invite = generic.create(store, plan, request)
    membership = store.shape("membership")
    fields = plausible(store, membership.model, invite.token, 0)
    fields.update({k: v for k, v in invite.fields.items() if k in fields and k != "token"})
    fields["state"] = "invited"
    fields["invited"] = True
    store.add(
        Record(
            membership.name,
            store.new_token(membership),
            {"account": store.account},
            fields,
            facts={"creator": store.me},
        )
    )
    return reply


def _recount(request: Request, plan: Plan, record: Record) -> None:
    """A group's or space's member count follows its memberships."""
    store = request.store
    shape = plan.shape
    parent_key = shape.parents[-1]
    parent = next(iter(store.shapes.keyed_by(parent_key)))
    owner = store.find(parent, record.scope)
    if owner is None:
        return
    count = len(store.matching(shape, {parent_key: owner.token}))
    for name in parent.model.field_names:
        if "count" in name and "member" in name:
            owner.fields[name] = count


def create_membership(request: Request, plan: Plan) -> Reply:
    reply, record = generic.create(request.store, plan, request)
    _recount(request, plan, record)
    return reply


def delete_membership(request: Request, plan: Plan) -> Reply:
    reply, record = generic.delete(request.store, plan, request)
    _recount(request, plan, record)
    return reply


# -- the Discovery API ---------------------------------------------------------------------------


def _discovery(
    model: str, render: Callable[[Store, Record], dict[str, Any]], *, personal: bool = True
) -> Behaviour:
    """A Discovery listing of ``model``'s records. With ``personal``, what sits in a member's
    personal space is listed only with ``include_spaces=all``, where the operation takes it
    (docs page)."""

    def handle(request: Request, plan: Plan) -> Reply:
        store = request.store
        everything = request.query.get("include_spaces") == "all"
        records = store.records(model)
        optional = any(param.name == "include_spaces" for param in plan.op.params)
        if personal and optional and not everything:
            records = [r for r in records if not _in_personal_space(store, r)]
        key = plan.op.item_key or model
        return discovery_page(request, key, records, lambda record: render(store, record))

    return handle


def _in_personal_space(store: Store, record: Record) -> bool:
    report = record if record.shape == "report" else store.get("report", record.scope.get("report"))
    space = store.get("space", report.joins.get("space")) if report is not None else None
    return space is not None and space.fields.get("space_type") == "personal"


BEHAVIOURS: dict[str, Behaviour] = {
    "report_runs.create": create_report_run,
    "report_runs.refresh": refresh_report,
    "report_runs.list": _list_runs("report"),
    "report_runs.clone": clone_run,
    "report_runs.duplicate": duplicate_run,
    "report_runs.results": run_results,
    "dataset_runs.create": create_dataset_run,
    "dataset_runs.list": _list_runs("dataset"),
    "query_runs.results": query_run_results,
    "pdf_exports.get": get_pdf_export,
    "pdf_exports.download": download_pdf,
    "report_schedules.create": create_schedule,
    "report_schedules.update": update_schedule,
    "report_schedules.delete": delete_schedule,
    "report_schedules.bulk_delete": bulk_delete_schedules,
    "reports.update": update_report,
    "reports.archive": _archive(True),
    "reports.unarchive": _archive(False),
    "reports.purge": purge_reports,
    "reports.list": _discovery("report", discovery.report),
    "reports.list_stats": _discovery("report", discovery.report_stat),
    "queries.list_all": _discovery("query", discovery.query),
    "charts.list_all": _discovery("chart", discovery.chart),
    "spaces.list_all": _discovery("space", discovery.space, personal=False),
    "memberships.list_all": _discovery("membership", discovery.member, personal=False),
    "spaces.list": list_spaces,
    "accounts.current": current_account,
    "accounts.verify": current_account,
    "definitions.list": list_definitions,
    "subscriptions.create": _subscription_write(creating=True),
    "subscriptions.update": _subscription_write(creating=False),
    "invites.create": create_invite,
    "group_memberships.create": create_membership,
    "group_memberships.delete": delete_membership,
    "space_memberships.create": create_membership,
    "space_memberships.delete": delete_membership,
}


def _account_listing(model: str) -> Callable[[Request, Plan | None], Reply]:
    """Every ``model`` of the account, as the account's own links list them."""

    def handle(request: Request, plan: Plan | None) -> Reply:
        store = request.store
        if not store.exists("account", request.params):
            raise not_found("Account")
        key = store.shape(model).model.plural or model
        records = store.matching(store.shape(model), {"account": request.params["account"]})
        return rest_collection(request, key, records, _render(store))

    return handle


# Documents Mode links to without documenting a GET of them: (method, path, behaviour). The
# behaviour gets no plan and checks the path itself.
UNDOCUMENTED: tuple[tuple[str, str, Callable[[Request, Plan | None], Reply]], ...] = (
    ("GET", "/api/{account}/reports", _account_listing("report")),
    ("GET", "/api/{account}/datasets", _account_listing("dataset")),
    ("GET", "/api/{account}/reports/{report}/schedules/{schedule}/runs", schedule_runs),
    (
        "GET",
        "/api/{account}/reports/{report}/runs/{run}/query_runs/{query_run}/results",
        query_run_result,
    ),
)
