"""``modehal run R1 R2 R3 --concurrency 4 -o DIR/``: several reports at once, through
``client.run_reports``, each report's results saved into DIR, and a summary table."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from .._errors import ModeError, RunFailed
from .._jobs_runs import RunOutcome, RunsInterrupted
from ._common import CommandError, connect
from ._output import STDOUT, poll_interval, save_results


def run_many(args: argparse.Namespace) -> int:
    if args.output == STDOUT:
        raise CommandError(
            "several reports' results cannot all go to standard output: -o a directory"
        )
    output = args.output or "."
    directory = Path(output)
    if directory.exists() and not directory.is_dir():
        raise CommandError(f"with several reports -o names a directory; {directory} is a file")
    if not directory.exists():
        if not output.endswith(("/", os.sep)):  # a typo, or a file name: not made a directory
            raise CommandError(
                f"with several reports -o names a directory: there is no {directory} (write "
                f"{output}/ to have it made)"
            )
        directory.mkdir(parents=True)
    rows: list[tuple[str, str, str, str]] = []
    with connect(args) as client:
        outcomes = client.run_reports(
            args.reports,
            parameters=args.parameters or None,
            concurrency=args.concurrency or 4,
            timeout=args.timeout,
            poll_interval=poll_interval(args),
        )
        try:
            for outcome in outcomes:
                rows.append(_finish(outcome, directory, args.format))
                print("  ".join(rows[-1]), file=sys.stderr, flush=True)
        except KeyboardInterrupt as interrupt:
            # Within the loop it names the runs itself; while a result was being saved, the
            # loop still knows which runs are in flight.
            told = interrupt if isinstance(interrupt, RunsInterrupted) else outcomes.interrupted()
            print(f"\nmodehal: {told}", file=sys.stderr, flush=True)
            raise
    print(_table(rows))
    return 0 if all(state == "succeeded" for _, _, state, _ in rows) else 1


def _finish(outcome: RunOutcome, directory: Path, format: str) -> tuple[str, str, str, str]:
    """The summary row of one report: its results saved when it succeeded."""
    run = outcome.run
    token = run.token if run is not None else "-"
    if not outcome.ok:
        state = run.state if run is not None else "error"
        why = why_failed(run) if isinstance(outcome.error, RunFailed) else ""
        return outcome.report, token, str(state), _one_line(f"{outcome.error}{why}")
    try:
        results = run.results(format=format)
        paths = save_results(results, str(directory / f"{outcome.report}.{format}"))
    except (ModeError, CommandError) as error:
        return outcome.report, token, "succeeded", _one_line(f"saving failed: {error}")
    return outcome.report, token, str(run.state), f"{sum(map(_rows, paths))} rows"


def _rows(path: Path) -> int:
    """Rows in a saved file: a CSV's lines of data, a JSON array's items."""
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return len(data) if isinstance(data, list) else 1
    with path.open(encoding="utf-8-sig", newline="") as file:
        return max(0, sum(1 for _ in csv.reader(file)) - 1)


def _one_line(text: str) -> str:
    return " / ".join(line.strip() for line in text.splitlines() if line.strip())


def _table(rows: list[tuple[str, str, str, str]]) -> str:
    header = ("report", "run", "state", "rows or error")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3]
        for row in [header, *rows]
    )


def why_failed(run: Any) -> str:
    """What the failed queries say, if Mode says anything."""
    try:
        failures = [
            f"query {query_run.query_name or query_run.token!r}: "
            + ": ".join(part for part in (query_run.error_code, query_run.error_message) if part)
            for query_run in run.query_runs()
            if query_run.error_code or query_run.error_message
        ]
    except ModeError as error:
        print(f"modehal: could not read the run's query runs: {error}", file=sys.stderr)
        return ""
    return "".join(f"\n  {failure}" for failure in failures)
