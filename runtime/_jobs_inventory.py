"""``modehal.inventory()``: the workspace as flat records, for a data catalog.

Spaces, reports, queries, charts and members come from the Discovery API's account-wide
listings when the client holds Discovery credentials (a few pages each), else from the REST
listings (spaces; each space's reports; each report's queries; each query's charts). Schedules
are listed report by report, and data sources once, in REST: Discovery has no listing of them.
Each record holds the documented fields of what Mode sent, plus the tokens that tie the kinds
together under the same names whichever API answered: ``space_token``, ``report_token``,
``query_token``, ``data_source_token`` and ``owner`` (the creator: an email from Discovery, a
username from REST's ``creator`` link; None when Mode does not say).
"""

from __future__ import annotations

import csv
import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ._errors import InvalidParameter, ModeError, NotFound
from ._jobs_walk import PER_PAGE, counted, creator, flat, has_discovery, rest_reports, rest_spaces

Record = dict[str, Any]
Progress = Callable[[str], None]

FORMATS = ("jsonl", "csv", "parquet")


@dataclass
class Inventory:
    """A workspace's spaces, reports, queries, charts, schedules, members and data sources,
    each a list of flat dicts (see ``modehal.inventory``)."""

    spaces: list[Record] = field(default_factory=list)
    reports: list[Record] = field(default_factory=list)
    queries: list[Record] = field(default_factory=list)
    charts: list[Record] = field(default_factory=list)
    schedules: list[Record] = field(default_factory=list)
    members: list[Record] = field(default_factory=list)
    data_sources: list[Record] = field(default_factory=list)
    requests: int = 0

    def kinds(self) -> dict[str, list[Record]]:
        """Each kind's records, by the kind's name."""
        return {
            item.name: getattr(self, item.name) for item in fields(self) if item.name != "requests"
        }

    def save(self, directory: str | os.PathLike[str], format: str = "jsonl") -> list[Path]:
        """Write one ``<kind>.<format>`` file per kind into ``directory`` (made if need be) and
        return their paths. ``jsonl``: one JSON object a line; ``csv``: a header of every
        field, objects and lists as JSON, None as an empty cell; ``parquet``: needs pyarrow
        (``pip install "modehal[arrow]"``), objects and lists as JSON text."""
        if format not in FORMATS:
            raise InvalidParameter(
                f"Inventory.save: format must be one of {', '.join(FORMATS)}, got {format!r}"
            )
        writer = _parquet_writer() if format == "parquet" else _WRITERS[format]
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        written = []
        for kind, records in self.kinds().items():
            path = root / f"{kind}.{format}"
            temporary = path.with_name(f".{path.name}.modehal-tmp")
            try:
                writer(temporary, records)
                os.replace(temporary, path)
            finally:
                temporary.unlink(missing_ok=True)
            written.append(path)
        return written


def inventory(client: Any, *, progress: Progress | None = None) -> Inventory:
    """Read the workspace's catalog into an ``Inventory``, with the fewest requests: Discovery's
    account-wide listings where the client has Discovery credentials, REST paging elsewhere
    (see the module's docstring). ``progress`` is called with the kind of each record read."""
    job = counted(client)
    tick: Progress = progress or (lambda kind: None)
    found = Inventory()
    if has_discovery(job):
        _discovery(job, found, tick)
    else:
        _rest(job, found, tick)
    sources = {}
    for source in job.call("data_sources.list"):
        record = flat(source)
        sources[record.get("id")] = record.get("token")
        found.data_sources.append(record)
        tick("data_sources")
    for query in found.queries:
        if query.get("data_source_token") is None:
            query["data_source_token"] = sources.get(query.get("data_source_id"))
    for report in found.reports:
        try:
            schedules = list(job.call("report_schedules.list", report=report["token"]))
        except NotFound:  # deleted since it was listed (or listed by Discovery only)
            continue
        for schedule in schedules:
            found.schedules.append({**flat(schedule), "report_token": report["token"]})
            tick("schedules")
    found.requests = job._sent
    return found


def _discovery(client: Any, found: Inventory, tick: Progress) -> None:
    everywhere = {"include_spaces": "all", "per_page": PER_PAGE}
    listings: list[tuple[str, str, dict[str, Any]]] = [
        ("spaces", "spaces.list_all", {"per_page": PER_PAGE}),
        ("reports", "reports.list", everywhere),
        ("queries", "queries.list_all", everywhere),
        ("charts", "charts.list_all", everywhere),
        ("members", "memberships.list_all", {"per_page": PER_PAGE}),
    ]
    for kind, operation, arguments in listings:
        records = getattr(found, kind)
        for item in client.call(operation, **arguments):
            record = flat(item)
            if "creator_email" in record:
                record["owner"] = record["creator_email"]
            records.append(record)
            tick(kind)


def _rest(client: Any, found: Inventory, tick: Progress) -> None:
    spaces = rest_spaces(client)
    found.spaces += [flat(space) for space in spaces]
    for _ in spaces:
        tick("spaces")
    for space, report in rest_reports(client, spaces):
        space_token = space.data.get("token")
        owner = creator(client, report)
        found.reports.append({**flat(report), "space_token": space_token, "owner": owner})
        tick("reports")
        report_token = report.data.get("token")
        for query in client.call("queries.list", report=report_token):
            query_token = query.data.get("token")
            found.queries.append(
                {
                    **flat(query),
                    "report_token": report_token,
                    "space_token": space_token,
                    "data_source_token": None,  # filled in from the data sources' ids
                    "owner": creator(client, query),
                }
            )
            tick("queries")
            for chart in client.call("charts.list", report=report_token, query=query_token):
                found.charts.append(
                    {**flat(chart), "query_token": query_token, "report_token": report_token}
                )
                tick("charts")
    for member in client.call("memberships.list"):
        found.members.append(flat(member))
        tick("members")


# -- writing -----------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A value for a flat file: objects and lists as JSON text, the rest as they are."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _columns(records: list[Record]) -> list[str]:
    return list(dict.fromkeys(key for record in records for key in record))


def _write_jsonl(path: Path, records: list[Record]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


def _write_csv(path: Path, records: list[Record]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=_columns(records))
        writer.writeheader()
        for record in records:
            writer.writerow({key: _cell(value) for key, value in record.items()})


def _parquet_writer() -> Callable[[Path, list[Record]], None]:
    try:  # imported here: pyarrow is an optional extra, and a heavy import
        pyarrow = importlib.import_module("pyarrow")
        parquet = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise ModeError(
            'Inventory.save(format="parquet") needs pyarrow: pip install "modehal[arrow]"'
        ) from None

    def write(path: Path, records: list[Record]) -> None:
        columns = _columns(records)
        rows = [{key: _cell(record.get(key)) for key in columns} for record in records]
        for key in columns:  # a column Mode filled with values of several types: as text
            if len({type(row[key]) for row in rows if row[key] is not None}) > 1:
                for row in rows:
                    row[key] = None if row[key] is None else str(row[key])
        parquet.write_table(pyarrow.Table.from_pylist(rows), str(path))

    return write


_WRITERS: dict[str, Callable[[Path, list[Record]], None]] = {
    "jsonl": _write_jsonl,
    "csv": _write_csv,
}
