"""The simulated workspace: seeded reports, datasets, schedules and runs, and its clock.

Everything is generated from one seed, so two simulators with the same seed hold the same
tokens. Runs move through their states on the simulator's clock, which ``speed`` scales:
a run created at sim-time ``t`` is ``enqueued`` until ``t + 1``, ``running`` until ``t + 3``,
then ``succeeded`` (or ``failed`` for a report seeded to fail).

Each report has queries, and each run of it one query run per query; a succeeded run has result
rows, generated when they are downloaded (``_downloads.Rows``). Tokens made after seeding (query
runs, PDF exports) are derived from their parents' tokens rather than drawn from the seeded
random source, so they do not shift the tokens of everything made after them.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

ENQUEUED_FOR = 1.0  # sim-seconds a new run waits before it starts
RUNNING_FOR = 2.0  # sim-seconds it then runs
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)  # wall time of sim-time 0, for timestamps
PDF_RENDER_FOR = 2.0  # sim-seconds a PDF export takes to render once requested
RESULTS_ROWS = 5  # rows per query result, unless a test asks for more


class Clock:
    """Sim-time in seconds: real time since start, multiplied by ``speed``."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._origin = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._offset + (time.monotonic() - self._origin) * self.speed

    def set_speed(self, speed: float) -> None:
        with self._lock:
            current = self._offset + (time.monotonic() - self._origin) * self.speed
            self._origin, self._offset, self.speed = time.monotonic(), current, speed

    def advance(self, seconds: float) -> None:
        """Jump forward, as if ``seconds`` of sim-time had passed."""
        with self._lock:
            self._offset += seconds

    def timestamp(self, sim_time: float) -> str:
        when = EPOCH + timedelta(seconds=sim_time)
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def derived_token(*parts: str) -> str:
    """A token shaped like the world's own, made from its parents' tokens."""
    return hashlib.blake2b("/".join(parts).encode(), digest_size=6).hexdigest()


@dataclass
class Query:
    token: str
    name: str
    created: float
    data_source_id: int = 7

    @property
    def data_source_token(self) -> str:
        """The token its data source goes by (the store seeds a data source under it)."""
        return f"{self.data_source_id:012x}"


@dataclass
class Report:
    token: str
    id: int
    name: str
    space_token: str
    space_id: int
    created: float
    fails: bool = False
    personal: bool = False
    description: str | None = None
    archived: bool = False
    queries: list[Query] = field(default_factory=list)


@dataclass
class Dataset:
    token: str
    name: str
    created: float


@dataclass
class Schedule:
    token: str
    parent: str  # report or dataset token
    kind: str  # "report" | "dataset"
    cron: dict[str, Any]
    params: dict[str, Any]
    timeout: int
    created: float
    updated: float
    name: str | None = None


@dataclass
class Run:
    token: str
    parent: str
    kind: str  # "report" | "dataset"
    created: float
    parameters: dict[str, Any]
    fails: bool
    schedule: str | None = None
    cancelled: bool = False
    executed_by: str = "albus_dumbledore"
    purged: float | None = None  # sim-time its results were purged (reports.purge)


@dataclass(frozen=True)
class QueryRun:
    """A run of one query within a report run; its state is the report run's."""

    token: str
    run: Run
    query: Query


@dataclass
class PdfExport:
    """A PDF render of a report run, requested at sim-time ``requested``."""

    token: str
    run: str
    requested: float


@dataclass
class Duplicate:
    token: str
    report: str
    run: str
    created: float
    new_report: str
    collection_id: str | None = None


@dataclass
class World:
    account: str
    clock: Clock
    rng: random.Random
    reports: dict[str, Report] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    runs: dict[str, Run] = field(default_factory=dict)
    duplicates: dict[str, Duplicate] = field(default_factory=dict)
    discovery: list[Report] = field(default_factory=list)
    exports: dict[str, PdfExport] = field(default_factory=dict)  # by run token
    seed: int = 0
    results_rows: int = RESULTS_ROWS
    results_rows_of: dict[str, int] = field(default_factory=dict)  # by report token
    lock: threading.RLock = field(default_factory=threading.RLock)

    def token(self) -> str:
        return f"{self.rng.getrandbits(48):012x}"

    def run_state(self, run: Run) -> str:
        if run.cancelled:
            return "cancelled"
        age = self.clock.now() - run.created
        if age < ENQUEUED_FOR:
            return "enqueued"
        if age < ENQUEUED_FOR + RUNNING_FOR:
            return "running"
        return "failed" if run.fails else "succeeded"

    def run_finished_at(self, run: Run) -> float | None:
        done = run.created + ENQUEUED_FOR + RUNNING_FOR
        return done if self.clock.now() >= done else None

    def query_runs(self, run: Run) -> list[QueryRun]:
        report = self.reports.get(run.parent) if run.kind == "report" else None
        queries = report.queries if report is not None else []
        return [QueryRun(derived_token(run.token, q.token), run, q) for q in queries]

    def rows_of(self, report: str) -> int:
        return self.results_rows_of.get(report, self.results_rows)

    def rows_key(self, query_run: QueryRun) -> str:
        """What a query run's rows are generated from: the same seed serves the same rows."""
        return f"{self.seed}/{query_run.run.token}/{query_run.query.token}"

    def request_export(self, run: Run) -> PdfExport:
        """The run's PDF export, its render requested now if it had not been yet. (Mode also
        names a state ``new``, a job not yet requested; here the GET that creates a job
        requests it, so a job is only ever ``requested`` or ``completed``.)"""
        export = self.exports.get(run.token)
        if export is None:
            export = PdfExport(derived_token("pdf", run.token), run.token, self.clock.now())
            self.exports[run.token] = export
        return export

    def export_state(self, export: PdfExport) -> str:
        done = self.clock.now() - export.requested >= PDF_RENDER_FOR
        return "completed" if done else "requested"

    def duplicate_state(self, duplicate: Duplicate) -> str:
        return (
            "succeeded"
            if self.clock.now() - duplicate.created >= ENQUEUED_FOR + RUNNING_FOR
            else "pending"
        )

    def runs_of(self, parent: str, schedule: str | None = None) -> list[Run]:
        return [
            r
            for r in self.runs.values()
            if r.parent == parent and (schedule is None or r.schedule == schedule)
        ]

    def last_run(self, parent: str, schedule: str | None = None) -> Run | None:
        """The newest run of a report or dataset (of one of its schedules, if given)."""
        return max(self.runs_of(parent, schedule), key=lambda run: run.created, default=None)

    def copy_report(self, report: Report, name: str, *, fails: bool = False) -> Report:
        """A new report made from ``report`` (by a clone or a duplication), with copies of its
        queries."""
        with self.lock:
            now = self.clock.now()
            copy = Report(
                self.token(),
                max(r.id for r in self.reports.values()) + 1,
                name,
                report.space_token,
                report.space_id,
                now,
                fails=fails,
            )
            copy.queries = [
                Query(derived_token(copy.token, q.token), q.name, now, q.data_source_id)
                for q in report.queries
            ]
            self.reports[copy.token] = copy
            if report.token in self.results_rows_of:
                self.results_rows_of[copy.token] = self.results_rows_of[report.token]
            return copy

    def remove_report(self, token: str) -> None:
        """A report or dataset gone, with its runs, schedules and exports."""
        self.reports.pop(token, None)
        self.datasets.pop(token, None)
        for run in self.runs_of(token):
            del self.runs[run.token]
            self.exports.pop(run.token, None)
        for schedule in self.schedules_of(token):
            del self.schedules[schedule.token]

    def remove_schedule(self, token: str) -> None:
        """A schedule gone; its past runs stay, no longer naming it (a run's link to its
        schedule must still resolve)."""
        self.schedules.pop(token, None)
        for run in self.runs.values():
            if run.schedule == token:
                run.schedule = None

    def schedules_of(self, parent: str) -> list[Schedule]:
        return [s for s in self.schedules.values() if s.parent == parent]

    def new_run(self, parent: str, kind: str, parameters: dict[str, Any], *, fails: bool) -> Run:
        with self.lock:
            run = Run(self.token(), parent, kind, self.clock.now(), parameters, fails)
            self.runs[run.token] = run
            return run


REPORT_NAMES = [
    "Weekly Active Wizards",
    "House Points Ledger",
    "Potions Inventory",
    "Quidditch Season Stats",
    "Library Checkouts",
]
DATA_SOURCE_IDS = (7, 8)
QUERY_NAMES = [
    "Daily Revenue",
    "Active Wizards",
    "Refunds, by House",
    "Owl Post Latency",
    "Potion Stock Levels",
    "Top Spenders",
]


def _queries(choose: random.Random, report: Report, index: int) -> list[Query]:
    """The first report has one query (its results are a CSV, not a zip); the others two or
    three. Reports take turns between two data sources, so listing a data source's reports
    lists some of them."""
    names = choose.sample(QUERY_NAMES, 1 if index == 0 else choose.choice((2, 3)))
    source = DATA_SOURCE_IDS[index % len(DATA_SOURCE_IDS)]
    return [
        Query(derived_token(report.token, "query", str(number)), name, report.created, source)
        for number, name in enumerate(names)
    ]


def seed_world(
    seed: int, clock: Clock, *, account: str = "hogwarts", discovery_reports: int = 2600
) -> World:
    """A workspace with a few reports and datasets, their schedules and past runs."""
    world = World(account=account, clock=clock, rng=random.Random(seed), seed=seed)
    # Queries draw from their own random source: the seeded tokens stay what they were.
    choose = random.Random(f"{seed}/queries")
    space = world.token()
    past = -30 * 86400.0  # history happened in the month before sim-time 0
    for index, name in enumerate(REPORT_NAMES):
        report = Report(
            world.token(), 1000 + index, name, space, 41, past, fails=index == len(REPORT_NAMES) - 1
        )
        report.queries = _queries(choose, report, index)
        world.reports[report.token] = report
        # The first report has a long history, so its runs span several pages.
        for number in range(45 if index == 0 else 3):
            run = Run(
                world.token(), report.token, "report", past + number * 3600.0, {}, fails=False
            )
            world.runs[run.token] = run
        schedule = Schedule(
            world.token(),
            report.token,
            "report",
            {"freq": "daily", "hour": 8 + index, "minute": 0, "time_zone": "UTC"},
            {},
            900,
            past,
            past,
            name=f"{name}, daily",
        )
        world.schedules[schedule.token] = schedule
        run = Run(
            world.token(),
            report.token,
            "report",
            past + 86400.0,
            {},
            fails=False,
            schedule=schedule.token,
        )
        world.runs[run.token] = run
    for index, name in enumerate(["Enrollment", "Owl Post Deliveries"]):
        dataset = Dataset(world.token(), name, past)
        world.datasets[dataset.token] = dataset
        for number in range(2):
            run = Run(
                world.token(), dataset.token, "dataset", past + number * 7200.0, {}, fails=False
            )
            world.runs[run.token] = run
        schedule = Schedule(
            world.token(),
            dataset.token,
            "dataset",
            {"freq": "hourly", "minute": 15},
            {},
            600,
            past,
            past,
            name=f"{name} hourly",
        )
        world.schedules[schedule.token] = schedule
    # The Discovery API lists every report of the organization, personal spaces included.
    world.discovery = list(world.reports.values())
    for number in range(discovery_reports - len(world.discovery)):
        world.discovery.append(
            Report(
                world.token(),
                5000 + number,
                f"Report {number}",
                world.token() if number % 7 == 0 else space,
                41 + number % 7,
                past,
                personal=number % 5 == 0,
            )
        )
    return world
