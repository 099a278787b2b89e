"""Plain-HTTP access to the simulator, as a client written against real Mode has it.

Nothing here imports modehal's client: the scenario and OpenAPI tests talk to the simulator
the way public code written for Mode does (``requests``, Basic auth under ``/api``, Bearer
auth under ``/batch``), so what they check is the simulator against Mode, not against the
client it was generated with.
"""

from __future__ import annotations

import base64
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

from modehal.sim import Simulator

# Mode's REST API: HTTP basic auth with an API token and secret, HAL+JSON (swagger.yaml
# `securityDefinitions.accessTokenAuth: basic`, `produces: application/hal+json`).
HAL = "application/hal+json"

# swagger.yaml's REST collection schemas: the `_embedded` key each one's items come under, and
# the item schema. The file leaves every *Embeds schema but AccountEmbeds empty; AccountEmbeds
# shows Mode's HAL rule: a collection is embedded under the rel that links to it
# (`data_sources`, `spaces`). So each key is the rel the file's own *Links give the collection
# (named after each entry); docs README item 15 says the same ("the plural resource name").
EMBEDDED = {
    "Reports": ("reports", "Report"),  # SpaceLinks.reports
    "ReportRuns": ("report_runs", "ReportRun"),  # ReportLinks.report_runs
    "QueryRuns": ("query_runs", "QueryRun"),  # ReportRunLinks.query_runs
    "ReportQueries": ("queries", "Query"),  # ReportLinks.queries
    "QueryCharts": ("charts", "Chart"),  # QueryLinks.charts
    "ReportFilters": ("report_filters", "ReportFilter"),  # ReportLinks.report_filters
    "ReportSchedules": ("report_schedules", "ReportSchedule"),  # ReportLinks.report_schedules
    # ReportLinks.report_subscriptions, ReportScheduleLinks.report_subscriptions
    "ReportSubscriptions": ("report_subscriptions", "ReportSubscription"),
    "Spaces": ("spaces", "Space"),  # AccountLinks.spaces, AccountEmbeds.spaces
    "SpaceMemberships": ("space_memberships", "SpaceMembership"),  # SpaceLinks.space_memberships
    "DataSources": ("data_sources", "DataSource"),  # AccountLinks/AccountEmbeds.data_sources
    "Definitions": ("definitions", "Definition"),  # no rel: the path's plural
    "Memberships": ("memberships", "Membership"),  # AccountLinks.memberships
    "UserGroups": ("groups", "UserGroup"),  # AccountLinks.groups
    # UserGroupLinks.group_memberships
    "UserGroupMemberships": ("group_memberships", "UserGroupMembership"),
}
# Routes whose key is not their schema's: listDatasetRuns answers the ReportRuns schema, and
# docs README item 15 (dataset-runs.txt) names its items `dataset_runs`.
EMBEDDED_BY_ROUTE = {"/api/{account}/datasets/{dataset}/runs": "dataset_runs"}

# The walk stops here: the seeded world is finite, more means a link loop.
MAX_DOCUMENTS = 4000

# Rels whose href is an action, not a document (swagger.yaml: cloneReportRun is a POST).
ACTION_RELS = {"clone"}


def rest_session(sim: Simulator) -> requests.Session:
    session = requests.Session()
    session.auth = (sim.token, sim.secret)
    session.headers["Accept"] = HAL
    return session


def discovery_session(sim: Simulator) -> requests.Session:
    """Discovery: ``Authorization: Bearer base64("id:access_key:access_secret")`` (docs README
    item 5, reports-discovery.txt)."""
    session = requests.Session()
    pair = ":".join(sim.discovery)
    session.headers["Authorization"] = "Bearer " + base64.b64encode(pair.encode()).decode()
    session.headers["Accept"] = "application/json"
    return session


class Mode:
    """The two sessions, picked by the href's API; hrefs are host-relative (docs README 11)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.account = sim.account
        self.rest = rest_session(sim)
        self.discovery = discovery_session(sim)

    def url(self, href: str) -> str:
        # Docs README item 5: Discovery's next_page href holds a literal {account}; every
        # client that follows it fills it in.
        href = href.replace("{account}", self.account)
        return href if href.startswith("http") else self.sim.url + href

    def session(self, href: str) -> requests.Session:
        path = href.split("://", 1)[-1]
        path = path[path.find("/") :] if "://" in href else path
        return self.discovery if path.startswith("/batch") else self.rest

    def get(self, href: str, **kwargs: Any) -> requests.Response:
        return self.session(href).get(self.url(href), timeout=10, **kwargs)

    def get_json(self, href: str) -> Any:
        answer = self.get(href)
        assert answer.status_code == 200, f"GET {href} -> {answer.status_code}: {answer.text[:300]}"
        return answer.json()

    def post(self, href: str, body: Any = None) -> requests.Response:
        return self.session(href).post(self.url(href), json=body, timeout=10)

    def patch(self, href: str, body: Any = None) -> requests.Response:
        return self.session(href).patch(self.url(href), json=body, timeout=10)


def links(document: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``(rel, link)`` anywhere in a document: its own, its embedded items', a
    Discovery page's items'."""
    if isinstance(document, list):
        for item in document:
            yield from links(item)
    elif isinstance(document, dict):
        for rel, link in (document.get("_links") or {}).items():
            for one in link if isinstance(link, list) else [link]:
                if isinstance(one, dict):
                    yield rel, one
        for key, value in document.items():
            if key != "_links":
                yield from links(value)


def is_api_href(href: str) -> bool:
    return href.startswith(("/api/", "/batch/")) or href in ("/api", "/batch")


def items(page: dict[str, Any], key: str) -> list[Any]:
    """A collection page's items under ``_embedded[key]`` (REST) or ``key`` (Discovery)."""
    found = (page.get("_embedded") or {}).get(key, page.get(key))
    assert isinstance(found, list), f"no list under _embedded.{key} / {key}: keys {sorted(page)}"
    return found


def all_items(mode: Mode, href: str | None, key: str, limit: int = 200) -> list[Any]:
    """Every item of a collection, following ``next_page`` until a page adds nothing new."""
    collected: list[Any] = []
    seen_hrefs: set[str] = set()
    seen_tokens: set[Any] = set()
    while href and href not in seen_hrefs and len(seen_hrefs) < limit:
        seen_hrefs.add(href)
        page = mode.get_json(href)
        fresh = [i for i in items(page, key) if _identity(i) not in seen_tokens]
        if not fresh:
            break
        seen_tokens.update(_identity(i) for i in fresh)
        collected.extend(fresh)
        href = ((page.get("_links") or {}).get("next_page") or {}).get("href")
    return collected


def _identity(item: Any) -> Any:
    return item.get("token", item.get("id", repr(item))) if isinstance(item, dict) else repr(item)


@dataclass
class Walk:
    """What a crawl of every API link found: each JSON document by href, the status of every
    href fetched, every API href seen (downloads included) and the rels they came from."""

    documents: dict[str, Any] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    content_types: dict[str, str] = field(default_factory=dict)
    rels: dict[str, set[str]] = field(default_factory=dict)  # href -> rels pointing at it
    sources: dict[str, str] = field(default_factory=dict)  # href -> "rel of <document>"


def walk(mode: Mode, roots: list[str], found: Walk | None = None) -> Walk:
    """Fetch every root and every ``/api`` or ``/batch`` href of every document reached, once
    each (templated links and action links are not documents as they stand); ``found``, when
    given, is a walk to continue."""
    found = found or Walk()
    queue = deque(roots)
    for root in roots:
        found.sources.setdefault(root, "a root")
    while queue:
        href = queue.popleft()
        if href in found.statuses:
            continue
        assert len(found.statuses) < MAX_DOCUMENTS, "the walk does not end"
        answer = mode.get(href)
        found.statuses[href] = answer.status_code
        found.content_types[href] = answer.headers.get("Content-Type", "")
        if not 200 <= answer.status_code < 300 or "json" not in found.content_types[href]:
            continue
        try:
            document = answer.json()
        except ValueError:
            continue
        found.documents[href] = document
        for rel, link in links(document):
            target = link.get("href")
            if not isinstance(target, str) or link.get("templated") or rel in ACTION_RELS:
                continue
            target = target.replace("{account}", mode.account)
            if is_api_href(target):
                found.rels.setdefault(target, set()).add(rel)
                found.sources.setdefault(target, f"{rel} of {href}")
                queue.append(target)
    return found


def crawl_all(mode: Mode) -> Walk:
    """The walk from ``roots``, then from the documented routes no document links to, filled
    with tokens the first walk found (a data source's reports and datasets, a run's form
    fields: swagger.yaml listReportsUsingDataSource, listDatasetsUsingDataSource,
    listFormFields)."""
    found = walk(mode, roots(mode))
    more = []
    for href in sorted(found.documents):
        if re.fullmatch(r"/api/[^/]+/data_sources/[^/?]+", href):
            more += [href + "/reports", href + "/datasets"]
    runs = [
        h
        for h in sorted(found.documents)
        if re.fullmatch(r"/api/[^/]+/reports/[^/]+/runs/[^/?]+", h)
    ]
    more += [run + "/options" for run in runs[:3]]
    for href in sorted(found.documents):
        if re.fullmatch(r"/api/[^/]+/spaces/[^/?]+", href):
            more.append(href + "/datasets")  # listDatasetsInSpace
    query_runs = [
        h for h in sorted(found.documents) if re.fullmatch(r"/api/.+/query_runs/[^/?]+", h)
    ]
    for query_run in query_runs[:2]:  # getQueryRunContent
        more += [query_run + "/results/content.csv", query_run + "/results/content.json"]
    return walk(mode, more, found)


def roots(mode: Mode) -> list[str]:
    """Where a crawler starts: the account, the REST listings and the Discovery listings."""
    account = mode.account
    rest = [
        f"/api/{account}",
        "/api/account",  # getCurrentUser
        "/api/verify",  # verifyCurrentUser
        f"/api/{account}/spaces",
        f"/api/{account}/spaces?filter=all",
        f"/api/{account}/data_sources",
        f"/api/{account}/definitions",
        f"/api/{account}/memberships",
        f"/api/{account}/groups",
        # getAuditLogs: start_timestamp and end_timestamp are required (ISO 8601)
        f"/api/{account}/audit_logs?start_timestamp=2020-01-01T00:00:00Z"
        "&end_timestamp=2030-01-01T00:00:00Z",
    ]
    rest += [f"/api/{account}/reports/{report}" for report in mode.sim.reports]
    for dataset in mode.sim.datasets:
        rest += [
            f"/api/{account}/datasets/{dataset}{tail}"
            for tail in ("", "/reports", "/fields", "/field_descriptions")
        ]
    batch = [
        f"/batch/{account}/{listing}"
        for listing in ("reports", "spaces", "queries", "charts", "members", "report_stats")
    ]
    return rest + batch
