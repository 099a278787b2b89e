"""``modehal call GROUP.OPERATION ARGS...``: any operation, its command-line options built from
its declared params (``modehal call report_runs.list REPORT --order desc``)."""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Callable, Mapping
from typing import Any

from .._api import Endpoint, Param
from .._hal import Resource
from .._pagination import Collection
from ._common import add_connection_options, connect, show


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "call",
        help="call an operation, e.g. `call report_runs.list REPORT --order desc`",
        add_help=False,
    )
    parser.add_argument("operation", help="GROUP.NAME, as listed by `modehal ops`")
    parser.add_argument(
        "arguments", nargs=argparse.REMAINDER, help="the operation's arguments (--help lists them)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..api import Client

    endpoint = Client.catalog.operation(args.operation)
    options = _parser_for(endpoint).parse_args(args.arguments)
    arguments = {param.name: getattr(options, param.name) for param in endpoint.params}
    with connect(options) as client:
        _print(client.call(endpoint, **arguments), as_json=options.json, limit=options.limit)
    return 0


def _parser_for(endpoint: Endpoint[Any]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"modehal call {endpoint.name}", description=endpoint.summary
    )
    for param in endpoint.params:
        convert, choices = _converter(param)
        if param.location == "path" and param.client_default is None:
            parser.add_argument(
                param.name, type=convert, choices=choices, metavar=param.name.upper()
            )
            continue
        names = [f"--{param.name.replace('_', '-')}"]
        if "_" in param.name:
            names.append(f"--{param.name}")  # the spec's own spelling works too
        parser.add_argument(
            *names,
            dest=param.name,
            type=convert,
            choices=choices,
            required=param.required and param.location != "path",
        )
    add_connection_options(parser)
    parser.add_argument(
        "--limit", type=_positive, default=None, help="print at most this many items of a list"
    )
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _converter(param: Param) -> tuple[Callable[[str], Any], tuple[object, ...] | None]:
    """How to read a command-line string as this param's type, and its choices if any."""
    if param.enum:
        return str, param.enum
    if param.type == "integer":
        return int, None
    if param.type == "number":
        return float, None
    if param.type == "boolean":
        return _boolean, None
    if param.type == "object":
        return _json_object, None
    if param.type == "array":
        return _json_array, None
    return str, None


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _json_object(text: str) -> Mapping[str, Any]:
    """A JSON object, or ``name=value`` pairs separated by commas."""
    if not text.lstrip().startswith("{") and "=" in text:
        return dict(pair.split("=", 1) for pair in text.split(","))
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f'expected a JSON object such as \'{{"region": "emea"}}\' or name=value pairs: {exc}'
        ) from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def _json_array(text: str) -> list[Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a JSON array: {exc}") from None
    if not isinstance(value, list):
        raise argparse.ArgumentTypeError("expected a JSON array")
    return value


def _print(result: object, *, as_json: bool, limit: int | None) -> None:
    if result is None:
        print("done")
    elif isinstance(result, Collection):
        items = itertools.islice(result, limit)
        if as_json:
            print(json.dumps([item.data for item in items], indent=2))
        else:
            for item in items:
                print(repr(item))
    elif isinstance(result, Resource):
        print(show(result, as_json=as_json))
