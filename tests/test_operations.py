"""Every documented operation: method, path, query, body, headers, auth scheme and status."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import responses
from responses import matchers

import modehal
from modehal.api import (
    Cron,
    DatasetRun,
    DatasetSchedule,
    DiscoveryReport,
    Report,
    ReportRun,
    ReportRunDuplicate,
    ReportSchedule,
)

from .conftest import BASE, load_fixture

BASIC = "Basic " + base64.b64encode(b"tok:sec").decode()
BEARER = "Bearer " + base64.b64encode(b"disc-id:disc-key:disc-secret").decode()
HAL = "application/hal+json"


def run_doc(token: str = "f2lkg3hwjj9", state: str = "enqueued") -> dict[str, Any]:
    doc = load_fixture("report_run.json")
    doc.update(token=token, state=state)
    doc["_links"]["self"]["href"] = f"/api/hogwarts/reports/r1/runs/{token}"
    return doc


def collection(
    key: str, items: list[dict[str, Any]], next_href: str | None = None
) -> dict[str, Any]:
    links: dict[str, Any] = {"self": {"href": "/api/whatever"}}
    if next_href:
        links["next_page"] = {"href": next_href}
    return {"_links": links, "_embedded": {key: items}}


def auth_headers(path: str) -> dict[str, str]:
    """The headers an operation on ``path`` must send: each API has its own auth and Accept."""
    if path.startswith("/batch/"):
        return {"Authorization": BEARER, "Accept": "application/json"}
    return {"Authorization": BASIC, "Accept": HAL}


# -- one request, one resource ---------------------------------------------------------------


@dataclass(frozen=True)
class Single:
    """An operation answering one resource: the call, the request it must send (besides the
    API's auth headers and modehal's User-Agent), Mode's answer, and what the call returns."""

    call: Callable[[modehal.Client], Any]
    method: str
    path: str
    answer: Any  # the JSON Mode answers with; None for an empty body
    returns: type[Any] | None  # None: the call returns None
    fields: Mapping[str, Any] = field(default_factory=dict)  # of what the call returns
    status: int = 200
    query: Mapping[str, str] = field(default_factory=dict)
    sent: Any = None  # the JSON body sent; None: no body at all


CRON = {
    "freq": "daily",
    "hour": 14,
    "time_zone": "UTC",
    "day_of_week": 1,
    "day_of_month": 1,
    "minute": 0,
}
PARAMETERS = {"user_id": 123, "location": "San Francisco"}
CLONED = {
    "token": "cloned1",
    "name": "Copy",
    "_links": {"self": {"href": "/api/hogwarts/reports/cloned1"}},
}

# fmt: off
SINGLES = [
    pytest.param(Single(
        lambda c: c.report_schedules.get("1fc11c31fdc4", "9288da2a1b59"),
        "GET", "/api/hogwarts/reports/1fc11c31fdc4/schedules/9288da2a1b59",
        load_fixture("report_schedule.json"), ReportSchedule,
        {"token": "9288da2a1b59", "timeout": 86100},
    ), id="report_schedules.get"),
    # The body the docs' curl example sends (docs README item 9): wrapped in report_schedule.
    pytest.param(Single(
        lambda c: c.report_schedules.create("r1", cron=CRON, params={"foo": "bar"}, timeout=900),
        "POST", "/api/hogwarts/reports/r1/schedules",
        load_fixture("report_schedule.json"), ReportSchedule, {"token": "9288da2a1b59"},
        sent={"report_schedule": {"cron": CRON, "params": {"foo": "bar"}, "timeout": 900}},
    ), id="report_schedules.create-with-a-cron-dict"),
    pytest.param(Single(
        lambda c: c.report_schedules.create("r1", cron=Cron(freq="hourly", minute=15)),
        "POST", "/api/hogwarts/reports/r1/schedules",
        load_fixture("report_schedule.json"), ReportSchedule,
        # Values the Cron model leaves unset are not sent.
        sent={"report_schedule": {"cron": {"freq": "hourly", "minute": 15}}},
    ), id="report_schedules.create-with-a-cron-model"),
    # Issue 24 D11: `parameters=`, as report_runs.create names them; the wire keeps `params`.
    pytest.param(Single(
        lambda c: c.report_schedules.create("r1", cron=CRON, parameters={"foo": "bar"}),
        "POST", "/api/hogwarts/reports/r1/schedules",
        load_fixture("report_schedule.json"), ReportSchedule,
        sent={"report_schedule": {"cron": CRON, "params": {"foo": "bar"}}},
    ), id="report_schedules.create-with-parameters"),
    pytest.param(Single(
        lambda c: c.report_schedules.update("r1", "s1", parameters={"ids": [1, 2]}),
        "PATCH", "/api/hogwarts/reports/r1/schedules/s1",
        load_fixture("report_schedule.json"), ReportSchedule,
        sent={"report_schedule": {"params": {"ids": [1, 2]}}},
    ), id="report_schedules.update-with-parameters"),
    pytest.param(Single(
        lambda c: c.report_schedules.update("r1", "s1", timeout=600),
        "PATCH", "/api/hogwarts/reports/r1/schedules/s1",
        load_fixture("report_schedule.json"), ReportSchedule,
        sent={"report_schedule": {"timeout": 600}},  # only the fields given
    ), id="report_schedules.update"),
    pytest.param(Single(
        lambda c: c.report_schedules.delete("r1", "s1"),
        "DELETE", "/api/hogwarts/reports/r1/schedules/s1", None, None,  # 200 with an empty body
    ), id="report_schedules.delete"),
    pytest.param(Single(
        lambda c: c.report_runs.get("r1", "run1"),
        "GET", "/api/hogwarts/reports/r1/runs/run1",
        run_doc("run1"), ReportRun, {"token": "run1", "state": "enqueued"},
    ), id="report_runs.get"),
    pytest.param(Single(
        lambda c: c.report_runs.create("r1", parameters=PARAMETERS),
        "POST", "/api/hogwarts/reports/r1/runs",
        run_doc("new"), ReportRun, {"token": "new"}, status=202,
        sent={"parameters": PARAMETERS},
    ), id="report_runs.create"),
    # Docs README item 10: clone answers with a Report; the page says 200, Mode sends 202 too.
    *(pytest.param(Single(
        lambda c: c.report_runs.clone("r1", "run1"),
        "POST", "/api/hogwarts/reports/r1/runs/run1/clone",
        CLONED, Report, {"token": "cloned1"}, status=status,
    ), id=f"report_runs.clone-answers-{status}") for status in (200, 202)),
    pytest.param(Single(
        lambda c: c.report_runs.duplicate("r1", "run1", collection_id="875a93v22b93"),
        "POST", "/api/hogwarts/reports/r1/runs/run1/duplicates",
        {"token": "dup1", "state": "pending"}, ReportRunDuplicate, {"token": "dup1"},
        query={"collection_id": "875a93v22b93"},
    ), id="report_runs.duplicate"),
    pytest.param(Single(
        lambda c: c.report_runs.get_duplicate("r1", "run1", "dup1"),
        "GET", "/api/hogwarts/reports/r1/runs/run1/duplicates/dup1",
        {"token": "dup1", "state": "succeeded", "report_token": "newreport"}, ReportRunDuplicate,
        # Undocumented fields survive, in extra.
        {"state": "succeeded", "extra": {"report_token": "newreport"}},
    ), id="report_runs.get_duplicate"),
    pytest.param(Single(
        lambda c: c.dataset_runs.get("d1", "dr1"),
        "GET", "/api/hogwarts/datasets/d1/runs/dr1",
        load_fixture("dataset_run.json"), DatasetRun, {"token": "f2lkg3hwjj9"},
    ), id="dataset_runs.get"),
    pytest.param(Single(
        lambda c: c.dataset_runs.create("d1"),
        "POST", "/api/hogwarts/datasets/d1/runs",
        load_fixture("dataset_run.json"), DatasetRun, {"token": "f2lkg3hwjj9"}, status=202,
    ), id="dataset_runs.create"),
]
# fmt: on


@pytest.mark.parametrize("op", SINGLES)
def test_operation_sends_its_request_and_decodes_the_answer(
    offline_client: modehal.Client, mocked: responses.RequestsMock, op: Single
) -> None:
    mocked.add(
        op.method,
        f"{BASE}{op.path}",
        status=op.status,
        match=[
            matchers.header_matcher(auth_headers(op.path)),
            matchers.query_param_matcher(dict(op.query)),
        ],
        **({"body": ""} if op.answer is None else {"json": op.answer}),
    )
    result = op.call(offline_client)
    (call,) = mocked.calls
    request = call.request
    assert request.method == op.method
    assert request.headers["User-Agent"] == f"modehal/{modehal.__version__}"
    if op.sent is None:
        assert request.body is None
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.body) == op.sent
    if op.returns is None:
        assert result is None
        return
    assert isinstance(result, op.returns)
    assert result.response is not None and result.response.status == op.status
    for name, value in op.fields.items():
        assert getattr(result, name) == value, name


def test_report_runs_create_without_parameters_sends_no_body(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/hogwarts/reports/r1/runs", json=run_doc(), status=202)
    offline_client.report_runs.create("r1")
    assert mocked.calls[0].request.body is None
    assert mocked.calls[0].request.headers["Content-Length"] == "0"


def test_report_runs_clone_with_a_workspace_key_is_a_bad_request(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.post(
        f"{BASE}/api/hogwarts/reports/r1/runs/run1/clone",
        json={"id": "bad_request", "message": "Cloning is not supported with Workspace API keys"},
        status=400,
    )
    with pytest.raises(modehal.BadRequest, match="Workspace API keys"):
        offline_client.report_runs.clone("r1", "run1")


# -- one request, a collection ------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """An operation answering a collection (one page here): the call, the request it must
    send, Mode's answer, and the items the collection yields."""

    call: Callable[[modehal.Client], Any]
    path: str
    answer: Any
    items: type[Any]  # the model of every item
    tokens: list[str]  # of the items, in order
    first: Mapping[str, Any] = field(default_factory=dict)  # fields of the first item
    query: Mapping[str, str] = field(default_factory=dict)


def discovery_page() -> dict[str, Any]:
    page = load_fixture("reports_discovery_page.json")
    page["pagination"].update(total_pages=1, page=1)
    return page


SCHEDULES = [
    load_fixture("report_schedule.json"),
    {**load_fixture("report_schedule.json"), "token": "second"},
]

# fmt: off
LISTINGS = [
    pytest.param(Listing(
        lambda c: c.report_schedules.list("r1"), "/api/hogwarts/reports/r1/schedules",
        collection("report_schedules", SCHEDULES), ReportSchedule, ["9288da2a1b59", "second"],
    ), id="report_schedules.list"),
    pytest.param(Listing(
        lambda c: c.dataset_schedules.list("d1"), "/api/hogwarts/datasets/d1/schedules",
        collection("dataset_schedules", [load_fixture("dataset_schedule.json")]), DatasetSchedule,
        ["9288da2a1b59"], {"name": "Qui Officia", "subscribed": False},
    ), id="dataset_schedules.list"),
    # The Discovery API: bearer auth and a plain JSON Accept.
    pytest.param(Listing(
        lambda c: c.reports.list(include_spaces="all", per_page=500), "/batch/hogwarts/reports",
        discovery_page(), DiscoveryReport, ["728f6328ea67", "bfe4fc361d9f"], {"space_id": 41},
        query={"include_spaces": "all", "per_page": "500"},
    ), id="reports.list"),
    pytest.param(Listing(
        lambda c: c.report_runs.list(
            "r1", filter="created_at.gt.2019-12-19T10:21:12Z", order="asc", order_by="created_at"
        ),
        "/api/hogwarts/reports/r1/runs",
        collection("report_runs", [run_doc("a"), run_doc("b")]), ReportRun, ["a", "b"],
        query={"filter": "created_at.gt.2019-12-19T10:21:12Z", "order": "asc",
               "order_by": "created_at"},
    ), id="report_runs.list"),
    pytest.param(Listing(
        lambda c: c.dataset_runs.list("d1", order="desc", order_by="updated_at"),
        "/api/hogwarts/datasets/d1/runs",
        collection("dataset_runs", [load_fixture("dataset_run.json")]), DatasetRun,
        ["f2lkg3hwjj9"], {"state": "enqueued"}, query={"order": "desc", "order_by": "updated_at"},
    ), id="dataset_runs.list"),
]
# fmt: on


@pytest.mark.parametrize("op", LISTINGS)
def test_list_operation_sends_its_request_and_yields_the_items(
    offline_client: modehal.Client, mocked: responses.RequestsMock, op: Listing
) -> None:
    mocked.get(
        f"{BASE}{op.path}",
        json=op.answer,
        match=[
            matchers.header_matcher(auth_headers(op.path)),
            matchers.query_param_matcher(dict(op.query)),
        ],
    )
    items = list(op.call(offline_client))
    assert len(mocked.calls) == 1
    assert mocked.calls[0].request.headers["User-Agent"] == f"modehal/{modehal.__version__}"
    assert [item.token for item in items] == op.tokens
    assert all(isinstance(item, op.items) for item in items)
    for name, value in op.first.items():
        assert getattr(items[0], name) == value, name


# -- refused before anything is sent ---------------------------------------------------------


@pytest.mark.parametrize(
    "call, problem",
    [
        pytest.param(lambda c: Cron(hour=24), "hour", id="cron-hour"),
        pytest.param(lambda c: Cron(minute=-1), "minute", id="cron-minute"),
        pytest.param(
            lambda c: c.report_schedules.create("r1", cron="daily"), "cron", id="cron-not-a-mapping"
        ),
        # Docs README item 6: per_page must be greater than 0 and less than 1000.
        pytest.param(lambda c: c.reports.list(per_page=0), "per_page", id="per_page-0"),
        pytest.param(lambda c: c.reports.list(per_page=1000), "per_page", id="per_page-1000"),
        pytest.param(
            lambda c: c.reports.list(include_spaces="some"), "include_spaces", id="include_spaces"
        ),
        pytest.param(lambda c: c.report_runs.list("r1", order="created_at"), "order", id="order"),
        pytest.param(
            lambda c: c.report_runs.list("r1", filter="created_at>2019"), "filter", id="filter"
        ),
        pytest.param(lambda c: c.report_runs.get("", "run1"), "report", id="empty-path-param"),
    ],
)
def test_invalid_parameters_are_refused_before_sending(
    offline_client: modehal.Client,
    mocked: responses.RequestsMock,
    call: Callable[[modehal.Client], Any],
    problem: str,
) -> None:
    with pytest.raises(modehal.InvalidParameter, match=problem):
        call(offline_client)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    "settings, call, variable",
    [
        pytest.param(
            {"token": "tok", "secret": "sec"},
            lambda c: c.report_runs.get("r1", "run1"),
            "MODE_ACCOUNT",
            id="account",
        ),
        pytest.param(
            {"account": "hogwarts"},
            lambda c: c.report_runs.get("r1", "run1"),
            "MODE_TOKEN",
            id="rest-credentials",
        ),
        pytest.param(
            {"account": "hogwarts"},
            lambda c: c.reports.list(),
            "MODE_DISCOVERY_ID",
            id="discovery-credentials",
        ),
    ],
)
def test_missing_settings_name_their_variable(
    mocked: responses.RequestsMock,
    settings: dict[str, str],
    call: Callable[[modehal.Client], Any],
    variable: str,
) -> None:
    client = modehal.Client(**settings)
    with pytest.raises(modehal.ConfigurationError, match=variable):
        call(client)
    assert len(mocked.calls) == 0


# -- arguments shared by every operation ----------------------------------------------------


def test_account_can_be_overridden_per_call(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/slytherin/reports/r1/runs/run1", json=run_doc("run1"))
    assert offline_client.report_runs.get("r1", "run1", account="slytherin").token == "run1"


def test_path_params_are_escaped(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/hogwarts/reports/a%2Fb/runs/c%20d", json=run_doc())
    offline_client.report_runs.get("a/b", "c d")
    assert mocked.calls[0].request.url == f"{BASE}/api/hogwarts/reports/a%2Fb/runs/c%20d"


def test_every_documented_operation_is_generated() -> None:
    """The 16 of the saved pages, plus every operation of Mode's two OpenAPI files, each claimed
    by exactly one spec operation (its `openapi:` key), and each one callable on a client."""
    from modehal.api import OPERATIONS
    from modehal.codegen._spec import load_spec

    import yaml

    root = Path(__file__).resolve().parent.parent
    spec = load_spec(root / "spec")
    claimed = [op.openapi for model in spec.models for op in model.operations if op.openapi]
    published = [
        operation["operationId"]
        for name in ("swagger.yaml", "batch-swagger.yaml")
        for path in yaml.safe_load((root / "docs/mode-swagger" / name).read_text())[
            "paths"
        ].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(published) == 102 and sorted(claimed) == sorted(published)
    names = sorted(endpoint.name for endpoint in OPERATIONS)
    assert names == sorted(f"{m.group}.{op.name}" for m in spec.models for op in m.operations)
    saved_pages = {
        "report_schedules": {"get", "list", "create", "update", "delete"},
        "dataset_schedules": {"list"},
        "reports": {"list"},
        "report_runs": {"get", "list", "create", "clone", "duplicate", "get_duplicate"},
        "dataset_runs": {"get", "list", "create"},
    }
    assert {f"{g}.{o}" for g, ops in saved_pages.items() for o in ops} <= set(names)
    client = modehal.Client("t", "s", account="a")
    for name in names:
        group, method = name.split(".")
        assert callable(getattr(getattr(client, group), method))


def test_signature_tokens_go_to_batch_with_the_api_token_not_a_signature_token(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    # Mode's signature-token page: a workspace admin's API token and secret make them
    # (spec/apis.yaml's discovery_admin), while Discovery listings send the Bearer key pair.
    url = f"{BASE}/batch/hogwarts/signature_tokens"
    mocked.post(url, json={"token": "st1", "name": "pipeline"})
    mocked.delete(f"{url}/st1", json={"message": "deleted"})
    mocked.get(f"{BASE}/batch/hogwarts/reports", json={"reports": []})
    made = offline_client.signature_tokens.create(name="pipeline")
    offline_client.signature_tokens.delete(made.token)
    list(offline_client.reports.list())
    create, delete, listing = (call.request for call in mocked.calls)
    assert create.headers["Authorization"] == delete.headers["Authorization"] == BASIC
    assert json.loads(create.body or b"") == {"signature_token": {"name": "pipeline"}}
    assert create.headers["Accept"] == "application/json"
    assert listing.headers["Authorization"] == BEARER
