"""``modehal explore [PATH]``: walk the API interactively, one rel at a time."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .. import _display
from .._errors import ModeError
from .._hal import Resource
from .._pagination import Collection
from ._common import add_connection_options, connect, href_for

HELP = """commands:
  NUMBER or REL      follow that rel (REL name=value ... fills a templated link)
  #NUMBER            open that item of a collection
  back               go back to the previous resource
  json               print the raw JSON of this resource
  help               this text
  quit               leave (Ctrl-D too)"""
ITEMS_SHOWN = 20
FIELDS_SHOWN = 6  # the rest are a `json` away; the rels are what a walk needs


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("explore", help="walk the API interactively, following rels")
    parser.add_argument("path", nargs="?", default="", help="where to start (default: the account)")
    add_connection_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with connect(args) as client:
        Explorer(client, client.get(href_for(client, args.path))).loop()
    return 0


class Explorer:
    def __init__(self, client: Any, start: Resource[Any]) -> None:
        self.client = client
        self.trail: list[Resource[Any]] = [start]
        self.items: list[Resource[Any]] = []
        self._completion: list[str] = []
        _enable_completion(self)

    @property
    def here(self) -> Resource[Any]:
        return self.trail[-1]

    def loop(self) -> None:
        self.display()
        while True:
            try:
                line = input("modehal> ").strip()
            except EOFError:
                print()
                return
            if not sys.stdin.isatty():  # a script: echo it, so the transcript reads right
                print(line)
            if line in ("quit", "exit", "q"):
                return
            try:
                self.handle(line)
            except ModeError as error:
                print(f"error: {error}")

    def handle(self, line: str) -> None:
        if not line:
            return
        if line == "help":
            print(HELP)
        elif line == "json":
            print(json.dumps(self.here.data, indent=2))
        elif line == "back":
            if len(self.trail) > 1:
                self.trail.pop()
            else:
                print("already at the start")
            self.display()
        elif line.startswith("#"):
            self.open_item(line[1:])
        else:
            self.follow(line)

    def follow(self, line: str) -> None:
        word, *assignments = line.split()
        rels = sorted(self.here.links)
        rel = rels[int(word) - 1] if word.isdecimal() and 0 < int(word) <= len(rels) else word
        variables = dict(item.split("=", 1) for item in assignments if "=" in item)
        # a missing rel raises LinkError, listing the rels there are
        self.trail.append(self.here.follow(rel, **variables))
        self.display()

    def open_item(self, number: str) -> None:
        if not number.isdecimal() or not 0 < int(number) <= len(self.items):
            print(f"no item #{number}: this page shows {len(self.items)}")
            return
        self.trail.append(self.items[int(number) - 1])
        self.display()

    def display(self) -> None:
        here = self.here
        print(repr(here))
        rows = _display.field_rows(here)
        width = max((len(name) for name, _ in rows[:FIELDS_SHOWN]), default=0)
        for name, value in rows[:FIELDS_SHOWN]:
            print(f"  {name.ljust(width)}  {value}")
        if len(rows) > FIELDS_SHOWN:
            print(f"  ... {len(rows) - FIELDS_SHOWN} more fields (json shows them all)")
        rels = sorted(here.links)
        if rels:
            print("links:")
            width = max(len(rel) for rel in rels)
            for number, rel in enumerate(rels, start=1):
                link = here.links[rel]
                print(
                    f"  [{number:>2}] {rel.ljust(width)}  {link.href}{'  (templated)' if link.templated else ''}"
                )
        self.items = []
        if isinstance(here, Collection):
            for item in here:
                self.items.append(item)
                if len(self.items) == ITEMS_SHOWN:
                    break
            print("items:")
            for number, item in enumerate(self.items, start=1):
                print(f"  [#{number}] {item!r}")
        self._completion = rels + ["back", "json", "help", "quit"]
        if len(self.trail) == 1:
            print("(type a number or a rel to follow it, #N for an item, back, json, help or quit)")


def _enable_completion(explorer: Explorer) -> None:
    """Tab-completes rels and commands, where readline exists and a person is typing."""
    if not sys.stdin.isatty():
        return
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return

    def complete(text: str, state: int) -> str | None:
        matches = [word for word in explorer._completion if word.startswith(text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")
