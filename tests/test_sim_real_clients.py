"""The simulator as real clients of Mode see it (issue 19).

Each test is the call sequence a kind of public client written against real Mode makes, in
plain ``requests`` (never modehal's client): an orchestrator's trigger -> poll -> download,
Mode's own example scripts (mode/mode_python_sql, mode/mode_results_python), a data-catalog
crawl. What they expect is what Mode's OpenAPI file (docs/mode-swagger/swagger.yaml and
batch-swagger.yaml) and saved docs pages (docs/mode-docs/, README items N) say; the comment on
each expectation names its source. They run against the simulator with its default quirks.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from modehal.sim import Simulator

from ._mode_http import (
    EMBEDDED,
    EMBEDDED_BY_ROUTE,
    Mode,
    Walk,
    all_items,
    is_api_href,
    items,
    crawl_all,
    links,
)

ROOT = Path(__file__).resolve().parent.parent
SWAGGER = yaml.safe_load((ROOT / "docs/mode-swagger/swagger.yaml").read_text())

# The only run states Mode documents, read from docs/mode-docs/README.md item 14 (the run
# pages' enum): "Run `state`: pending, enqueued, cancelled, failed, succeeded, completed,
# running_notebook."
_ENUMS = re.sub(r"\s+", " ", (ROOT / "docs/mode-docs/README.md").read_text())
_STATES = re.search(r"Run `state`: ([a-z_, ]+)\.", _ENUMS)
assert _STATES, "docs/mode-docs/README.md no longer lists the run states"
DOCUMENTED_STATES = set(_STATES.group(1).split(", "))
assert "running_notebook" in DOCUMENTED_STATES and "running" not in DOCUMENTED_STATES
FINAL_STATES = {"cancelled", "failed", "succeeded", "completed"}


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    # a workspace small enough to crawl whole (its Discovery long tail: 55 never-run reports)
    with Simulator(speed=1000, discovery_reports=60) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def seeded(sim: Simulator) -> tuple[Mode, Walk]:
    """The client, and every document reachable from the account and the listings, read
    before any test of the module writes (so what the walk sees is the seeded world)."""
    mode = Mode(sim)
    return mode, crawl_all(mode)


@pytest.fixture(scope="module")
def mode(seeded: tuple[Mode, Walk]) -> Mode:
    return seeded[0]


@pytest.fixture(scope="module")
def crawl(seeded: tuple[Mode, Walk]) -> Walk:
    return seeded[1]


def _link(document: dict[str, Any], rel: str) -> str:
    link = (document.get("_links") or {}).get(rel)
    assert isinstance(link, dict) and isinstance(
        link.get("href"), str
    ), f"no {rel!r} link in {document.get('_links', {}).get('self')}: rels {sorted(document.get('_links') or {})}"
    return str(link["href"])


def _api_link(document: dict[str, Any], rel: str) -> str:
    """A rel that Mode's example code follows on the API host: its href must be under /api."""
    href = _link(document, rel)
    self_href = (document.get("_links") or {}).get("self", {}).get("href")
    assert href.startswith("/api/"), f"{rel} of {self_href} is {href!r}, not an /api href"
    return href


def _poll(mode: Mode, sim: Simulator, href: str, key: str = "state") -> list[str]:
    """GET ``href`` until its state is final, moving the sim clock a quarter second between
    polls (the clock is nearly stopped, so every state the run passes through is seen)."""
    states: list[str] = []
    for _ in range(400):
        state = mode.get_json(href)[key]
        if not states or states[-1] != state:
            states.append(state)
        if state in FINAL_STATES:
            return states
        sim.advance(0.25)
    pytest.fail(f"{href} never reached a final state: {states}")


@pytest.fixture
def slow_clock(sim: Simulator) -> Iterator[None]:
    speed = sim.speed
    sim.speed = 1e-6
    try:
        yield
    finally:
        sim.speed = speed


def _spaces(mode: Mode) -> list[dict[str, Any]]:
    # swagger.yaml listCollections: `?filter=all` returns every collection, personal included.
    return all_items(mode, f"/api/{mode.account}/spaces?filter=all", "spaces")


def _reports(mode: Mode) -> list[dict[str, Any]]:
    """Every report of every space, as a catalog extractor lists them: spaces, then each
    space's `reports` link (swagger.yaml SpaceLinks.reports; listReportsInSpace)."""
    found: dict[str, dict[str, Any]] = {}
    for space in _spaces(mode):
        for report in all_items(mode, _link(space, "reports"), "reports"):
            found.setdefault(report["token"], report)
    assert found, "no report in any space"
    return list(found.values())


# -- a. trigger -> poll -> download (an orchestrator's blueprint) ----------------------------


def _trigger(mode: Mode, report: str) -> dict[str, Any]:
    # report-runs.txt "Create a report run": POST {"parameters": {...}} answers 202 and the run.
    answer = mode.post(f"/api/{mode.account}/reports/{report}/runs", {"parameters": {}})
    assert answer.status_code == 202, answer.text[:300]
    run = answer.json()
    assert run["state"] in DOCUMENTED_STATES, f"new run state {run['state']!r}"
    return dict(run)


def test_a_trigger_poll_sees_only_documented_states(
    mode: Mode, sim: Simulator, slow_clock: None
) -> None:
    run = _trigger(mode, sim.reports[0])
    states = _poll(mode, sim, _link(run, "self"))
    undocumented = [s for s in states if s not in DOCUMENTED_STATES]
    assert not undocumented, f"states {states}: {undocumented} not in Mode's enum (README 14)"
    assert states[-1] in ("succeeded", "completed"), states


def test_a_report_seeded_to_fail_ends_failed(mode: Mode, sim: Simulator, slow_clock: None) -> None:
    # Simulator.reports: "the last one is seeded to fail when run".
    run = _trigger(mode, sim.reports[-1])
    states = _poll(mode, sim, _link(run, "self"))
    assert set(states) <= DOCUMENTED_STATES, states
    assert states[-1] == "failed", states


def test_a_failed_run_links_resolve(mode: Mode, sim: Simulator) -> None:
    # Issue 19 item 1: every /api href of any document answers 2xx, a failed run's too.
    run = _trigger(mode, sim.reports[-1])
    sim.advance(60)
    failed = mode.get_json(_link(run, "self"))
    assert failed["state"] == "failed", failed["state"]
    broken = [
        f"{rel} {link['href']} -> {mode.get(link['href']).status_code}"
        for rel, link in failed["_links"].items()
        if rel != "clone"
        and not link.get("templated")  # a HAL template (no schedule started it), not a URL
        and is_api_href(link["href"])
        and mode.get(link["href"]).status_code // 100 != 2
    ]
    assert not broken, f"links of failed run {failed['token']}: {broken}"


def _finished_run(mode: Mode, sim: Simulator, report: str) -> dict[str, Any]:
    run = _trigger(mode, report)
    sim.advance(60)
    run = mode.get_json(_link(run, "self"))
    assert run["state"] == "succeeded", run["state"]
    return dict(run)


def test_a_download_csv_and_json_results(mode: Mode, sim: Simulator) -> None:
    report = sim.reports[0]  # one query: content.csv is one CSV (README "The simulator")
    run = _finished_run(mode, sim, report)
    base = f"/api/{mode.account}/reports/{report}/runs/{run['token']}/results"
    # swagger.yaml getReportRunContent: .../results/content(.csv, .json); ReportRunLinks.content
    csv_href = _link(run, "content") if "content" in run["_links"] else f"{base}/content.csv"
    answer = mode.get(csv_href)
    assert answer.status_code == 200, f"GET {csv_href} -> {answer.status_code}"
    lines = answer.text.splitlines()
    assert len(lines) >= 2 and "," in lines[0], answer.text[:200]
    answer = mode.get(f"{base}/content.json")
    assert answer.status_code == 200, f"GET {base}/content.json -> {answer.status_code}"
    rows = answer.json()
    assert isinstance(rows, list) and rows and isinstance(rows[0], dict), str(rows)[:200]


def test_a_download_pdf(mode: Mode, sim: Simulator) -> None:
    report = sim.reports[0]
    run = _finished_run(mode, sim, report)
    # ReportRunLinks.pdf_export: the job; polled until `completed`, then its `download` link
    # (swagger.yaml getReportRunExport: .../exports/runs/{run}/pdf/download).
    job_href = _link(run, "pdf_export")
    assert job_href.startswith(f"/api/{mode.account}/reports/{report}/exports/runs/"), job_href
    job = mode.get_json(job_href)
    for _ in range(100):
        if job["state"] == "completed":
            break
        sim.advance(5)
        job = mode.get_json(job_href)
    assert job["state"] == "completed", job
    answer = mode.get(_api_link(job, "download"))
    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF"), answer.content[:20]


# -- b. SQL export, as Mode's own example scripts do ------------------------------------------


def test_b_sql_export_through_last_successful_run(mode: Mode) -> None:
    """mode/mode_python_sql demo.py: report `_links.last_successful_run.href` on the API host,
    then that run's query runs; the SQL of each query through its `query` link (QueryRunLinks
    .query) and `raw_query` (swagger.yaml Query)."""
    exported = 0
    problems: list[str] = []
    for report in _reports(mode):
        if report.get("last_successful_run_token") is None:
            continue
        try:
            run = mode.get_json(_api_link(report, "last_successful_run"))
            for query_run in all_items(mode, _api_link(run, "query_runs"), "query_runs"):
                query = mode.get_json(_api_link(query_run, "query"))
                assert isinstance(query.get("raw_query"), str) and query["raw_query"], query
                exported += 1
        except AssertionError as error:
            problems.append(f"report {report['token']}: {str(error).splitlines()[0]}")
    assert not problems, "\n".join(problems)
    assert exported, "no report had a last successful run to export"


def test_b_example_script_appends_query_runs_with_a_slash(mode: Mode, sim: Simulator) -> None:
    """mode/mode_python_sql and mode_results_python: `run_url + '/query_runs/'`, then each
    query run's `raw_source`; and `.../query_runs/{token}/results` answers a document whose
    `_links.json.href` is the rows (mode_results_python demo.py)."""
    report = mode.get_json(f"/api/{mode.account}/reports/{sim.reports[0]}")
    run_href = _api_link(report, "last_successful_run")
    page = mode.get_json(run_href + "/query_runs/")
    query_runs = items(page, "query_runs")
    assert query_runs
    for query_run in query_runs:
        assert isinstance(query_run.get("raw_source"), str), sorted(query_run)
        assert isinstance(query_run.get("query_token"), str)
    results = mode.get_json(run_href + "/query_runs/" + query_runs[0]["token"] + "/results")
    rows = mode.get_json(_link(results, "json"))
    assert isinstance(rows, list) and rows and isinstance(rows[0], dict), str(rows)[:200]


def test_b_last_successful_run_token_names_a_run(mode: Mode, sim: Simulator) -> None:
    # swagger.yaml Report: last_successful_run_token, last_successfully_run_at (both required).
    problems = []
    for token in sim.reports:
        report = mode.get_json(f"/api/{mode.account}/reports/{token}")
        run_token = report.get("last_successful_run_token")
        if run_token is None:
            continue
        answer = mode.get(f"/api/{mode.account}/reports/{token}/runs/{run_token}")
        if answer.status_code != 200:
            problems.append(
                f"{token}: last_successful_run_token {run_token} -> {answer.status_code}"
            )
        elif answer.json()["state"] not in ("succeeded", "completed"):
            problems.append(f"{token}: last successful run is {answer.json()['state']}")
        if report.get("last_successfully_run_at") is None:
            problems.append(f"{token}: last_successfully_run_at is null beside a run token")
    assert not problems, "\n".join(problems)


# -- c. a catalog crawl (data-catalog extractors) ---------------------------------------------


@pytest.mark.parametrize("filter_", ["all", "custom"])
def test_c_space_listing_accepts_documented_filters(mode: Mode, filter_: str) -> None:
    # swagger.yaml listCollections `filter` ("Valid options include `all`"); Mode's API
    # reference and catalog extractors also send `custom` (issue 19 item 10).
    page = mode.get_json(f"/api/{mode.account}/spaces?filter={filter_}")
    assert items(page, "spaces"), f"filter={filter_}: no spaces"


def _account_document_problems(mode: Mode, href: str, why: str) -> list[str]:
    """A user/account href answers a full Account document (swagger.yaml Account: required
    properties and `_links`, its `self` included), not a stub."""
    if not href.startswith("/api/"):
        return [f"{why}: {href!r} is not an /api href"]
    answer = mode.get(href)
    if answer.status_code != 200:
        return [f"{why}: GET {href} -> {answer.status_code}"]
    document = answer.json()
    required = SWAGGER["definitions"]["Account"]["required"]
    missing = [key for key in required if key not in document]
    problems = [f"{why}: {href} lacks {missing}"] if missing else []
    required_rels = SWAGGER["definitions"]["AccountLinks"]["required"]
    rels = document.get("_links") or {}
    absent = [rel for rel in required_rels if rel not in rels]
    if absent:
        problems.append(f"{why}: {href} _links lack {absent}")
    return problems


def test_c_catalog_crawl_creators_are_full_accounts(mode: Mode) -> None:
    """spaces -> reports -> queries -> charts, and each one's owner: a report's, query's,
    chart's and space's `creator` (swagger.yaml ReportLinks/QueryLinks/ChartLinks/SpaceLinks
    .creator), a run's `executed_by` (ReportRunLinks), a membership's `user`
    (MembershipLinks)."""
    problems: list[str] = []
    seen: set[str] = set()

    def owner(document: dict[str, Any], rel: str, what: str) -> None:
        href = ((document.get("_links") or {}).get(rel) or {}).get("href")
        if href is None:
            problems.append(f"{what} has no {rel} link")
        elif href not in seen:
            seen.add(href)
            problems.extend(_account_document_problems(mode, href, f"{rel} of {what}"))

    for space in _spaces(mode):
        owner(space, "creator", f"space {space['token']}")
    for report in _reports(mode):
        owner(report, "creator", f"report {report['token']}")
        runs = all_items(mode, _link(report, "report_runs"), "report_runs")
        if runs:
            owner(runs[0], "executed_by", f"run {runs[0]['token']}")
        for query in all_items(mode, _link(report, "queries"), "queries"):
            owner(query, "creator", f"query {query['token']}")
            for chart in all_items(mode, _link(query, "charts"), "charts"):
                owner(chart, "creator", f"chart {chart['token']}")
    for membership in all_items(mode, f"/api/{mode.account}/memberships", "memberships"):
        owner(membership, "user", f"membership {membership['token']}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_c_queries_name_listed_data_sources(mode: Mode) -> None:
    # swagger.yaml Query.data_source_id and DataSource.id; listDataSources.
    listed = {
        source["id"]
        for source in all_items(mode, f"/api/{mode.account}/data_sources", "data_sources")
    }
    problems = []
    for report in _reports(mode):
        for query in all_items(mode, _link(report, "queries"), "queries"):
            if query.get("data_source_id") not in listed:
                problems.append(
                    f"query {query['token']} of report {report['token']}: data_source_id "
                    f"{query.get('data_source_id')!r} is no listed data source id {sorted(listed)}"
                )
    assert not problems, "\n".join(problems)


def test_c_query_count_is_the_number_of_queries(mode: Mode) -> None:
    # swagger.yaml Report.query_count (required).
    problems = []
    for report in _reports(mode):
        queries = all_items(mode, _link(report, "queries"), "queries")
        if report.get("query_count") != len(queries):
            problems.append(
                f"report {report['token']}: query_count {report.get('query_count')!r}, "
                f"{len(queries)} queries listed"
            )
    assert not problems, "\n".join(problems)


def test_c_every_space_a_report_names_is_listed(mode: Mode) -> None:
    # swagger.yaml Report.space_token / ReportLinks.space; batch-swagger Report.space_token.
    rest_spaces = {space["token"] for space in _spaces(mode)}
    problems = []
    for report in _reports(mode):
        space = report.get("space_token")
        if space is not None and space not in rest_spaces:
            problems.append(f"REST report {report['token']}: space_token {space} not listed")
    # Discovery's default report listing leaves out personal spaces (batch-swagger
    # listReportsForAccount `include_spaces`), so every space it names is a listed space.
    discovery_spaces = {
        s["token"] for s in all_items(mode, f"/batch/{mode.account}/spaces", "spaces")
    }
    for report in all_items(mode, f"/batch/{mode.account}/reports", "reports"):
        space = report.get("space_token")
        if space is not None and space not in discovery_spaces:
            problems.append(f"Discovery report {report['token']}: space_token {space} not listed")
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} in all)"


def test_c_report_stats_name_reports_that_exist(mode: Mode) -> None:
    # batch-swagger ReportStat.report_token; listReportsForAccount lists the reports.
    known = {
        r["token"]
        for r in all_items(mode, f"/batch/{mode.account}/reports?include_spaces=all", "reports")
    }
    stats = all_items(
        mode, f"/batch/{mode.account}/report_stats?include_spaces=all", "report_stats"
    )
    unknown = [s["report_token"] for s in stats if s.get("report_token") not in known]
    assert not unknown, f"{len(unknown)} report_stats name unlisted reports, e.g. {unknown[:5]}"


# -- d. a trailing slash ----------------------------------------------------------------------


def _spec_get_routes() -> list[str]:
    """Every GET route the simulator serves: the spec's GET operations, as full paths."""
    bases = {"rest": "/api", "discovery": "/batch", "discovery_admin": "/batch"}
    routes = set()
    for path in sorted((ROOT / "spec").glob("*.yaml")):
        for operation in yaml.safe_load(path.read_text()).get("operations") or []:
            if operation.get("method") == "GET":
                routes.add(bases[operation.get("api", "rest")] + operation["path"])
    return sorted(routes)


def _route_pattern(route: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", route)
    regex = "".join("[^/?]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(regex + r"\Z")


def _example_href(crawl: Walk, mode: Mode, route: str) -> str | None:
    """A path of ``route`` the walk fetched with success, with the query it was sent with."""
    pattern = _route_pattern(route)
    account_route = route.replace("{account}", mode.account)
    for href in sorted(crawl.statuses):
        path = href.split("?")[0]
        if pattern.match(path) and _route_pattern(account_route).match(path):
            if 200 <= crawl.statuses[href] < 300:
                return href
    return None


def _with_slash(href: str) -> str:
    path, mark, query = href.partition("?")
    return path + "/" + mark + query


@pytest.mark.parametrize("suffix", ["runs", "query_runs"])
def test_d_trailing_slash_on_runs_and_query_runs(mode: Mode, sim: Simulator, suffix: str) -> None:
    # Mode's routing ignores a trailing slash; mode/mode_python_sql requests `.../query_runs/`.
    report = mode.get_json(f"/api/{mode.account}/reports/{sim.reports[0]}")
    run = mode.get_json(_api_link(report, "last_run"))
    href = _link(run, "query_runs") if suffix == "query_runs" else _link(report, "report_runs")
    plain, slashed = mode.get(href), mode.get(href + "/")
    assert slashed.status_code == plain.status_code == 200, f"{href}/ -> {slashed.status_code}"
    assert slashed.json()["_embedded"] == plain.json()["_embedded"]


def _outline(document: Any) -> Any:
    if not isinstance(document, dict):
        return type(document).__name__
    embedded = {
        key: [item.get("token") for item in value if isinstance(item, dict)]
        for key, value in (document.get("_embedded") or {}).items()
        if isinstance(value, list)
    }
    return sorted(document), (document.get("_links") or {}).get("self"), embedded


@pytest.mark.parametrize("route", _spec_get_routes())
def test_d_every_get_route_answers_with_a_trailing_slash(
    mode: Mode, crawl: Walk, route: str
) -> None:
    href = _example_href(crawl, mode, route)
    if href is None:
        pytest.skip(f"no seeded document links to {route}")
    plain, slashed = mode.get(href), mode.get(_with_slash(href))
    assert (
        slashed.status_code == plain.status_code
    ), f"GET {_with_slash(href)} -> {slashed.status_code}, without the slash {plain.status_code}"
    if "json" in plain.headers.get("Content-Type", ""):
        # The same document: its fields, its self link, its items. (Not byte-equal: a PDF
        # export job, say, may move on between the two requests.)
        assert _outline(slashed.json()) == _outline(plain.json()), f"GET {_with_slash(href)}"
    else:
        assert slashed.headers.get("Content-Type") == plain.headers.get("Content-Type")


# -- e. pagination objects, _embedded keys, Discovery page links ------------------------------


def _rest_collection_routes() -> list[tuple[str, str]]:
    """``(route, collection schema)`` for every REST GET whose 200 schema is a collection
    (one with a `pagination` property)."""
    found = []
    for path, operations in SWAGGER["paths"].items():
        operation = operations.get("get") or {}
        schema = ((operation.get("responses") or {}).get("200") or {}).get("schema") or {}
        name = schema.get("$ref", "").rsplit("/", 1)[-1]
        if name in EMBEDDED:
            route = "/api" + path.replace("{workspace}", "{account}")
            found.append((route, name))
    # listMemberships gives no 200 schema; the file's Memberships is this collection's.
    found.append(("/api/{account}/memberships", "Memberships"))
    return sorted(found)


@pytest.mark.parametrize("route,schema", _rest_collection_routes())
def test_e_rest_collection_pagination_and_embedded_key(
    mode: Mode, crawl: Walk, route: str, schema: str
) -> None:
    href = _example_href(crawl, mode, route)
    if href is None:
        pytest.skip(f"no seeded document links to {route}")
    key = EMBEDDED_BY_ROUTE.get(route, EMBEDDED[schema][0])
    first = mode.get_json(href)
    embedded = first.get("_embedded") or {}
    assert key in embedded, f"GET {href}: _embedded keys {sorted(embedded)}, Mode's is {key!r}"
    # swagger.yaml Pagination: first_page, last_page, total_pages, total_count (required).
    pagination = first.get("pagination")
    assert isinstance(pagination, dict), f"GET {href}: no pagination object, keys {sorted(first)}"
    missing = [k for k in SWAGGER["definitions"]["Pagination"]["required"] if k not in pagination]
    assert not missing, f"GET {href}: pagination {pagination} lacks {missing}"
    pages, count = 0, 0
    next_href: str | None = href
    seen: set[str] = set()
    while next_href and next_href not in seen and pages < 100:
        seen.add(next_href)
        page = mode.get_json(next_href)
        page_items = items(page, key)
        if not page_items:
            break
        pages += 1
        count += len(page_items)
        next_href = ((page.get("_links") or {}).get("next_page") or {}).get("href")
    assert pagination["total_count"] == count, f"GET {href}: total_count {pagination} vs {count}"
    assert pagination["total_pages"] == pages, f"GET {href}: total_pages {pagination} vs {pages}"


@pytest.mark.parametrize(
    "listing", ["reports", "spaces", "queries", "charts", "members", "report_stats"]
)
def test_e_discovery_pages_carry_next_and_prev_links(mode: Mode, listing: str) -> None:
    # batch-swagger.yaml BatchApiRepresenters::*Links: next_page and prev_page (required);
    # Pagination: page, per_page, count, total_pages, total_count.
    key = "memberships" if listing == "members" else listing
    href: str | None = f"/batch/{mode.account}/{listing}?per_page=2"
    pages = 0
    total = 0
    while href and pages < 5:
        page = mode.get_json(href)
        rels = page.get("_links") or {}
        assert "next_page" in rels and "prev_page" in rels, f"GET {href}: _links {sorted(rels)}"
        pagination = page["pagination"]
        assert pagination["count"] == len(items(page, key)), f"GET {href}: {pagination}"
        total = pagination["total_count"]
        pages += 1
        href = (rels.get("next_page") or {}).get("href")
        if pagination["page"] >= pagination["total_pages"]:
            break
    assert total >= 0


# -- f. request bodies as Mode's OpenAPI file shapes them -------------------------------------

CRON = {"freq": "daily", "hour": 14, "minute": 0, "time_zone": "UTC"}


def test_f_schedule_body_with_and_without_wrapper(mode: Mode, sim: Simulator) -> None:
    base = f"/api/{mode.account}/reports/{sim.reports[0]}/schedules"
    # report-schedules.txt (docs README item 9): {"report_schedule": {cron, params, timeout}}.
    wrapped = mode.post(base, {"report_schedule": {"cron": CRON, "timeout": 900, "params": {}}})
    assert wrapped.status_code in (200, 201), wrapped.text[:300]
    # swagger.yaml createReportSchedule: CreateReportScheduleRequestBody, unwrapped
    # (required: cron; name, timeout, params beside it).
    bare = mode.post(base, {"cron": CRON, "name": "bare", "timeout": 600, "params": {}})
    assert bare.status_code in (200, 201), bare.text[:300]
    assert bare.json()["timeout"] in (600, "600")
    # updateReportSchedule: UpdateReportScheduleRequestBody, unwrapped too.
    href = _link(bare.json(), "self")
    updated = mode.patch(href, {"timeout": 1200})
    assert updated.status_code == 200, updated.text[:300]
    assert updated.json()["timeout"] in (1200, "1200")


def test_f_space_created_with_space_type(mode: Mode) -> None:
    # swagger.yaml createCollection: {"space": {name, description}}; Space.space_type is a
    # property of the file's Space, which clients send back when they create one.
    body = {"space": {"name": "Potions", "description": "brews", "space_type": "custom"}}
    answer = mode.post(f"/api/{mode.account}/spaces", body)
    assert answer.status_code in (200, 201), answer.text[:300]
    assert answer.json()["name"] == "Potions"


def test_f_space_created_as_the_file_shows(mode: Mode) -> None:
    answer = mode.post(f"/api/{mode.account}/spaces", {"space": {"name": "Charms"}})
    assert answer.status_code in (200, 201), answer.text[:300]


def test_f_group_and_membership_bodies(mode: Mode) -> None:
    # swagger.yaml createGroup: {"user_group": {name}}; createGroupMembership:
    # {"membership": {member_token}}.
    group = mode.post(f"/api/{mode.account}/groups", {"user_group": {"name": "prefects"}})
    assert group.status_code in (200, 201), group.text[:300]
    member = all_items(mode, f"/api/{mode.account}/memberships", "memberships")[0]["member_token"]
    href = f"/api/{mode.account}/groups/{group.json()['token']}/memberships"
    answer = mode.post(href, {"membership": {"member_token": member}})
    assert answer.status_code in (200, 201), answer.text[:300]


def test_f_space_membership_body(mode: Mode) -> None:
    # swagger.yaml createSpaceMemberships: {"membership": {member_type, member_token}}.
    space = _spaces(mode)[0]["token"]
    member = all_items(mode, f"/api/{mode.account}/memberships", "memberships")[0]["member_token"]
    body = {"membership": {"member_type": "User", "member_token": member}}
    answer = mode.post(f"/api/{mode.account}/spaces/{space}/memberships", body)
    assert answer.status_code in (200, 201), answer.text[:300]


def test_f_query_body(mode: Mode, sim: Simulator) -> None:
    # swagger.yaml createQueryInReport: {"query": {raw_query, data_source_id, name}}.
    source = all_items(mode, f"/api/{mode.account}/data_sources", "data_sources")[0]["id"]
    body = {"query": {"raw_query": "SELECT 1", "data_source_id": source, "name": "One"}}
    answer = mode.post(f"/api/{mode.account}/reports/{sim.reports[1]}/queries", body)
    assert answer.status_code in (200, 201), answer.text[:300]


def test_f_subscription_body_unwrapped(mode: Mode, sim: Simulator) -> None:
    # swagger.yaml createSubscriptionForReport: CreateorUpdateReportSubscriptionRequestBody,
    # the five booleans at the top level.
    body = {"csv_attachments": True, "pdf_attachments": False, "data_previews": True}
    answer = mode.post(f"/api/{mode.account}/reports/{sim.reports[0]}/subscriptions", body)
    assert answer.status_code in (200, 201), answer.text[:300]


def test_f_report_filter_body(mode: Mode, sim: Simulator) -> None:
    # swagger.yaml createReportFilter: {"report_filter": {...}}, the eight required attributes
    # of CreateOrUpdateReportFilterAttributes with their enums (filter_type, control_type,
    # variable_type).
    body = {
        "report_filter": {
            "name": "House",
            "formula": "house",
            "data_type": "string",
            "formula_type": "field",
            "variable_type": "DISCRETE",
            "filter_type": "SINGLE",
            "control_type": "DROPDOWN",
            "options": {},
        }
    }
    answer = mode.post(f"/api/{mode.account}/reports/{sim.reports[0]}/filters", body)
    assert answer.status_code in (200, 201), answer.text[:300]


def test_f_invite_body(mode: Mode) -> None:
    # swagger.yaml createOrganizationInvite: {"invite": {"invitee": {email}, message}}.
    body = {"invite": {"invitee": {"email": "luna@hogwarts.example"}, "message": "Welcome"}}
    answer = mode.post(f"/api/{mode.account}/invites", body)
    assert answer.status_code in (200, 201), answer.text[:300]


# -- g. whole documents -----------------------------------------------------------------------


def test_g_verify_answers_a_body(mode: Mode) -> None:
    # swagger.yaml verifyCurrentUser: 200 "`Verify` response".
    answer = mode.get("/api/verify")
    assert answer.status_code == 200
    assert answer.content.strip(), "GET /api/verify answered an empty body"
    answer.json()


def test_g_clone_answers_the_full_report(mode: Mode, sim: Simulator) -> None:
    # swagger.yaml cloneReportRun: 200 schema Report; report-runs.txt: "clone answers a Report".
    source = sim.reports[0]
    report = mode.get_json(f"/api/{mode.account}/reports/{source}")
    run = _link(report, "last_run")
    answer = mode.post(run + "/clone")
    assert answer.status_code in (200, 202), answer.text[:300]
    clone = answer.json()
    fetched = mode.get_json(_link(clone, "self"))
    missing = sorted(set(fetched) - set(clone))
    assert not missing, f"the clone's answer lacks fields a GET of it has: {missing}"
    missing_rels = sorted(set(fetched["_links"]) - set(clone["_links"]))
    assert not missing_rels, f"the clone's answer lacks rels a GET of it has: {missing_rels}"
    missing = sorted(set(report) - set(clone))
    assert not missing, f"the clone's answer lacks fields of its source report: {missing}"
    assert sim.reports[0] == source, "a clone reordered sim.reports"


def test_g_spaces_carry_viewable_and_viewed(mode: Mode) -> None:
    # swagger.yaml Space: `viewable?` (required) and `viewed?`.
    for space in _spaces(mode):
        assert (
            "viewable?" in space and "viewed?" in space
        ), f"space {space['token']}: {sorted(space)}"
        one = mode.get_json(_link(space, "self"))
        assert "viewable?" in one and "viewed?" in one, f"GET space {space['token']}: {sorted(one)}"


# -- h. the link walk ---------------------------------------------------------------------------

# The rels issue 19 names, whose hrefs Mode's example code follows on the API host.
API_RELS = {"last_successful_run", "last_run", "creator", "executed_by", "user", "result"}


def test_h_every_api_link_resolves(crawl: Walk) -> None:
    # One line per route shape (tokens read as {token}), with a count and one example.
    shapes: dict[str, list[str]] = {}
    for href, status in crawl.statuses.items():
        if not 200 <= status < 300:
            shape = re.sub(r"/[0-9a-f]{12}(?=/|\?|$)", "/{token}", href)
            shapes.setdefault(f"{shape} -> {status}", []).append(
                f"{href} ({crawl.sources.get(href)})"
            )
    lines = [f"{key}: {len(v)}x, e.g. {v[0]}" for key, v in sorted(shapes.items())]
    assert not shapes, "API hrefs that do not answer 2xx:\n" + "\n".join(lines)


# The run rels are checked on the documents Mode's file gives them as the report's (ReportLinks;
# getDataset answers a Report too); a definition's `last_run` (DefinitionLinks) is another
# thing, a sync of the definition, which the issue does not name.
REPORT_SELF = re.compile(r"/api/[^/]+/(reports|datasets)/[^/?]+\Z")


def _carriers(document: Any, rel: str) -> Iterator[dict[str, Any]]:
    """Every document (embedded ones included) whose own `_links` hold ``rel``."""
    if isinstance(document, list):
        for item in document:
            yield from _carriers(item, rel)
    elif isinstance(document, dict):
        if rel in (document.get("_links") or {}):
            yield document
        for key, value in document.items():
            if key != "_links":
                yield from _carriers(value, rel)


@pytest.mark.parametrize("rel", sorted(API_RELS))
def test_h_named_rels_are_api_links_that_resolve(crawl: Walk, rel: str) -> None:
    web: set[str] = set()
    api: set[str] = set()
    for document in crawl.documents.values():
        for carrier in _carriers(document, rel):
            self_href = (carrier["_links"].get("self") or {}).get("href") or ""
            if rel in ("last_run", "last_successful_run") and not REPORT_SELF.match(self_href):
                continue
            link = carrier["_links"][rel]
            if isinstance(link, dict) and link.get("templated"):
                continue  # a report never run: a HAL template of a run's path, not a URL
            if isinstance(link, dict) and isinstance(link.get("href"), str):
                (api if is_api_href(link["href"]) else web).add(link["href"])
    assert api or web, f"no document carries a {rel!r} link"
    assert not web, f"{rel} hrefs outside /api: {sorted(web)[:5]} ({len(web)} in all)"
    broken = [
        f"{h} -> {crawl.statuses.get(h)}"
        for h in sorted(api)
        if crawl.statuses.get(h, 0) // 100 != 2
    ]
    assert not broken, f"{rel} hrefs that do not answer 2xx: {broken[:5]} ({len(broken)} in all)"


def test_h_query_run_result_reaches_the_rows(mode: Mode, crawl: Walk) -> None:
    """QueryRunLinks.result: mode/mode_results_python GETs `.../query_runs/{token}/results`
    and follows its `_links.json.href` to the rows."""
    hrefs = sorted(
        link["href"]
        for document in crawl.documents.values()
        for rel, link in links(document)
        if rel == "result" and "/query_runs/" in link.get("href", "")
    )
    assert hrefs, "no query run carries a result link"
    answer = mode.get(hrefs[0])
    assert answer.status_code == 200, f"GET {hrefs[0]} -> {answer.status_code}"
    document = answer.json()
    rows = mode.get_json(_link(document, "json"))
    assert isinstance(rows, list) and rows and isinstance(rows[0], dict), str(rows)[:200]
