"""``modehal ops``: the documented operations, with their methods and paths."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(commands: Any) -> None:
    from ..api import OPERATIONS

    # the count is the spec's, as the list is: an operation added to the spec shows in both
    parser = commands.add_parser("ops", help=f"list the {len(OPERATIONS)} documented operations")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..api import OPERATIONS

    width = max(len(op.name) for op in OPERATIONS)
    for op in sorted(OPERATIONS, key=lambda op: op.name):
        print(f"{op.name.ljust(width)}  {op.method:<6} {op.full_path}  {op.summary}")
    return 0
