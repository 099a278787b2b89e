"""Resilience over real HTTP: the simulator's faults, and what the client does with each.

With the default ``max_retries=2`` a retried failure is tried 3 times. ``retry_waits`` (see
conftest) records each backoff instead of sleeping. For POST routes the simulator's
``effects`` counter shows how many times the run was actually triggered.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

import modehal
from modehal._ratelimit import TokenBucket
from modehal.sim import Simulator

from ._blocking import unwrapped
from ._servers import Server
from .conftest import ClientFactory, SimFactory


@pytest.fixture
def faults_sim(make_sim: SimFactory) -> Simulator:
    """A fresh simulator per test: faults, call counts and effects start from nothing."""
    return make_sim(speed=200.0, discovery_reports=10)


@pytest.fixture
def faults_client(faults_sim: Simulator, make_client: ClientFactory) -> modehal.Client:
    """``modehal.Client``, then ``modehal.AsyncClient``: every test using it runs with both."""
    client: modehal.Client = make_client.for_sim(faults_sim, timeout=2.0)
    return client


def get_run(sim: Simulator, client: modehal.Client) -> modehal.Resource[str]:
    report = sim.reports[0]
    return client.report_runs.get(report, sim.runs(report)[0])


def create_run(sim: Simulator, client: modehal.Client) -> modehal.Resource[str]:
    return client.report_runs.create(sim.reports[0])


# -- GET: retried -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        {"reset": True},
        {"status": 502},
        {"status": 503},
        {"status": 504},
        {"html": True, "status": 502},
        {"truncate": True},
        {"status": 429, "retry_after": "1"},
    ],
    ids=["reset", "502", "503", "504", "html-502", "truncated", "429"],
)
def test_get_recovers_from_one_transient_fault(
    faults_sim: Simulator,
    faults_client: modehal.Client,
    fault: dict[str, object],
    retry_waits: list[float],
) -> None:
    faults_sim.inject("report_runs.get", **fault)
    assert get_run(faults_sim, faults_client).data["token"]
    assert faults_sim.calls["report_runs.get"] == 2
    assert len(retry_waits) == 1


@pytest.mark.parametrize(
    "fault, error",
    [
        ({"reset": True}, modehal.ConnectionError),
        ({"status": 503}, modehal.ServerError),
        ({"html": True, "status": 502}, modehal.ServerError),
        ({"status": 429}, modehal.RateLimited),
        ({"truncate": True}, modehal.ConnectionError),
    ],
    ids=["reset", "503", "html-502", "429", "truncated"],
)
def test_get_gives_up_after_max_retries(
    faults_sim: Simulator,
    faults_client: modehal.Client,
    fault: dict[str, object],
    error: type[Exception],
) -> None:
    faults_sim.inject("report_runs.get", times=None, **fault)
    with pytest.raises(error) as caught:
        get_run(faults_sim, faults_client)
    assert caught.value.attempts == 3  # type: ignore[attr-defined]
    assert "(after 3 attempts)" in str(caught.value)
    assert faults_sim.calls["report_runs.get"] == 3


def test_html_error_page_keeps_its_text(
    faults_sim: Simulator, faults_client: modehal.Client
) -> None:
    faults_sim.inject("report_runs.get", times=None, html=True, status=502)
    with pytest.raises(modehal.ServerError) as caught:
        get_run(faults_sim, faults_client)
    assert caught.value.body.startswith("<html>") and caught.value.status == 502


def test_500_is_not_retried(faults_sim: Simulator, faults_client: modehal.Client) -> None:
    faults_sim.inject("report_runs.get", status=500)
    with pytest.raises(modehal.ServerError) as caught:
        get_run(faults_sim, faults_client)
    assert caught.value.attempts == 1 and faults_sim.calls["report_runs.get"] == 1


def test_invalid_json_is_a_decode_error_not_retried(
    faults_sim: Simulator, faults_client: modehal.Client
) -> None:
    faults_sim.inject("report_runs.get", invalid_json=True)
    with pytest.raises(modehal.DecodeError, match="not JSON"):
        get_run(faults_sim, faults_client)
    assert faults_sim.calls["report_runs.get"] == 1


@pytest.mark.parametrize(
    "fault, timeout, calls",
    [
        ({"delay": 0.5}, 0.2, 2),  # the first answer comes too late: retried
        ({"drip": 0.01}, 1.0, 1),  # a slow drip, each byte within the read timeout
    ],
    ids=["read-timeout-once-is-retried", "slow-drip-within-the-read-timeout"],
)
def test_slow_get_completes(
    faults_sim: Simulator, fault: dict[str, float], timeout: float, calls: int
) -> None:
    faults_sim.inject("report_runs.get", **fault)
    with faults_sim.client(timeout=timeout) as client:
        assert get_run(faults_sim, client).data["token"]
    assert faults_sim.calls["report_runs.get"] == calls


@pytest.mark.parametrize(
    "fault, options, attempts",
    [
        ({"delay": 0.3}, {"timeout": 0.1}, 3),
        ({"drip": 0.4}, {"timeout": 0.15, "max_retries": 1}, 2),
    ],
    ids=["read-timeout-every-time", "slow-drip-beyond-the-read-timeout"],
)
def test_too_slow_get_raises_timeout(
    faults_sim: Simulator, fault: dict[str, float], options: dict[str, float], attempts: int
) -> None:
    faults_sim.inject("report_runs.get", times=None, **fault)
    with faults_sim.client(**options) as client, pytest.raises(modehal.Timeout) as caught:
        get_run(faults_sim, client)
    assert caught.value.attempts == attempts


@pytest.mark.parametrize("retry_after, expected", [("7", 7.0), ("date", 30.0)])
def test_retry_after_beats_the_backoff(
    faults_sim: Simulator,
    faults_client: modehal.Client,
    retry_waits: list[float],
    retry_after: str,
    expected: float,
) -> None:
    if retry_after == "date":
        retry_after = format_datetime(
            datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True
        )
    faults_sim.inject("report_runs.get", status=429, retry_after=retry_after)
    get_run(faults_sim, faults_client)
    assert len(retry_waits) == 1 and expected - 2 <= retry_waits[0] <= expected


def test_a_retry_after_beyond_the_cap_is_not_waited_for(
    faults_sim: Simulator, faults_client: modehal.Client, retry_waits: list[float]
) -> None:
    faults_sim.inject("report_runs.get", status=429, retry_after="3600")
    with pytest.raises(modehal.RateLimited) as caught:
        get_run(faults_sim, faults_client)
    assert caught.value.retry_after == 3600 and retry_waits == []


def test_backoff_grows_and_is_capped(
    faults_sim: Simulator, faults_client: modehal.Client, retry_waits: list[float]
) -> None:
    faults_sim.inject("report_runs.get", status=503, times=None)
    with pytest.raises(modehal.ServerError):
        faults_client.with_options(max_retries=6).report_runs.get(faults_sim.reports[0], "x")
    assert len(retry_waits) == 6
    assert 0.25 <= retry_waits[0] <= 0.5 and 0.5 <= retry_waits[1] <= 1.0
    assert all(wait <= 8.0 for wait in retry_waits) and retry_waits[-1] >= 4.0


def test_connect_refused_is_retried_for_every_method(
    retry_waits: list[float], refused_url: str
) -> None:
    client = modehal.Client("t", "s", account="a", base_url=refused_url)
    for call in (lambda: client.report_runs.get("r", "x"), lambda: client.report_runs.create("r")):
        retry_waits.clear()
        with pytest.raises(modehal.ConnectionError) as caught:
            call()
        assert caught.value.before_sending and caught.value.attempts == 3 and len(retry_waits) == 2


# -- POST: never twice ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault, error, effects",
    [
        ({"reset": True}, modehal.ConnectionError, 0),
        ({"reset": True, "after": True}, modehal.ConnectionError, 1),
        ({"status": 503}, modehal.ServerError, 0),
        ({"status": 503, "after": True}, modehal.ServerError, 1),
        ({"status": 429, "retry_after": "1"}, modehal.RateLimited, 0),
        ({"status": 502, "html": True, "after": True}, modehal.ServerError, 1),
        ({"truncate": True}, modehal.ConnectionError, 1),
        ({"invalid_json": True}, modehal.DecodeError, 1),
    ],
    ids=[
        "reset",
        "reset-after",
        "503",
        "503-after",
        "429",
        "html-after",
        "truncated",
        "invalid-json",
    ],
)
def test_post_is_never_retried_once_it_may_have_arrived(
    faults_sim: Simulator,
    faults_client: modehal.Client,
    fault: dict[str, object],
    error: type[Exception],
    effects: int,
) -> None:
    before = len(faults_sim.store.tables["report_run"])
    faults_sim.inject("report_runs.create", times=None, **fault)
    with pytest.raises(error):
        create_run(faults_sim, faults_client)
    assert faults_sim.calls["report_runs.create"] == 1
    assert faults_sim.effects["report_runs.create"] == effects
    assert (
        len(faults_sim.store.tables["report_run"]) - before == effects
    )  # the run was triggered at most once


def test_post_read_timeout_after_the_run_started_is_not_retried(faults_sim: Simulator) -> None:
    faults_sim.inject("report_runs.create", delay=0.4, after=True)
    with faults_sim.client(timeout=0.1) as client, pytest.raises(modehal.Timeout) as caught:
        create_run(faults_sim, client)
    assert caught.value.attempts == 1
    time.sleep(0.45)
    assert (
        faults_sim.calls["report_runs.create"] == 1
        and faults_sim.effects["report_runs.create"] == 1
    )


# -- credentials ----------------------------------------------------------------------------


def test_redirect_to_a_foreign_origin_sends_no_credentials(
    faults_sim: Simulator, faults_client: modehal.Client, wire_server: Callable[..., Server]
) -> None:
    foreign = wire_server()
    faults_sim.inject("report_runs.get", redirect=f"{foreign.url}/api/elsewhere")
    get_run(faults_sim, faults_client)
    assert foreign.seen and "Authorization" not in foreign.seen[0].headers
    assert faults_sim.requests[-1].headers["Authorization"].startswith("Basic ")


def test_logs_and_errors_never_hold_the_secret(
    faults_sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    faults_sim.inject("report_runs.get", status=503, times=None)
    with caplog.at_level(logging.DEBUG, logger="modehal"), faults_sim.client() as client:
        with pytest.raises(modehal.ServerError) as caught:
            get_run(faults_sim, client)
    basic = faults_sim.requests[-1].headers["Authorization"].split()[1]
    text = (
        caplog.text
        + str(caught.value)
        + repr(caught.value)
        + repr(vars(caught.value))
        + repr(client)
    )
    assert faults_sim.secret not in text and basic not in text
    assert "[redacted]" in caplog.text
    assert "retrying GET" in caplog.text and "(attempt 2 of 3)" in caplog.text


def test_mode_log_environment_variable_logs_to_stderr(faults_sim: Simulator) -> None:
    report = faults_sim.reports[0]
    run = faults_sim.runs(report)[0]
    code = (
        "import sys, modehal\n"
        f"c = modehal.Client({faults_sim.token!r}, {faults_sim.secret!r}, "
        f"account={faults_sim.account!r}, base_url={faults_sim.url!r})\n"
        f"c.report_runs.get({report!r}, {run!r})\n"
    )
    env = {"MODE_LOG": "debug", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "modehal DEBUG GET" in out.stderr and "[redacted]" in out.stderr
    assert faults_sim.secret not in out.stderr


# -- options and the rate limit ---------------------------------------------------------------


def test_with_options_shares_the_pool_and_changes_only_what_it_names(
    faults_client: modehal.Client,
) -> None:
    fast = faults_client.with_options(timeout=5.0, max_retries=0)
    assert (fast.timeout, fast.max_retries) == (5.0, 0)
    assert (faults_client.timeout, faults_client.max_retries) == (2.0, 2)
    assert fast._transport is faults_client._transport
    assert unwrapped(fast.report_runs._client) is unwrapped(fast)
    assert unwrapped(faults_client.report_runs._client) is unwrapped(faults_client)
    assert faults_client.with_options(timeout=None).timeout is None


def test_token_bucket_spaces_requests_across_threads() -> None:
    bucket = TokenBucket(rate=40.0, burst=1.0)
    started = time.monotonic()
    threads = [
        threading.Thread(target=lambda: [bucket.acquire() for _ in range(5)]) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started >= 19 / 40 - 0.02  # 20 requests, the first one free


def test_rate_limited_client_never_earns_a_429(faults_sim: Simulator) -> None:
    with faults_sim.client(rate_limit=50.0) as client:
        assert client._bucket is not None
        client._bucket.burst = 1.0
        started = time.monotonic()
        for _ in range(6):
            get_run(faults_sim, client)
        assert time.monotonic() - started >= 5 / 50 - 0.01
