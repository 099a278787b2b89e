"""The ``modehal`` command: try the client against an offline Mode, from the shell."""

from __future__ import annotations

import argparse
import sys
import warnings
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
from ._common import CommandError, add_version_option


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="modehal", description="A client for Mode's HAL+JSON API."
    )
    add_version_option(parser)
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
    for subparser in commands.choices.values():  # `modehal run --version` works too
        add_version_option(subparser)
    for stream in (sys.stdout, sys.stderr):
        # a server's text may hold lone surrogates (JSON escapes of no character): shown
        # escaped rather than failing the print
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    warnings.showwarning = _warn  # a warning the command line meets, said as its errors are
    arguments = sys.argv[1:] if argv is None else list(argv)
    unknown = _unknown_command(arguments, sorted(commands.choices))
    if unknown is not None:
        parser.print_usage(sys.stderr)
        print(f"modehal: error: {unknown}", file=sys.stderr)
        return 2
    args = parser.parse_args(arguments)
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


def _unknown_command(arguments: list[str], known: list[str]) -> str | None:
    """The error for a first word that is no command (with the closest one, as an unknown
    operation gets), or None; options before it (``-h``, ``--version``) are argparse's."""
    word = next((argument for argument in arguments if not argument.startswith("-")), None)
    if word is None or word in known or arguments.index(word) > 0:
        return None
    import difflib

    close = difflib.get_close_matches(word, known, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"no command {word!r}{hint}; the commands are {', '.join(known)}"


def _warn(message: Warning | str, *_: object, **__: object) -> None:
    print(f"modehal: warning: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
