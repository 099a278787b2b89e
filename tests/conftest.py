"""Fixtures shared by the whole suite, and its Hypothesis profiles.

Every fixture here has a name no test module reuses.

Servers on loopback:

- ``make_sim``: factory; ``make_sim(**options)`` starts ``modehal.sim.Simulator(port=0,
  **options)`` and returns it; every simulator it started is stopped after the test.
- ``make_shared_sim``: the same factory at module scope, for a module whose tests share one
  simulator (its simulators are stopped after the module's last test).
- ``wire_server``: factory; ``wire_server(answer=None)`` starts ``_servers.serve(answer)``, a
  server that answers every request with ``answer(target)`` and records what it saw.
- ``refused_url``: an ``http://127.0.0.1:<port>`` URL on which nothing listens.

Offline, with ``responses``:

- ``mocked``: a ``responses.RequestsMock`` active for the test (requests it was not told about
  fail; mocked answers left unused are fine).
- ``offline_client``: a ``modehal.Client("tok", "sec", account="hogwarts", discovery=(...))``
  for https://app.mode.com; it activates ``mocked``, so it never reaches the network.

Always on: ``_no_mode_env`` hides the developer's ``MODE_*`` variables and ``retry_waits``
records each retry backoff instead of sleeping.

Hypothesis profiles: ``default`` keeps the fuzz tests quick (the whole suite runs in well under a
minute on two cores); ``MODEHAL_FUZZ=full pytest`` selects ``full``, with twenty times the
examples (a few minutes more). Each fuzz test asks ``fuzz_examples(n)`` for its count: ``n``
under the default profile, scaled like the active profile's ``max_examples``.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import responses
from hypothesis import settings

import modehal
from modehal._settings import ENVIRONMENT_VARIABLES
from modehal.sim import Simulator

from ._servers import Answer, Server, serve, unused_port

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://app.mode.com"

# The variables modehal reads (its settings module names them); none of a developer's may
# leak into a test.
MODE_ENVIRONMENT_VARIABLES = ENVIRONMENT_VARIABLES

# -- Hypothesis ---------------------------------------------------------------------------

# MODEHAL_FUZZ=full selects the "full" profile: 20 times the default profile's examples.
DEFAULT_EXAMPLES = 100
settings.register_profile("default", max_examples=DEFAULT_EXAMPLES)
settings.register_profile("full", max_examples=20 * DEFAULT_EXAMPLES)
settings.load_profile("full" if os.environ.get("MODEHAL_FUZZ") == "full" else "default")


def fuzz_examples(default: int) -> int:
    """Examples for a fuzz test that runs ``default`` of them under the default profile, scaled
    like the active profile's ``max_examples`` (``default`` x 20 with ``MODEHAL_FUZZ=full``)."""
    return max(1, round(default * settings().max_examples / DEFAULT_EXAMPLES))


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


# -- always on ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_mode_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see a developer's real Mode credentials or settings."""
    for name in MODE_ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries record how long they would have waited instead of sleeping (both clients)."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("modehal._retries.sleep", waits.append)
    monkeypatch.setattr("modehal._async_client.sleep", record)
    return waits


# -- both clients ---------------------------------------------------------------------------


@pytest.fixture(params=["sync", "async"])
def client_kind(request: pytest.FixtureRequest) -> str:
    """``"sync"`` and ``"async"``: a test that takes it (or ``make_client``) runs once with
    ``modehal.Client`` and once with ``modehal.AsyncClient``."""
    kind: str = request.param
    return kind


class ClientFactory:
    """``make_client(*args, **kwargs)``: a ``modehal.Client``, or a ``modehal.AsyncClient``
    driven from blocking code (``_blocking``), as ``client_kind`` says; ``make_client.for_sim
    (sim, **options)`` configures it for a simulator as ``Simulator.client`` does. Every client
    it made is closed after the test."""

    def __init__(self, kind: str, stack: ExitStack) -> None:
        self.kind = kind
        self._stack = stack
        self._portal: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.kind == "sync":
            return self._stack.enter_context(modehal.Client(*args, **kwargs))
        if self._portal is None:
            from anyio.from_thread import start_blocking_portal

            self._portal = self._stack.enter_context(start_blocking_portal("asyncio"))
        from ._blocking import blocking

        client = blocking(modehal.AsyncClient(*args, **kwargs), self._portal)
        self._stack.callback(client.close)
        return client

    def for_sim(self, sim: Simulator, **options: Any) -> Any:
        settings: dict[str, Any] = {
            "account": sim.account,
            "base_url": sim.url,
            "discovery": sim.discovery,
            **options,
        }
        return self(sim.token, sim.secret, **settings)


@pytest.fixture
def make_client(client_kind: str) -> Iterator[ClientFactory]:
    with ExitStack() as stack:
        yield ClientFactory(client_kind, stack)


# -- servers on loopback --------------------------------------------------------------------


class SimFactory:
    """Starts simulators on free loopback ports; ``stop_all`` stops every one it started."""

    def __init__(self) -> None:
        self._started: list[Simulator] = []

    def __call__(self, **options: Any) -> Simulator:
        simulator = Simulator(port=0, **options).start()
        self._started.append(simulator)
        return simulator

    def stop_all(self) -> None:
        while self._started:
            self._started.pop().stop()


@pytest.fixture
def make_sim() -> Iterator[SimFactory]:
    """``make_sim(**options)``: a running simulator for this test."""
    factory = SimFactory()
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture(scope="module")
def make_shared_sim() -> Iterator[SimFactory]:
    """``make_shared_sim(**options)``: a running simulator for the rest of the module."""
    factory = SimFactory()
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture
def wire_server() -> Iterator[Callable[..., Server]]:
    """``wire_server(answer=None)``: a running ``_servers.serve(answer)`` for this test."""
    with ExitStack() as stack:

        def start(answer: Callable[[str], Answer] | None = None) -> Server:
            return stack.enter_context(serve(answer))

        yield start


@pytest.fixture
def refused_url() -> str:
    """A URL on loopback where a connection is refused: nothing listens on its port."""
    return f"http://127.0.0.1:{unused_port()}"


# -- offline --------------------------------------------------------------------------------


@pytest.fixture
def collected() -> None:
    """Garbage collected before the test: for tests that recurse to the interpreter's limit,
    where an earlier test's leftover finalizer (an unclosed socket's ResourceWarning), run by
    the collector at that depth, would fail as an unraisable RecursionError."""
    gc.collect()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """``responses`` intercepting every request of this test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def offline_client(mocked: responses.RequestsMock) -> Iterator[modehal.Client]:
    """A client for https://app.mode.com with REST and Discovery credentials; its requests
    go to ``mocked``."""
    with modehal.Client(
        "tok",
        "sec",
        account="hogwarts",
        base_url=BASE,
        discovery=("disc-id", "disc-key", "disc-secret"),
    ) as client:
        yield client
