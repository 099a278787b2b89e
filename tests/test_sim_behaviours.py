"""What the simulator does beyond storing documents, as the spec decides it: dataset runs in
the OpenAPI file's names, report schedules with names, the bulk delete of a schedule, the
refresh of a report's datasets counted under its own name, and listings by a parent the
records know nothing about narrowed to some of them.
"""

from __future__ import annotations

import pytest
import requests

import modehal
from modehal.api import Client
from modehal.sim import Simulator

from .conftest import SimFactory

CATALOG = Client.catalog
CRON = {"freq": "daily", "hour": 9, "minute": 0, "time_zone": "UTC"}


@pytest.fixture(scope="module")
def shared(make_shared_sim: SimFactory) -> Simulator:
    """For tests that only read: one simulator for the module."""
    return make_shared_sim(speed=500.0)


# -- dataset runs (spec/dataset_run.yaml header) --------------------------------------------------

DATASET_RUN_RELS = {
    "self",
    "account",
    "executed_by",
    "latest_successful_dataset_run_api_url",
    "dataset",
    "query_runs",
    "share",
}


def test_a_dataset_run_carries_the_openapi_files_names(shared: Simulator) -> None:
    dataset = shared.datasets[0]
    with shared.client() as client:
        runs = list(client.dataset_runs.list(dataset, order="desc"))
        newest = client.dataset_runs.get(dataset, runs[0].token)
        data = newest.data
        assert data["is_latest_dataset_run"] is True
        assert data["is_latest_successful_dataset_run"] is True
        assert data["dataset_has_failures_since_last_success"] is False
        assert runs[1].data["is_latest_dataset_run"] is False
        for name in (
            "is_latest_report_run",
            "is_latest_successful_report_run",
            "report_has_failures_since_last_success",
        ):
            assert name not in data and getattr(newest, name) is None
        links = {rel: link["href"] for rel, link in data["_links"].items()}
        assert set(links) == DATASET_RUN_RELS
        assert links["dataset"] == f"/api/{shared.account}/datasets/{dataset}"
        assert newest.follow("dataset").token == dataset
        latest_ok = newest.follow("latest_successful_dataset_run_api_url")
        assert latest_ok.token == newest.token
        # the API serves no query runs of a dataset run: its web page
        assert not links["query_runs"].startswith(("/api/", "/batch/"))


def test_a_new_dataset_run_links_the_last_successful_one(make_sim: SimFactory) -> None:
    sim = make_sim(speed=500.0)
    dataset = sim.datasets[1]
    with sim.client() as client:
        before = sim.runs(dataset)[-1]
        run = client.dataset_runs.create(dataset)
        assert run.data["is_latest_dataset_run"] is True
        assert run.data["is_latest_successful_dataset_run"] is False
        assert run.follow("latest_successful_dataset_run_api_url").token == before


# -- report schedules ---------------------------------------------------------------------------


def test_a_schedule_has_a_name_and_the_openapi_files_fields(make_sim: SimFactory) -> None:
    sim = make_sim()
    report = sim.reports[2]
    with sim.client() as client:
        made = client.report_schedules.create(report, cron=CRON, timeout=600, name="Morning owls")
        assert made.data["name"] == "Morning owls"
        got = client.report_schedules.get(report, made.token)
        assert got.data["name"] == "Morning owls"
        assert got.data["report_token"] == report
        assert got.data["report_name"] == sim.store.tables["report"][report].fields["name"]
        for name in ("report_type", "delivery", "subscriber_count"):
            assert name in got.data, name
        web = got.data["_links"]["report_web"]["href"]
        assert web == f"/{sim.account}/reports/{report}"
        renamed = client.report_schedules.update(report, made.token, name="Evening owls")
        assert renamed.data["name"] == "Evening owls"
        assert client.report_schedules.get(report, made.token).data["timeout"] == 600
        seeded = client.report_schedules.get(report, sim.schedules(report)[0])
        assert seeded.data["name"]


def test_a_schedule_name_must_be_a_string(shared: Simulator) -> None:
    report = shared.reports[0]
    answer = requests.post(
        f"{shared.url}/api/{shared.account}/reports/{report}/schedules",
        json={"report_schedule": {"cron": CRON, "name": 7}},
        auth=(shared.token, shared.secret),
        timeout=5,
    )
    assert answer.status_code == 400 and "name" in answer.json()["message"]


def test_bulk_delete_deletes_that_schedule_of_that_report(make_sim: SimFactory) -> None:
    sim = make_sim()
    report, other = sim.reports[1], sim.reports[2]
    schedule = sim.schedules(report)[0]
    with sim.client() as client:
        with pytest.raises(modehal.NotFound):  # a schedule of another report
            client.report_schedules.bulk_delete(report=other, schedule=schedule)
        with pytest.raises(modehal.NotFound):
            client.report_schedules.bulk_delete(report="nosuchreport", schedule=schedule)
        with pytest.raises(modehal.NotFound):
            client.report_schedules.bulk_delete(report=report, schedule="nosuchsched")
        assert sim.schedules(report) == [schedule]
        client.report_schedules.bulk_delete(report=report, schedule=schedule)
        assert sim.schedules(report) == []
        with pytest.raises(modehal.NotFound):
            client.report_schedules.get(report, schedule)
        assert sim.schedules(other)  # the other report's schedules stay
        # a run the schedule started no longer links it (the link would not resolve)
        assert all(
            run.facts.get("report_schedule") != schedule
            for run in sim.store.tables["report_run"].values()
        )


# -- refresh shares create's method and path ------------------------------------------------------


def test_refresh_is_counted_and_faulted_under_its_own_name(make_sim: SimFactory) -> None:
    sim = make_sim(speed=500.0)
    report = sim.reports[0]
    with sim.client() as client:
        client.report_runs.create(report)
        client.call("report_runs.refresh", report=report, dataset_tokens=[])
        assert sim.effects["report_runs.create"] == 1
        assert sim.effects["report_runs.refresh"] == 1
        assert sim.calls["report_runs.refresh"] == 1
        assert [r.route for r in sim.requests if r.method == "POST"] == [
            "report_runs.create",
            "report_runs.refresh",
        ]
        sim.inject("report_runs.refresh", status=400)
        client.report_runs.create(report)  # not hit by the refresh's fault
        with pytest.raises(modehal.BadRequest):
            client.call("report_runs.refresh", report=report, dataset_tokens=[])
    assert sim.effects["report_runs.create"] == 2
    assert sim.effects["report_runs.refresh"] == 1
    assert sim.calls["report_runs.refresh"] == 2


# -- listings by a parent the records do not know -----------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["reports.list_for_data_source", "datasets.list_for_data_source", "reports.list_for_dataset"],
)
def test_a_listing_by_a_parent_lists_some_not_all(name: str, shared: Simulator) -> None:
    op = CATALOG.operations[name]
    (param,) = [p.name for p in op.params if p.location == "path" and p.name != "account"]
    store = shared.store
    assert store is not None
    parents = list(dict.fromkeys(ids[param] for ids in store.scopes(["account", param])))
    every = {r.token for r in store.records(store.shapes.plans[name].shape)}
    assert len(parents) >= 2
    seen: set[str] = set()
    with shared.client() as client:
        for parent in parents:
            listed = {item.token for item in client.call(op, **{param: parent})}
            assert listed and listed < every, (parent, listed)
            seen |= listed
    assert seen == every  # every item is under one of them


def test_a_report_is_listed_under_the_data_source_its_queries_read(shared: Simulator) -> None:
    with shared.client() as client:
        for report in shared.reports:
            source = shared.store.tables["report"][report].joins["data_source"]
            listed = client.reports.list_for_data_source(source)
            assert report in {item.token for item in listed}


# -- definitions and subscriptions (found by the mode-sdk realism test) ------------------------


def test_definitions_filtered_by_tokens(shared: Simulator) -> None:
    with shared.client() as client:
        every = [d.token for d in client.definitions.list()]
        assert len(every) >= 2
        named = client.definitions.list(filter="by_tokens", tokens=every[-1])
        assert [d.token for d in named] == [every[-1]]
        assert [d.token for d in client.definitions.list(filter="by_tokens", tokens="")] == []


def test_a_subscriptions_body_sets_its_enabled_fields(make_sim: SimFactory) -> None:
    sim = make_sim()
    report = sim.reports[0]
    with sim.client() as client:
        made = client.subscriptions.create(report, csv_attachments=True, data_tables=False)
        assert made.csv_attachments_enabled is True and made.data_tables_enabled is False
        assert "csv_attachments" not in made.data
        links = made.links
        assert "self" in links
        again = client.get(links["self"].href)
        assert again.data["csv_attachments_enabled"] is True


def test_a_new_group_has_no_members_until_one_is_added(make_sim: SimFactory) -> None:
    sim = make_sim()
    with sim.client() as client:
        group = client.groups.create(name="analysts")
        assert group.member_count == 0 and group.spaces_count == 0
        client.group_memberships.create(group.token, member_token="a1b2c3")
        assert client.groups.get(group.token).member_count == 1


def test_a_body_that_is_not_json_is_refused_after_the_credentials(shared: Simulator) -> None:
    url = f"{shared.url}/api/{shared.account}/reports/{shared.reports[0]}/runs"
    anonymous = requests.post(url, data=b"{nope", timeout=10)
    signed = requests.post(url, data=b"{nope", auth=(shared.token, shared.secret), timeout=10)
    assert anonymous.status_code == 401
    assert signed.status_code == 400 and signed.json()["message"] == "body is not valid JSON"


def test_a_big_workspace_has_every_part_in_proportion(make_sim: SimFactory) -> None:
    sim = make_sim(reports=60, discovery_reports=100, speed=500.0)
    assert len(sim.reports) == 60 and len(set(sim.reports)) == 60
    with sim.client() as client:
        spaces = {space.token for space in client.spaces.list(filter="all")}
        placed = {client.reports.get(report).space_token for report in sim.reports}
        assert placed <= spaces and len(placed) > 5  # spread over the shared spaces
        assert sum(1 for _ in client.reports.list(include_spaces="all")) == 100
        for report in (sim.reports[0], sim.reports[-1]):
            got = client.reports.get(report)
            assert got.query_count == len(sim.queries(report)) >= 1
            assert got.schedules_count == len(sim.schedules(report)) == 1
            assert got.runs_count == len(sim.runs(report))
        failed = client.report_runs.create(sim.reports[-1])
        sim.advance(10)
        assert failed.refresh().state == "failed"  # the last one is seeded to fail


def test_sim_reports_stay_the_seeded_ones_in_order(make_sim: SimFactory) -> None:
    sim = make_sim(speed=500.0)
    seeded = list(sim.reports)
    with sim.client() as client:
        client.report_runs.clone(seeded[0], sim.runs(seeded[0])[0])
    assert sim.reports == seeded  # a clone is a report, not one of the seeded ones
