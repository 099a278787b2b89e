"""``Collection``: one type for ``list()`` and ``follow()``, walkable again and again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses

import modehal
from modehal.api import REPORT_RUNS_GET, ReportRun, ReportSchedule
from modehal.sim import Simulator

from .conftest import BASE

RUNS = f"{BASE}/api/hogwarts/reports/r1/runs"


def run(token: str) -> dict[str, Any]:
    return {"token": token, "state": "succeeded", "_links": {"self": {"href": f"/api/hogwarts/reports/r1/runs/{token}"}}}


def page(tokens: list[str], next_href: str | None = None) -> dict[str, Any]:
    links = {"next_page": {"href": next_href}} if next_href else {}
    return {"_links": links, "_embedded": {"report_runs": [run(t) for t in tokens]}}


def three_pages() -> None:
    responses.get(RUNS, json=page(["a", "b"], "/api/hogwarts/reports/r1/runs?page=2"))
    responses.get(f"{RUNS}?page=2", json=page(["c", "d"], "/api/hogwarts/reports/r1/runs?page=3"))
    responses.get(f"{RUNS}?page=3", json=page(["e"]))


@responses.activate
def test_iterating_twice_walks_from_the_first_page_each_time(client: modehal.Client) -> None:
    three_pages()
    runs = client.report_runs.list("r1")
    assert isinstance(runs, modehal.Collection)
    assert [r.token for r in runs] == ["a", "b", "c", "d", "e"]
    assert [r.token for r in runs] == ["a", "b", "c", "d", "e"]
    assert list(runs) == list(runs)
    # the first page is the collection itself: only later pages are fetched again
    assert [call.request.url for call in responses.calls].count(RUNS) == 1
    assert len(responses.calls) == 1 + 2 * 4


@responses.activate
def test_first_and_take_fetch_no_more_pages_than_they_need(client: modehal.Client) -> None:
    three_pages()
    runs = client.report_runs.list("r1")
    first = runs.first()
    assert isinstance(first, ReportRun) and first.token == "a"
    assert len(responses.calls) == 1
    assert [r.token for r in runs.take(2)] == ["a", "b"]
    assert len(responses.calls) == 1
    assert [r.token for r in runs.take(3)] == ["a", "b", "c"]
    assert len(responses.calls) == 2
    assert [r.token for r in runs.take(50)] == ["a", "b", "c", "d", "e"]


@responses.activate
def test_first_of_an_empty_collection_is_none(client: modehal.Client) -> None:
    responses.get(RUNS, json=page([]))
    runs = client.report_runs.list("r1")
    assert runs.first() is None and runs.take(3) == [] and list(runs) == []


@responses.activate
def test_pages_carry_their_items_links_and_response(client: modehal.Client) -> None:
    three_pages()
    pages = list(client.report_runs.list("r1").pages())
    assert [p.number for p in pages] == [1, 2, 3]
    assert [[r.token for r in p.items] for p in pages] == [["a", "b"], ["c", "d"], ["e"]]
    assert pages[0].links["next_page"].href.endswith("page=2") and "next_page" not in pages[2].links
    assert pages[1].response is not None and pages[1].response.url == f"{RUNS}?page=2"
    assert pages[1].response.status == 200


@responses.activate
def test_repr_names_the_model_and_what_is_known(client: modehal.Client) -> None:
    three_pages()
    runs = client.report_runs.list("r1")
    assert repr(runs) == "<Collection[ReportRun] report_runs page_items=2 more pages>"
    assert runs.total is None and runs.model is ReportRun


@responses.activate
def test_discovery_collection_states_its_total(client: modehal.Client) -> None:
    responses.get(
        f"{BASE}/batch/hogwarts/reports",
        json={"reports": [{"token": "x", "_links": {}}], "pagination": {"page": 1, "total_pages": 1, "total_count": 1}},
    )
    reports = client.reports.list()
    assert reports.total == 1 and repr(reports) == "<Collection[Report] reports total=1>"


@pytest.fixture(scope="module")
def simulated() -> Iterator[Simulator]:
    with Simulator(port=0, speed=500.0, discovery_reports=10) as simulator:
        yield simulator


def test_list_and_follow_return_the_same_collection_type(simulated: Simulator) -> None:
    with simulated.client() as sim_client:
        report = simulated.reports[0]
        listed = sim_client.report_schedules.list(report)
        assert isinstance(listed, modehal.Collection) and listed.model is ReportSchedule
        schedule = listed.first()
        assert schedule is not None
        followed = schedule.follow("report_runs")
        assert isinstance(followed, modehal.Collection) and followed.model is ReportRun
        assert [r.token for r in followed] == [r.token for r in followed] != []
        runs = sim_client.report_runs.list(report)
        assert len(list(runs)) == len(list(runs)) == 46  # the seeded runs, over two pages
        assert runs.pages_fetched > 1
        assert repr(runs).startswith("<Collection[ReportRun] report_runs ")


@responses.activate
def test_call_by_name_or_endpoint(client: modehal.Client) -> None:
    responses.get(f"{RUNS}/f1", json=run("f1"))
    by_name = client.call("report_runs.get", report="r1", run="f1")
    by_endpoint = client.call(REPORT_RUNS_GET, report="r1", run="f1")
    assert isinstance(by_name, ReportRun) and by_name == by_endpoint
    assert by_name.response is not None and by_name.response.url == f"{RUNS}/f1"


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("report_runs.get", {"report": "r1"}, "report_runs.get: run must be a token"),
        ("report_runs.get", {"report": "r1", "run": "f", "colour": "red"}, "report_runs.get: colour is not a parameter"),
        ("report_runs.list", {"report": "r1", "order": "sideways"}, "report_runs.list: order must be one of"),
        ("report_runs.list", {"report": "r1", "filter": "yesterday"}, "report_runs.list: filter must match"),
        ("reports.list", {"per_page": 0}, "reports.list: per_page must be in 1..999"),
        ("report_schedules.create", {"report": "r1"}, "report_schedules.create: cron is required"),
        ("report_runs.lst", {}, "no operation 'report_runs.lst'; did you mean 'report_runs.list'"),
    ],
)
def test_call_checks_arguments_against_the_declaration(
    client: modehal.Client, name: str, arguments: dict[str, Any], message: str
) -> None:
    with responses.RequestsMock() as mocked:  # nothing may be sent
        with pytest.raises(modehal.InvalidParameter) as caught:
            client.call(name, **arguments)
        assert len(mocked.calls) == 0
    assert message in str(caught.value)


@responses.activate
def test_an_error_carries_what_the_spec_documents_for_its_status(client: modehal.Client) -> None:
    responses.get(f"{RUNS}/nope", body="<html>gone</html>", status=404)
    with pytest.raises(modehal.NotFound) as caught:
        client.report_runs.get("r1", "nope")
    assert caught.value.documented == "ReportRun not found" and caught.value.message == "<html>gone</html>"
