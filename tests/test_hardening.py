"""Hostile or odd input and configuration: clear ModeErrors, no leaks, no endless loops."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import responses

import modehal
from modehal import Resource, _urls

from ._servers import Answer, Server
from .conftest import BASE, ClientFactory


def ok(body: Any = None, **headers: str) -> Answer:
    return (
        200,
        headers,
        json.dumps(body if body is not None else {"token": "t", "_links": {}}).encode(),
    )


# -- redirects ------------------------------------------------------------------------------


def test_redirect_to_another_origin_drops_credentials(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    foreign = wire_server()
    home = wire_server(lambda target: (302, {"Location": f"{foreign.url}/api/x"}, b""))
    client = make_client("tok", "sec", account="a", base_url=home.url)
    assert client.get("/api/start").data["token"] == "t"
    assert "Authorization" in home.seen[0].headers
    assert "Authorization" not in foreign.seen[0].headers


def test_redirect_on_the_same_origin_keeps_credentials_and_follows_303_as_get(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    def answer(target: str) -> Answer:
        return (303, {"Location": "/api/done"}, b"") if target == "/api/start" else ok()

    home = wire_server(answer)
    client = make_client("tok", "sec", account="a", base_url=home.url)
    client.get("/api/start")
    assert home.seen[1].request_line == "GET /api/done HTTP/1.1"
    assert home.seen[1].headers["Authorization"].startswith("Basic ")


WRITES = [
    ("report_runs.create", {"report": "r", "parameters": {"region": "emea"}}),
    ("report_schedules.update", {"report": "r", "schedule": "s", "timeout": 60}),
    ("report_schedules.delete", {"report": "r", "schedule": "s"}),
]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("operation, arguments", WRITES)
def test_a_write_redirected_to_another_origin_is_refused_not_replayed(
    wire_server: Callable[..., Server],
    status: int,
    operation: str,
    arguments: dict[str, Any],
    make_client: ClientFactory,
) -> None:
    # Before, a 307 replayed the POST and its body on the foreign origin and returned its 202.
    foreign = wire_server(lambda target: (202, {}, json.dumps({"token": "evil"}).encode()))
    home = wire_server(lambda target: (status, {"Location": f"{foreign.url}{target}"}, b""))
    client = make_client("tok", "sec", account="a", base_url=home.url)
    with pytest.raises(modehal.RedirectError) as caught:
        client.call(operation, **arguments)
    assert _urls.origin(home.url) in str(caught.value)
    assert _urls.origin(foreign.url) in str(caught.value)
    assert isinstance(caught.value, modehal.TransportError) and not caught.value.before_sending
    assert len(home.seen) == 1 and foreign.seen == []  # sent once, never elsewhere


def test_redirect_loop_is_a_transport_error(
    wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    home = wire_server(lambda target: (302, {"Location": "/api/loop"}, b""))
    client = make_client("tok", "sec", account="a", base_url=home.url)
    with pytest.raises(modehal.TransportError, match="redirects"):
        client.get("/api/loop")
    assert len(home.seen) == 11


def test_plain_http_proxy_still_gets_the_exact_target(
    monkeypatch: pytest.MonkeyPatch, wire_server: Callable[..., Server], make_client: ClientFactory
) -> None:
    proxy = wire_server()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "")
    client = make_client(
        "tok", "sec", account="a", base_url="http://mode.test", allow_insecure=True
    )
    client.get("/api/a/runs?embed[report_runs][executed_by]=1")
    assert (
        proxy.seen[0].request_line
        == "GET http://mode.test/api/a/runs?embed[report_runs][executed_by]=1 HTTP/1.1"
    )


# -- bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"[" * 100000 + b"]" * 100000, b'{"a":' * 100000],
)
def test_deeply_nested_json_is_a_decode_error(
    offline_client: modehal.Client,
    body: bytes,
    mocked: responses.RequestsMock,
    collected: None,
) -> None:
    mocked.get(f"{BASE}/api/hogwarts/x", body=body)
    with pytest.raises(modehal.DecodeError, match="nested too deeply"):
        offline_client.get("/api/hogwarts/x")


def test_deeply_nested_error_body_keeps_the_status(
    offline_client: modehal.Client,
    mocked: responses.RequestsMock,
    collected: None,
) -> None:
    mocked.get(f"{BASE}/api/hogwarts/x", body=b'{"a":' * 100000, status=404)
    with pytest.raises(modehal.NotFound):
        offline_client.get("/api/hogwarts/x")


def test_request_bodies_that_are_not_json(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.post(
        f"{BASE}/api/hogwarts/reports/r/runs", json={"token": "x", "state": "enqueued"}, status=202
    )
    offline_client.report_runs.create("r", parameters={"day": date(2024, 1, 2)})
    assert json.loads(mocked.calls[0].request.body) == {"parameters": {"day": "2024-01-02"}}
    for bad in ({"n": float("nan")}, {"s": {1, 2}}):
        with pytest.raises(modehal.InvalidParameter, match="report_runs.create"):
            offline_client.report_runs.create("r", parameters=bad)


def test_cron_mapping_is_checked_like_the_model(offline_client: modehal.Client) -> None:
    with pytest.raises(modehal.InvalidParameter, match="fre"):
        offline_client.report_schedules.create("r", cron={"fre": "daily"})
    with pytest.raises(modehal.InvalidParameter, match="hour"):
        offline_client.report_schedules.create("r", cron={"hour": 99})
    with pytest.raises(modehal.InvalidParameter, match="cron is required"):
        offline_client.report_schedules.create("r", cron=None)  # type: ignore[arg-type]


def test_filter_must_match_whole(offline_client: modehal.Client) -> None:
    with pytest.raises(modehal.InvalidParameter, match="filter"):
        offline_client.report_runs.list("r", filter="created_at.gt.2019-12-19T10:21:12Z\n")


@pytest.mark.parametrize("token", [".", ".."])
def test_dot_segments_are_not_tokens(offline_client: modehal.Client, token: str) -> None:
    with pytest.raises(modehal.InvalidParameter):
        offline_client.report_schedules.delete("r", token)


# -- pagination -----------------------------------------------------------------------------

RUNS = f"{BASE}/api/hogwarts/reports/r/runs"


def page(tokens: list[str], next_href: str | None) -> dict[str, Any]:
    return {
        "_embedded": {"report_runs": [{"token": t, "state": "succeeded"} for t in tokens]},
        "_links": {"next_page": {"href": next_href}} if next_href else {},
    }


def test_alternating_pages_under_new_hrefs_end(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    for number in range(1, 30):
        tokens = ["a"] if number % 2 else ["b"]
        url = RUNS if number == 1 else f"{RUNS}?page={number}"
        mocked.get(url, json=page(tokens, f"/api/hogwarts/reports/r/runs?page={number + 1}"))
    assert [run.token for run in offline_client.report_runs.list("r")] == ["a", "b"]
    assert len(mocked.calls) == 3


def test_a_bad_next_href_does_not_cost_the_page(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json=page(["a", "b"], "lorem ipsum"))
    walk = iter(offline_client.report_runs.list("r"))
    assert [next(walk).token, next(walk).token] == ["a", "b"]
    with pytest.raises(modehal.LinkError, match="next_page"):
        next(walk)


def test_ambiguous_collection_is_a_decode_error(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json={"_embedded": {"runs": [{"token": "a"}], "schedules": []}})
    with pytest.raises(modehal.DecodeError, match="runs, schedules"):
        offline_client.report_runs.list("r")


def test_followed_discovery_collection_fills_in_account(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    first = {
        "reports": [{"token": "a"}],
        "_links": {"next_page": {"href": "/batch/{account}/reports?page=2"}},
    }
    mocked.get(f"{BASE}/batch/hogwarts/reports", json=first)
    mocked.get(
        f"{BASE}/batch/hogwarts/reports?page=2", json={"reports": [{"token": "b"}], "_links": {}}
    )
    resource = Resource(
        {"_links": {"reports": {"href": "/batch/hogwarts/reports"}}}, client=offline_client
    )
    assert [item.data["token"] for item in resource.follow("reports")] == ["a", "b"]


# -- link-local addresses ---------------------------------------------------------------------

METADATA_HREFS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/x",
    "http://2852039166/latest",  # 169.254.169.254, as a socket also reads it
    "http://[::ffff:169.254.169.254]/x",
    "http://metadata.google.internal/computeMetadata/v1/",
]


@pytest.mark.parametrize("href", METADATA_HREFS)
def test_links_to_link_local_addresses_are_refused_before_sending(
    offline_client: modehal.Client, mocked: responses.RequestsMock, href: str
) -> None:
    resource = Resource({"_links": {"creds": {"href": href}}}, client=offline_client)
    with pytest.raises(modehal.LinkError, match="link-local"):
        resource.follow("creds")
    with pytest.raises(modehal.LinkError, match="link-local"):
        offline_client.get(href)
    assert len(mocked.calls) == 0


def test_a_redirect_to_a_link_local_address_is_refused(
    wire_server: Callable[..., Server], monkeypatch: pytest.MonkeyPatch, make_client: ClientFactory
) -> None:
    # Were the redirect followed, it would go through this loopback proxy, never off the machine.
    proxy = wire_server()
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, proxy.url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1")  # home itself is reached directly
    home = wire_server(lambda target: (302, {"Location": METADATA_HREFS[0]}, b""))
    client = make_client("tok", "sec", account="a", base_url=home.url)
    with pytest.raises(modehal.RedirectError, match="link-local"):
        client.get("/api/start")
    assert proxy.seen == []


def test_a_base_url_on_a_link_local_address_may_follow_links_there() -> None:
    base = "http://169.254.10.10:8080"
    assert _urls.resolve(base, "http://169.254.10.11/api/x") == "http://169.254.10.11/api/x"
    assert _urls.is_link_local("169.254.10.10") and not _urls.is_link_local("127.0.0.1")


# -- template variables -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [".", "..", "../..", "a/../b"])
def test_template_variables_cannot_step_out_of_the_path(
    offline_client: modehal.Client, mocked: responses.RequestsMock, value: str
) -> None:
    account = Resource(
        {"_links": {"report": {"href": "/api/hogwarts/reports/{report}", "templated": True}}},
        client=offline_client,
    )
    with pytest.raises(modehal.InvalidParameter, match="report="):
        account.follow("report", report=value)
    assert len(mocked.calls) == 0


def test_template_variables_are_encoded_into_their_own_segment(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/hogwarts/reports/a%2Fb%3F", json={"token": "x"})
    account = Resource(
        {"_links": {"report": {"href": "/api/hogwarts/reports/{report}", "templated": True}}},
        client=offline_client,
    )
    assert account.follow("report", report="a/b?").data["token"] == "x"


# -- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, problem",
    [
        ("https://host:abc", "Port could not be cast"),
        ("https://[::1", "Invalid IPv6"),
        ("https://user:pw@app.mode.com", "must not carry credentials"),
        ("https://app.mode.com/?x=1", "query"),
        ("https://app.mode.com/?", "query"),
        ("https://app.mode.com#", "fragment"),
        (" https://app.mode.com", "spaces"),
        ("https://app.mode.com\n", "spaces"),
        ("https://app.mode.com/a b", "spaces"),
        ("http://127.0.0.1.evil.example", "plain http"),
    ],
)
def test_bad_base_urls(url: str, problem: str, make_client: ClientFactory) -> None:
    with pytest.raises(modehal.ConfigurationError, match=problem):
        make_client("t", "s", base_url=url)


@pytest.mark.parametrize(
    "discovery", ["abc", "id:key:secret", 5, (), ("a", "b"), ("a", "", "c"), ("a", 5, "c")]
)
def test_bad_discovery_credentials(discovery: Any, make_client: ClientFactory) -> None:
    with pytest.raises(modehal.ConfigurationError, match="discovery"):
        make_client("t", "s", discovery=discovery)


@pytest.mark.parametrize("timeout", [0, -1, "5", (1, 2, 3)])
def test_bad_timeouts(timeout: Any, make_client: ClientFactory) -> None:
    with pytest.raises(modehal.ConfigurationError, match="timeout"):
        make_client("t", "s", timeout=timeout)


def test_base_url_with_a_path_prefix(mocked: responses.RequestsMock) -> None:
    client = modehal.Client(
        "t",
        "s",
        account="hogwarts",
        base_url="https://proxy.example/mode",
        discovery=("i", "k", "s"),
    )
    mocked.get(
        "https://proxy.example/mode/api/hogwarts/reports/r/runs/q",
        json={
            "token": "q",
            "state": "failed",
            "_links": {"self": {"href": "/api/hogwarts/reports/r/runs/q"}},
        },
    )
    mocked.get("https://proxy.example/mode/batch/hogwarts/reports", json={"reports": []})
    run = client.report_runs.get("r", "q")
    assert type(run.refresh()).__name__ == "ReportRun"
    assert mocked.calls[1].request.url == "https://proxy.example/mode/api/hogwarts/reports/r/runs/q"
    client.get("/batch/hogwarts/reports")
    assert mocked.calls[2].request.headers["Authorization"].startswith("Bearer ")


def test_transport_errors_do_not_chain_the_request(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    import requests

    mocked.get(f"{BASE}/api/hogwarts/x", body=requests.ConnectionError("refused"))
    with pytest.raises(modehal.ConnectionError) as caught:
        offline_client.get("/api/hogwarts/x")
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_malformed_template_is_a_link_error(offline_client: modehal.Client) -> None:
    resource = Resource(
        {"_links": {"t": {"href": "/api/{x:abc}", "templated": True}}}, client=offline_client
    )
    with pytest.raises(modehal.LinkError, match="malformed template"):
        resource.follow("t", x="1")
