"""``modehal export-sql DIR [--space TOKEN]...``: every query's SQL as files, for git."""

from __future__ import annotations

import argparse
from typing import Any

from .._jobs_export import MANIFEST, export_sql
from ._common import add_sim_option, connect

EPILOG = f"""\
DIR gets a folder per space and per report (its name ends in the report's token), one
.sql file per query holding exactly its SQL, and {MANIFEST}, which lists them. Run it
again to bring DIR up to date: only files whose query changed are written, and the files
of deleted queries and reports are removed (only files {MANIFEST} lists, nothing else).
With Discovery credentials (MODE_DISCOVERY_*) it reads the account-wide listings, a few
requests in all; else one request per space and per report.

examples:
  modehal export-sql sql/ && git -C sql add -A && git -C sql commit -m "Mode SQL"
  modehal export-sql sql/ --space 629fd82c07cd
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "export-sql",
        help="write every report's queries as .sql files (incremental, for git)",
        description="Write the SQL of every query of every report into DIR.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", metavar="DIR", help="where to write (made if need be)")
    parser.add_argument(
        "--space",
        dest="spaces",
        action="append",
        metavar="TOKEN",
        default=None,
        help="only this space's reports (repeat for several)",
    )
    add_sim_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with connect(args) as client:
        summary = export_sql(client, args.directory, spaces=args.spaces)
    for mark, paths in (
        ("A", summary.added),
        ("M", summary.changed),
        ("D", summary.removed),
    ):
        for path in paths:
            print(f"{mark} {path.as_posix()}")
    print(
        f"{len(summary.added)} added, {len(summary.changed)} changed, "
        f"{len(summary.removed)} removed, {len(summary.unchanged)} unchanged "
        f"({summary.requests} requests)"
    )
    return 0
