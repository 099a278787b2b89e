"""``modehal stale [--days 180] [--archive [--yes]]``: reports nobody uses, and archiving
them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .._errors import ModeError
from .._jobs_stale import StaleReport, stale_reports
from .._jobs_walk import has_discovery
from ._common import CommandError, add_sim_option, connect

EPILOG = """\
Lists reports neither viewed nor run in the last DAYS days (reports younger than that
are left out), one a line: token, last viewed, last run, space, name. Nothing is changed
unless --archive is given; then the reports listed are archived once you confirm (--yes
confirms in advance, for scripts). Views are known only through the Discovery API
(MODE_DISCOVERY_*): without it, stale means not run.

examples:
  modehal stale --days 365
  modehal stale --days 365 --archive
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "stale",
        help="list (and optionally archive) reports neither viewed nor run for a long time",
        description="List the reports nobody has viewed or run in DAYS days.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--days", type=float, default=180.0, help="default: 180")
    parser.add_argument("--archive", action="store_true", help="archive the reports listed")
    parser.add_argument("--yes", action="store_true", help="with --archive: archive without asking")
    add_sim_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.yes and not args.archive:
        raise CommandError("--yes confirms --archive; without --archive nothing is changed")
    with connect(args) as client:
        found = stale_reports(client, days=args.days)
        for stale in found:
            print(_line(stale))
        note = "" if has_discovery(client) else " (views unknown without Discovery credentials)"
        print(
            f"{len(found)} reports neither viewed nor run in {args.days:g} days{note}",
            file=sys.stderr,
        )
        if not args.archive or not found:
            return 0
        if not args.yes and not _confirmed(len(found)):
            print("nothing archived", file=sys.stderr)
            return 1
        failed = 0
        for stale in found:
            try:
                client.reports.archive(stale.report)
            except ModeError as error:  # told; the others are still archived
                failed += 1
                print(f"modehal: could not archive {stale.report}: {error}", file=sys.stderr)
        print(f"archived {len(found) - failed} of {len(found)} reports", file=sys.stderr)
    return 1 if failed else 0


def _line(stale: StaleReport) -> str:
    def when(value: Any) -> str:
        return value.strftime("%Y-%m-%d") if value is not None else "never"

    return "\t".join(
        (
            stale.report,
            when(stale.last_viewed_at),
            when(stale.last_run_at),
            stale.space or "-",
            stale.name or "",
        )
    )


def _confirmed(count: int) -> bool:
    """Asked on stderr, answered on stdin (a pipe may answer too); no answer is a no."""
    print(f"archive these {count} reports? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")
