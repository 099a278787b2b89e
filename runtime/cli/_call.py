"""``modehal call GROUP.OPERATION ARGS...``: any operation, its command-line options built from
its declared params (``modehal call report_runs.list REPORT --order desc``)."""

from __future__ import annotations

import argparse
import csv
import inspect
import itertools
import json
import re
import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .._api import Endpoint, Param
from .._decode import loads
from .._download import Download
from .._fields import as_datetime
from .._hal import Resource
from .._pagination import Collection
from ._common import add_connection_options, add_version_option, connect, show
from ._output import CollectParameters, json_or_text, parameter


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "call",
        help="call an operation, e.g. `call report_runs.list REPORT --order desc`",
        description="Call any operation of the spec by name; `modehal call OPERATION --help` "
        "lists its options.",
        epilog="operations:\n" + _operation_list(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,  # -h after the operation is the operation's help
    )
    parser.add_argument(
        "-h", "--help", action="store_true", dest="call_help", help="show this help and exit"
    )
    parser.add_argument(
        "operation", nargs="?", metavar="OPERATION", help="GROUP.NAME, as listed below"
    )
    parser.add_argument(
        "arguments", nargs=argparse.REMAINDER, help="the operation's arguments and options"
    )
    parser.set_defaults(run=run, call_parser=parser)


def run(args: argparse.Namespace) -> int:
    from ..api import Client

    if args.operation is None or args.call_help:
        args.call_parser.print_help()
        return 0
    endpoint = Client.catalog.operation(args.operation)
    parser = _parser_for(endpoint)
    options = parser.parse_args(args.arguments)
    arguments = {param.name: getattr(options, param.name) for param in endpoint.params}
    pairs = getattr(options, _PAIRS, None)
    name = _report_parameters(endpoint)
    if pairs and name is not None:
        given = dict(arguments.get(name) or {})
        twice = sorted(set(given) & set(pairs))
        if twice:
            parser.error(f"{twice[0]!r} is given both in --{name} and in --param")
        arguments[name] = {**given, **pairs}
    output = "json" if options.json else options.output
    with connect(options) as client:
        _print(client.call(endpoint, **arguments), output=output, limit=options.limit)
    return 0


def _operation_list() -> str:
    from ..api import Client

    return "\n".join(
        f"  {name:<26} {op.summary}" for name, op in sorted(Client.catalog.operations.items())
    )


# Where `--param NAME=VALUE` options collect, before they join the report parameters' object.
_PAIRS = "_param_pairs"


def _report_parameters(endpoint: Endpoint[Any]) -> str | None:
    """The name of the operation's report parameters (an object param ``parameters`` or
    ``params``), which ``--param NAME=VALUE`` fills as in ``modehal run``; None if it has none."""
    for param in endpoint.params:
        if param.type == "object" and param.model is None and param.name in _REPORT_PARAMETERS:
            return param.name
    return None


_REPORT_PARAMETERS = ("parameters", "params")


def _param_docs(endpoint: Endpoint[Any]) -> dict[str, str]:
    """Each param's text from the generated method's docstring (its ``Args:`` section)."""
    from .. import api

    group, name = endpoint.name.split(".")
    attribute = api.Client.__dict__.get(group)
    try:
        # the group property's return annotation names its class, which modehal.api exports
        hint = attribute.func.__annotations__["return"]  # type: ignore[union-attr]
        operations = getattr(api, hint) if isinstance(hint, str) else hint
        doc = inspect.getdoc(getattr(operations, name)) or ""
    except (AttributeError, KeyError, NameError, TypeError):
        return {}
    docs: dict[str, str] = {}
    current = None
    in_args = False
    for line in doc.splitlines():
        if line.strip() == "Args:":
            in_args = True
            continue
        if in_args and line and not line.startswith(" "):
            break  # the next section
        found = re.match(r"    (\w+): (.*)", line)
        if in_args and found:
            current = found.group(1)
            docs[current] = found.group(2)
        elif in_args and current and line.startswith("        "):
            docs[current] += " " + line.strip()
    return {key: value.replace("``", "") for key, value in docs.items()}


def _parser_for(endpoint: Endpoint[Any]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"modehal call {endpoint.name}", description=endpoint.summary
    )
    docs = _param_docs(endpoint)
    for param in endpoint.params:
        convert, choices = _converter(param)
        text = docs.get(param.name, "")
        if param.type == "object":
            text += ' Give a JSON object (\'{"name": "value"}\') or name=value pairs separated by commas (values read as JSON when they are: hour=3 is a number).'
        elif param.type == "array":
            text += " Give a JSON array ('[1, 2]')."
        if param.location == "path" and param.client_default is None and param.default is None:
            parser.add_argument(
                param.name,
                type=convert,
                choices=choices,
                metavar=param.name.upper(),
                help=text.strip() or None,
            )
            continue
        names = [f"--{param.name.replace('_', '-')}"]
        if "_" in param.name:
            names.append(f"--{param.name}")  # the spec's own spelling works too
        names += [f"--{alias.replace('_', '-')}" for alias in param.aliases]
        parser.add_argument(
            *names,
            dest=param.name,
            type=convert,
            choices=choices,
            required=param.required and param.location != "path",
            help=text.strip() or None,
        )
    if _report_parameters(endpoint) is not None:
        parser.add_argument(
            "--param",
            dest=_PAIRS,
            action=CollectParameters,
            type=parameter,
            metavar="NAME=VALUE",
            default=None,
            help=f"one report parameter (repeat for several), as in `modehal run`; VALUE is "
            "sent as JSON when it parses as JSON, else as text",
        )
    add_connection_options(parser)
    add_version_option(parser)
    parser.add_argument(
        "--output",
        choices=("table", "json", "csv"),
        default="table",
        help="how to print a list: a table of the fields a person reads first (token, "
        "name or state, timestamps; the default), JSON, or CSV of every field; --json is "
        "--output json",
    )
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
    if param.type == "datetime":
        return _datetime, None
    return str, None


def _datetime(text: str) -> datetime:
    """ISO 8601 as Mode writes it (``2024-01-31T09:00:00Z``), read as responses' timestamps
    are: a date alone is its midnight, and a time without an offset is UTC."""
    try:
        return as_datetime(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 time such as 2024-01-31T09:00:00Z, got {text!r}"
        ) from None


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _json_object(text: str) -> Mapping[str, Any]:
    """A JSON object, or ``name=value`` pairs separated by commas (each value read as JSON
    when it is JSON, so ``hour=3`` is a number and ``region=emea`` text). A comma inside a
    JSON value (``ids=[1,2]``, ``where={"a":1,"b":2}``, ``label="a, b"``) is the value's."""
    if not text.lstrip().startswith("{") and "=" in text:
        pairs = [pair.split("=", 1) for pair in _top_level_pieces(text)]
        for pair in pairs:
            if len(pair) != 2 or not pair[0].strip():
                raise argparse.ArgumentTypeError(
                    f"expected name=value pairs separated by commas, got {','.join(pair)!r} "
                    f"in {text!r} (a text value holding a comma is quoted as JSON: "
                    "'name=\"a, b\"')"
                )
        return {name.strip(): json_or_text(value) for name, value in pairs}
    try:
        value = loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f'expected a JSON object such as \'{{"name": "value"}}\' or name=value pairs: {exc}'
        ) from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def _top_level_pieces(text: str) -> list[str]:
    """``text`` split at the commas outside brackets, braces and double-quoted strings."""
    pieces: list[str] = []
    depth, quoted, escaped, start = 0, False, False, 0
    for index, char in enumerate(text):
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            pieces.append(text[start:index])
            start = index + 1
    pieces.append(text[start:])
    return pieces


def _json_array(text: str) -> list[Any]:
    try:
        value = loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a JSON array: {exc}") from None
    if not isinstance(value, list):
        raise argparse.ArgumentTypeError("expected a JSON array")
    return value


def _print(result: object, *, output: str, limit: int | None) -> None:
    if result is None:
        print("done")
    elif isinstance(result, Collection):
        items = list(itertools.islice(result, limit))
        if output == "json":
            print(json.dumps([item.data for item in items], indent=2))
        elif output == "csv":
            _write_csv(items)
        else:
            print(_table(items))
    elif isinstance(result, Download):
        with result:
            for chunk in result.iter_bytes():
                sys.stdout.buffer.write(chunk)
    elif isinstance(result, Resource):
        print(show(result, as_json=output == "json"))


# The columns a person reads first, in this order, when an item has them.
_TABLE_COLUMNS = ("token", "name", "state", "created_at", "updated_at", "completed_at")


def _table(items: list[Resource[Any]]) -> str:
    if not items:
        return "(none)"
    columns = [c for c in _TABLE_COLUMNS if any(c in item.data for item in items)] or ["token"]
    rows = [[_cell(item.data.get(column)) for column in columns] for item in items]
    widths = [max(len(column), *(len(row[i]) for row in rows)) for i, column in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    text = _text(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _text(value: object) -> str:
    """A JSON value as a table or CSV cell: strings as they are, null as nothing."""
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def _write_csv(items: list[Resource[Any]]) -> None:
    columns: list[str] = []
    for item in items:
        columns += [key for key in item.data if not key.startswith("_") and key not in columns]
    writer = csv.writer(sys.stdout)
    writer.writerow(columns)
    for item in items:
        writer.writerow([_text(item.data.get(column)) for column in columns])
