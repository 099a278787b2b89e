"""How a resource looks to a person: in a REPL, in Jupyter and in the ``modehal`` command."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol


class _Link(Protocol):
    href: str
    templated: bool


class Shown(Protocol):
    """What is shown of a resource (``Resource`` is one; this module does not import it)."""

    @property
    def data(self) -> dict[str, Any]: ...

    @property
    def links(self) -> Mapping[str, _Link]: ...

    @property
    def field_names(self) -> tuple[str, ...]: ...


WIDTH = 60  # characters of a value shown before it is cut


def field_rows(resource: Shown) -> list[tuple[str, str]]:
    """(name, value) for the declared fields (decoded), then the undeclared ones (raw)."""
    rows = []
    for name in resource.field_names:
        if name not in resource.data:
            continue
        try:
            value = getattr(resource, name)
        except Exception:  # noqa: BLE001 - a field that does not decode is shown raw
            value = resource.data.get(name)
        rows.append((name, _short(value)))
    known = set(resource.field_names)
    rows += [
        (key, _short(value))
        for key, value in resource.data.items()
        if key not in known and not key.startswith("_")
    ]
    return rows


def link_rows(resource: Shown) -> list[tuple[str, str]]:
    rows = []
    for rel in sorted(resource.links):
        link = resource.links[rel]
        rows.append((rel, link.href + ("  (templated)" if link.templated else "")))
    return rows


def as_text(resource: Shown) -> str:
    """A few lines: the summary, each field, then each rel with its href."""
    lines = [repr(resource)]
    fields, links = field_rows(resource), link_rows(resource)
    width = max((len(name) for name, _ in fields + links), default=0)
    lines += [f"  {name.ljust(width)}  {value}" for name, value in fields]
    if links:
        lines.append("links:")
        lines += [f"  {rel.ljust(width)}  {href}" for rel, href in links]
    return "\n".join(lines)


def as_html(resource: Shown) -> str:
    """An HTML table of the same, for Jupyter."""

    def rows(pairs: list[tuple[str, str]]) -> str:
        return "".join(
            f"<tr><th style='text-align:left'>{html.escape(a)}</th><td style='text-align:left'><code>{html.escape(b)}</code></td></tr>"
            for a, b in pairs
        )

    links = link_rows(resource)
    body = rows(field_rows(resource))
    if links:
        body += "<tr><th colspan='2' style='text-align:left'>links</th></tr>" + rows(links)
    return f"<table><caption style='text-align:left'>{html.escape(repr(resource))}</caption>{body}</table>"


def _short(value: Any) -> str:
    if isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, default=str)
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"
