"""The simulator serves every operation of the spec: hand-written handlers where Mode has
special behaviour, the generic store (``modehal.sim._store``) for the rest.

The operations are read from ``Client.catalog``, so an operation added to the spec is covered
here without a test of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from itertools import islice
from typing import Any

import pytest
import requests

import modehal
from modehal._api import Endpoint, Param
from modehal._hal import Resource
from modehal._pagination import Collection
from modehal.api import Client
from modehal.sim import Simulator
from modehal.sim._behaviours import BEHAVIOURS
from modehal.sim._server import build_routes
from modehal.sim._shapes import Shapes, placeholders

from .conftest import SimFactory

CATALOG = Client.catalog
OPERATIONS = sorted(CATALOG.operations)
SHAPES = Shapes(CATALOG)


@pytest.fixture(scope="module")
def shared(make_shared_sim: SimFactory) -> Simulator:
    """For operations that only read: one simulator for the module."""
    return make_shared_sim(speed=500.0)


@pytest.fixture
def client(shared: Simulator) -> Iterator[modehal.Client]:
    with shared.client() as one:
        yield one


def _sample(param: Param) -> object:
    """A value that fits ``param``, for a required body or query param."""
    if param.enum:
        return param.enum[0]
    if param.type == "integer":
        return max(param.minimum or 1, 1)
    if param.type == "number":
        return 1.5
    if param.type == "boolean":
        return True
    if param.type == "array":
        return []
    if param.type == "datetime":
        return datetime(2024, 1, 1, tzinfo=timezone.utc)
    if param.type == "string":
        if param.pattern and "\\d{4}" in param.pattern and "T" not in param.pattern:
            return "2024-01-01"
        return "2024-01-01T00:00:00Z" if "timestamp" in param.name else "Sim value"
    return {}  # an object, or a model such as cron (none of whose fields are required here)


def arguments(sim: Simulator, op: Endpoint[Any]) -> dict[str, object]:
    """Arguments for ``op`` from the seeded world: the path's tokens name seeded resources."""
    store = sim.store
    needed = [
        p.name
        for p in op.params
        if p.location == "path" and p.default is None and p.name in placeholders(op.full_path)
    ]
    scopes = store.scopes(needed)
    assert scopes, f"{op.name}: nothing seeded fills {needed}"
    args: dict[str, object] = {k: v for k, v in scopes[0].items() if k != "account"}
    for param in op.params:
        if param.location != "path" and param.required:
            args[param.name] = _sample(param)
    if op.name == "report_schedules.create":
        args["cron"] = {"freq": "daily", "hour": 9, "minute": 0, "time_zone": "UTC"}
    if op.name == "report_schedules.bulk_delete":  # its query params name a seeded schedule
        args["report"] = sim.reports[0]
        args["schedule"] = sim.schedules(sim.reports[0])[0]
    return args


def call(sim: Simulator, name: str) -> object:
    op = CATALOG.operations[name]
    with sim.client() as client:
        if name == "report_runs.get_duplicate":  # none is seeded: make one
            made = CATALOG.operations["report_runs.duplicate"]
            client.call(made, **arguments(sim, made))
        args = arguments(sim, op)
        if name == "pdf_exports.download":  # a PDF is downloadable once its render is done
            pdf = CATALOG.operations["pdf_exports.get"]
            client.call(pdf, **{k: v for k, v in args.items() if k in {p.name for p in pdf.params}})
            sim.advance(10)
        result = client.call(op, **args)
        if isinstance(result, Collection):
            return list(islice(result, 5))
        if isinstance(result, modehal.Download):
            return result.read() if hasattr(result, "read") else result
        return result


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_operation_answers_as_documented(name: str, make_sim: SimFactory) -> None:
    op = CATALOG.operations[name]
    # an operation that changes the world gets a simulator of its own
    sim = make_sim(speed=500.0)
    result = call(sim, name)
    if op.collection:
        assert isinstance(result, list) and result, f"{name}: an empty collection"
        assert all(isinstance(item, op.returns) for item in result)  # type: ignore[arg-type]
    elif op.model is not None:
        assert isinstance(result, op.model), result
        assert isinstance(result, Resource) and result.data
    elif op.returns is None:
        assert result is None


def test_every_operation_is_routed() -> None:
    routes = build_routes(CATALOG.operations.values(), SHAPES)
    # operations sharing a method and path share a route, named after the first of them
    routed = {
        op.name
        for op in CATALOG.operations.values()
        for route in routes
        if route.method == op.method and route.pattern.match(op.full_path)
    }
    assert set(CATALOG.operations) <= routed
    # a behaviour named for an operation the spec does not have would never be routed
    assert set(BEHAVIOURS) <= set(CATALOG.operations)


# -- round trips -------------------------------------------------------------------------------


def _ops_by_kind() -> dict[str, dict[str, Endpoint[Any]]]:
    found: dict[str, dict[str, Endpoint[Any]]] = {}
    for name in sorted(set(CATALOG.operations) - set(BEHAVIOURS)):
        plan = SHAPES.plans[name]
        if plan.kind in ("create", "get", "update", "delete") and plan.shape.home:
            found.setdefault(plan.shape.name, {}).setdefault(plan.kind, plan.op)
    return found


ROUND_TRIPS = sorted(
    name for name, kinds in _ops_by_kind().items() if {"create", "get", "delete"} <= set(kinds)
)


@pytest.mark.parametrize("model", ROUND_TRIPS)
def test_create_get_update_get_delete_then_not_found(model: str, make_sim: SimFactory) -> None:
    sim = make_sim()
    ops = _ops_by_kind()[model]
    create = ops["create"]
    args = arguments(sim, create)
    with sim.client() as client:
        made = client.call(create, **args)
        assert isinstance(made, Resource)
        token = made.data["token"]
        key = SHAPES.plans[ops["get"].name].shape.key
        assert key is not None
        where = {k: v for k, v in args.items() if k in {p.name for p in ops["get"].params}}
        where[key] = token
        assert client.call(ops["get"], **where).data["token"] == token
        if "update" in ops:
            update = ops["update"]
            body = [p for p in update.params if p.location == "body" and p.type == "string"]
            changes = {body[0].name: "Changed by a test"} if body else {}
            changed = client.call(update, **where, **changes)
            if changes and isinstance(changed, Resource):
                assert changed.data[body[0].name] == "Changed by a test"
            if changes:
                got = client.call(ops["get"], **where)
                assert got.data[body[0].name] == "Changed by a test"
        client.call(ops["delete"], **where)
        with pytest.raises(modehal.NotFound):
            client.call(ops["get"], **where)


def test_round_trips_cover_the_stores_crud_models() -> None:
    assert ROUND_TRIPS, "no model has create, get and delete"


# -- bad bodies ------------------------------------------------------------------------------


def _creates_with_a_body() -> list[str]:
    return sorted(
        name
        for name in sorted(set(CATALOG.operations) - set(BEHAVIOURS))
        if SHAPES.plans[name].kind == "create"
        and any(p.location == "body" for p in CATALOG.operations[name].params)
    )


@pytest.mark.parametrize("name", _creates_with_a_body())
def test_a_bad_body_is_a_400(name: str, shared: Simulator) -> None:
    op = CATALOG.operations[name]
    args = arguments(shared, op)
    path = op.full_path
    for key, value in {"account": shared.account, **args}.items():
        path = path.replace("{" + key + "}", str(value))
    auth = (shared.token, shared.secret)
    headers = {}
    if op.api.name == "discovery":
        import base64

        headers["Authorization"] = (
            "Bearer " + base64.b64encode(":".join(shared.discovery).encode()).decode()
        )
        auth = None  # type: ignore[assignment]
    good = {p.name: _sample(p) for p in op.params if p.location == "body" and p.required}

    def send(values: dict[str, object]) -> requests.Response:
        body = {op.body_wrapper: values} if op.body_wrapper else values
        return requests.post(shared.url + path, json=body, auth=auth, headers=headers, timeout=5)

    unknown = send({**good, "no_such_attribute": 1})
    assert unknown.status_code == 400 and "no_such_attribute" in unknown.json()["message"]
    typed = [p for p in op.params if p.location == "body" and p.type in ("string", "integer")]
    if typed:
        wrong = send({**good, typed[0].name: [] if typed[0].type == "string" else "x"})
        assert wrong.status_code == 400, wrong.text
    required = [p for p in op.params if p.location == "body" and p.required]
    if required:
        missing = send({k: v for k, v in good.items() if k != required[0].name})
        assert missing.status_code == 400 and required[0].name in missing.json()["message"]


# -- Mode's behaviour beyond storing -------------------------------------------------------------


def _needs(*names: str) -> None:
    missing = [name for name in names if name not in CATALOG.operations]
    if missing:
        pytest.skip(f"the spec has no {', '.join(missing)}")


def test_archive_and_unarchive_set_the_reports_flag(make_sim: SimFactory) -> None:
    _needs("reports.archive", "reports.unarchive", "reports.get")
    sim = make_sim()
    report = sim.reports[0]
    with sim.client() as client:
        assert client.call("reports.archive", report=report).data["archived"] is True
        assert client.call("reports.get", report=report).data["archived"] is True
        assert client.call("reports.unarchive", report=report).data["archived"] is False


def test_deleting_a_report_deletes_its_runs(make_sim: SimFactory) -> None:
    _needs("reports.delete", "report_runs.get")
    sim = make_sim()
    report = sim.reports[1]
    run = sim.runs(report)[0]
    with sim.client() as client:
        client.call("reports.delete", report=report)
        with pytest.raises(modehal.NotFound):
            client.call("report_runs.get", report=report, run=run)
    assert not sim.runs(report) and report not in sim.reports


def test_purge_marks_every_report_run_purged(make_sim: SimFactory) -> None:
    _needs("reports.purge", "report_runs.get")
    sim = make_sim()
    report = sim.reports[0]
    run = sim.runs(report)[0]
    with sim.client() as client:
        client.call("reports.purge", **arguments(sim, CATALOG.operations["reports.purge"]))
        assert client.call("report_runs.get", report=report, run=run).data["purge_started_at"]


def test_an_invite_adds_a_membership(make_sim: SimFactory) -> None:
    _needs("invites.create", "memberships.list")
    sim = make_sim()
    with sim.client() as client:
        before = len(list(client.call("memberships.list")))
        client.call("invites.create", **arguments(sim, CATALOG.operations["invites.create"]))
        assert len(list(client.call("memberships.list"))) == before + 1


def test_group_memberships_are_listed_and_counted_by_their_group(make_sim: SimFactory) -> None:
    _needs("group_memberships.create", "group_memberships.list", "groups.get")
    sim = make_sim()
    create = CATALOG.operations["group_memberships.create"]
    args = arguments(sim, create)
    group = {k: v for k, v in args.items() if k == "group_token"}
    with sim.client() as client:
        before = len(list(client.call("group_memberships.list", **group)))
        client.call(create, **args)
        assert len(list(client.call("group_memberships.list", **group))) == before + 1
        counted = client.call("groups.get", **group).data
        if "member_count" in counted:
            assert counted["member_count"] == before + 1


def test_refresh_starts_a_run_like_create(make_sim: SimFactory) -> None:
    _needs("report_runs.refresh")
    sim = make_sim(speed=500.0)
    with sim.client() as client:
        run = client.call("report_runs.refresh", report=sim.reports[0], dataset_tokens=[])
        assert run.state == "enqueued"
        assert run.token in sim.store.tables["report_run"]


def test_a_created_query_runs_with_its_report(make_sim: SimFactory) -> None:
    _needs("queries.create")
    sim = make_sim()
    report = sim.reports[0]
    create = CATALOG.operations["queries.create"]
    with sim.client() as client:
        made = client.call(create, **{**arguments(sim, create), "report": report})
    assert made.data["token"] in sim.queries(report)
