"""The ``modehal`` command: try the client against an offline Mode, from the shell."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import _demo, _sim


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="modehal", description="A client for Mode's HAL+JSON API.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _sim.add_parser(commands)
    _demo.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
