from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import modehal

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://app.mode.com"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def _no_mode_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see a developer's real Mode credentials."""
    for name in (
        "MODE_TOKEN",
        "MODE_SECRET",
        "MODE_ACCOUNT",
        "MODE_BASE_URL",
        "MODE_DISCOVERY_ID",
        "MODE_DISCOVERY_ACCESS_KEY",
        "MODE_DISCOVERY_ACCESS_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries record how long they would have waited instead of sleeping."""
    waits: list[float] = []
    monkeypatch.setattr("modehal._retries.sleep", waits.append)
    return waits


@pytest.fixture
def client() -> modehal.Client:
    return modehal.Client(
        "tok",
        "sec",
        account="hogwarts",
        discovery=("disc-id", "disc-key", "disc-secret"),
    )
