"""Error statuses become typed errors with context; bodies that are not JSON become DecodeError."""

from __future__ import annotations

import pickle
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


# -- errors cross process boundaries --------------------------------------------------------


def every_error(client: modehal.Client) -> list[modehal.ModeError]:
    run = modehal.Resource({"token": "run1", "state": "failed"}, client=client, url=URL)
    request = {"method": "GET", "url": URL}
    return [
        modehal.ModeError("plain"),
        modehal.ConfigurationError("no account"),
        modehal.InvalidParameter("report_runs.get: run must be a token"),
        modehal.DecodeError(URL, "body is not JSON"),
        modehal.LinkError("no rel 'x'", rel="x", available=["self", "report"]),
        modehal.TransportError("failed", **request, before_sending=True, attempts=3),
        modehal.TooManyRedirects("loop", **request, retryable=False),
        modehal.RedirectError("POST elsewhere", method="POST", url=URL, retryable=False),
        modehal.Timeout("slow", **request),
        modehal.ConnectionError("dropped", **request),
        modehal.ResponseTooLarge("GET", URL, 1024),
        modehal.MissingExtra("to_arrow()", "arrow", "pyarrow"),
        modehal.PaginationError("endless", url=URL, pages=5000, items=5000),
        modehal.RunFailed(run, "failed"),
        *(
            kind(
                status=status,
                body='{"id": "x", "message": "m"}',
                headers={"Retry-After": "3"},
                **request,
            )
            for kind, status in [
                (modehal.APIError, 409),
                (modehal.BadRequest, 400),
                (modehal.Unauthorized, 401),
                (modehal.Forbidden, 403),
                (modehal.NotFound, 404),
                (modehal.RateLimited, 429),
                (modehal.ServerError, 503),
            ]
        ),
    ]


def public_errors() -> set[type]:
    return {
        value
        for value in vars(modehal).values()
        if isinstance(value, type) and issubclass(value, modehal.ModeError)
    }


def test_every_error_survives_pickle_with_its_attributes(offline_client: modehal.Client) -> None:
    # Before: APIError, TransportError and DecodeError raised TypeError on unpickling, which
    # breaks multiprocessing, ProcessPoolExecutor, Airflow and Celery.
    errors = every_error(offline_client)
    assert {type(error) for error in errors} == public_errors()
    for error in errors:
        if isinstance(error, modehal.APIError):
            error.attempts, error.documented = 2, "documented meaning"
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
        assert copy.args == error.args
        for name, value in vars(error).items():
            if isinstance(value, modehal.Resource):  # travels as its document
                assert copy.run.data == value.data and copy.run._client is None
            else:
                assert getattr(copy, name) == value, (type(error).__name__, name)


def test_a_pickled_error_holds_no_credential() -> None:
    client = modehal.Client("tok", "very-secret-value", account="hogwarts")
    failed = modehal.RunFailed(modehal.Resource({"token": "r"}, client=client), "failed")
    data = pickle.dumps(failed)
    header = client.settings.basic
    assert header is not None and header.split()[1].encode() not in data
    assert b"very-secret-value" not in data


def test_every_documented_error_status_has_its_own_class() -> None:
    """Each status an operation documents (400, 401, 403, 404 across Mode's whole API) raises
    a class of its own, which the generated docstring names under Raises."""
    from modehal._errors import error_for_status
    from modehal.api import OPERATIONS

    documented = {status for op in OPERATIONS for status in op.errors}
    assert documented >= {400, 401, 403, 404}
    for status in documented:
        assert error_for_status(status) is not modehal.APIError, status
