"""``Collection``: one type for ``list()`` and ``follow()``, walkable again and again."""

from __future__ import annotations

from typing import Any

import pytest
import responses

import modehal
from modehal.api import REPORT_RUNS_GET, ReportRun, ReportSchedule
from .conftest import BASE, SimFactory
from .test_repl import Printer
from .test_pagination import RUNS, page, run


def three_pages(mocked: responses.RequestsMock) -> None:
    mocked.get(RUNS, json=page(["a", "b"], "/api/hogwarts/reports/r1/runs?page=2"))
    mocked.get(f"{RUNS}?page=2", json=page(["c", "d"], "/api/hogwarts/reports/r1/runs?page=3"))
    mocked.get(f"{RUNS}?page=3", json=page(["e"]))


def test_iterating_twice_walks_from_the_first_page_each_time(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    three_pages(mocked)
    runs = offline_client.report_runs.list("r1")
    assert isinstance(runs, modehal.Collection)
    assert [r.token for r in runs] == ["a", "b", "c", "d", "e"]
    assert [r.token for r in runs] == ["a", "b", "c", "d", "e"]
    assert list(runs) == list(runs)
    # the first page is the collection itself: only later pages are fetched again
    assert [call.request.url for call in mocked.calls].count(RUNS) == 1
    assert len(mocked.calls) == 1 + 2 * 4


def test_first_and_take_fetch_no_more_pages_than_they_need(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    three_pages(mocked)
    runs = offline_client.report_runs.list("r1")
    first = runs.first()
    assert isinstance(first, ReportRun) and first.token == "a"
    assert len(mocked.calls) == 1
    assert [r.token for r in runs.take(2)] == ["a", "b"]
    assert len(mocked.calls) == 1
    assert [r.token for r in runs.take(3)] == ["a", "b", "c"]
    assert len(mocked.calls) == 2
    assert [r.token for r in runs.take(50)] == ["a", "b", "c", "d", "e"]


def test_first_of_an_empty_collection_is_none(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json=page([]))
    runs = offline_client.report_runs.list("r1")
    assert runs.first() is None and runs.take(3) == [] and list(runs) == []


def test_pages_carry_their_items_links_and_response(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    three_pages(mocked)
    pages = list(offline_client.report_runs.list("r1").pages())
    assert [p.number for p in pages] == [1, 2, 3]
    assert [[r.token for r in p.items] for p in pages] == [["a", "b"], ["c", "d"], ["e"]]
    assert pages[0].links["next_page"].href.endswith("page=2") and "next_page" not in pages[2].links
    assert pages[1].response is not None and pages[1].response.url == f"{RUNS}?page=2"
    assert pages[1].response.status == 200


def test_repr_names_the_model_and_what_is_known(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    three_pages(mocked)
    runs = offline_client.report_runs.list("r1")
    assert repr(runs) == (
        "<Collection[ReportRun] report_runs page_items=2 more pages: "
        "<ReportRun a state=succeeded links=1>, <ReportRun b state=succeeded links=1>, ...>"
    )
    assert runs.pages_fetched == 1 and len(mocked.calls) == 1  # the repr fetched nothing
    assert runs.total is None and runs.model is ReportRun


def test_pretty_shows_the_first_page_items_without_fetching_more(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    three_pages(mocked)
    runs = offline_client.report_runs.list("r1")
    printer = Printer()
    runs._repr_pretty_(printer, cycle=False)
    lines = printer.output.splitlines()
    assert lines[0] == "<Collection[ReportRun] report_runs page_items=2 more pages>"
    start = lines.index("items (first page; iterating fetches the rest):")
    assert lines[start + 1 :] == [
        "  #1   <ReportRun a state=succeeded links=1>",
        "  #2   <ReportRun b state=succeeded links=1>",
        "  ...",
    ]
    html = runs._repr_html_()  # Jupyter: the same lines under the table
    assert "#2   &lt;ReportRun b state=succeeded links=1&gt;" in html
    assert len(mocked.calls) == 1 and runs.pages_fetched == 1


def test_discovery_collection_states_its_total(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{BASE}/batch/hogwarts/reports",
        json={
            "reports": [{"token": "x", "_links": {}}],
            "pagination": {"page": 1, "total_pages": 1, "total_count": 1},
        },
    )
    reports = offline_client.reports.list()
    assert reports.total == 1
    assert (
        repr(reports)
        == "<Collection[DiscoveryReport] reports total=1: <DiscoveryReport x links=0>>"
    )


def test_list_and_follow_return_the_same_collection_type(make_sim: SimFactory) -> None:
    simulated = make_sim(speed=500.0, discovery_reports=10)
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


def test_call_by_name_or_endpoint(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{RUNS}/f1", json=run("f1"))
    by_name = offline_client.call("report_runs.get", report="r1", run="f1")
    by_endpoint = offline_client.call(REPORT_RUNS_GET, report="r1", run="f1")
    assert isinstance(by_name, ReportRun) and by_name == by_endpoint
    assert by_name.response is not None and by_name.response.url == f"{RUNS}/f1"


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("report_runs.get", {"report": "r1"}, "report_runs.get: run must be a token"),
        (
            "report_runs.get",
            {"report": "r1", "run": "f", "colour": "red"},
            "report_runs.get: colour is not a parameter",
        ),
        (
            "report_runs.list",
            {"report": "r1", "order": "sideways"},
            "report_runs.list: order must be one of",
        ),
        (
            "report_runs.list",
            {"report": "r1", "filter": "yesterday"},
            "report_runs.list: filter must be FIELD.OP.TIME, where FIELD is created_at or",
        ),
        ("reports.list", {"per_page": 0}, "reports.list: per_page must be in 1..999"),
        ("report_schedules.create", {"report": "r1"}, "report_schedules.create: cron is required"),
        ("report_runs.lst", {}, "no operation 'report_runs.lst'; did you mean 'report_runs.list'"),
    ],
)
def test_call_checks_arguments_against_the_declaration(
    offline_client: modehal.Client,
    mocked: responses.RequestsMock,
    name: str,
    arguments: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(modehal.InvalidParameter) as caught:
        offline_client.call(name, **arguments)
    assert len(mocked.calls) == 0  # nothing was sent
    assert message in str(caught.value)


def test_an_error_carries_what_the_spec_documents_for_its_status(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{RUNS}/nope", body="<html>gone</html>", status=404)
    with pytest.raises(modehal.NotFound) as caught:
        offline_client.report_runs.get("r1", "nope")
    assert (
        caught.value.documented == "ReportRun not found"
        and caught.value.message == "<html>gone</html>"
    )
