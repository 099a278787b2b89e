"""``modehal inventory DIR [--format jsonl|csv|parquet]``: the workspace's catalog as files."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .._jobs_inventory import FORMATS, inventory
from ._common import add_sim_option, connect
from ._output import terminal_bar

EPILOG = """\
DIR gets one file per kind: spaces, reports, queries, charts, schedules, members and
data_sources (.jsonl: one JSON object a line; .csv; .parquet with pyarrow, pip install
"modehal[arrow]"). Each record holds the fields Mode documents and the tokens linking
the kinds: space_token, report_token, query_token, data_source_token, owner. A progress
bar shows on a terminal.

examples:
  modehal inventory catalog/
  modehal inventory catalog/ --format parquet
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "inventory",
        help="save the workspace's spaces, reports, queries, charts, schedules, members and "
        "data sources as files",
        description="Read the workspace's catalog and save one file per kind into DIR.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", metavar="DIR", help="where to write (made if need be)")
    parser.add_argument("--format", choices=FORMATS, default="jsonl", help="default: jsonl")
    add_sim_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with connect(args) as client, _progress() as tick:
        found = inventory(client, progress=tick)
    for path in found.save(args.directory, format=args.format):
        print(path)
    counts = ", ".join(f"{len(records)} {kind}" for kind, records in found.kinds().items())
    print(f"{counts} ({found.requests} requests)", file=sys.stderr)
    return 0


@contextmanager
def _progress() -> Iterator[Callable[[str], None] | None]:
    """A tqdm bar counting records on a terminal; nothing when stderr is not one."""
    with terminal_bar(unit=" records") as bar:
        if bar is None:
            yield None
            return

        def tick(kind: str) -> None:
            bar.set_description(kind, refresh=False)
            bar.update(1)

        yield tick
