"""``modehal call GROUP.OPERATION ARGS...``: any generated operation, its arguments read from
its own signature (``modehal call report_runs.list REPORT --order desc``)."""

from __future__ import annotations

import argparse
import inspect
import itertools
import json
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any

from .._hal import Resource
from .._pagination import Paginator
from ._common import CommandError, add_connection_options, connect, show


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("call", help="call an operation, e.g. `call report_runs.list REPORT --order desc`", add_help=False)
    parser.add_argument("operation", help="GROUP.NAME, as listed by `modehal ops`")
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help="the operation's arguments (--help lists them)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..api import Client

    group, _, name = args.operation.partition(".")
    attribute = Client.__dict__.get(group)
    if not isinstance(attribute, cached_property) or not name:
        raise CommandError(f"no operation {args.operation!r}: `modehal ops` lists them")
    ops_class = typing.get_type_hints(attribute.func)["return"]  # e.g. ReportRuns
    method = getattr(ops_class, name, None)
    if method is None or name.startswith("_"):
        raise CommandError(f"no operation {args.operation!r}: `modehal ops` lists them")
    parser = _parser_for(args.operation, method)
    options = parser.parse_args(args.arguments)
    call_args, call_kwargs = _arguments(method, options)
    with connect(options) as client:
        result = getattr(getattr(client, group), name)(*call_args, **call_kwargs)
        _print(result, as_json=options.json, limit=options.limit)
    return 0


def _parser_for(operation: str, method: Callable[..., Any]) -> argparse.ArgumentParser:
    doc = inspect.getdoc(method) or ""
    parser = argparse.ArgumentParser(prog=f"modehal call {operation}", description=doc.split("\n\n")[0])
    hints = typing.get_type_hints(method)
    for parameter in list(inspect.signature(method).parameters.values())[1:]:
        convert, choices = _converter(hints.get(parameter.name, str))
        if parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            parser.add_argument(parameter.name, type=convert, choices=choices, metavar=parameter.name.upper())
        else:
            required = parameter.default is inspect.Parameter.empty
            parser.add_argument(f"--{parameter.name}", type=convert, choices=choices, required=required,
                                default=None if required else parameter.default)
    add_connection_options(parser)
    parser.add_argument("--limit", type=_positive, default=None, help="print at most this many items of a list")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _converter(annotation: Any) -> tuple[Callable[[str], Any], Sequence[Any] | None]:
    """How to read a command-line string as this parameter's type, and its choices if any."""
    options = [arg for arg in typing.get_args(annotation) if arg is not type(None)] if _is_union(annotation) else [annotation]
    literal = next((o for o in options if typing.get_origin(o) is typing.Literal), None)
    if literal is not None:
        return str, typing.get_args(literal)
    if int in options:
        return int, None
    if str in options:
        return str, None
    return _json_object, None  # a mapping or a body model: given as JSON


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _json_object(text: str) -> Mapping[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a JSON object such as '{{\"freq\": \"daily\"}}': {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def _arguments(method: Callable[..., Any], options: argparse.Namespace) -> tuple[list[Any], dict[str, Any]]:
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for parameter in list(inspect.signature(method).parameters.values())[1:]:
        value = getattr(options, parameter.name)
        if parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            positional.append(value)
        elif value is not None:
            keywords[parameter.name] = value
    return positional, keywords


def _print(result: Any, *, as_json: bool, limit: int | None) -> None:
    if result is None:
        print("done")
    elif isinstance(result, Paginator):
        items = itertools.islice(result, limit)
        if as_json:
            print(json.dumps([item.data for item in items], indent=2))
        else:
            for item in items:
                print(repr(item))
    elif isinstance(result, Resource):
        print(show(result, as_json=as_json))
    else:  # pragma: no cover - every operation returns one of the above
        json.dump(result, sys.stdout, default=str)
