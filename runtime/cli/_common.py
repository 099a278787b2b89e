"""What every command shares: where credentials come from, and how errors are told."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .. import _display
from .._hal import Resource
from .._pagination import Collection
from .._settings import ACCOUNT, SECRET, TOKEN
from .._version import __version__


class CommandError(Exception):
    """A mistake in how the command was called; printed without a traceback."""


def add_version_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"modehal {__version__}")


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    add_sim_option(parser)
    parser.add_argument("--json", action="store_true", help="print raw JSON")


def add_sim_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sim", action="store_true", help="run against an in-process simulator instead of Mode"
    )
    parser.add_argument(
        "--sim-rows",
        type=row_count,
        metavar="N",
        default=None,
        help="with --sim: N rows in each query's results (default 5; 1000000 makes a result "
        "big enough to watch the progress bar)",
    )
    parser.add_argument(
        "--allow-insecure",
        action="store_true",
        help="allow a plain http:// MODE_BASE_URL that is not loopback (credentials then cross "
        "the network unencrypted)",
    )


# What each variable holds, for the message that names the missing ones.
_MEANING = {TOKEN: "your API token", SECRET: "its secret", ACCOUNT: "your workspace"}


@contextmanager
def connect(args: argparse.Namespace) -> Iterator[Any]:
    """A client: the simulator's with --sim, else one configured from MODE_* variables."""
    if getattr(args, "sim", False):
        from ..sim import Simulator

        rows = {} if args.sim_rows is None else {"results_rows": args.sim_rows}
        with Simulator(port=0, speed=20.0, **rows) as sim, sim.client(**_options(args)) as client:
            yield client
        return
    missing = [name for name in (TOKEN, SECRET, ACCOUNT) if not os.environ.get(name, "").strip()]
    if missing:
        named = ", ".join(f"{name} ({_MEANING[name]})" for name in missing)
        raise CommandError(f"set {named}, or add --sim to try the offline simulator")
    from ..api import Client

    with Client(allow_insecure=getattr(args, "allow_insecure", False), **_options(args)) as client:
        yield client


def row_count(text: str) -> int:
    """A simulator's rows per result: a whole number, 0 or more."""
    try:
        rows = int(text)
    except ValueError:
        rows = -1
    if rows < 0:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of rows, 0 or more, got {text!r}"
        )
    return rows


def add_rate_limit_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rate-limit",
        type=float,
        metavar="N",
        default=None,
        help="send at most N requests a second (Mode allows about 4); default: no limit",
    )


def _options(args: argparse.Namespace) -> dict[str, Any]:
    rate = getattr(args, "rate_limit", None)
    return {} if rate is None else {"rate_limit": rate}


def href_for(client: Any, path: str) -> str:
    """A path as typed: ``/api/...`` and URLs as they are; anything else below the account."""
    if path.startswith(("/", "http://", "https://")):
        return path
    if not client.account:
        raise CommandError("a relative path needs an account: set MODE_ACCOUNT")
    return f"/api/{client.account}/{path}".rstrip("/")


def show(resource: Resource[Any], *, as_json: bool, limit: int = 20) -> str:
    """A resource as text (fields, links, and the first items of a collection) or JSON."""
    if as_json:
        return json.dumps(resource.data, indent=2, sort_keys=False)
    text = _display.as_text(resource)
    if isinstance(resource, Collection):
        lines = [text, "items:"]
        for number, item in enumerate(resource, start=1):
            if number > limit:
                lines.append(f"  ... (more; --json shows this page raw)")
                break
            lines.append(f"  #{number:<3} {item!r}")
        text = "\n".join(lines)
    return text
