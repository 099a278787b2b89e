"""Documents as Mode renders them, from the store's records.

A document is its record's fields (every documented field, filled with a plausible value of
its type the first time it is rendered if the record does not hold it), then what a model's
``LIVE`` rule derives at render time (a run's state from the clock, a report's counts and
latest runs from its children), then its ``_links`` (``_links.links``: documented rels lead
into the API where the simulator answers them, else to a web page).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._clock import EPOCH
from ._links import links, web_path
from ._runs import duplicate_state, export_state, finished_at, latest, run_state, runs_of
from ._store import Record, Store
from ._values import plausible

Live = Callable[[Store, Record], dict[str, Any]]


def href(path: str, **extra: Any) -> dict[str, Any]:
    return {"href": path, **extra}


# Names the spec declares for code written from the docs pages, which Mode does not send:
# spec/dataset_run.yaml keeps the report run's names the page prints (docs README item 13),
# while Mode sends the OpenAPI file's own (its known_drift entries list them).
NOT_SENT: dict[str, frozenset[str]] = {
    "dataset_run": frozenset(
        {
            "parameters",
            "python_state",
            "form_fields",
            "is_latest_report_run",
            "is_latest_successful_report_run",
            "report_has_failures_since_last_success",
            "clone",
            "content",
            "embed",
            "latest_successful_report_run_api_url",
            "pdf_export",
            "preview",
            "python_cell_runs",
            "report",
            "report_schedule",
            "web_clone",
            "web_edit_dataset",
            "web_external_url",
        }
    ),
}


def filled(store: Store, record: Record) -> dict[str, Any]:
    """The record's fields, every documented one among them: those it does not hold are drawn
    once, from its identity (the same seed renders the same document)."""
    model = store.shape(record.shape).model
    if any(key not in record.fields for key in model.field_names):
        for key, value in plausible(store, model, record.token, 0).items():
            record.fields.setdefault(key, value)
    return record.fields


def document(store: Store, record: Record) -> dict[str, Any]:
    """``record`` as Mode sends it: every documented field, what is live, then its links."""
    shape = store.shape(record.shape)
    doc: dict[str, Any] = dict(filled(store, record))
    doc.setdefault("token", record.token)  # Mode's documents carry it, documented or not
    rule = LIVE.get(record.shape)
    live = rule(store, record) if rule is not None else {}
    own_links = live.pop("_links", {})
    doc.update(live)
    doc["_links"] = links(store, shape, record, own_links)
    unsent = NOT_SENT.get(record.shape)
    if unsent:
        doc = {key: value for key, value in doc.items() if key not in unsent}
        doc["_links"] = {rel: link for rel, link in doc["_links"].items() if rel not in unsent}
    return doc


def stamp(store: Store, sim_time: float | None) -> str | None:
    return None if sim_time is None else store.clock.timestamp(sim_time)


# -- reports ----------------------------------------------------------------------------------


def run_summary(store: Store, runs: list[Record]) -> tuple[Record | None, dict[str, Any]]:
    """The newest of ``runs`` (oldest first), and what a report (or a dataset, which Mode shows
    as a report) says of its runs: counts and times, and links to the newest and the newest
    successful one."""
    newest, latest_ok, _ = latest(store, runs)
    own: dict[str, Any] = {}
    if newest is not None:
        own["last_run"] = href(str(store.path(newest)))
    if latest_ok is not None:
        own["last_successful_run"] = href(str(store.path(latest_ok)))
    return newest, {
        "runs_count": len(runs),
        "last_run_at": stamp(store, newest.facts["started"]) if newest else None,
        "last_successfully_run_at": (
            stamp(store, finished_at(store, latest_ok)) if latest_ok else None
        ),
        "last_successful_run_token": latest_ok.token if latest_ok else None,
        "_links": own,
    }


def report_live(store: Store, record: Record) -> dict[str, Any]:
    _, summary = run_summary(store, runs_of(store, "report_run", "report", record.token))
    queries = store.children("query", "report", record.token)
    return {
        "query_count": len(queries),
        "chart_count": sum(len(store.children("chart", "query", q.token)) for q in queries),
        "schedules_count": len(store.children("report_schedule", "report", record.token)),
        **summary,
    }


# -- runs -------------------------------------------------------------------------------------


def _run_times(store: Store, run: Record) -> dict[str, Any]:
    finished = finished_at(store, run)
    purged = run.facts.get("purged")
    return {
        "created_at": stamp(store, run.facts["started"]),
        "updated_at": stamp(store, finished if finished is not None else run.facts["started"]),
        "completed_at": stamp(store, finished),
        "purge_started_at": stamp(store, purged),
        "purge_completed_at": stamp(store, purged),
    }


def report_run_live(store: Store, run: Record) -> dict[str, Any]:
    base = str(store.path(run))
    report = run.scope["report"]
    siblings = runs_of(store, "report_run", "report", report)
    newest, latest_ok, failed = latest(store, siblings)
    state = run_state(store, run)
    done = state == "succeeded"  # only then are there results and a PDF to link
    own = {
        # an action link, as Mode sends it: POST it to clone the run (report_runs.clone)
        "clone": href(f"{base}/clone"),
        # Mode's content link is the CSV flavour of the results
        "content": href(f"{base}/results/content.csv") if done else None,
        "pdf_export": (
            href(f"/api/{store.account}/reports/{report}/exports/runs/{run.token}/pdf.pdf")
            if done
            else None
        ),
    }
    if latest_ok is not None:
        own["latest_successful_report_run_api_url"] = href(str(store.path(latest_ok)))
    return {
        "state": state,
        **_run_times(store, run),
        "is_latest_report_run": run is newest,
        "is_latest_successful_report_run": run is latest_ok,
        "report_has_failures_since_last_success": failed,
        "query_runs_count": len(store.children("query_run", "run", run.token)),
        "_links": own,
    }


def dataset_run_live(store: Store, run: Record) -> dict[str, Any]:
    """A dataset run in the OpenAPI file's names (spec/dataset_run.yaml): Mode sends those,
    not the report run's the docs page prints."""
    siblings = runs_of(store, "dataset_run", "dataset", run.scope["dataset"])
    newest, latest_ok, failed = latest(store, siblings)
    own = {}
    if latest_ok is not None:
        own["latest_successful_dataset_run_api_url"] = href(str(store.path(latest_ok)))
    return {
        "state": run_state(store, run),
        **_run_times(store, run),
        "is_latest_dataset_run": run is newest,
        "is_latest_successful_dataset_run": run is latest_ok,
        "dataset_has_failures_since_last_success": failed,
        "_links": own,
    }


def query_run_live(store: Store, query_run: Record) -> dict[str, Any]:
    run = store.get("report_run", query_run.scope["run"])
    assert run is not None  # a query run goes with its run (Store.remove)
    state = run_state(store, run)
    failed = state == "failed"
    base = str(store.path(query_run))
    return {
        "state": state,
        "created_at": stamp(store, run.facts["started"]),
        "completed_at": stamp(store, finished_at(store, run)),
        "parameters": run.fields.get("parameters", {}),
        "error_code": "query_failed" if failed else None,
        "error_type": "QueryError" if failed else None,
        "error_message": "relation does not exist" if failed else None,
        # Mode's result link names no format: it answers a document linking each one
        "_links": {"result": href(f"{base}/results")},
    }


def pdf_export_live(store: Store, export: Record) -> dict[str, Any]:
    path = str(export.facts["path"])
    state = export_state(store, export)
    own: dict[str, Any] = {"self": href(path), "download": None}  # no download until rendered
    if state == "completed":
        own["download"] = href(path.removesuffix(".pdf") + "/download")
    return {"state": state, "_links": own}


def duplicate_live(store: Store, duplicate: Record) -> dict[str, Any]:
    state = duplicate_state(store, duplicate)
    done = state == "succeeded"
    own = {}
    if done:
        own["duplicated_report"] = href(f"/api/{store.account}/reports/{duplicate.facts['copy']}")
    return {
        "state": state,
        "report_token": duplicate.facts["copy"] if done else None,
        "_links": own,
    }


# -- schedules --------------------------------------------------------------------------------

HOUR_NAMES = {0: "12:00 am", 12: "12:00 pm"}
_EVERY = {"every_15_minutes": 15, "every_30_minutes": 30}


def next_run(cron: dict[str, Any], after: datetime) -> datetime:
    """The first time after ``after`` that ``cron`` (Mode's schedule object) fires."""
    try:
        zone = ZoneInfo(str(cron.get("time_zone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = after.astimezone(zone)
    freq = cron.get("freq", "daily")
    minute = int(cron.get("minute") or 0)
    if freq in _EVERY:
        step = _EVERY[freq]
        start = local.replace(second=0, microsecond=0)
        return (start + timedelta(minutes=step - start.minute % step)).astimezone(after.tzinfo)
    if freq == "hourly":
        candidate = local.replace(minute=minute, second=0, microsecond=0)
        while candidate <= local:
            candidate += timedelta(hours=1)
        return candidate.astimezone(after.tzinfo)
    hour = int(cron.get("hour") or 0)
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    for _ in range(400):  # a month at most, on a day every month has
        fits = (
            freq == "daily"
            or (freq == "weekly" and (candidate.weekday() + 1) % 7 == cron.get("day_of_week", 0))
            or (freq == "monthly" and candidate.day == cron.get("day_of_month", 1))
        )
        if candidate > local and fits:
            break
        candidate += timedelta(days=1)
    return candidate.astimezone(after.tzinfo)


def schedule_live(store: Store, schedule: Record) -> dict[str, Any]:
    kind = "report" if schedule.shape == "report_schedule" else "dataset"
    parent = schedule.scope[kind]
    runs = [
        r
        for r in runs_of(store, f"{kind}_run", kind, parent)
        if r.facts.get("report_schedule") == schedule.token
    ]
    last = runs[-1] if runs else None
    last_ok = next((r for r in reversed(runs) if run_state(store, r) == "succeeded"), None)
    cron = schedule.facts["cron"]
    hour = cron.get("hour")
    now = EPOCH + timedelta(seconds=store.clock.now())
    fields: dict[str, Any] = {
        "last_run_at": stamp(store, last.facts["started"]) if last else None,
        "last_succeeded_at": stamp(store, finished_at(store, last_ok)) if last_ok else None,
        "last_scheduled_run": stamp(store, last.facts["started"]) if last else None,
        "next_scheduled_run": store.clock.timestamp(store.clock.sim_time(next_run(cron, now))),
        # the fields the docs' table leaves out (docs README item 2), read off the cron
        "frequency": cron.get("freq", "daily"),
        "time_zone": cron.get("time_zone", "UTC"),
        "hour": (
            HOUR_NAMES.get(hour, f"{hour % 12}:00 {'am' if hour < 12 else 'pm'}")
            if isinstance(hour, int)
            else None
        ),
        "minute": "the top of the hour" if not cron.get("minute") else f"{cron['minute']} past",
    }
    base = str(store.path(schedule)) if schedule.shape == "report_schedule" else None
    if kind == "report":
        report = store.get("report", parent)
        fields.update(
            {
                "report_name": report.fields.get("name") if report else None,
                "report_token": parent,
                "subscriber_count": len(
                    [
                        s
                        for s in store.children("subscription", "report", parent)
                        if s.joins.get("schedule") == schedule.token
                    ]
                ),
                "_links": {
                    "report_runs": href(f"{base}/runs?embed[report_runs][executed_by]=1"),
                    "report_web": href(f"/{store.account}/reports/{parent}"),
                },
                "_forms": {"edit": {"method": "patch", "action": base}},
            }
        )
    return fields


def account_live(store: Store, account: Record) -> dict[str, Any]:
    """An account links its reports and datasets, and any one report by a HAL template."""
    base = f"/api/{account.token}"
    scope = {"account": account.token}
    return {
        "space_count": len(store.matching(store.shape("space"), scope)),
        "data_source_count": len(store.matching(store.shape("data_source"), scope)),
        "_links": {
            "reports": href(f"{base}/reports"),
            "datasets": href(f"{base}/datasets"),
            "report": href(f"{base}/reports/{{report}}", templated=True),
        },
    }


def dataset_live(store: Store, dataset: Record) -> dict[str, Any]:
    """Mode answers a dataset with the whole report document (swagger.yaml's getDataset is a
    Report): the report's fields and rels beside the dataset's own, its runs its own."""
    report = store.shape("report")
    _, summary = run_summary(store, runs_of(store, "dataset_run", "dataset", dataset.token))
    fields = {
        key: value
        for key, value in plausible(store, report.model, dataset.token, 0).items()
        if key not in dataset.fields
    }
    # The report's rels the dataset's own do not cover, as web pages: the simulator serves a
    # dataset's runs and schedules under /datasets, not under /reports.
    shape = store.shape("dataset")
    own_rels = set(store.shapes.rels(shape.model)) | {"self"}
    as_report = Record("report", dataset.token, dataset.scope, {}, {"dataset": ""}, dataset.facts)
    own = {
        rel: (
            link
            if link.get("templated") or not link["href"].startswith("/api/")
            else href(web_path(store, shape, dataset, rel))
        )
        for rel, link in links(store, report, as_report, {}).items()
        if rel not in own_rels
    }
    base = str(store.path(dataset))
    own["dataset_runs"] = href(f"{base}/runs")
    own["dataset_schedules"] = href(f"{base}/schedules")
    own.update(summary.pop("_links"))
    return {**fields, **summary, "_links": own}


LIVE: dict[str, Live] = {
    "dataset": dataset_live,
    "account": account_live,
    "report": report_live,
    "report_run": report_run_live,
    "dataset_run": dataset_run_live,
    "query_run": query_run_live,
    "pdf_export": pdf_export_live,
    "report_run_duplicate": duplicate_live,
    "report_schedule": schedule_live,
    "dataset_schedule": schedule_live,
}
