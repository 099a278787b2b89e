"""``modehal.export_sql()``: every query's SQL as files, kept in step with Mode for git.

The layout is ``<space name>--<space token>/<report name>--<report token>/<query name>.sql``,
each name made safe by ``_filenames.safe_name``; queries of one report whose names clash
(case aside, as Windows and macOS compare them) are all named ``<name>--<token>.sql``, so the
result does not depend on the order Mode lists them in. ``modehal-export.json`` lists every
file written with the tokens it came from; a later export compares against it, writes only
what changed, and removes only files it lists.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ._errors import ModeError
from ._filenames import safe_name
from ._jobs_walk import PER_PAGE, counted, has_discovery, rest_reports, rest_spaces

MANIFEST = "modehal-export.json"
_FORMAT = 1


@dataclass
class ExportSummary:
    """What ``export_sql`` did: paths (relative to the directory) added, changed, removed and
    left as they were, and how many requests it made."""

    added: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    requests: int = 0


@dataclass(frozen=True)
class _Query:
    token: str
    name: str
    sql: str
    data_source_token: Any  # the Discovery API names a query's data source by token,
    data_source_id: Any  # the REST API by id
    updated_at: Any
    report: str
    report_name: str
    space: str | None
    space_name: str | None

    def entry(self) -> dict[str, Any]:
        return {
            "query": self.token,
            "name": self.name,
            "report": self.report,
            "report_name": self.report_name,
            "space": self.space,
            "space_name": self.space_name,
            "data_source_token": self.data_source_token,
            "data_source_id": self.data_source_id,
            "updated_at": self.updated_at,
            "sha256": hashlib.sha256(self.sql.encode("utf-8")).hexdigest(),
        }


def export_sql(
    client: Any, directory: str | os.PathLike[str], *, spaces: Iterable[str] | None = None
) -> ExportSummary:
    """Write each query's SQL to ``directory`` (one ``.sql`` per query, in a folder per space
    and per report) and ``modehal-export.json`` beside them; see the module's docstring.

    Incremental: an unchanged workspace writes nothing, a changed query rewrites its file, and
    the files of deleted queries and reports are removed (only files the manifest lists).
    ``spaces`` (tokens) limits the export, and what it may remove, to those spaces. Reads the
    Discovery API's account-wide listings when the client has Discovery credentials (a few
    pages for the whole organization), else the REST listings (one per space, one per report).
    """
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise ModeError(f"export_sql: {root} is not a directory")
    only = None if spaces is None else set(_tokens(spaces))
    job = counted(client)
    queries = _from_discovery(job, only) if has_discovery(job) else _from_rest(job, only)
    old = _read_manifest(root)
    plan = _layout(queries, root, old)
    summary = ExportSummary()
    root.mkdir(parents=True, exist_ok=True)
    for relative, query in sorted(plan.items()):
        path = root / relative
        content = query.sql.encode("utf-8")
        if relative in old and path.is_file() and path.read_bytes() == content:
            summary.unchanged.append(Path(relative))
            continue
        _write(path, content)
        (summary.changed if relative in old else summary.added).append(Path(relative))
    kept = {
        relative: entry
        for relative, entry in old.items()
        if relative not in plan and only is not None and entry.get("space") not in only
    }
    for relative in sorted(set(old) - set(plan) - set(kept)):
        _remove(root, relative)
        summary.removed.append(Path(relative))
    entries = {**kept, **{relative: query.entry() for relative, query in plan.items()}}
    _write_manifest(root, entries, client.account)
    summary.requests = job._sent
    return summary


def _tokens(spaces: Iterable[str]) -> list[str]:
    if isinstance(spaces, str):
        return [spaces]
    return list(spaces)


def _from_discovery(client: Any, only: set[str] | None) -> list[_Query]:
    """Three account-wide listings: queries, reports (their names) and spaces (theirs)."""
    reports = {
        report.data.get("token"): report.data
        for report in client.call("reports.list", include_spaces="all", per_page=PER_PAGE)
    }
    spaces = {
        space.data.get("token"): space.data.get("name")
        for space in client.call("spaces.list_all", per_page=PER_PAGE)
    }
    found = []
    for query in client.call("queries.list_all", include_spaces="all", per_page=PER_PAGE):
        data = query.data
        report = reports.get(data.get("report_token"), {})
        space = data.get("space_token") or report.get("space_token")
        if only is not None and space not in only:
            continue
        found.append(
            _query(
                data,
                report=str(data.get("report_token") or ""),
                report_name=report.get("name"),
                space=space,
                space_name=spaces.get(space),
            )
        )
    return found


def _from_rest(client: Any, only: set[str] | None) -> list[_Query]:
    """Spaces, each space's reports, each report's queries."""
    found = []
    for space, report in rest_reports(client, rest_spaces(client, only)):
        report_token = report.data["token"]
        for query in client.call("queries.list", report=report_token):
            found.append(
                _query(
                    query.data,
                    report=report_token,
                    report_name=report.data.get("name"),
                    space=space.data.get("token"),
                    space_name=space.data.get("name"),
                )
            )
    return found


def _query(
    data: dict[str, Any],
    *,
    report: str,
    report_name: Any,
    space: str | None,
    space_name: str | None,
) -> _Query:
    """A query as either API lists it: its own fields, and where it sits."""
    return _Query(
        token=str(data.get("token") or ""),
        name=str(data.get("name") or ""),
        sql=str(data.get("raw_query") or ""),
        data_source_token=data.get("data_source_token"),
        data_source_id=data.get("data_source_id"),
        updated_at=data.get("updated_at"),
        report=report,
        report_name=str(report_name or ""),
        space=space,
        space_name=space_name,
    )


def _layout(queries: list[_Query], root: Path, old: dict[str, Any]) -> dict[str, _Query]:
    """Each query's file, relative to the export's directory (POSIX separators)."""
    by_report: dict[str, list[_Query]] = {}
    for query in queries:
        if query.token:
            by_report.setdefault(_folder(query), []).append(query)
    plan: dict[str, _Query] = {}
    for folder, members in by_report.items():
        names = [safe_name(query.name, limit=80) for query in members]
        clashes = {name.casefold() for name in names if _count(names, name) > 1}
        for query, name in zip(members, names):
            if name.casefold() in clashes:
                name = f"{name}--{safe_name(query.token)}"
            relative = f"{folder}/{name}.sql"
            # Someone else's file where ours would go: ours takes its token too.
            if relative not in old and (root / relative).exists():
                relative = f"{folder}/{name}--{safe_name(query.token)}.sql"
            plan[relative] = query
    return plan


def _folder(query: _Query) -> str:
    if query.space:
        space = f"{safe_name(query.space_name or '', limit=60, empty='space')}--{safe_name(query.space)}"
    else:
        space = "_no-space"
    report = f"{safe_name(query.report_name, limit=60, empty='report')}--{safe_name(query.report)}"
    return f"{space}/{report}"


def _count(names: list[str], name: str) -> int:
    return sum(1 for other in names if other.casefold() == name.casefold())


def _read_manifest(root: Path) -> dict[str, Any]:
    """The files a previous export wrote, by relative path; entries that would reach outside
    the directory (a manifest edited by hand) are ignored, never acted on."""
    path = root / MANIFEST
    if not path.is_file():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModeError(f"export_sql: cannot read {path}: {error}") from None
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, dict):
        raise ModeError(f"export_sql: {path} is not a modehal export manifest")
    return {
        relative: entry
        for relative, entry in files.items()
        if isinstance(entry, dict) and _inside(relative)
    }


def _inside(relative: object) -> bool:
    if not isinstance(relative, str) or "\\" in relative:
        return False
    parts = PurePosixPath(relative).parts
    return (
        len(parts) == 3
        and not PurePosixPath(relative).is_absolute()
        and all(part not in ("", ".", "..") for part in parts)
        and relative.endswith(".sql")
    )


def _write_manifest(root: Path, files: dict[str, Any], account: str | None) -> None:
    document = {"format": _FORMAT, "account": account, "files": dict(sorted(files.items()))}
    content = (json.dumps(document, indent=2, sort_keys=False) + "\n").encode("utf-8")
    path = root / MANIFEST
    if path.is_file() and path.read_bytes() == content:
        return
    _write(path, content)


def _write(path: Path, content: bytes) -> None:
    """Write ``content`` whole or not at all (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".modehal-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove(root: Path, relative: str) -> None:
    """Remove a file the manifest lists, then its folders if that left them empty."""
    path = root / relative
    path.unlink(missing_ok=True)
    for folder in (path.parent, path.parent.parent):
        try:
            folder.rmdir()  # only ever succeeds on an empty folder
        except OSError:
            break
