"""HAL documents: decoding the saved examples, links, follow(), embedded resources."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
import responses

import modehal
from modehal import Link, LinkError, Resource
from modehal.api import (
    DatasetRun,
    DatasetSchedule,
    DiscoveryReport,
    Report,
    ReportRun,
    ReportSchedule,
)

from .conftest import BASE, load_fixture

# -- every example payload of the five pages decodes ---------------------------------------


def test_report_schedule_example_decodes() -> None:
    schedule = ReportSchedule(load_fixture("report_schedule.json"))
    assert schedule.token == "9288da2a1b59"
    assert schedule.state == "active"
    assert schedule.parameters == {}
    assert schedule.created_at == datetime(2019, 5, 8, 22, 12, 19, 237000, tzinfo=timezone.utc)
    assert schedule.next_scheduled_run == datetime(2020, 4, 7, 20, 0, tzinfo=timezone.utc)
    assert (schedule.retry_count, schedule.retry_delay, schedule.timeout) == (1, 0, 86100)
    assert schedule.subscribed is False
    # Docs README item 2: fields outside the table are typed or kept.
    assert (schedule.frequency, schedule.time_zone, schedule.hour) == ("daily", "UTC", "8:00 pm")
    assert schedule.extra == {"_forms": {}}
    assert schedule.field_errors == {}
    assert sorted(schedule.links) == [
        "account",
        "creator",
        "report",
        "report_runs",
        "report_subscriptions",
        "self",
    ]


def test_dataset_schedule_example_decodes() -> None:
    schedule = DatasetSchedule(load_fixture("dataset_schedule.json"))
    assert (schedule.token, schedule.name, schedule.timeout) == (
        "9288da2a1b59",
        "Qui Officia",
        86100,
    )
    assert schedule.field_errors == {}


def test_discovery_report_example_decodes() -> None:
    page = load_fixture("reports_discovery_page.json")
    first, second = (DiscoveryReport(item) for item in page["reports"])
    assert (first.id, first.token, first.name, first.edited_at) == (
        5244,
        "728f6328ea67",
        None,
        None,
    )
    assert second.last_run_state == "failed"
    assert second.space_id == 41
    assert second.report_url == "/api/modeanalytics/reports/bfe4fc361d9f"
    assert first.field_errors == {} and second.field_errors == {}


@pytest.mark.parametrize(
    "model, name", [(ReportRun, "report_run.json"), (DatasetRun, "dataset_run.json")]
)
def test_run_examples_decode_despite_placeholder_timestamps(
    model: type[Resource[Any]], name: str
) -> None:
    # Docs README item 12: `YYYY-MM-DDTHH:MM:SS.msZ` must not make the run unreadable.
    run = model(load_fixture(name))
    assert run.token == "f2lkg3hwjj9"  # type: ignore[attr-defined]
    assert run.state == "enqueued"  # type: ignore[attr-defined]
    assert run.created_at is None  # type: ignore[attr-defined]
    assert run.python_state == "none"  # type: ignore[attr-defined]
    assert run.form_fields == []  # type: ignore[attr-defined]
    assert set(run.field_errors) == {
        "created_at",
        "updated_at",
        "completed_at",
        "purge_started_at",
        "purge_completed_at",
    }
    assert "YYYY-MM-DDTHH:MM:SS.msZ" in run.field_errors["created_at"]
    assert len(run.links) == 15


def test_table_shapes_are_tolerated() -> None:
    # Docs README item 1: the table says string for integers, booleans and objects.
    schedule = ReportSchedule(
        {
            "token": "s",
            "retry_count": "3",
            "subscribed": "true",
            "parameters": '{"a": 1}',
            "timeout": 12.0,
        }
    )
    assert (schedule.retry_count, schedule.subscribed, schedule.parameters, schedule.timeout) == (
        3,
        True,
        {"a": 1},
        12,
    )
    run = ReportRun({"token": "r", "state": "succeeded", "is_latest_report_run": "false"})
    assert run.is_latest_report_run is False


def test_one_bad_field_spoils_only_itself() -> None:
    run = ReportRun(
        {"token": "r", "state": "succeeded", "parameters": [1, 2], "is_latest_report_run": "maybe"}
    )
    assert run.parameters is None and run.is_latest_report_run is None
    assert run.token == "r"
    assert set(run.field_errors) == {"parameters", "is_latest_report_run"}


def test_missing_required_field_raises_decode_error_naming_it() -> None:
    run = ReportRun({"state": "succeeded"}, url=f"{BASE}/api/x/reports/r/runs/q")
    with pytest.raises(modehal.DecodeError, match="'token' is missing.*/api/x/reports/r/runs/q"):
        run.token
    assert "token" in run.field_errors
    assert repr(run) == "<ReportRun state=succeeded links=0>"


def test_unknown_state_is_returned_as_is() -> None:
    assert ReportRun({"token": "r", "state": "archived"}).state == "archived"


def test_dir_lists_fields_and_raw_access_works() -> None:
    run = ReportRun(load_fixture("report_run.json"))
    assert {"token", "state", "created_at", "python_state"} <= set(dir(run))
    assert run["created_at"] == "YYYY-MM-DDTHH:MM:SS.msZ"
    assert run.get("nope", 1) == 1


# -- links ----------------------------------------------------------------------------------


def test_links_keep_arrays_and_templated_flags() -> None:
    resource = Resource(
        {
            "_links": {
                "self": {"href": "/api/a"},
                "item": [{"href": "/api/a/1", "name": "one"}, {"href": "/api/a/2", "name": "two"}],
                "search": {"href": "/api/a/search{?q}", "templated": True},
            }
        }
    )
    assert resource.links["item"] == Link("/api/a/1", name="one")
    assert [link.href for link in resource.links.all("item")] == ["/api/a/1", "/api/a/2"]
    assert resource.links["search"].templated is True
    assert resource.links.get("missing") is None
    assert "self" in resource.links and "missing" not in resource.links
    assert resource.links._ipython_key_completions_() == ["item", "search", "self"]


def test_link_expand_follows_rfc6570() -> None:
    link = Link("/api/{account}/reports/{report}/runs{?page,per_page}", templated=True, rel="runs")
    assert (
        link.expand(account="hogwarts", report="r 1", page=2)
        == "/api/hogwarts/reports/r%201/runs?page=2"
    )
    with pytest.raises(LinkError, match="needs report"):
        link.expand(account="hogwarts")
    assert Link("/api/plain").expand(ignored=1) == "/api/plain"


def test_malformed_links_are_named_not_crashing() -> None:
    resource = Resource(
        {"_links": {"a": {"title": "no href"}, "b": {"href": 3}, "c": {"href": "/ok"}, "d": "bad"}}
    )
    assert list(resource.links) == ["c", "d"]  # a bare string href is tolerated
    with pytest.raises(LinkError, match="'a'.*no href"):
        resource.links["a"]
    with pytest.raises(LinkError, match="'b'.*int, not a string"):
        resource.links["b"]
    assert Resource({"_links": ["not", "a", "mapping"]}).links == {}


def test_missing_rel_lists_the_rels_that_exist_and_suggests() -> None:
    run = ReportRun(load_fixture("report_run.json"))
    with pytest.raises(LinkError) as caught:
        run.follow("report_schedul")  # type: ignore[arg-type]
    message = str(caught.value)
    assert "did you mean 'report_schedule'" in message
    assert "account, clone, content" in message
    assert caught.value.available == tuple(sorted(run.links))


def test_links_repr_is_a_table() -> None:
    text = repr(ReportSchedule(load_fixture("report_schedule.json")).links)
    assert (
        "  report_runs           /api/hogwarts/reports/1fc11c31fdc4/schedules/9288da2a1b59/runs?embed"
        in text
    )


# -- follow() -------------------------------------------------------------------------------


def schedule_doc() -> dict[str, Any]:
    return load_fixture("report_schedule.json")


def test_follow_relative_link_gives_the_spec_model(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    run = ReportRun(
        {
            "token": "r",
            "state": "succeeded",
            "_links": {
                "report_schedule": {
                    "href": "/api/hogwarts/reports/1fc11c31fdc4/schedules/9288da2a1b59"
                }
            },
        },
        client=offline_client,
    )
    mocked.get(
        f"{BASE}/api/hogwarts/reports/1fc11c31fdc4/schedules/9288da2a1b59", json=schedule_doc()
    )
    schedule = run.follow("report_schedule")
    assert isinstance(schedule, ReportSchedule)
    assert mocked.calls[0].request.headers["Accept"] == "application/hal+json"
    assert mocked.calls[0].request.headers["Authorization"].startswith("Basic ")


def test_follow_keeps_bracket_query_byte_for_byte(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    schedule = ReportSchedule(schedule_doc(), client=offline_client)
    href = "/api/hogwarts/reports/1fc11c31fdc4/schedules/9288da2a1b59/runs?embed[report_runs][executed_by]=1"
    mocked.get(
        f"{BASE}{href}",
        json={
            "_links": {"self": {"href": href}},
            "_embedded": {"report_runs": [load_fixture("report_run.json")]},
        },
    )
    runs = schedule.follow("report_runs")
    assert isinstance(runs, modehal.Collection)
    assert mocked.calls[0].request.url == BASE + href
    assert mocked.calls[0].request.path_url.endswith("?embed[report_runs][executed_by]=1")
    (run,) = list(runs)
    assert isinstance(run, ReportRun)


def test_follow_absolute_and_templated_links(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    resource = Resource(
        {
            "_links": {
                "abs": {"href": f"{BASE}/api/hogwarts/reports/r1/runs/x"},
                "tmpl": {"href": "/api/hogwarts/reports/{report}/runs/{run}", "templated": True},
            }
        },
        client=offline_client,
    )
    mocked.get(f"{BASE}/api/hogwarts/reports/r1/runs/x", json={"token": "x", "state": "failed"})
    mocked.get(f"{BASE}/api/hogwarts/reports/r2/runs/y", json={"token": "y", "state": "running"})
    assert isinstance(resource.follow("abs"), ReportRun)  # matched by the documented path
    followed = resource.follow("tmpl", report="r2", run="y")
    assert isinstance(followed, ReportRun) and followed.state == "running"


def test_follow_an_array_rel_takes_its_first_link(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    resource = Resource(
        {"_links": {"items": [{"href": "/api/one"}, {"href": "/api/two"}]}}, client=offline_client
    )
    mocked.get(f"{BASE}/api/one", json={"token": "1"})
    assert resource.follow("items")["token"] == "1"


def test_follow_lorem_ipsum_href_is_a_link_error(offline_client: modehal.Client) -> None:
    # Docs README item 11: the run pages' example hrefs are words, not paths.
    run = ReportRun(load_fixture("report_run.json"), client=offline_client)
    with pytest.raises(LinkError, match="'report_schedule' href 'aliqua d' is neither a URL nor"):
        run.follow("report_schedule")
    with pytest.raises(LinkError, match="'share' has an empty href"):
        run.follow("share")


def test_follow_without_a_client_says_so() -> None:
    with pytest.raises(LinkError, match="without a client"):
        ReportSchedule(schedule_doc()).follow("report")


def test_refresh_refetches_self(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    doc = schedule_doc()
    schedule = ReportSchedule(doc, client=offline_client)
    mocked.get(
        f"{BASE}/api/hogwarts/reports/1fc11c31fdc4/schedules/9288da2a1b59",
        json={**doc, "state": "paused"},
    )
    fresh = schedule.refresh()
    assert isinstance(fresh, ReportSchedule) and fresh.state == "paused"


def test_client_get_matches_documented_paths(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/hogwarts/reports/r1/runs/run1/duplicates/d1", json={"token": "d1"})
    mocked.get(f"{BASE}/api/hogwarts/somewhere", json={"token": "w", "_links": {}})
    assert (
        type(offline_client.get("/api/hogwarts/reports/r1/runs/run1/duplicates/d1")).__name__
        == "ReportRunDuplicate"
    )
    assert type(offline_client.get("/api/hogwarts/somewhere")) is Resource


def test_client_get_on_discovery_path_uses_bearer(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{BASE}/batch/hogwarts/reports",
        json={"reports": [], "pagination": {"page": 1, "total_pages": 1}},
    )
    collection = offline_client.get("/batch/hogwarts/reports")
    assert isinstance(collection, modehal.Collection)
    assert mocked.calls[0].request.headers["Authorization"].startswith("Bearer ")
    assert mocked.calls[0].request.headers["Accept"] == "application/json"
    assert list(collection) == []


# -- embedded -------------------------------------------------------------------------------


def test_embedded_resources_get_their_models(offline_client: modehal.Client) -> None:
    resource = Resource(
        {
            "_embedded": {
                "report_runs": [load_fixture("report_run.json"), "not an object"],
                "report": {"token": "r1"},
                "creator": {"username": "albus"},
            }
        },
        client=offline_client,
    )
    embedded = resource.embedded
    runs = embedded["report_runs"]
    assert isinstance(runs, list) and len(runs) == 1 and isinstance(runs[0], ReportRun)
    assert isinstance(embedded["report"], Report)
    assert type(embedded["creator"]) is Resource
    assert Resource({"_embedded": "junk"}).embedded == {}


# -- navigation messages --------------------------------------------------------------------


@pytest.mark.parametrize("rel", ["share", "web_external_url"])
def test_follow_on_a_web_page_says_so_and_sends_nothing(
    offline_client: modehal.Client, mocked: responses.RequestsMock, rel: str
) -> None:
    run = Resource(
        {"_links": {rel: {"href": "/hogwarts/reports/r/runs/x/share"}}}, client=offline_client
    )
    with pytest.raises(
        modehal.LinkError, match=rf"'{rel}' is a web page \(https://app.mode.com/hogwarts"
    ):
        run.follow(rel)
    assert len(mocked.calls) == 0


def test_a_link_error_on_a_created_run_names_the_run_not_the_post(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    posted = f"{BASE}/api/hogwarts/reports/r/runs"
    own = "/api/hogwarts/reports/r/runs/new1"
    mocked.post(
        posted,
        status=202,
        json={"token": "new1", "state": "enqueued", "_links": {"self": {"href": own}}},
    )
    run = offline_client.report_runs.create("r")
    with pytest.raises(modehal.LinkError) as caught:
        run.follow("report_schedule")
    assert own in str(caught.value) and f"of {posted}" not in str(caught.value)


def test_a_missing_rel_without_a_close_match_is_two_sentences() -> None:
    resource = Resource({"_links": {"self": {"href": "/api/x"}}}, url="/api/x")
    with pytest.raises(modehal.LinkError) as caught:
        resource.follow("zzz")
    assert str(caught.value) == "no link 'zzz' of /api/x. Available: self."


def test_the_html_table_links_web_pages_and_marks_api_rels(offline_client: modehal.Client) -> None:
    run = Resource(
        {
            "token": "x",
            "_links": {
                "self": {"href": "/api/hogwarts/reports/r/runs/x"},
                "share": {"href": "/hogwarts/reports/r/runs/x/share"},
                "evil": {"href": "javascript:alert(1)"},
            },
        },
        client=offline_client,
    )
    html = run._repr_html_()
    assert (
        "<a href='https://app.mode.com/hogwarts/reports/r/runs/x/share' target='_blank' "
        "rel='noopener'>/hogwarts/reports/r/runs/x/share</a> <small>web page</small>" in html
    )
    assert "<code>/api/hogwarts/reports/r/runs/x</code> <small>API</small>" in html
    assert "href='javascript" not in html


def test_a_misspelt_cron_key_is_named_without_python_internals(
    offline_client: modehal.Client,
) -> None:
    with pytest.raises(modehal.InvalidParameter) as caught:
        offline_client.report_schedules.create("r", cron={"freq": "daily", "hr": 3})
    assert "'hr' (did you mean 'hour'?)" in str(caught.value) and "__init__" not in str(
        caught.value
    )


def test_a_field_whose_json_key_is_not_a_python_name_reads_through_its_attribute() -> None:
    from modehal.api import Space

    space = Space({"token": "s1", "viewable?": "true", "viewed?": "perhaps"})
    assert space.viewable is True and space.viewed is None  # "perhaps" does not decode
    assert set(space.field_errors) == {"viewed?"}  # named by the key Mode sent
    assert "viewable" in dir(space) and "viewable?" not in dir(space)
    assert "viewable?" not in space.extra  # declared, so not an unknown field
