"""The models the world already holds, bound into the generic store by resource name.

Their records mirror the world (``Store.sync``); a report served by ``reports.get`` is the
report whose runs ``report_runs.create`` starts, and deleting it deletes those runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from . import _documents as docs
from ._store import Binding, Record
from ._world import Query, Report, World

Items = Iterator[tuple[tuple[str, ...], str, dict[str, str]]]


def _reports(world: World) -> Items:
    for report in sorted(world.reports.values(), key=lambda r: r.id):
        joins = {"space": report.space_token}
        if report.queries:  # listed under the data source its (first) query reads
            joins["data_source"] = report.queries[0].data_source_token
        yield (), report.token, joins


def _report(world: World, record: Record) -> Report | None:
    return world.reports.get(record.token)


def _render_report(world: World, record: Record) -> dict[str, Any] | None:
    report = _report(world, record)
    return docs.report_doc(world, report) if report else None


def _change_report(world: World, record: Record, values: dict[str, Any]) -> None:
    report = _report(world, record)
    if report is None:
        return
    for name in ("name", "description", "archived"):
        if name in values:
            setattr(report, name, values[name])


def _remove_report(world: World, record: Record) -> None:
    world.remove_report(record.token)


def _datasets(world: World) -> Items:
    for token in world.datasets:
        yield (), token, {}


def _render_dataset(world: World, record: Record) -> dict[str, Any] | None:
    dataset = world.datasets.get(record.token)
    return docs.dataset_doc(world, dataset) if dataset else None


def _change_dataset(world: World, record: Record, values: dict[str, Any]) -> None:
    dataset = world.datasets.get(record.token)
    if dataset is not None and isinstance(values.get("name"), str):
        dataset.name = values["name"]


def _queries(world: World) -> Items:
    for report in sorted(world.reports.values(), key=lambda r: r.id):
        for query in report.queries:
            yield (report.token,), query.token, {}


def _query(world: World, record: Record) -> tuple[Report, Query] | None:
    report = world.reports.get(record.scope.get("report", ""))
    if report is None:
        return None
    query = next((q for q in report.queries if q.token == record.token), None)
    return (report, query) if query is not None else None


def _render_query(world: World, record: Record) -> dict[str, Any] | None:
    found = _query(world, record)
    return docs.query_doc(world, *found) if found else None


def _make_query(world: World, record: Record) -> None:
    """A query made through the API joins its report: the report's next run runs it too."""
    report = world.reports.get(record.scope.get("report", ""))
    if report is not None:
        name = record.fields.get("name") or f"Query {len(report.queries) + 1}"
        source = record.fields.get("data_source_id")
        report.queries.append(
            Query(
                record.token, str(name), world.clock.now(), source if isinstance(source, int) else 7
            )
        )


def _change_query(world: World, record: Record, values: dict[str, Any]) -> None:
    found = _query(world, record)
    if found is not None and isinstance(values.get("name"), str):
        found[1].name = values["name"]


def _remove_query(world: World, record: Record) -> None:
    found = _query(world, record)
    if found is not None:
        found[0].queries.remove(found[1])


def _schedules(kind: str) -> Callable[[World], Items]:
    def items(world: World) -> Items:
        for schedule in world.schedules.values():
            if schedule.kind == kind:
                yield (schedule.parent,), schedule.token, {}

    return items


def _render_schedule(world: World, record: Record) -> dict[str, Any] | None:
    schedule = world.schedules.get(record.token)
    return docs.schedule_doc(world, schedule) if schedule else None


def _remove_schedule(world: World, record: Record) -> None:
    world.remove_schedule(record.token)


def _runs(kind: str) -> Callable[[World], Items]:
    def items(world: World) -> Items:
        for run in world.runs.values():
            if run.kind == kind:
                yield (run.parent,), run.token, {}

    return items


def _render_run(world: World, record: Record) -> dict[str, Any] | None:
    run = world.runs.get(record.token)
    return docs.run_doc(world, run) if run else None


def _query_runs(world: World) -> Items:
    for run in world.runs.values():
        if run.kind == "report":
            for query_run in world.query_runs(run):
                yield (run.parent, run.token), query_run.token, {}


def _duplicates(world: World) -> Items:
    for duplicate in world.duplicates.values():
        yield (duplicate.report, duplicate.run), duplicate.token, {}


BINDINGS: dict[str, Binding] = {
    "report": Binding(
        _reports, render=_render_report, change=_change_report, remove=_remove_report
    ),
    "dataset": Binding(
        _datasets, render=_render_dataset, change=_change_dataset, remove=_remove_report
    ),
    "query": Binding(
        _queries, render=_render_query, make=_make_query, change=_change_query, remove=_remove_query
    ),
    "report_schedule": Binding(
        _schedules("report"), render=_render_schedule, remove=_remove_schedule
    ),
    "dataset_schedule": Binding(
        _schedules("dataset"), render=_render_schedule, remove=_remove_schedule
    ),
    "report_run": Binding(_runs("report"), render=_render_run),
    "dataset_run": Binding(_runs("dataset"), render=_render_run),
    "query_run": Binding(_query_runs),
    "report_run_duplicate": Binding(_duplicates),
}


def _space_tokens(world: World) -> list[str]:
    return sorted({report.space_token for report in world.reports.values()})


def _data_source_tokens(world: World) -> list[str]:
    # the token a query run names its data source by (docs.query_run_doc)
    queries = [q for r in world.reports.values() for q in r.queries]
    return sorted({q.data_source_token for q in queries})


# Tokens the world already names for a model it does not hold: the space its reports sit in,
# the data source its queries run on. The store seeds those resources under these tokens.
KNOWN_TOKENS: dict[str, Callable[[World], list[str]]] = {
    "space": _space_tokens,
    "data_source": _data_source_tokens,
}
