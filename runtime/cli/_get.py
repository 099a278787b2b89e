"""``modehal get PATH [--follow REL ...]``: print a resource, or the end of a chain of rels."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import add_connection_options, connect, href_for, show


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "get", help="print a resource: its fields, then its rels and hrefs"
    )
    parser.add_argument(
        "path",
        help="an href (/api/hogwarts/reports/...), a URL, or a path below the account (reports/TOKEN)",
    )
    parser.add_argument(
        "--follow",
        action="append",
        default=[],
        metavar="REL",
        help="follow this rel (repeat to walk a chain)",
    )
    add_connection_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with connect(args) as client:
        resource = client.get(href_for(client, args.path))
        for rel in args.follow:
            resource = resource.follow(rel)
        print(show(resource, as_json=args.json))
    return 0
