"""``modehal explore [PATH]``: walk the API interactively, one rel at a time."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from .. import _display
from .._errors import ModeError
from .._hal import Resource
from .._pagination import Collection
from ._common import add_connection_options, connect, href_for

HELP = """commands:
  NUMBER or REL      follow that rel (REL name=value ... fills a templated link)
  #NUMBER            open that item of a collection (any item: later pages are fetched)
  more               show the collection's next items
  back               go back to the previous resource
  json               print the raw JSON of this resource
  help               this text
  quit               leave (Ctrl-D too; Ctrl-C cancels the line)"""
ITEMS_SHOWN = 20
FIELDS_SHOWN = 6  # the rest are a `json` away; the rels are what a walk needs


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("explore", help="walk the API interactively, following rels")
    parser.add_argument("path", nargs="?", default="", help="where to start (default: the account)")
    add_connection_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with connect(args) as client:
        start = client.get(href_for(client, args.path))
        Explorer(client, start, as_json=args.json).loop()
    return 0


class Explorer:
    def __init__(self, client: Any, start: Resource[Any], *, as_json: bool = False) -> None:
        self.client = client
        self.as_json = as_json  # --json: each resource is shown as its raw JSON
        self.trail: list[Resource[Any]] = [start]
        self.items: list[Resource[Any]] = []  # the collection's items fetched so far
        self._rest: Iterator[Resource[Any]] | None = None  # and those still to fetch
        self._shown = 0
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
            except KeyboardInterrupt:  # Ctrl-C cancels the line, as in a shell
                print()
                continue
            if not sys.stdin.isatty():  # a script: echo it, so the transcript reads right
                print(line)
            if line in ("quit", "exit", "q"):
                return
            try:
                self.handle(line)
            except ModeError as error:
                print(f"error: {error}")
            except KeyboardInterrupt:  # a slow request: back to the prompt
                print("\n(interrupted)")

    def handle(self, line: str) -> None:
        if not line:
            return
        if line == "help":
            print(HELP)
        elif line == "json":
            print(json.dumps(self.here.data, indent=2))
        elif line == "back":
            if len(self.trail) == 1:
                print(f"already at the start ({self.here!r}): there is nothing to go back to")
                return
            self.trail.pop()
            self.display()
        elif line == "more":
            self.show_items()
        elif line.startswith("#"):
            self.open_item(line[1:])
        else:
            self.follow(line)

    def follow(self, line: str) -> None:
        word, *assignments = line.split()
        rels = sorted(self.here.links)
        if word.isdecimal():
            if not 0 < int(word) <= len(rels):
                print(f"no link [{word}]: {_numbered(len(rels), 'link')}")
                return
            word = rels[int(word) - 1]
        rel = word
        variables = dict(item.split("=", 1) for item in assignments if "=" in item)
        # a missing rel raises LinkError, listing the rels there are
        self.trail.append(self.here.follow(rel, **variables))
        self.display()

    def open_item(self, number: str) -> None:
        if not isinstance(self.here, Collection):
            print(
                f"#{number}: {self.here!r} is not a collection, so it has no items; "
                "follow one of its links to a collection, or go `back`"
            )
            return
        if not number.isdecimal():
            print(f"#{number}: expected # and an item's number, such as #1")
            return
        self._fetch(int(number))
        if not 0 < int(number) <= len(self.items):
            whole = "" if self._rest is None else " fetched so far"
            print(f"no item #{number}: {_numbered(len(self.items), 'item')}{whole}")
            return
        self.trail.append(self.items[int(number) - 1])
        self.display()

    def _fetch(self, count: int) -> None:
        """Fetch items (and pages) until there are ``count`` or no more."""
        while self._rest is not None and len(self.items) < count:
            item = next(self._rest, None)
            if item is None:
                self._rest = None
            else:
                self.items.append(item)

    def show_items(self) -> None:
        """The next ``ITEMS_SHOWN`` items of the collection, and whether there are more."""
        if not isinstance(self.here, Collection):
            print(f"`more` shows a collection's next items; {self.here!r} is not a collection")
            return
        self._fetch(self._shown + ITEMS_SHOWN + 1)  # one more: to know whether to say "more"
        if not self.items:
            print("  (none: this page of the collection is empty)")
            return
        if self._shown >= len(self.items):
            print(
                "no more items: the last page has been read, and "
                + ("the only item is" if len(self.items) == 1 else f"all {len(self.items)} are")
                + " shown above"
            )
            return
        end = min(len(self.items), self._shown + ITEMS_SHOWN)
        for number in range(self._shown + 1, end + 1):
            print(f"  [#{number}] {self.items[number - 1]!r}")
        self._shown = end
        if self._rest is not None or end < len(self.items):
            print("  ... more: type `more` (or #N for any item)")

    def display(self) -> None:
        here = self.here
        self.items, self._rest, self._shown = [], None, 0
        if isinstance(here, Collection):
            self._rest = iter(here)
        self._completion = sorted(here.links) + ["back", "json", "help", "quit", "more"]
        if self.as_json:
            print(json.dumps(here.data, indent=2))
            return
        print(here._headline())
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
        if isinstance(here, Collection):
            print("items:")
            self.show_items()
        if len(self.trail) == 1:
            print("(type a number or a rel to follow it, #N for an item, back, json, help or quit)")


def _numbered(count: int, what: str) -> str:
    """What numbers there are to pick from: "there are 31 links (1-31)"."""
    if count == 0:
        return f"there are no {what}s here"
    if count == 1:
        return f"there is 1 {what} (#1)" if what == "item" else f"there is 1 {what} ([1])"
    return f"there are {count} {what}s (1-{count})"


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
