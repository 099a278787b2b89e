"""How a resource looks to a person: in a REPL, in Jupyter and in the ``modehal`` command."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
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

    def _headline(self) -> str: ...


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
    lines = [resource._headline()]
    fields, links = field_rows(resource), link_rows(resource)
    width = max((len(name) for name, _ in fields + links), default=0)
    lines += [f"  {name.ljust(width)}  {value}" for name, value in fields]
    if links:
        lines.append("links:")
        lines += [f"  {rel.ljust(width)}  {href}" for rel, href in links]
    return "\n".join(lines)


def as_html(
    resource: Shown,
    *,
    web_page: Callable[[str], str | None] | None = None,
    after: Sequence[str] = (),
) -> str:
    """An HTML table of the same, for Jupyter. A rel whose href ``web_page`` says is a page of
    Mode's web app is a link that opens it in a new tab; API rels stay text, marked as such."""

    def row(name: str, cell: str) -> str:
        return f"<tr><th style='text-align:left'>{_escape(name)}</th><td style='text-align:left'>{cell}</td></tr>"

    body = "".join(row(name, _code(value)) for name, value in field_rows(resource))
    if resource.links:
        body += "<tr><th colspan='2' style='text-align:left'>links</th></tr>"
    for rel in sorted(resource.links):
        link = resource.links[rel]
        page = None if link.templated or web_page is None else web_page(link.href)
        if page is not None and page.startswith(("https://", "http://")):
            cell = (
                f"<a href='{_escape(page)}' target='_blank' rel='noopener'>"
                f"{_escape(link.href)}</a> <small>web page</small>"
            )
        else:
            note = "API, templated" if link.templated else "API"
            cell = f"{_code(link.href)} <small>{note}</small>"
        body += row(rel, cell)
    if after:  # a collection's first items
        body += f"<tr><td colspan='2'><pre>{_escape(chr(10).join(after))}</pre></td></tr>"
    return f"<table><caption style='text-align:left'>{_escape(resource._headline())}</caption>{body}</table>"


def _escape(text: str) -> str:
    import html  # here, not at the top: Jupyter's HTML is the only user, and it costs an import

    return html.escape(text, quote=True)


def _code(text: str) -> str:
    return f"<code>{_escape(text)}</code>"


def _short(value: Any) -> str:
    if isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, default=str)
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"
