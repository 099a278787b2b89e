"""How the simulator renders its world as Mode does: HAL documents with host-relative links.

Documents carry every documented field, plus fields the docs' tables leave out (as real
payloads do), and the documented rels. Only GET-able links point at routes the simulator
serves; web links point at pages, as on Mode.
"""

from __future__ import annotations

from typing import Any

from ._world import Dataset, Duplicate, PdfExport, Query, QueryRun, Report, Run, Schedule, World

HOUR_NAMES = {0: "12:00 am", 12: "12:00 pm"}


def href(path: str, **extra: Any) -> dict[str, Any]:
    return {"href": path, **extra}


def account_doc(world: World) -> dict[str, Any]:
    base = f"/api/{world.account}"
    return {
        "id": 1,
        "token": "a1b2c3d4e5f6",
        "username": world.account,
        "name": world.account.title(),
        "user": False,
        "_links": {
            "self": href(base),
            "reports": href(f"{base}/reports"),
            "datasets": href(f"{base}/datasets"),
            # a templated link, as HAL allows: fill in a report token to fetch it
            "report": href(f"{base}/reports/{{report}}", templated=True),
            "web": href(f"/{world.account}"),
        },
    }


def user_doc(world: World, username: str) -> dict[str, Any]:
    return {
        "username": username,
        "name": username.replace("_", " ").title(),
        "user": True,
        "_links": {"self": href(f"/api/{username}"), "account": href(f"/api/{world.account}")},
    }


def report_doc(world: World, report: Report) -> dict[str, Any]:
    base = f"/api/{world.account}/reports/{report.token}"
    last = world.last_run(report.token)
    return {
        "id": report.id,
        "token": report.token,
        "name": report.name,
        "description": report.description,
        "created_at": world.clock.timestamp(report.created),
        "updated_at": world.clock.timestamp(report.created),
        "edited_at": None,
        "last_run_token": last.token if last else None,
        "last_run_state": world.run_state(last) if last else None,
        "space_token": report.space_token,
        "archived": report.archived,
        "_links": {
            "self": href(base),
            "account": href(f"/api/{world.account}"),
            "report_runs": href(f"{base}/runs"),
            "report_schedules": href(f"{base}/schedules"),
            "last_run": href(f"{base}/runs/{last.token}") if last else href(f"{base}/runs"),
            "web": href(f"/{world.account}/reports/{report.token}"),
        },
    }


def discovery_report_doc(world: World, report: Report) -> dict[str, Any]:
    last = world.last_run(report.token)
    return {
        "id": report.id,
        "token": report.token,
        "name": report.name,
        "description": report.description,
        "created_at": world.clock.timestamp(report.created),
        "edited_at": None,
        "updated_at": world.clock.timestamp(report.created),
        "last_successfully_run_at": None,
        "last_viewed_at": None,
        "last_run_token": last.token if last else None,
        "last_run_state": world.run_state(last) if last else None,
        "creator_email": "albus@hogwarts.example",
        "space_id": report.space_id,
        "space_token": report.space_token,
        "report_url": f"/api/{world.account}/reports/{report.token}",
    }


def dataset_doc(world: World, dataset: Dataset) -> dict[str, Any]:
    base = f"/api/{world.account}/datasets/{dataset.token}"
    return {
        "token": dataset.token,
        "name": dataset.name,
        "created_at": world.clock.timestamp(dataset.created),
        "_links": {
            "self": href(base),
            "account": href(f"/api/{world.account}"),
            "dataset_runs": href(f"{base}/runs"),
            "dataset_schedules": href(f"{base}/schedules"),
        },
    }


def run_doc(world: World, run: Run) -> dict[str, Any]:
    return report_run_doc(world, run) if run.kind == "report" else dataset_run_doc(world, run)


def _run_times(world: World, run: Run) -> dict[str, Any]:
    finished = world.run_finished_at(run)
    return {
        "created_at": world.clock.timestamp(run.created),
        "updated_at": world.clock.timestamp(finished if finished is not None else run.created),
        "completed_at": world.clock.timestamp(finished) if finished is not None else None,
        "purge_started_at": None if run.purged is None else world.clock.timestamp(run.purged),
        "purge_completed_at": None if run.purged is None else world.clock.timestamp(run.purged),
    }


def _latest(world: World, run: Run) -> tuple[Run, Run | None, bool]:
    """The newest run of the run's report or dataset, its newest successful one, and whether
    a run failed after that one."""
    siblings = world.runs_of(run.parent)
    succeeded = [r for r in siblings if world.run_state(r) in ("succeeded", "completed")]
    latest_ok = max(succeeded, key=lambda r: r.created) if succeeded else None
    since = latest_ok.created if latest_ok is not None else float("-inf")
    failed = any(world.run_state(r) == "failed" and r.created > since for r in siblings)
    return max(siblings, key=lambda r: r.created), latest_ok, failed


def report_run_doc(world: World, run: Run) -> dict[str, Any]:
    base = run_path(world, run)
    web = f"/{world.account}/reports/{run.parent}"
    state = world.run_state(run)
    latest, latest_ok, failed = _latest(world, run)
    links = {
        "self": href(base),
        "account": href(f"/api/{world.account}"),
        "executed_by": href(f"/api/{run.executed_by}"),
        "report": href(f"/api/{world.account}/reports/{run.parent}"),
        # an action link, as Mode sends it: POST it to clone the run (report_runs.clone)
        "clone": href(f"{base}/clone"),
        # Where the simulator serves them; Mode's content link is the CSV flavour of results.
        "content": href(f"{base}/results/content.csv"),
        "pdf_export": href(pdf_export_path(world, run)),
        "query_runs": href(f"{base}/query_runs"),
        # What the simulator does not serve is a web page, so every API link resolves.
        "preview": href(f"{web}/runs/{run.token}/preview"),
        "python_cell_runs": href(f"{web}/runs/{run.token}/python_cell_runs"),
        "embed": href(f"{web}/embed?run={run.token}"),
        "share": href(f"{web}/runs/{run.token}/share"),
        "web_clone": href(f"{web}/runs/{run.token}/clone"),
        "web_edit_dataset": href(f"{web}/edit"),
        "web_external_url": href(f"{web}/runs/{run.token}"),
    }
    if latest_ok is not None:
        links["latest_successful_report_run_api_url"] = href(run_path(world, latest_ok))
    if run.schedule is not None:
        links["report_schedule"] = href(
            f"/api/{world.account}/reports/{run.parent}/schedules/{run.schedule}"
        )
    return {
        "token": run.token,
        "state": state,
        "parameters": run.parameters,
        **_run_times(world, run),
        "python_state": "none",
        "form_fields": [],
        "is_latest_report_run": run is latest,
        "is_latest_successful_report_run": run is latest_ok,
        "report_has_failures_since_last_success": failed,
        "pusher_channel_name": f"report-run-{run.token}",
        # beyond the documented table, as real payloads are
        "query_runs_count": len(world.query_runs(run)),
        "_links": links,
        "_embedded": {},
    }


def dataset_run_doc(world: World, run: Run) -> dict[str, Any]:
    """A dataset run with the OpenAPI file's names (spec/dataset_run.yaml: Mode sends those,
    not the report run's the docs page prints): its fields and rels, no others."""
    dataset = f"/api/{world.account}/datasets/{run.parent}"
    base = f"{dataset}/runs/{run.token}"
    web = f"/{world.account}/datasets/{run.parent}/runs/{run.token}"
    state = world.run_state(run)
    latest, latest_ok, failed = _latest(world, run)
    links = {
        "self": href(base),
        "account": href(f"/api/{world.account}"),
        "executed_by": href(f"/api/{run.executed_by}"),
        "dataset": href(dataset),
        # the API has no query runs of a dataset run: their web page
        "query_runs": href(f"{web}/query_runs"),
        "share": href(f"{web}/share"),
    }
    if latest_ok is not None:
        links["latest_successful_dataset_run_api_url"] = href(f"{dataset}/runs/{latest_ok.token}")
    return {
        "token": run.token,
        "state": state,
        **_run_times(world, run),
        "is_latest_dataset_run": run is latest,
        "is_latest_successful_dataset_run": run is latest_ok,
        "dataset_has_failures_since_last_success": failed,
        "pusher_channel_name": f"dataset-run-{run.token}",
        "_links": links,
        "_embedded": {},
    }


def run_path(world: World, run: Run) -> str:
    return f"/api/{world.account}/reports/{run.parent}/runs/{run.token}"


def pdf_export_path(world: World, run: Run) -> str:
    return f"/api/{world.account}/reports/{run.parent}/exports/runs/{run.token}/pdf.pdf"


def query_doc(world: World, report: Report, query: Query) -> dict[str, Any]:
    base = f"/api/{world.account}/reports/{report.token}"
    return {
        "id": int(query.token[:7], 16),
        "token": query.token,
        "name": query.name,
        "raw_query": _sql(query),
        "created_at": world.clock.timestamp(query.created),
        "updated_at": world.clock.timestamp(query.created),
        "last_run_id": None,
        "data_source_id": query.data_source_id,
        "explorations_count": 0,
        "report_imports_count": 0,
        "dbt_metric_id": None,
        "_links": {
            "self": href(f"{base}/queries/{query.token}"),
            "report": href(base),
            "report_runs": href(f"{base}/runs"),
            # Mode's API path for a query's runs is not documented: its web page instead
            "query_runs": href(
                f"/{world.account}/reports/{report.token}/queries/{query.token}/runs"
            ),
            "creator": href("/api/albus_dumbledore"),
        },
    }


def query_run_doc(world: World, query_run: QueryRun) -> dict[str, Any]:
    run, query = query_run.run, query_run.query
    run_base = run_path(world, run)
    base = f"{run_base}/query_runs/{query_run.token}"
    web = f"/{world.account}/reports/{run.parent}"
    state = world.run_state(run)
    finished = world.run_finished_at(run)
    failed = state == "failed"
    return {
        "id": int(query_run.token[:7], 16),
        "token": query_run.token,
        "raw_source": _sql(query),
        "statement_annotation": None,
        "state": state,
        "created_at": world.clock.timestamp(run.created),
        "completed_at": world.clock.timestamp(finished) if finished is not None else None,
        "data_source_id": query.data_source_id,
        "data_source_token": query.data_source_token,
        "limit": False,
        "query_token": query.token,
        "query_name": query.name,
        "query_created_at": world.clock.timestamp(query.created),
        "dbt_metric_id": None,
        "dbt_metric_token": None,
        "parameters": run.parameters,
        "rendered_source": _sql(query),
        "max_result_bytes": 1_000_000_000,
        "help_url": None,
        "error_code": "query_failed" if failed else None,
        "error_type": "QueryError" if failed else None,
        "error_message": "relation does not exist" if failed else None,
        "_links": {
            "self": href(base),
            # Mode's result link names no format: a client appends /content.csv or .json.
            "result": href(f"{base}/results"),
            "report_run": href(run_base),
            "query": href(f"/api/{world.account}/reports/{run.parent}/queries/{query.token}"),
            "executed_by": href(f"/api/{run.executed_by}"),
            "result_web": href(f"{web}/runs/{run.token}/queries/{query_run.token}"),
            "query_web": href(f"{web}/queries/{query.token}"),
            "report_run_web": href(f"{web}/runs/{run.token}"),
        },
        "_embedded": {},
    }


def pdf_export_doc(world: World, run: Run, export: PdfExport) -> dict[str, Any]:
    path = pdf_export_path(world, run)
    state = world.export_state(export)
    links = {"self": href(path)}
    if state == "completed":
        links["download"] = href(path.removesuffix(".pdf") + "/download")
    return {
        "token": export.token,
        "state": state,
        "filename": pdf_filename(world, run),
        "stale": False,
        "created_at": world.clock.timestamp(export.requested),
        "_links": links,
    }


def pdf_filename(world: World, run: Run) -> str:
    report = world.reports[run.parent]
    return f"{report.name} - {world.clock.timestamp(run.created)[:10]}.pdf"


def _sql(query: Query) -> str:
    table = query.name.lower().replace(",", "").replace(" ", "_")
    return f"SELECT id, name, amount, created_at FROM {table}"


def schedule_doc(world: World, schedule: Schedule) -> dict[str, Any]:
    parent = "reports" if schedule.kind == "report" else "datasets"
    base = f"/api/{world.account}/{parent}/{schedule.parent}/schedules/{schedule.token}"
    last = world.last_run(schedule.parent, schedule.token)
    cron = schedule.cron
    hour = cron.get("hour")
    doc: dict[str, Any] = {
        "token": schedule.token,
        "state": "active",
        "parameters": schedule.params,
        "created_at": world.clock.timestamp(schedule.created),
        "updated_at": world.clock.timestamp(schedule.updated),
        "retry_state": "ok",
        "retry_count": 1,
        "retry_delay": 0,
        "timeout": schedule.timeout,
        "last_run_at": world.clock.timestamp(last.created) if last else None,
        "last_succeeded_at": world.clock.timestamp(last.created + 3) if last else None,
        "last_scheduled_run": world.clock.timestamp(last.created) if last else None,
        "next_scheduled_run": world.clock.timestamp(world.clock.now() + 86400),
        "subscribed": False,
        # the fields the docs' table leaves out (docs README item 2)
        "frequency": cron.get("freq", "daily"),
        "time_zone": cron.get("time_zone", "UTC"),
        "hour": (
            HOUR_NAMES.get(hour, f"{hour % 12}:00 {'am' if hour < 12 else 'pm'}")
            if isinstance(hour, int)
            else None
        ),
        "minute": "the top of the hour" if not cron.get("minute") else f"{cron['minute']} past",
        "_links": {
            "account": href(f"/api/{world.account}"),
            "creator": href("/api/albus_dumbledore"),
            "self": href(base),
            parent[:-1]: href(f"/api/{world.account}/{parent}/{schedule.parent}"),
            "report_runs": href(f"{base}/runs?embed[report_runs][executed_by]=1"),
            "report_subscriptions": href(f"{base}/subscriptions"),
        },
        "_forms": {"edit": {"method": "patch", "action": base}},
    }
    if schedule.kind == "dataset":
        del doc["state"]
        doc["name"] = schedule.name
        # the API serves neither the runs nor the subscriptions of a dataset schedule
        web = f"/{world.account}/datasets/{schedule.parent}/schedules/{schedule.token}"
        doc["_links"]["report_runs"] = href(f"{web}/runs")
        doc["_links"]["report_subscriptions"] = href(f"{web}/subscriptions")
    else:
        report = world.reports[schedule.parent]
        # the fields and rel the OpenAPI file adds (ReportSchedule, ReportScheduleLinks)
        doc.update(
            {
                "name": schedule.name,
                "report_name": report.name,
                "report_token": report.token,
                "report_type": "Report",
                "delivery": "email",
                "subscriber_count": 0,
            }
        )
        doc["_links"]["report_web"] = href(f"/{world.account}/reports/{report.token}")
    return doc


def duplicate_doc(world: World, duplicate: Duplicate) -> dict[str, Any]:
    base = f"/api/{world.account}/reports/{duplicate.report}/runs/{duplicate.run}/duplicates/{duplicate.token}"
    state = world.duplicate_state(duplicate)
    done = state == "succeeded"
    links = {
        "self": href(base),
        "report": href(f"/api/{world.account}/reports/{duplicate.report}"),
        "report_run": href(f"/api/{world.account}/reports/{duplicate.report}/runs/{duplicate.run}"),
    }
    if done:
        links["duplicated_report"] = href(f"/api/{world.account}/reports/{duplicate.new_report}")
    return {
        "token": duplicate.token,
        "state": state,
        "created_at": world.clock.timestamp(duplicate.created),
        "updated_at": world.clock.timestamp(duplicate.created),
        "report_token": duplicate.new_report if done else None,
        "collection_id": duplicate.collection_id,
        "_links": links,
    }


def collection_doc(
    path: str, key: str, items: list[dict[str, Any]], next_path: str | None
) -> dict[str, Any]:
    links = {"self": href(path)}
    if next_path is not None:
        links["next_page"] = href(next_path)
    return {"_links": links, "_embedded": {key: items}}
