"""``modehal pdf REPORT RUN -o FILE.pdf``: have Mode render a run as a PDF, and save it."""

from __future__ import annotations

import argparse
from typing import Any

from .._errors import RunFailed, Timeout
from ._common import CommandError, add_sim_option, connect
from ._output import (
    LATEST,
    add_output_option,
    add_run_argument,
    add_timeout_option,
    check_output,
    poll_interval,
    report_written,
    resolve_run,
    save_download,
    wait_progress,
)

EPILOG = f"""\
RUN may be '{LATEST}': the report's most recently created run (with --sim, where every
invocation starts a fresh simulator, that is the way to name a run).

The render's state goes to standard error, and so does the download's progress bar when
standard error is a terminal. Standard output gets the PDF (with -o -) or the file's path.

examples:
  modehal pdf 9f2c1a0b3d4e 5d1e2f3a4b6c -o revenue.pdf
  modehal pdf 247af7b0b7d2 {LATEST} --sim -o /tmp
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "pdf",
        help="render a report run as a PDF and save it",
        description="Ask Mode to render run RUN of REPORT as a PDF, wait for the render,\n"
        "and save it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("report", metavar="REPORT", help="the report's token")
    add_run_argument(parser)
    add_output_option(parser, required=True)
    add_timeout_option(parser, "the render")
    add_sim_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_output(args.output)
    with connect(args) as client:
        token = args.run_token
        if token == LATEST:
            token = resolve_run(client, args.report, LATEST).token
        label = f"PDF of run {token} of report {args.report}"
        try:
            export = client.pdf_exports.get(args.report, token).wait(
                timeout=args.timeout,
                poll_interval=poll_interval(args),
                progress=wait_progress(label),
            )
        except RunFailed as failure:
            raise CommandError(f"the {label} ended {failure.state}") from None
        except Timeout as error:
            raise CommandError(f"the {label} is not rendered yet: {error}") from None
        report_written(save_download(export.download("download"), args.output))
    return 0
