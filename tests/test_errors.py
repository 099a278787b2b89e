"""Error statuses become typed errors with context; bodies that are not JSON become DecodeError."""

from __future__ import annotations

from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest
import requests
import responses

import modehal

from .conftest import BASE

URL = f"{BASE}/api/hogwarts/reports/r1/runs/run1"


@pytest.mark.parametrize(
    "status, error_class",
    [
        (400, modehal.BadRequest),
        (401, modehal.Unauthorized),
        (403, modehal.Forbidden),
        (404, modehal.NotFound),
        (409, modehal.APIError),
        (429, modehal.RateLimited),
        (500, modehal.ServerError),
        (503, modehal.ServerError),
    ],
)
def test_status_maps_to_error_class(
    offline_client: modehal.Client,
    status: int,
    error_class: type[modehal.APIError],
    mocked: responses.RequestsMock,
) -> None:
    mocked.get(URL, json={"id": "not_found", "message": "ReportRun not found"}, status=status)
    with pytest.raises(error_class) as caught:
        offline_client.report_runs.get("r1", "run1")
    error = caught.value
    assert type(error) is error_class
    assert isinstance(error, modehal.APIError) and isinstance(error, modehal.ModeError)
    assert (error.status, error.method, error.url) == (status, "GET", URL)
    assert error.message == "ReportRun not found"
    assert error.error_id == "not_found"
    retried = status in (429, 503)  # GET is retried on 429, 502, 503, 504 (max_retries=2)
    assert error.attempts == (3 if retried else 1)
    assert len(mocked.calls) == error.attempts
    suffix = " (after 3 attempts)" if retried else ""
    assert str(error) == f"GET {URL} -> {status}: not_found: ReportRun not found{suffix}"


def test_html_error_page_keeps_raw_text(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1>" + "x" * 2000 + "</body></html>"
    mocked.get(URL, body=html, status=502, content_type="text/html")
    with pytest.raises(modehal.ServerError) as caught:
        offline_client.report_runs.get("r1", "run1")
    error = caught.value
    assert error.body == html
    assert error.message.startswith("<html><body><h1>502 Bad Gateway</h1>")
    assert len(error.message) < 600
    assert "\n" not in str(error)
    assert error.headers["Content-Type"] == "text/html"


def test_empty_error_body(offline_client: modehal.Client, mocked: responses.RequestsMock) -> None:
    mocked.get(URL, body="", status=404)
    with pytest.raises(modehal.NotFound, match=r"-> 404: \(empty body\)"):
        offline_client.report_runs.get("r1", "run1")


def test_rate_limited_carries_retry_after_seconds_or_date(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(URL, json={"message": "slow down"}, status=429, headers={"Retry-After": "7"})
    with pytest.raises(modehal.RateLimited) as caught:
        offline_client.report_runs.get("r1", "run1")
    assert caught.value.retry_after == 7.0
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    mocked.replace(
        responses.GET,
        URL,
        json={},
        status=429,
        headers={"Retry-After": format_datetime(when, usegmt=True)},
    )
    with pytest.raises(modehal.RateLimited) as caught:
        offline_client.report_runs.get("r1", "run1")
    assert caught.value.retry_after is not None and 25 <= caught.value.retry_after <= 31


@pytest.mark.parametrize(
    "body, content_type, problem",
    [
        ("{not json", "application/json", "body is not JSON"),
        ("<html>maintenance</html>", "text/html", "body is not JSON (text/html"),
        ("[1, 2]", "application/json", "expected a JSON object, got a JSON array"),
        ("42", "application/json", "expected a JSON object, got a JSON number"),
        ("", "application/json", "empty body (status 200)"),
    ],
)
def test_unexpected_bodies_are_decode_errors_naming_the_url(
    offline_client: modehal.Client,
    body: str,
    content_type: str,
    problem: str,
    mocked: responses.RequestsMock,
) -> None:
    mocked.get(URL, body=body, content_type=content_type)
    with pytest.raises(modehal.DecodeError) as caught:
        offline_client.report_runs.get("r1", "run1")
    assert problem in str(caught.value)
    assert caught.value.url == URL and URL in str(caught.value)


def test_transport_failures_become_mode_errors(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(URL, body=requests.ConnectionError("Connection refused"))
    with pytest.raises(modehal.ConnectionError, match="Connection refused") as caught:
        offline_client.report_runs.get("r1", "run1")
    assert caught.value.method == "GET" and caught.value.url == URL
    mocked.replace(responses.GET, URL, body=requests.ReadTimeout("Read timed out"))
    with pytest.raises(modehal.Timeout, match="timed out"):
        offline_client.report_runs.get("r1", "run1")
    assert issubclass(modehal.Timeout, modehal.ModeError)
