"""pytest fixtures for testing code that uses modehal against the simulator.

Installed as a pytest plugin with modehal, so any test suite can ask for them:

    def test_my_pipeline(mode_sim, mode_client):
        run = mode_client.report_runs.create(mode_sim.reports[0])
        assert run.wait().state == "succeeded"
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from . import Simulator


@pytest.fixture
def mode_sim() -> Iterator[Simulator]:
    """A fresh simulator on a free loopback port, its clock 200 times faster than real time."""
    with Simulator(port=0, speed=200.0) as sim:
        yield sim


@pytest.fixture
def mode_client(mode_sim: Simulator) -> Iterator[Any]:
    """A ``modehal.Client`` pointed at ``mode_sim``."""
    with mode_sim.client() as client:
        yield client
