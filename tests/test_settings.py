"""``Settings``: one frozen object, the only reader of ``MODE_*``; ``with_options`` copies it."""

from __future__ import annotations

import dataclasses
import logging
import traceback
from pathlib import Path
from typing import Any

import pytest

import modehal
from modehal._settings import ENVIRONMENT_VARIABLES, Settings


def test_settings_are_frozen_and_keep_no_credential_in_their_repr() -> None:
    settings = Settings.resolve(
        "tok", "very-secret", account="hogwarts", discovery=("i", "k", "s3cr3t")
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.account = "other"  # type: ignore[misc]
    assert "very-secret" not in repr(settings) and "s3cr3t" not in repr(settings)
    assert settings.basic is not None and settings.bearer is not None


def test_arguments_win_over_the_environment_which_wins_over_defaults() -> None:
    environ = {
        "MODE_TOKEN": "t",
        "MODE_SECRET": "s",
        "MODE_ACCOUNT": "env-account",
        "MODE_LOG": "debug",
    }
    settings = Settings.resolve(account="given", environ=environ)
    assert (
        settings.account == "given" and settings.basic is not None and settings.log_level == "DEBUG"
    )
    assert Settings.resolve(environ=environ).account == "env-account"
    assert Settings.resolve(environ={}).basic is None
    assert Settings.resolve(environ={}).base_url == "https://app.mode.com"


def test_the_variable_names_are_exported() -> None:
    assert "MODE_TOKEN" in ENVIRONMENT_VARIABLES and "MODE_LOG" in ENVIRONMENT_VARIABLES
    assert len(set(ENVIRONMENT_VARIABLES)) == len(ENVIRONMENT_VARIABLES) == 8


def test_with_options_replaces_fields_and_shares_pool_and_bucket() -> None:
    client = modehal.Client("tok", "sec", account="hogwarts", rate_limit=5)
    copy = client.with_options(timeout=5, max_retries=0, account="other")
    assert (copy.timeout, copy.max_retries, copy.account) == (5, 0, "other")
    assert (client.timeout, client.max_retries, client.account) == (30.0, 2, "hogwarts")
    assert copy._transport is client._transport and copy._bucket is client._bucket
    assert copy.settings.basic == client.settings.basic
    assert copy.report_runs._client is copy and client.report_runs._client is client
    with pytest.raises(modehal.ConfigurationError, match="timeout"):
        client.with_options(timeout=-1)


def test_making_a_client_leaves_logging_alone_unless_mode_log_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logger = logging.getLogger("modehal")
    handlers, level = list(logger.handlers), logger.level
    modehal.Client("tok", "sec", account="hogwarts")
    assert logger.handlers == handlers and logger.level == level


NUMERIC_SETTINGS = {
    "timeout": [float("inf"), float("nan"), 0, -1, 1e10, (1, float("inf")), True, "5"],
    "rate_limit": [float("nan"), float("inf"), 0, -4, 1e-9, True, "5"],
    "max_retries": [-1, 1.5, float("inf"), True, "2"],
    "rate_burst": [0, 1.5, float("nan"), True],
    "max_pages": [0, -1, 2.5, float("inf"), None, True],
    "max_response_bytes": [0, -1, 1.5, float("inf"), float("nan"), True],
    "max_connections": [0, 1.5, float("inf"), None],
}
CASES = [(name, value) for name, values in NUMERIC_SETTINGS.items() for value in values]


@pytest.mark.parametrize("name, value", CASES, ids=[f"{n}={v!r}" for n, v in CASES])
def test_numeric_settings_must_be_finite_and_in_range(name: str, value: object) -> None:
    # Before: timeout=inf was accepted and every call raised a raw OverflowError;
    # rate_limit=nan was accepted and switched the limit off.
    with pytest.raises(modehal.ConfigurationError, match=name):
        modehal.Client("t", "s", **{name: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["timeout", "max_retries", "max_pages", "max_response_bytes"])
def test_with_options_checks_the_same_way(name: str) -> None:
    client = modehal.Client("t", "s")
    with pytest.raises(modehal.ConfigurationError, match=name):
        client.with_options(**{name: float("nan")})


def test_the_new_settings_have_their_defaults_and_can_be_set() -> None:
    settings = modehal.Client("t", "s").settings
    assert (settings.max_response_bytes, settings.max_pages) == (64 * 1024 * 1024, 5_000)
    assert (settings.rate_burst, settings.max_connections) == (1, 32)
    client = modehal.Client("t", "s", max_pages=7, max_response_bytes=None, max_connections=4)
    assert (client.max_pages, client.settings.max_response_bytes) == (7, None)
    assert client._transport.session.get_adapter("https://x")._pool_maxsize == 4  # type: ignore[attr-defined]
    assert client.with_options(max_pages=9).max_pages == 9 and client.max_pages == 7


@pytest.mark.parametrize("account", ["", "a/b", ".", "..", "a b", "a?b", "é", 5])
def test_the_account_is_checked_at_construction(
    account: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: "" was accepted (and failed later), "a/b" was sent as a%2Fb.
    with pytest.raises(modehal.ConfigurationError, match="account"):
        modehal.Client("t", "s", account=account)  # type: ignore[arg-type]
    if isinstance(account, str) and account:
        monkeypatch.setenv("MODE_ACCOUNT", account)
        with pytest.raises(modehal.ConfigurationError, match="account"):
            modehal.Client("t", "s")
    with pytest.raises(modehal.ConfigurationError, match="account"):
        modehal.Client("t", "s", account="ok").with_options(account=account)  # type: ignore[arg-type]


@pytest.mark.parametrize("account", ["hogwarts", "my-org.name_1", "A1"])
def test_mode_account_names_are_accepted(account: str) -> None:
    assert modehal.Client("t", "s", account=account).account == account


PLAIN = "plain-credential-value"


def shown_locals(error: BaseException) -> str:
    """The locals of modehal's own frames, as a traceback that shows locals (pytest -l, rich,
    Sentry) prints them (the caller's frame holds what it passed, of course), and the message."""
    shown = traceback.TracebackException.from_exception(error, capture_locals=True)
    package = str(Path(modehal.__file__).parent)
    frames = [repr(frame.locals) for frame in shown.stack if frame.filename.startswith(package)]
    assert frames
    return "".join(frames) + str(error)


@pytest.mark.parametrize(
    "credentials",
    [
        {"token": PLAIN.encode(), "secret": "s"},
        {"token": "t", "secret": PLAIN.encode()},
        {"token": "t", "secret": bytearray(PLAIN.encode())},
        {"discovery": f"id:key:{PLAIN}"},
        {"discovery": (b"id", b"key", PLAIN.encode())},
        {"discovery": ("id", "key", PLAIN)},
        {"token": PLAIN, "secret": PLAIN},
    ],
    ids=lambda c: repr({k: type(v).__name__ for k, v in c.items()}),
)
def test_no_traceback_shows_a_credential_whatever_its_type(credentials: dict[str, Any]) -> None:
    with pytest.raises(modehal.ConfigurationError) as caught:
        modehal.Client(**credentials, timeout=-1)  # refused after the credentials were taken
    assert "[redacted]" in shown_locals(caught.value)
    assert PLAIN not in shown_locals(caught.value)


def test_credentials_given_as_bytes_are_decoded() -> None:
    as_bytes = modehal.Client(b"tok", b"sec", discovery=(b"i", b"k", b"s"))  # type: ignore[arg-type]
    as_text = modehal.Client("tok", "sec", discovery=("i", "k", "s"))
    assert as_bytes.settings.basic == as_text.settings.basic
    assert as_bytes.settings.bearer == as_text.settings.bearer


@pytest.mark.parametrize("token", [b"\xff\xfe", 12345, ["t"]])
def test_credentials_that_are_not_text_are_refused_without_showing_them(token: object) -> None:
    with pytest.raises(modehal.ConfigurationError, match="token must be a string") as caught:
        modehal.Client(token, "sec")  # type: ignore[arg-type]
    assert "12345" not in shown_locals(caught.value) and "xff" not in shown_locals(caught.value)


def test_no_traceback_shows_a_credential_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MODE_TOKEN", "t")
    monkeypatch.setenv("MODE_SECRET", PLAIN)
    with pytest.raises(modehal.ConfigurationError) as caught:
        modehal.Client(timeout=-1)
    assert PLAIN not in shown_locals(caught.value)  # nor os.environ, which holds it
