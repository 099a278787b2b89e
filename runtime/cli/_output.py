"""What ``run``, ``results`` and ``pdf`` share: their options, waiting with the state on
stderr, and saving a download (to a file, a directory, or standard output) with a progress bar
when stderr is a terminal.

Standard output carries the command's product only: the data with ``-o -``, else the path of
each file written, one a line. Everything else (the run's state, progress bars) goes to
stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._decode import TooDeep, loads
from .._download import Download
from .._filenames import safe_name
from .._results import Results
from ._common import CommandError

if TYPE_CHECKING:
    from ..api import ReportRun

STDOUT = "-"
LATEST = "latest"
DEFAULT_TIMEOUT = 600.0

Update = Callable[[int], object]


# -- options ---------------------------------------------------------------------------------


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("csv", "json"),
        default="csv",
        help="csv (default): every query's rows; json: rows as a JSON array of objects (a "
        "report run's JSON holds its first query's rows only: that is all Mode sends)",
    )


def add_output_option(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    if required:
        text = "the file to write, a directory to save into under Mode's file name, or - for stdout"
    else:
        text = (
            "where to save: a file, a directory (saved under Mode's file name), or - for "
            "standard output (default: the current directory). Results holding one table per "
            "query are saved one file per query beside PATH, named after the query: out.csv -> "
            "'out-Daily Revenue.csv'; a PATH ending in .zip keeps Mode's zip as it is"
        )
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        required=required,
        default=None,
        help=text,
    )


def add_timeout_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for {what} (default {DEFAULT_TIMEOUT:g}); it goes on in Mode "
        "after that",
    )


def add_run_argument(parser: argparse.ArgumentParser, *, optional: bool = False) -> None:
    parser.add_argument(
        "run_token",  # not `run`: that is the command's function
        metavar="RUN",
        nargs="?" if optional else None,
        help=f"the report run's token, or '{LATEST}' for the report's most recent run",
    )


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def parameter(text: str) -> tuple[str, Any]:
    """``NAME=VALUE``: the value as JSON when it parses as JSON, else as the text it is."""
    name, equals, value = text.partition("=")
    name = name.strip()
    if not equals or not name:
        raise argparse.ArgumentTypeError(
            f"expected NAME=VALUE, such as region=emea or 'ids=[1,2]', got {text!r}"
        )
    return name, json_or_text(value)


def json_or_text(text: str) -> Any:
    try:
        return loads(text, constants=False)  # NaN and Infinity are not JSON: text
    except TooDeep as exc:  # JSON meant as such, but no request could carry it
        raise argparse.ArgumentTypeError(f"{text[:40]}...: {exc}") from None
    except ValueError:
        return text


class CollectParameters(argparse.Action):
    """``--param NAME=VALUE`` repeated: a dict, each name at most once."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        name, value = values if isinstance(values, tuple) else ("", None)
        parameters = dict(getattr(namespace, self.dest, None) or {})
        if name in parameters:
            raise argparse.ArgumentError(
                self,
                f"{name!r} is given twice; for several values pass one JSON array: "
                f'--param \'{name}=["a", "b"]\'',
            )
        parameters[name] = value
        setattr(namespace, self.dest, parameters)


def poll_interval(args: argparse.Namespace) -> float:
    """The first wait between polls: the simulator's clock runs 20 times faster than Mode's."""
    return 0.05 if getattr(args, "sim", False) else 1.0


# -- runs ------------------------------------------------------------------------------------


def resolve_run(client: Any, report: str, run: str) -> ReportRun:
    """The run ``run`` of ``report``; ``latest`` is the most recently created one."""
    if run != LATEST:
        found: ReportRun = client.report_runs.get(report, run)
        return found
    runs = client.report_runs.list(report, order="desc", order_by="created_at")
    latest: ReportRun | None = next(iter(runs), None)
    if latest is None:
        raise CommandError(
            f"report {report} has no runs yet: start one with `modehal run {report}`"
        )
    return latest


def wait_progress(label: str) -> Callable[[Any], None] | bool:
    """For ``wait(progress=...)``: the library's status line on a terminal; elsewhere (a log
    file, a pipe) one plain line per state the resource goes through."""
    if is_terminal(sys.stderr):
        return True
    seen: list[object] = []

    def note(resource: Any) -> None:
        state = resource.data.get("state")
        if not seen or seen[-1] != state:
            seen.append(state)
            print(f"{label}: {state}", file=sys.stderr, flush=True)

    return note


# -- saving ----------------------------------------------------------------------------------


def save_results(results: Results, output: str | None, *, query_hint: str = "") -> list[Path]:
    """Save ``results`` to ``output`` (see ``add_output_option``) and return the files
    written (none for standard output). ``query_hint`` is the command that saves one query's
    rows, for the error when several tables cannot go to standard output."""
    with results:
        if output == STDOUT:
            _to_stdout(_one_table(results, query_hint))
            return []
        chosen = _writable(Path(output or "."))
        named_by_mode = chosen.is_dir()
        target = chosen / results.filename if named_by_mode else chosen
        if results.format != "zip" or (not named_by_mode and target.suffix.lower() == ".zip"):
            return [_save(results, target)]
        with progress_bar(results) as update:
            tables = _metered(results, update).tables()
        try:
            if len(tables) == 1:
                (table,) = tables.values()
                if named_by_mode:  # Mode's name, with the table's extension instead of .zip
                    target = target.with_suffix(_suffix(table))
                return [_save(table, target, bar=False)]
            return [
                _save(table, path, bar=False)
                for path, table in zip(_table_paths(target, tables), tables.values())
            ]
        finally:
            for table in tables.values():
                table.close()


def save_download(download: Download, output: str) -> list[Path]:
    """Save a download (a PDF) as it is; the file written, or none for standard output."""
    with download:
        if output == STDOUT:
            _to_stdout(download)
            return []
        return [_save(download, _writable(Path(output)))]


def check_output(output: str | None) -> None:
    """Refuse an ``-o`` PATH that cannot be written, before anything is sent: a run triggered
    only to fail at the end would go on in Mode (and count against its limits) for nothing."""
    if output != STDOUT:
        _writable(Path(output or "."))


def _writable(target: Path) -> Path:
    """``target``, checked before anything is downloaded: a directory, or a file in one."""
    if not target.is_dir() and not target.parent.is_dir():
        raise CommandError(f"cannot save to {target}: there is no directory {target.parent}")
    return target


def _save(download: Download, target: Path, *, bar: bool = True) -> Path:
    try:
        if not bar:
            return download.save(target)
        with progress_bar(download) as update:
            return download.save(target, progress=update)
    except OSError as error:  # permissions, a full disk: told, not a traceback
        raise CommandError(f"cannot save to {target}: {error.strerror or error}") from None


def _one_table(results: Results, query_hint: str) -> Results:
    if results.format != "zip":
        return results
    tables = results.tables()
    if len(tables) == 1:
        return next(iter(tables.values()))
    for table in tables.values():
        table.close()
    names = ", ".join(repr(name) for name in tables)
    raise CommandError(
        f"these results hold {len(tables)} tables, one per query ({names}), and standard output "
        "takes one: save them with -o PATH, or write one query's rows with "
        f"`{query_hint or 'modehal results REPORT RUN'} --query-run QUERY -o -`"
    )


def _to_stdout(download: Download) -> None:
    sys.stdout.flush()
    out = sys.stdout.buffer
    for chunk in download.iter_bytes():
        out.write(chunk)
    out.flush()


def _table_paths(target: Path, tables: dict[str, Results]) -> list[Path]:
    """One plain file per table beside ``target``, named ``STEM-QUERY.csv``; never the same
    name twice (case aside)."""
    used: set[str] = set()
    paths = []
    for name, table in tables.items():
        suffix = _suffix(table)
        stem = f"{target.stem}-{safe_name(name)}"
        candidate, number = f"{stem}{suffix}", 1
        while candidate.lower() in used:
            number += 1
            candidate = f"{stem}-{number}{suffix}"
        used.add(candidate.lower())
        paths.append(target.parent / candidate)
    return paths


def _suffix(table: Results) -> str:
    """The extension of a table's file: its own in the zip, else the format's."""
    suffix = Path(table.filename).suffix.lower()
    return suffix if suffix in (".csv", ".json") else f".{table.format}"


# -- progress bars ---------------------------------------------------------------------------


@contextmanager
def progress_bar(download: Download) -> Iterator[Update | None]:
    """A tqdm bar of the bytes written when stderr is a terminal, for ``save(progress=...)``;
    None (no bar, no text) otherwise."""
    label = download.filename if len(download.filename) <= 32 else download.filename[:29] + "..."
    with terminal_bar(total=download.size, unit="B", unit_scale=True, desc=label) as bar:
        yield None if bar is None else bar.update


@contextmanager
def terminal_bar(**options: Any) -> Iterator[Any]:
    """A tqdm bar on stderr (``options`` are tqdm's) when stderr is a terminal, else None."""
    if not is_terminal(sys.stderr):
        yield None
        return
    from tqdm import tqdm  # here, not at the top: `import modehal` and `--help` stay fast

    try:
        size = os.get_terminal_size(sys.stderr.fileno())
        sized = size.columns > 0 and size.lines > 0
    except (OSError, ValueError):
        sized = False
    with tqdm(
        file=sys.stderr,
        dynamic_ncols=sized,
        # a terminal that tells no size (a bare pty): tqdm would print nothing
        ncols=None if sized else 80,
        nrows=None if sized else 20,
        leave=True,
        **options,
    ) as bar:
        yield bar


def _metered(results: Results, update: Update | None) -> Results:
    """``results`` reading through ``update`` (for the bar of a body ``tables()`` reads)."""
    if update is None:
        return results

    def chunks(chunk_size: int) -> Iterator[bytes]:
        for chunk in results.iter_bytes(chunk_size):
            update(len(chunk))
            yield chunk

    return Results(
        chunks,
        url=results.url,
        content_type=results.content_type,
        filename=results.filename,
        size=results.size,
        close=results.close,
        max_bytes=results.max_bytes,
    )


def is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # replaced, or closed
        return False


def report_written(paths: list[Path]) -> None:
    for path in paths:
        print(path, flush=True)
