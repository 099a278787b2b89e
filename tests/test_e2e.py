"""End to end over real HTTP: every documented operation against the simulator."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator

import pytest
import requests

import modehal
from modehal.api import Report, ReportRun, ReportRunDuplicate, ReportSchedule
from modehal.sim import Simulator

from .conftest import SimFactory


@pytest.fixture(scope="module")
def e2e_sim(make_shared_sim: SimFactory) -> Simulator:
    """One fast simulator for the module: each test only adds to its world or reads it."""
    return make_shared_sim(speed=500.0)


@pytest.fixture
def e2e_client(e2e_sim: Simulator) -> Iterator[modehal.Client]:
    with e2e_sim.client() as client:
        yield client


def test_report_schedules_lifecycle(e2e_sim: Simulator, e2e_client: modehal.Client) -> None:
    report = e2e_sim.reports[1]
    before = [s.token for s in e2e_client.report_schedules.list(report)]
    created = e2e_client.report_schedules.create(
        report,
        cron={"freq": "daily", "hour": 14, "minute": 30, "time_zone": "UTC"},
        params={"a": "b"},
        timeout=900,
    )
    assert isinstance(created, ReportSchedule)
    assert (created.timeout, created.parameters, created.frequency) == (900, {"a": "b"}, "daily")
    fetched = e2e_client.report_schedules.get(report, created.token)
    assert fetched.token == created.token and fetched.created_at is not None
    updated = e2e_client.report_schedules.update(
        report, created.token, timeout=60, cron={"freq": "hourly", "minute": 5}
    )
    assert (updated.timeout, updated.frequency) == (60, "hourly")
    assert [s.token for s in e2e_client.report_schedules.list(report)] == before + [created.token]
    assert e2e_client.report_schedules.delete(report, created.token) is None
    with pytest.raises(modehal.NotFound, match="ReportSchedule not found"):
        e2e_client.report_schedules.get(report, created.token)
    assert [s.token for s in e2e_client.report_schedules.list(report)] == before


def test_dataset_schedules_list(e2e_sim: Simulator, e2e_client: modehal.Client) -> None:
    (schedule,) = e2e_client.dataset_schedules.list(e2e_sim.datasets[0])
    assert schedule.name == "Enrollment hourly"
    assert schedule.field_errors == {}


def test_report_runs_create_get_list_and_wait(
    e2e_sim: Simulator, e2e_client: modehal.Client
) -> None:
    report = e2e_sim.reports[0]
    run = e2e_client.report_runs.create(report, parameters={"user_id": 123})
    assert run.response is not None and run.response.status == 202
    assert run.state == "enqueued" and run.parameters == {"user_id": 123}
    finished = run.wait(poll_interval=0.01, progress=False)
    assert finished.state == "succeeded" and finished.completed_at is not None
    assert e2e_client.report_runs.get(report, run.token).state == "succeeded"
    newest = next(iter(e2e_client.report_runs.list(report, order="desc", order_by="created_at")))
    assert newest.token == run.token
    assert e2e_sim.effects["report_runs.create"] >= 1


def test_failing_report_run_raises_run_failed(
    e2e_sim: Simulator, e2e_client: modehal.Client
) -> None:
    run = e2e_client.report_runs.create(e2e_sim.reports[-1])
    with pytest.raises(modehal.RunFailed) as caught:
        run.wait(poll_interval=0.01, progress=False)
    assert caught.value.run.state == "failed"
    assert run.wait(poll_interval=0.01, raise_on_failure=False, progress=False).state == "failed"


def test_runs_list_pages_through_every_run(e2e_sim: Simulator, e2e_client: modehal.Client) -> None:
    report = e2e_sim.reports[0]
    expected = len(e2e_sim.runs(report))
    tokens = [run.token for run in e2e_client.report_runs.list(report, order="asc")]
    assert len(tokens) == expected > 30  # more than one clamped page of 30
    assert len(set(tokens)) == len(tokens)
    old = list(e2e_client.report_runs.list(report, filter="created_at.lt.2023-12-03T00:00:00Z"))
    assert 0 < len(old) < expected


def test_clone_duplicate_and_duplication_status(
    e2e_sim: Simulator, e2e_client: modehal.Client
) -> None:
    report = e2e_sim.reports[0]
    run = next(iter(e2e_client.report_runs.list(report)))
    clone = e2e_client.report_runs.clone(report, run.token)
    assert isinstance(clone, Report) and clone.name is not None and clone.name.startswith("Copy of")
    duplicate = e2e_client.report_runs.duplicate(report, run.token, collection_id="875a93v22b93")
    assert isinstance(duplicate, ReportRunDuplicate) and duplicate.state == "pending"
    status = e2e_client.report_runs.get_duplicate(report, run.token, duplicate.token)
    assert status.token == duplicate.token
    done = duplicate.wait(poll_interval=0.01, progress=False)
    assert done.state == "succeeded" and done.extra["report_token"]


def test_dataset_runs(e2e_sim: Simulator, e2e_client: modehal.Client) -> None:
    dataset = e2e_sim.datasets[1]
    run = e2e_client.dataset_runs.create(dataset)
    assert run.state == "enqueued"
    assert e2e_client.dataset_runs.get(dataset, run.token).token == run.token
    assert run.token in [r.token for r in e2e_client.dataset_runs.list(dataset, order="desc")]


def test_discovery_pages_through_every_report(
    e2e_sim: Simulator, e2e_client: modehal.Client
) -> None:
    everything = e2e_client.reports.list(include_spaces="all")
    tokens = [report.token for report in everything]
    assert (
        len(tokens)
        == len(set(tokens))
        == everything.total
        == len(e2e_sim.store.tables["report"])
        >= 2500
    )
    assert everything.pages_fetched == 3
    small_pages = e2e_client.reports.list(per_page=250)
    assert sum(1 for _ in small_pages) == small_pages.total is not None
    assert small_pages.pages_fetched == math.ceil(small_pages.total / 250)


def test_link_walks(e2e_sim: Simulator, e2e_client: modehal.Client) -> None:
    report = e2e_sim.reports[0]
    schedule = next(iter(e2e_client.report_schedules.list(report)))
    runs = schedule.follow("report_runs")
    assert isinstance(runs, modehal.Collection)
    recorded = e2e_sim.requests[-1]
    assert recorded.target.endswith("/runs?embed[report_runs][executed_by]=1")  # byte for byte
    run = next(iter(runs))
    assert isinstance(run, ReportRun)
    back = run.follow("report_schedule")
    assert isinstance(back, ReportSchedule) and back.token == schedule.token
    assert isinstance(run.follow("report"), Report)
    account = e2e_client.get(f"/api/{e2e_sim.account}")
    assert account.links["report"].templated
    assert account.follow("report", report=report).data["token"] == report


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda c, sim: c.report_runs.get(sim.reports[0], "nope"), modehal.NotFound),
        (lambda c, sim: c.report_schedules.list("nope"), modehal.NotFound),
        (lambda c, sim: c.dataset_runs.create("nope"), modehal.NotFound),
        (lambda c, sim: c.reports.list(account="nobody"), modehal.NotFound),
        (lambda c, sim: c.report_runs.get_duplicate(sim.reports[0], "x", "y"), modehal.NotFound),
    ],
)
def test_documented_404s(
    e2e_sim: Simulator, e2e_client: modehal.Client, call: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        call(e2e_client, e2e_sim)  # type: ignore[operator]


def test_documented_401s(e2e_sim: Simulator) -> None:
    wrong = modehal.Client(
        "nope", "nope", account=e2e_sim.account, base_url=e2e_sim.url, discovery=("a", "b", "c")
    )
    with pytest.raises(modehal.Unauthorized, match="credentials sent were refused"):
        wrong.report_runs.get(e2e_sim.reports[0], "x")
    with pytest.raises(modehal.Unauthorized):
        wrong.reports.list()
    # Each API takes only its own scheme: the REST credentials do not open /batch.
    basic = "Basic " + base64.b64encode(f"{e2e_sim.token}:{e2e_sim.secret}".encode()).decode()
    answer = requests.get(
        f"{e2e_sim.url}/batch/{e2e_sim.account}/reports",
        headers={"Authorization": basic},
        timeout=5,
    )
    assert answer.status_code == 401 and answer.json()["id"] == "unauthorized"
    none = requests.get(f"{e2e_sim.url}/api/{e2e_sim.account}", timeout=5)
    assert "needs Basic" in none.json()["message"]  # none sent: what is needed


def test_documented_400s_from_the_server(e2e_sim: Simulator, e2e_client: modehal.Client) -> None:
    # The client refuses these itself; a raw request shows the simulator does too.
    auth = (e2e_sim.token, e2e_sim.secret)
    base = f"{e2e_sim.url}/api/{e2e_sim.account}/reports/{e2e_sim.reports[0]}/runs"
    for query in ("order=sideways", "filter=yesterday", "per_page=0", "order_by=name"):
        answer = requests.get(f"{base}?{query}", auth=auth, timeout=5)
        assert answer.status_code == 400, query
    bearer = e2e_client.settings.bearer or ""
    answer = requests.get(
        f"{e2e_sim.url}/batch/{e2e_sim.account}/reports?per_page=5000",
        headers={"Authorization": bearer},
        timeout=5,
    )
    assert answer.status_code == 400
    schedules = f"{e2e_sim.url}/api/{e2e_sim.account}/reports/{e2e_sim.reports[0]}/schedules"
    answer = requests.post(schedules, json={"report_schedule": {}}, auth=auth, timeout=5)
    assert answer.status_code == 400 and "cron" in answer.json()["message"]


def test_one_connection_for_many_calls(e2e_sim: Simulator) -> None:
    with e2e_sim.client() as fresh:
        before = e2e_sim.connections
        for _ in range(50):
            fresh.report_runs.get(e2e_sim.reports[0], e2e_sim.runs(e2e_sim.reports[0])[0])
        assert e2e_sim.connections - before == 1


def test_quirks_off_follow_the_docs(make_sim: SimFactory) -> None:
    plain = make_sim(quirks=False, discovery_reports=10)
    with plain.client() as client:
        runs = list(client.report_runs.list(plain.reports[0]))
        assert len(runs) == len(plain.runs(plain.reports[0]))
        run = next(iter(runs))
        assert client.report_runs.clone(plain.reports[0], run.token).response.status == 200  # type: ignore[union-attr]


def test_pytest_plugin_fixtures(mode_sim: Simulator, mode_client: modehal.Client) -> None:
    assert mode_client.base_url == mode_sim.url
    assert (
        mode_client.report_runs.create(mode_sim.reports[0])
        .wait(poll_interval=0.01, progress=False)
        .state
        == "succeeded"
    )
