"""An offline Mode: a stateful HTTP server on loopback serving the spec's operations.

    with modehal.sim.Simulator(port=0, speed=50) as sim:
        client = sim.client()
        run = client.report_runs.create(sim.reports[0])

It is driven by the same spec as the client (its routes are the generated operations), keeps
Mode's observed quirks unless ``quirks=False``, enforces both auth schemes, and lets a test
inject faults per route (``sim.inject("report_runs.get", status=503)``).

A succeeded report run has results (``results_rows`` rows per query, generated and gzipped as
they are sent) and a PDF export. A second loopback server, ``storage_url``, stands in for the
signed storage URLs Mode may redirect a download to (``sim.inject("report_runs.results",
offsite=True)``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from http.server import HTTPServer
from typing import Any

from .._navigation import Catalog

from ._clock import Clock
from ._faults import Fault
from ._replies import Quirks
from ._seed import USERS, seed_store
from ._server import SimServer, build_routes
from ._shapes import Shapes
from ._storage import Storage
from ._store import RESULTS_ROWS, Store
from ._wire import Recorded

__all__ = ["Fault", "Quirks", "Recorded", "Simulator"]


class Simulator:
    """A simulated Mode workspace served over HTTP on loopback.

    ``url``, ``account``, ``token``, ``secret`` and ``discovery`` are what any HTTP client
    needs to talk to it. ``speed`` scales its clock: at ``speed=100`` a new run finishes in
    30 ms instead of 3 s. ``reports`` is how many reports have queries, charts, runs and
    schedules (the last one is seeded to fail when run); ``discovery_reports`` how many
    reports the workspace holds in all (the others are never-run reports in its spaces, as
    Discovery lists them). ``results_rows`` is how many rows each query of a run returns: one
    number for every report, or a mapping from report token to number (the others get 5).
    ``catalog`` is the spec it serves (``modehal.api.Client.catalog`` unless given).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        speed: float = 1.0,
        quirks: bool | Quirks = True,
        account: str = "hogwarts",
        token: str = "sim-token",
        secret: str = "sim-secret",
        discovery: tuple[str, str, str] = ("sim-id", "sim-access-key", "sim-access-secret"),
        discovery_reports: int = 2600,
        results_rows: int | Mapping[str, int] = RESULTS_ROWS,
        catalog: Catalog | None = None,
        reports: int = 5,
    ) -> None:
        if catalog is None:
            from ..api import Client

            catalog = Client.catalog
        if isinstance(reports, bool) or not isinstance(reports, int) or reports < 1:
            raise ValueError(f"reports must be a whole number of at least 1, got {reports!r}")

        self.account = account
        self.token = token
        self.secret = secret
        self.discovery = discovery
        self.clock = Clock(speed)
        shapes = Shapes(catalog)
        operations = list(catalog.operations.values())
        self.store = Store(shapes, account=account, clock=self.clock, seed=seed, me=USERS[0])
        self._reports = seed_store(
            self.store,
            [shapes.plans[op.name] for op in operations],
            reports=reports,
            discovery_reports=discovery_reports,
        )
        if isinstance(results_rows, Mapping):
            for report, rows in results_rows.items():
                self.set_results_rows(report, rows)
        else:
            self.store.results_rows = _row_count(results_rows)
        self.quirks = (
            quirks if isinstance(quirks, Quirks) else (Quirks() if quirks else Quirks.none())
        )
        self._storage = Storage(host)
        self._server = SimServer(
            (host, port),
            store=self.store,
            routes=build_routes(operations, shapes),
            quirks=self.quirks,
            credentials={"token": token, "secret": secret, "discovery": ":".join(discovery)},
            publish=self._storage.publish,
        )
        self._threads: list[threading.Thread] = []

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> Simulator:
        if not self._threads:
            self._threads = [
                _serve(self._server, "modehal-sim"),
                _serve(self._storage, "modehal-sim-storage"),
            ]
        return self

    def stop(self) -> None:
        if self._threads:
            self._server.shutdown()
            self._storage.shutdown()
            for thread in self._threads:
                thread.join()
            self._threads = []
        for server in (self._server, self._storage):
            server.close_connections()
            server.server_close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what a client needs --------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def storage_url(self) -> str:
        """The storage origin's ``http://host:port``: another host, as far as a client knows."""
        return self._storage.url

    def client(self, **options: Any) -> Any:
        """A ``modehal.Client`` configured for this simulator (``options`` override)."""
        from ..api import Client

        settings: dict[str, Any] = {
            "account": self.account,
            "base_url": self.url,
            "discovery": self.discovery,
        }
        settings.update(options)
        return Client(self.token, self.secret, **settings)

    @property
    def reports(self) -> list[str]:
        """Tokens of the seeded reports with queries, runs and schedules, in seed order (a
        report made later, by a clone say, does not join them); the last one is seeded to fail
        when run. Deleted ones drop out."""
        with self.store.lock:
            return [token for token in self._reports if self.store.get("report", token)]

    @property
    def datasets(self) -> list[str]:
        with self.store.lock:
            return [record.token for record in self.store.records("dataset")]

    def schedules(self, parent: str) -> list[str]:
        """Tokens of the schedules of a report or dataset, oldest first."""
        with self.store.lock:
            kind = "dataset" if self.store.get("dataset", parent) else "report"
            found = self.store.children(f"{kind}_schedule", kind, parent)
            return [s.token for s in sorted(found, key=lambda s: s.fields["created_at"])]

    def queries(self, report: str) -> list[str]:
        """Tokens of a report's queries: the first report has one, the others two or three."""
        with self.store.lock:
            return [q.token for q in self.store.children("query", "report", report)]

    def runs(self, parent: str) -> list[str]:
        """Tokens of the runs of a report or dataset, oldest first."""
        with self.store.lock:
            kind = "dataset" if self.store.get("dataset", parent) else "report"
            found = self.store.children(f"{kind}_run", kind, parent)
            return [r.token for r in sorted(found, key=lambda r: r.facts["started"])]

    def set_results_rows(self, report: str, rows: int) -> None:
        """Make each query of ``report`` return ``rows`` rows (a run's results are generated
        when downloaded, so this applies to its past runs too)."""
        with self.store.lock:
            if self.store.get("report", report) is None:
                raise ValueError(f"no report {report!r} in this workspace")
            self.store.results_rows_of[report] = _row_count(rows)

    def cancel_run(self, token: str) -> None:
        """Cancel a run, as a person could in Mode's UI: its state becomes ``cancelled``."""
        with self.store.lock:
            run = self.store.get("report_run", token) or self.store.get("dataset_run", token)
            if run is None:
                raise ValueError(f"no run {token!r} in this workspace")
            run.facts["cancelled"] = True

    # -- time ---------------------------------------------------------------------------

    @property
    def speed(self) -> float:
        return self.clock.speed

    @speed.setter
    def speed(self, value: float) -> None:
        self.clock.set_speed(value)

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` of sim-time forward (runs progress accordingly)."""
        self.clock.advance(seconds)

    # -- faults and what the server saw -----------------------------------------------------

    def inject(self, route: str, **fault: Any) -> Fault:
        """Make ``route`` misbehave; see ``Fault`` for the options (``times=1`` by default)."""
        return self._server.faults.add(Fault(route, **fault))

    def clear_faults(self) -> None:
        self._server.faults.clear()

    @property
    def calls(self) -> Counter[str]:
        """Requests received, per route (operation name)."""
        return self._server.calls

    @property
    def effects(self) -> Counter[str]:
        """Requests carried out, per route: a POST retried after a reset shows here twice."""
        return self._server.effects

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        return self._server.connections

    @property
    def requests(self) -> list[Recorded]:
        """Every request as the server saw it, headers included."""
        return self._server.requests

    @property
    def storage_requests(self) -> list[Recorded]:
        """Every request the storage origin got, headers included (no credentials belong)."""
        return self._storage.requests

    def __repr__(self) -> str:
        state = "running" if self._threads else "stopped"
        return f"<modehal.sim.Simulator {self.url} account={self.account!r} {state}>"


def _serve(server: HTTPServer, name: str) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=name, daemon=True)
    thread.start()
    return thread


def _row_count(rows: int) -> int:
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise ValueError(f"results_rows must be a whole number of rows, got {rows!r}")
    return rows
