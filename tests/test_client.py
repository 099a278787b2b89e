"""Client configuration, and keeping credentials where they belong."""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import responses

import modehal
from modehal import Resource

from .conftest import BASE

SECRET = "s3cr3t-value"


def test_environment_fallbacks(
    monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    monkeypatch.setenv("MODE_TOKEN", "envtok")
    monkeypatch.setenv("MODE_SECRET", SECRET)
    monkeypatch.setenv("MODE_ACCOUNT", "hogwarts")
    monkeypatch.setenv("MODE_BASE_URL", "https://mode.example.com/")
    monkeypatch.setenv("MODE_DISCOVERY_ID", "i")
    monkeypatch.setenv("MODE_DISCOVERY_ACCESS_KEY", "k")
    monkeypatch.setenv("MODE_DISCOVERY_ACCESS_SECRET", "s")
    client = modehal.Client()
    assert client.account == "hogwarts"
    assert client.base_url == "https://mode.example.com"
    mocked.get(
        "https://mode.example.com/api/hogwarts/reports/r/runs/q",
        json={"token": "q", "state": "failed"},
    )
    mocked.get("https://mode.example.com/batch/hogwarts/reports", json={"reports": []})
    client.report_runs.get("r", "q")
    list(client.reports.list())
    basic, bearer = (call.request.headers["Authorization"] for call in mocked.calls)
    assert basic == "Basic " + base64.b64encode(f"envtok:{SECRET}".encode()).decode()
    assert bearer == "Bearer " + base64.b64encode(b"i:k:s").decode()


def test_arguments_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODE_ACCOUNT", "env-account")
    assert modehal.Client("t", "s", account="arg-account").account == "arg-account"


def test_repr_never_shows_credentials() -> None:
    client = modehal.Client("tok-id", SECRET, account="hogwarts", discovery=("did", "dkey", SECRET))
    text = repr(client) + repr(client.report_runs)
    assert SECRET not in text and "dkey" not in text and "tok-id" not in text
    assert "auth=basic+bearer" in text


@pytest.mark.parametrize("url", ["http://app.mode.com", "ftp://app.mode.com", "app.mode.com"])
def test_insecure_or_malformed_base_url_is_refused(url: str) -> None:
    with pytest.raises(modehal.ConfigurationError):
        modehal.Client("t", "s", base_url=url)


def test_plain_http_allowed_for_loopback_or_when_asked() -> None:
    assert (
        modehal.Client("t", "s", base_url="http://127.0.0.1:8080").base_url
        == "http://127.0.0.1:8080"
    )
    assert modehal.Client("t", "s", base_url="http://localhost:1").base_url == "http://localhost:1"
    assert modehal.Client("t", "s", base_url="http://mode.internal", allow_insecure=True)


def test_link_to_another_origin_gets_no_credentials(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    resource = Resource(
        {
            "_links": {
                "elsewhere": {"href": "https://evil.example.com/api/steal"},
                "other_port": {"href": "https://app.mode.com:8443/api/x"},
                "same": {"href": "https://APP.mode.com:443/api/x"},
            }
        },
        client=offline_client,
    )
    mocked.get("https://evil.example.com/api/steal", json={})
    mocked.get("https://app.mode.com:8443/api/x", json={})
    mocked.get(f"{BASE}:443/api/x", json={})
    resource.follow("elsewhere")
    resource.follow("other_port")
    resource.follow("same")
    headers = [call.request.headers for call in mocked.calls]
    assert "Authorization" not in headers[0]
    assert "Authorization" not in headers[1]
    assert headers[2]["Authorization"].startswith("Basic ")


def test_errors_and_debug_logs_never_contain_the_secret(
    caplog: pytest.LogCaptureFixture, mocked: responses.RequestsMock
) -> None:
    client = modehal.Client("tok", SECRET, account="hogwarts", discovery=("i", "k", SECRET))
    basic = base64.b64encode(f"tok:{SECRET}".encode()).decode()
    mocked.get(
        f"{BASE}/api/hogwarts/reports/r/runs/q", json={"message": "bad credentials"}, status=401
    )
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(modehal.Unauthorized) as caught:
            client.report_runs.get("r", "q")
    text = str(caught.value) + repr(caught.value) + caplog.text + repr(vars(caught.value))
    assert SECRET not in text and basic not in text


def test_context_manager_closes_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = []
    with modehal.Client("t", "s") as client:
        monkeypatch.setattr(client._transport.session, "close", lambda: closed.append(True))
        assert closed == []
    assert closed == [True]


def test_import_works_from_any_directory(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import modehal; print(modehal.Client.__name__, modehal.__version__)",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split()[0] == "Client"
