"""``modehal results REPORT RUN [--query-run TOKEN]``: save an existing run's results."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ._common import CommandError, add_sim_option, connect
from ._output import (
    LATEST,
    add_format_option,
    add_output_option,
    add_run_argument,
    check_output,
    report_written,
    resolve_run,
    save_results,
)

if TYPE_CHECKING:
    from ..api import QueryRun, ReportRun

EPILOG = f"""\
RUN may be '{LATEST}': the report's most recently created run (with --sim, where every
invocation starts a fresh simulator, that is the way to name a run). --latest instead of RUN
takes the report's latest successful run.

Standard output gets the data (with -o -) or the path of each file written, one a line;
the download's progress bar goes to standard error when it is a terminal.

examples:
  modehal results 9f2c1a0b3d4e 5d1e2f3a4b6c -o revenue.csv
  modehal results 9f2c1a0b3d4e --latest -o revenue.csv
  modehal results 9f2c1a0b3d4e {LATEST} --query-run 'Daily Revenue' -o - | head
  modehal results 247af7b0b7d2 {LATEST} --sim -o /tmp
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "results",
        help="save the results of an existing report run, or of one of its queries",
        description="Save the results of run RUN of REPORT: every query's, or with\n"
        "--query-run one query's.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("report", metavar="REPORT", help="the report's token")
    add_run_argument(parser, optional=True)
    parser.add_argument(
        "--latest",
        action="store_true",
        help="instead of RUN: the report's latest successful run (no new run is started)",
    )
    parser.add_argument(
        "--query-run",
        metavar="TOKEN",
        default=None,
        help="save this query run's rows only: its token, or its query's name",
    )
    add_format_option(parser)
    add_output_option(parser)
    add_sim_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.latest == (args.run_token is not None):
        raise CommandError("give RUN, or --latest for the latest successful run (not both)")
    check_output(args.output)
    with connect(args) as client:
        if args.latest:
            report_run = client.reports.latest_run(args.report)
        else:
            report_run = resolve_run(client, args.report, args.run_token)
        _check_finished(report_run, args.report)
        if args.query_run is None:
            results = report_run.results(format=args.format)
        else:
            results = _query_run(report_run, args.query_run).results(format=args.format)
        hint = f"modehal results {args.report} {report_run.token}"
        report_written(save_results(results, args.output, query_hint=hint))
    return 0


def _check_finished(report_run: ReportRun, report: str) -> None:
    state = report_run.state
    if state in report_run.success_states:
        return
    label = f"run {report_run.token} of report {report}"
    if state in report_run.failure_states:
        raise CommandError(f"{label} ended {state}: it has no results")
    raise CommandError(
        f"{label} is {state}: it has no results yet (try again once it has finished)"
    )


def _query_run(report_run: ReportRun, wanted: str) -> QueryRun:
    """The query run whose token, else whose query's name, is ``wanted``."""
    query_runs = list(report_run.query_runs())
    for query_run in query_runs:
        if query_run.token == wanted:
            return query_run
    named = [query_run for query_run in query_runs if query_run.query_name == wanted]
    if len(named) == 1:
        return named[0]
    listing = "".join(f"\n  {q.token}  {q.query_name or ''}" for q in query_runs) or " none"
    problem = "several query runs whose query is named" if named else "no query run"
    raise CommandError(
        f"run {report_run.token} has {problem} {wanted!r}; its query runs (token, query) are:"
        f"{listing}"
    )
