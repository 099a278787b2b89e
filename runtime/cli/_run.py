"""``modehal run REPORT [--param NAME=VALUE]...``: run a report, wait for it, save its results."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .._errors import ModeError, RunFailed, Timeout
from ._common import CommandError, add_rate_limit_option, add_sim_option, connect
from ._run_many import run_many, why_failed
from ._output import (
    CollectParameters,
    add_format_option,
    add_output_option,
    add_timeout_option,
    check_output,
    parameter,
    poll_interval,
    report_written,
    save_results,
    wait_progress,
)

EPILOG = """\
parameters:
  Each VALUE is sent as JSON when it parses as JSON (5, 2.5, true, null, [1, 2],
  {"a": 1}, "quoted text"), else as the text it is. Quote it as a JSON string to send
  text that looks like JSON: --param 'limit="5"' sends the text "5".

output:
  Standard output gets the data (with -o -) or the path of each file written, one a
  line; the run's state and the download's progress bar go to standard error (the bar
  only when it is a terminal).

several reports (or --concurrency): they run at once, each report's results are saved
  into the directory -o names (an existing one, or DIR/ to have it made; default: the
  current one) as REPORT.csv, a summary table (report, run, state, rows or error) goes to standard
  output, and the exit status is 1 if any run failed. Ctrl-C stops starting runs and
  lists those that go on in Mode.

examples:
  modehal run 9f2c1a0b3d4e --param region=emea --param 'ids=[1,2]' -o revenue.csv
  modehal run 9f2c1a0b3d4e 0a1b2c3d4e5f 5f4e3d2c1b0a --concurrency 4 -o daily/
  modehal run 9f2c1a0b3d4e -o - | head
  modehal run e3e7c2094cac --sim
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="run a report, wait for it to finish, and save its results",
        description="Run REPORT with the parameters given, wait for the run to finish (its\n"
        "state shown on standard error), then save its results.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "reports",
        nargs="+",
        metavar="REPORT",
        help="the report's token (with --sim: a seeded one, as `modehal sim` lists them); "
        "several run at once, their results saved into the directory -o names",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        metavar="N",
        default=None,
        help="with several reports: at most N runs at once (default 4)",
    )
    add_rate_limit_option(parser)
    parser.add_argument(
        "--param",
        dest="parameters",
        action=CollectParameters,
        type=parameter,
        metavar="NAME=VALUE",
        default=None,
        help="a report parameter (repeat for several); VALUE is sent as JSON when it parses as "
        "JSON, else as text (see below)",
    )
    add_format_option(parser)
    add_output_option(parser)
    add_timeout_option(parser, "the run to finish")
    add_sim_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if len(args.reports) > 1 or args.concurrency is not None:
        return run_many(args)
    (report,) = args.reports
    check_output(args.output)
    with connect(args) as client:
        created = client.report_runs.create(report, parameters=args.parameters or None)
        label = f"run {created.token} of report {report}"
        later = f"save its results later with `modehal results {report} {created.token}`"
        try:
            finished = created.wait(
                timeout=args.timeout,
                poll_interval=poll_interval(args),
                progress=wait_progress(label),
            )
        except RunFailed as failure:
            raise CommandError(f"{label} ended {failure.state}{why_failed(failure.run)}") from None
        except Timeout as error:
            raise CommandError(f"{error}; the run goes on in Mode: {later}") from None
        except KeyboardInterrupt:
            print(f"\nmodehal: interrupted; the run goes on in Mode: {later}", file=sys.stderr)
            raise
        results = finished.results(format=args.format)
        hint = f"modehal results {report} {finished.token}"
        report_written(save_results(results, args.output, query_hint=hint))
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number, 1 or more, got {text!r}")
    return value
