"""The ``modehal`` command: try the client against an offline Mode, from the shell."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .._errors import ModeError
from .._version import __version__
from . import (
    _call,
    _demo,
    _explore,
    _export_sql,
    _get,
    _inventory,
    _ops,
    _pdf,
    _results,
    _run,
    _sim,
    _stale,
)
from ._common import CommandError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="modehal", description="A client for Mode's HAL+JSON API."
    )
    parser.add_argument("--version", action="version", version=f"modehal {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in (
        _demo,
        _sim,
        _ops,
        _get,
        _call,
        _explore,
        _run,
        _results,
        _pdf,
        _export_sql,
        _inventory,
        _stale,
    ):
        command.add_parser(commands)
    for stream in (sys.stdout, sys.stderr):
        # a server's text may hold lone surrogates (JSON escapes of no character): shown
        # escaped rather than failing the print
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except (CommandError, ModeError) as error:
        print(f"modehal: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a command that started something says so before this
        return 130
    except BrokenPipeError:  # `modehal call ... | head`: the reader left, and that is fine
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
