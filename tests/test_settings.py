"""``Settings``: one frozen object, the only reader of ``MODE_*``; ``with_options`` copies it."""

from __future__ import annotations

import dataclasses
import logging

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
