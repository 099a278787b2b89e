"""The simulator's link invariant: every link it puts in a document either resolves (a 2xx
GET on the simulator) or is a web page, outside ``/api`` and ``/batch``.

The walk starts at the account and at every GET operation of the spec, filled with seeded
tokens, and follows every rel of every document it reaches (embedded items and Discovery
items included), once each.
"""

from __future__ import annotations

import base64
from collections import deque
from collections.abc import Iterator
from typing import Any

import requests

from modehal import Download
from modehal.api import Client
from modehal.sim import Simulator
from modehal.sim._shapes import fill, placeholders

from .conftest import SimFactory

CATALOG = Client.catalog
MAX_REQUESTS = 5000  # the seeded world is finite; a walk this long means a link loop

# Rels whose href is not a GET-able document as it stands, by what Mode documents of them:
ACTIONS = {
    # an action link (POST, report_runs.clone): Mode sends it under /api; a GET is a 405
    "clone": "POST",
}


def _links(document: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``(rel, link)`` anywhere in a document: its own, its embedded items', a
    Discovery page's items'."""
    if isinstance(document, list):
        for item in document:
            yield from _links(item)
    elif isinstance(document, dict):
        for rel, link in (document.get("_links") or {}).items():
            for one in link if isinstance(link, list) else [link]:
                yield rel, one
        for key, value in document.items():
            if key != "_links":
                yield from _links(value)


def _roots(sim: Simulator) -> list[str]:
    """The account, and every GET operation's path filled with seeded tokens."""
    store = sim.store
    assert store is not None
    roots = [f"/api/{sim.account}"]
    for op in CATALOG.operations.values():
        if op.method != "GET" or op.returns is Download:
            continue  # a download is reached by the link to it, once there is something
        if any(p.required and p.location != "path" for p in op.params):
            continue
        scopes = store.scopes(placeholders(op.full_path))
        path = fill(op.full_path, {"account": sim.account, **scopes[0]}) if scopes else None
        if path is not None:
            roots.append(path)
    return roots


def _headers(sim: Simulator, href: str) -> dict[str, str]:
    """The REST API's Basic credentials, or the Discovery API's Bearer ones."""
    if href.startswith("/batch/"):
        pair = ":".join(sim.discovery)
        return {"Authorization": "Bearer " + base64.b64encode(pair.encode()).decode()}
    pair = f"{sim.token}:{sim.secret}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def walk(sim: Simulator, extra_roots: list[str]) -> tuple[dict[str, int], list[str]]:
    """``(status of every API href fetched, problems)``."""
    session = requests.Session()
    queue = deque(_roots(sim) + extra_roots)
    fetched: dict[str, int] = {}
    problems: list[str] = []
    seen_web: set[str] = set()
    while queue:
        href = queue.popleft()
        if href in fetched:
            continue
        assert len(fetched) < MAX_REQUESTS, "the walk does not end"
        answer = session.get(sim.url + href, headers=_headers(sim, href), timeout=10)
        fetched[href] = answer.status_code
        if not 200 <= answer.status_code < 300:
            problems.append(f"{href} -> {answer.status_code}")
            continue
        if "json" not in answer.headers.get("Content-Type", ""):
            continue  # a download: CSV, zip, PDF
        for rel, link in _links(answer.json()):
            target = link.get("href")
            where = f"{rel} of {href}"
            if not isinstance(target, str):
                problems.append(f"{where}: no href")
            elif link.get("templated"):
                continue  # a HAL template (the account's `report`), not a URL as it stands
            elif target.startswith(("/api/", "/batch/")) or target in ("/api", "/batch"):
                if rel in ACTIONS:
                    continue
                # Mode's Discovery quirk (docs README item 5): next_page hrefs hold a literal
                # {account}, which the client fills in; the walk does the same.
                target = target.replace("{account}", sim.account)
                queue.append(target)
            elif target.startswith("/") and not target.startswith("//"):
                seen_web.add(target)
            else:
                problems.append(f"{where}: {target!r} is neither an API path nor a web page")
    assert seen_web, "no web link at all: the walk saw too little"
    return fetched, problems


def test_every_link_of_every_seeded_document_resolves_or_is_a_web_page(
    make_sim: SimFactory,
) -> None:
    # a workspace of 40 reports: the walk reaches every document of it
    sim = make_sim(speed=500.0, discovery_reports=40)
    with sim.client() as client:  # documents the seeded world holds none of yet
        report = sim.reports[1]
        run = sim.runs(report)[0]
        duplicate = client.report_runs.duplicate(report, run).token
        client.pdf_exports.get(report, run)  # a PDF export asked for: it has a download link
    sim.advance(10)  # every run (and the duplicate and the PDF) finished
    duplicate_path = f"/api/{sim.account}/reports/{report}/runs/{run}/duplicates/{duplicate}"
    fetched, problems = walk(sim, [duplicate_path])
    assert not problems, "\n".join(problems)
    # the walk covered the hand-written documents, not only the generic store's
    reached = " ".join(fetched)
    parts = ("/runs/", "/schedules/", "/queries/", "/query_runs/", "/pdf/download", "/duplicates/")
    for part in parts:
        assert part in reached, part
    assert any(href.startswith("/batch/") for href in fetched)
    assert any(f"/datasets/{token}/runs/" in reached for token in sim.datasets)
