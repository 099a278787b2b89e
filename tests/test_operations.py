"""Every documented operation: method, path, query, body, headers, auth scheme and status."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import responses
from responses import matchers

import modehal
from modehal.api import Cron, Report, ReportRun, ReportRunDuplicate, ReportSchedule

from .conftest import BASE, load_fixture

BASIC = "Basic " + base64.b64encode(b"tok:sec").decode()
BEARER = "Bearer " + base64.b64encode(b"disc-id:disc-key:disc-secret").decode()
HAL = "application/hal+json"


def rest_headers() -> Any:
    return matchers.header_matcher({"Authorization": BASIC, "Accept": HAL})


def run_doc(token: str = "f2lkg3hwjj9", state: str = "enqueued") -> dict[str, Any]:
    doc = load_fixture("report_run.json")
    doc.update(token=token, state=state)
    doc["_links"]["self"]["href"] = f"/api/hogwarts/reports/r1/runs/{token}"
    return doc


def collection(key: str, items: list[dict[str, Any]], next_href: str | None = None) -> dict[str, Any]:
    links: dict[str, Any] = {"self": {"href": "/api/whatever"}}
    if next_href:
        links["next_page"] = {"href": next_href}
    return {"_links": links, "_embedded": {key: items}}


def sent_json(mocked: responses.RequestsMock, call_index: int = 0) -> Any:
    body = mocked.calls[call_index].request.body
    return json.loads(body) if body else None


# -- report schedules -----------------------------------------------------------------------


def test_report_schedules_get(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{BASE}/api/hogwarts/reports/1fc11c31fdc4/schedules/9288da2a1b59",
        json=load_fixture("report_schedule.json"),
        match=[rest_headers()],
    )
    schedule = offline_client.report_schedules.get("1fc11c31fdc4", "9288da2a1b59")
    assert isinstance(schedule, ReportSchedule)
    assert schedule.token == "9288da2a1b59"
    assert schedule.timeout == 86100
    assert mocked.calls[0].request.headers["User-Agent"] == f"modehal/{modehal.__version__}"
    assert mocked.calls[0].request.body is None


def test_report_schedules_list(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    items = [load_fixture("report_schedule.json"), {**load_fixture("report_schedule.json"), "token": "second"}]
    mocked.get(
        f"{BASE}/api/hogwarts/reports/r1/schedules",
        json=collection("report_schedules", items),
        match=[rest_headers()],
    )
    schedules = list(offline_client.report_schedules.list("r1"))
    assert [s.token for s in schedules] == ["9288da2a1b59", "second"]
    assert all(isinstance(s, ReportSchedule) for s in schedules)


def test_report_schedules_create_wraps_body_and_takes_a_cron_dict(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.post(
        f"{BASE}/api/hogwarts/reports/r1/schedules",
        json=load_fixture("report_schedule.json"),
        match=[rest_headers(), matchers.header_matcher({"Content-Type": "application/json"})],
    )
    cron = {"freq": "daily", "hour": 14, "time_zone": "UTC", "day_of_week": 1, "day_of_month": 1, "minute": 0}
    schedule = offline_client.report_schedules.create("r1", cron=cron, params={"foo": "bar"}, timeout=900)
    assert schedule.token == "9288da2a1b59"
    # The body the docs' curl example sends (docs README item 9).
    assert sent_json(mocked) == {
        "report_schedule": {"cron": cron, "params": {"foo": "bar"}, "timeout": 900}
    }


def test_report_schedules_create_takes_a_cron_model_and_omits_unset_values(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/hogwarts/reports/r1/schedules", json=load_fixture("report_schedule.json"))
    offline_client.report_schedules.create("r1", cron=Cron(freq="hourly", minute=15))
    assert sent_json(mocked) == {"report_schedule": {"cron": {"freq": "hourly", "minute": 15}}}


def test_report_schedules_update_is_a_patch_of_given_fields(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.patch(
        f"{BASE}/api/hogwarts/reports/r1/schedules/s1",
        json=load_fixture("report_schedule.json"),
        match=[rest_headers()],
    )
    offline_client.report_schedules.update("r1", "s1", timeout=600)
    assert sent_json(mocked) == {"report_schedule": {"timeout": 600}}


def test_report_schedules_delete_answers_200_with_empty_body(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.delete(f"{BASE}/api/hogwarts/reports/r1/schedules/s1", body="", status=200, match=[rest_headers()])
    assert offline_client.report_schedules.delete("r1", "s1") is None
    assert mocked.calls[0].request.method == "DELETE"


def test_cron_checks_documented_ranges() -> None:
    with pytest.raises(modehal.InvalidParameter, match="hour"):
        Cron(hour=24)
    with pytest.raises(modehal.InvalidParameter, match="minute"):
        Cron(minute=-1)


def test_schedule_body_rejects_a_non_mapping_cron(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    with pytest.raises(modehal.InvalidParameter, match="cron"):
        offline_client.report_schedules.create("r1", cron="daily")  # type: ignore[arg-type]
    assert len(mocked.calls) == 0


# -- dataset schedules ----------------------------------------------------------------------


def test_dataset_schedules_list(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{BASE}/api/hogwarts/datasets/d1/schedules",
        json=collection("dataset_schedules", [load_fixture("dataset_schedule.json")]),
        match=[rest_headers()],
    )
    (schedule,) = offline_client.dataset_schedules.list("d1")
    assert schedule.name == "Qui Officia"
    assert schedule.subscribed is False


# -- Discovery reports ----------------------------------------------------------------------


def test_reports_list_uses_bearer_auth_and_json_accept(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    page = load_fixture("reports_discovery_page.json")
    page["pagination"].update(total_pages=1, page=1)
    mocked.get(
        f"{BASE}/batch/hogwarts/reports",
        json=page,
        match=[
            matchers.header_matcher({"Authorization": BEARER, "Accept": "application/json"}),
            matchers.query_param_matcher({"include_spaces": "all", "per_page": "500"}),
        ],
    )
    reports = list(offline_client.reports.list(include_spaces="all", per_page=500))
    assert [r.token for r in reports] == ["728f6328ea67", "bfe4fc361d9f"]
    assert isinstance(reports[0], Report)
    assert reports[0].space_id == 41


def test_reports_list_checks_per_page_range(offline_client: modehal.Client) -> None:
    # Docs README item 6: per_page must be greater than 0 and less than 1000.
    for bad in (0, 1000):
        with pytest.raises(modehal.InvalidParameter, match="per_page"):
            offline_client.reports.list(per_page=bad)
    with pytest.raises(modehal.InvalidParameter, match="include_spaces"):
        offline_client.reports.list(include_spaces="some")  # type: ignore[arg-type]


# -- report runs ----------------------------------------------------------------------------


def test_report_runs_get(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/hogwarts/reports/r1/runs/run1", json=run_doc("run1"), match=[rest_headers()])
    run = offline_client.report_runs.get("r1", "run1")
    assert isinstance(run, ReportRun)
    assert (run.token, run.state) == ("run1", "enqueued")


def test_report_runs_list_sends_order_and_filter(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{BASE}/api/hogwarts/reports/r1/runs",
        json=collection("report_runs", [run_doc("a"), run_doc("b")]),
        match=[
            rest_headers(),
            matchers.query_param_matcher(
                {"filter": "created_at.gt.2019-12-19T10:21:12Z", "order": "asc", "order_by": "created_at"}
            ),
        ],
    )
    runs = offline_client.report_runs.list("r1", filter="created_at.gt.2019-12-19T10:21:12Z", order="asc", order_by="created_at")
    assert [run.token for run in runs] == ["a", "b"]


def test_report_runs_list_checks_its_query_params(offline_client: modehal.Client) -> None:
    with pytest.raises(modehal.InvalidParameter, match="order"):
        offline_client.report_runs.list("r1", order="created_at")  # type: ignore[arg-type]
    with pytest.raises(modehal.InvalidParameter, match="filter"):
        offline_client.report_runs.list("r1", filter="created_at>2019")


def test_report_runs_create_answers_202(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/hogwarts/reports/r1/runs", json=run_doc("new"), status=202, match=[rest_headers()])
    run = offline_client.report_runs.create("r1", parameters={"user_id": 123, "location": "San Francisco"})
    assert run.token == "new"
    assert run.response is not None and run.response.status == 202
    assert sent_json(mocked) == {"parameters": {"user_id": 123, "location": "San Francisco"}}


def test_report_runs_create_without_parameters_sends_no_body(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/api/hogwarts/reports/r1/runs", json=run_doc(), status=202)
    offline_client.report_runs.create("r1")
    assert mocked.calls[0].request.body is None
    assert mocked.calls[0].request.headers["Content-Length"] == "0"


@pytest.mark.parametrize("status", [200, 202])
def test_report_runs_clone_answers_with_a_report(offline_client: modehal.Client, status: int, mocked: responses.RequestsMock) -> None:
    # Docs README item 10: clone answers with a Report; the page says 200, Mode sends 202 too.
    report = {"token": "cloned1", "name": "Copy", "_links": {"self": {"href": "/api/hogwarts/reports/cloned1"}}}
    mocked.post(f"{BASE}/api/hogwarts/reports/r1/runs/run1/clone", json=report, status=status, match=[rest_headers()])
    clone = offline_client.report_runs.clone("r1", "run1")
    assert isinstance(clone, Report)
    assert clone.token == "cloned1"


def test_report_runs_clone_with_a_workspace_key_is_a_bad_request(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.post(
        f"{BASE}/api/hogwarts/reports/r1/runs/run1/clone",
        json={"id": "bad_request", "message": "Cloning is not supported with Workspace API keys"},
        status=400,
    )
    with pytest.raises(modehal.BadRequest, match="Workspace API keys"):
        offline_client.report_runs.clone("r1", "run1")


def test_report_runs_duplicate_sends_collection_id(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.post(
        f"{BASE}/api/hogwarts/reports/r1/runs/run1/duplicates",
        json={"token": "dup1", "state": "pending"},
        match=[rest_headers(), matchers.query_param_matcher({"collection_id": "875a93v22b93"})],
    )
    duplicate = offline_client.report_runs.duplicate("r1", "run1", collection_id="875a93v22b93")
    assert isinstance(duplicate, ReportRunDuplicate)
    assert duplicate.token == "dup1"


def test_report_runs_get_duplicate(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{BASE}/api/hogwarts/reports/r1/runs/run1/duplicates/dup1",
        json={"token": "dup1", "state": "succeeded", "report_token": "newreport"},
        match=[rest_headers()],
    )
    duplicate = offline_client.report_runs.get_duplicate("r1", "run1", "dup1")
    assert duplicate.state == "succeeded"
    assert duplicate.extra == {"report_token": "newreport"}  # undocumented fields survive


# -- dataset runs ---------------------------------------------------------------------------


def test_dataset_runs_get_list_create(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    doc = load_fixture("dataset_run.json")
    mocked.get(f"{BASE}/api/hogwarts/datasets/d1/runs/dr1", json=doc, match=[rest_headers()])
    mocked.get(
        f"{BASE}/api/hogwarts/datasets/d1/runs",
        json=collection("dataset_runs", [doc]),
        match=[rest_headers(), matchers.query_param_matcher({"order": "desc", "order_by": "updated_at"})],
    )
    mocked.post(f"{BASE}/api/hogwarts/datasets/d1/runs", json=doc, status=202, match=[rest_headers()])
    assert offline_client.dataset_runs.get("d1", "dr1").token == "f2lkg3hwjj9"
    assert [r.state for r in offline_client.dataset_runs.list("d1", order="desc", order_by="updated_at")] == ["enqueued"]
    created = offline_client.dataset_runs.create("d1")
    assert created.response is not None and created.response.status == 202
    assert [call.request.method for call in mocked.calls] == ["GET", "GET", "POST"]


# -- arguments shared by every operation ----------------------------------------------------


def test_account_can_be_overridden_per_call(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/slytherin/reports/r1/runs/run1", json=run_doc("run1"))
    assert offline_client.report_runs.get("r1", "run1", account="slytherin").token == "run1"


def test_path_params_are_escaped(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/hogwarts/reports/a%2Fb/runs/c%20d", json=run_doc())
    offline_client.report_runs.get("a/b", "c d")
    assert mocked.calls[0].request.url == f"{BASE}/api/hogwarts/reports/a%2Fb/runs/c%20d"


def test_empty_path_param_is_refused(offline_client: modehal.Client) -> None:
    with pytest.raises(modehal.InvalidParameter, match="report"):
        offline_client.report_runs.get("", "run1")


def test_missing_account_names_the_variable() -> None:
    client = modehal.Client("tok", "sec")
    with pytest.raises(modehal.ConfigurationError, match="MODE_ACCOUNT"):
        client.report_runs.get("r1", "run1")


def test_missing_credentials_name_the_variables() -> None:
    client = modehal.Client(account="hogwarts")
    with pytest.raises(modehal.ConfigurationError, match="MODE_TOKEN"):
        client.report_runs.get("r1", "run1")
    with pytest.raises(modehal.ConfigurationError, match="MODE_DISCOVERY_ID"):
        client.reports.list()


def test_every_documented_operation_is_generated() -> None:
    from modehal.api import OPERATIONS

    names = sorted(endpoint.name for endpoint in OPERATIONS)
    assert names == sorted(
        [
            "report_schedules.get", "report_schedules.list", "report_schedules.create",
            "report_schedules.update", "report_schedules.delete", "dataset_schedules.list",
            "reports.list", "report_runs.get", "report_runs.list", "report_runs.create",
            "report_runs.clone", "report_runs.duplicate", "report_runs.get_duplicate",
            "dataset_runs.get", "dataset_runs.list", "dataset_runs.create",
        ]
    )
    client = modehal.Client("t", "s", account="a")
    for name in names:
        group, method = name.split(".")
        assert callable(getattr(getattr(client, group), method))
