"""Checked by `mypy --strict` in CI (not run): the typed surface works as the README says.

A line marked ``# type: ignore[...]`` must be an error: with ``--strict`` an ignore that is
not needed is itself an error, so these lines prove mypy rejects what it should.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import modehal
from modehal.api import (
    REPORT_RUNS_GET,
    AsyncQueryRun,
    AsyncReportRun,
    AsyncReportSchedule,
    AuditLog,
    Cron,
    DiscoveryReport,
    PdfExport,
    Query,
    QueryRun,
    Report,
    ReportRun,
    ReportSchedule,
    Space,
    UserGroup,
)


def walk(client: modehal.Client) -> None:
    run: ReportRun = client.report_runs.create("r", parameters={"user_id": 123})
    state: str = run.state
    created: datetime | None = run.created_at
    finished: ReportRun = run.wait(timeout=60)
    schedule: ReportSchedule = finished.follow("report_schedule")
    report: Report = run.follow("report")
    for past in schedule.follow("report_runs"):
        token: str = past.token
    anything: modehal.Resource[Any] = run.follow("executed_by")
    run.follow("report_schedul")  # type: ignore[call-overload]
    client.report_runs.list("r", order="sideways")  # type: ignore[arg-type]
    client.report_schedules.create("r", cron=Cron(freq="daily", hour=3))
    client.report_schedules.create("r", cron={"freq": "daily"})
    # a schedule's report parameters by Mode's name or by a run's (issue 24 D11), typed alike
    client.report_schedules.create("r", cron={"freq": "daily"}, params={"region": "emea"})
    client.report_schedules.update("r", "s", parameters={"region": "emea"})
    client.report_schedules.create("r", cron={}, parameters=["emea"])  # type: ignore[arg-type]
    if run.state == "succeded":  # type: ignore[comparison-overlap]
        pass
    runs: modehal.Collection[ReportRun] = client.report_runs.list("r")
    first: ReportRun | None = runs.first()
    some: list[ReportRun] = runs.take(5)
    for page in runs.pages():
        on_page: list[ReportRun] = page.items
    same: ReportRun = client.call(REPORT_RUNS_GET, report="r", run="f")
    by_name: Any = client.call("report_runs.get", report="r", run="f")
    client.report_schedules.delete("r", "s")
    print(state, created, report, token, anything, first, some, on_page, same, by_name)


def get_the_data_out(client: modehal.Client, run: ReportRun) -> None:
    results: modehal.Results = run.results()
    rows: list[dict[str, Any]] = list(run.results(format="json").rows())
    tables: dict[str, modehal.Results] = results.tables()
    run.results(format="xlsx")  # type: ignore[arg-type]
    query_runs: modehal.Collection[QueryRun] = run.query_runs()
    for query_run in query_runs:
        name: str | None = query_run.query_name
        one: modehal.Results = query_run.results(format="csv")
    pdf: modehal.Download = run.export_pdf(timeout=300)
    job: PdfExport = client.pdf_exports.get("r", "run")
    done: PdfExport = job.wait()
    path: Path = client.report_runs.results("r", "run").save("out.csv")
    raw: bytes = client.download("/api/hogwarts/reports/r/runs/x/results/content.csv").read()
    print(rows, tables, name, one, pdf, done, path, raw)


def the_whole_api(client: modehal.Client, since: datetime) -> None:
    listed: modehal.Collection[DiscoveryReport] = client.reports.list(per_page=100)
    report: Report = client.reports.get("r")
    cloned: Report = client.report_runs.clone("r", "run")
    space: Space = report.follow("space")
    for query in client.queries.list(report.token):
        sql: str | None = query.raw_query
        again: Query = query.follow("self")
    client.queries.create("r", raw_query="select 1", data_source_id=1)
    client.queries.create("r", raw_query="select 1")  # type: ignore[call-arg]
    group: UserGroup = client.groups.create(name="analysts")
    logs: modehal.Collection[AuditLog] = client.audit_logs.list(
        start_timestamp=since, end_timestamp=datetime.now()
    )
    client.reports.list_in_space(space.token)
    client.reports.purge(time="2024-01-01")
    print(listed, cloned, sql, again, group, logs)


def jobs(client: modehal.Client, directory: Path) -> None:
    latest: ReportRun = client.reports.latest_run("r")
    when: datetime | None = latest.completed_at
    results: modehal.Results = client.reports.latest_results("r", format="json")
    for outcome in client.run_reports(["a", "b"], concurrency=2, timeout=60.0):
        ok: bool = outcome.ok
        error: modehal.ModeError | None = outcome.error
    summary: modehal.ExportSummary = modehal.export_sql(client, directory, spaces=["s"])
    added: list[Path] = summary.added
    catalog: modehal.Inventory = modehal.inventory(client)
    written: list[Path] = catalog.save(directory, format="csv")
    stale: list[modehal.StaleReport] = modehal.stale_reports(client, days=90)
    latest_report: Report = client.reports.latest_run("r")  # type: ignore[assignment]


async def walk_async(client: modehal.AsyncClient) -> None:
    run: AsyncReportRun = await client.report_runs.get("r", "run")
    state: str = run.state  # the same fields as a ReportRun, from the same class
    created: datetime | None = run.created_at
    schedule: AsyncReportSchedule = await run.follow("report_schedule")
    finished: AsyncReportRun = await run.wait(timeout=600)
    fresh: AsyncReportRun = await run.refresh()
    await run.follow("report_schedul")  # type: ignore[call-overload]
    blocking: ReportSchedule = await run.follow("report_schedule")  # type: ignore[assignment]
    runs: modehal.AsyncCollection[AsyncReportRun] = client.report_runs.list("r")
    async for past in runs:
        token: str = past.token
    first: AsyncReportRun | None = await runs.first()
    some: list[AsyncReportRun] = await runs.take(5)
    async for page in runs.pages():
        on_page: list[AsyncReportRun] = page.items
    fetched: modehal.AsyncCollection[AsyncReportRun] = await client.report_runs.list("r")
    by_name: Any = await client.call("report_runs.get", report="r", run="f")
    anything: modehal.AsyncResource[Any] = await client.get("/api/hogwarts/reports/r")
    quick = client.with_options(timeout=5.0)
    again: AsyncReportRun = await quick.report_runs.get("r", "run")
    await client.report_schedules.delete("r", "s")
    client.report_runs.list("r", order="sideways")  # type: ignore[arg-type]
    print(state, created, schedule, finished, fresh, token, first, some, on_page, fetched)
    print(by_name, anything, again)


async def get_the_data_out_async(client: modehal.AsyncClient, run: AsyncReportRun) -> None:
    results: modehal.AsyncResults = await run.results()
    async for row in (await run.results(format="json")).rows():
        value: Any = row["id"]
    async for chunk in results.iter_bytes():
        size: int = len(chunk)
    tables: dict[str, modehal.Results] = await (await run.results()).tables()
    path: Path = await (await run.results()).save("out.csv")
    pdf: modehal.AsyncDownload = await run.export_pdf(timeout=300)
    query_runs: modehal.AsyncCollection[AsyncQueryRun] = await run.query_runs()
    async with modehal.AsyncClient("t", "s", account="a") as other:
        await other.aclose()
    print(value, size, tables, path, pdf, query_runs)


def options(hook: Any) -> None:
    """The client options of issue 24 A, as the README shows them."""
    import requests

    def on_response(view: modehal.ResponseView) -> None:
        status: int = view.status
        first: modehal.RequestView = view.request
        attempt: int = first.attempt

    client = modehal.Client(
        session=requests.Session(),
        verify="/etc/ssl/corp-ca.pem",
        cert=("client.pem", "client.key"),
        proxies={"https": "http://proxy:3128"},
        headers={"X-Team": "data-eng"},
        user_agent="myapp/1.2",
        event_hooks={"request": [hook], "response": [on_response]},
        retry=modehal.Retry(max_retries=5, statuses=frozenset({429, 503})),
    )
    policy: modehal.Retry = client.with_options(retry=modehal.Retry(backoff=1.0)).retry
    modehal.Client(verify=3)  # type: ignore[arg-type]
