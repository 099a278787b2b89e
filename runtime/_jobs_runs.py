"""``client.run_reports()``: many reports run at once, waited for by one polling loop.

Runs are triggered up to ``concurrency`` at a time and polled from the caller's own thread:
each run has its next poll time (spaced as ``wait()`` spaces them, ``_polling.poll_intervals``),
the loop sleeps until the earliest one, and every request goes through the client, so its
``rate_limit`` bucket counts triggers and polls alike. A trigger (a POST) is never retried once
it may have reached Mode, and each report is triggered once.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import InvalidParameter, ModeError, RunFailed, Timeout
from ._polling import poll_intervals


@dataclass(frozen=True)
class RunOutcome:
    """How one report's run ended: ``run`` is the finished run (succeeded, or failed with
    ``error`` a ``RunFailed``), None when the run was never made or timed out; ``error`` the
    ``ModeError`` that stopped it, None when it succeeded."""

    report: str
    run: Any = None
    error: ModeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class RunsInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``run_reports()``: nothing more was triggered. ``started`` maps each
    report whose run was started and had not finished to the run's token: those runs go on in
    Mode."""

    def __init__(self, started: Mapping[str, str], unsure: str | None = None) -> None:
        self.started = dict(started)
        self.unsure = unsure  # a report whose trigger was cut off: it may have started
        lines = [f"report {report}: run {run}" for report, run in self.started.items()]
        if unsure is not None:
            lines.append(f"report {unsure}: interrupted while triggering it; it may have started")
        detail = "".join(f"\n  {line}" for line in lines) or " none"
        super().__init__(f"interrupted; runs started that go on in Mode:{detail}")


@dataclass(order=True)
class _InFlight:
    due: float
    order: int
    report: str = field(compare=False)
    run: Any = field(compare=False)
    deadline: float | None = field(compare=False)
    intervals: Iterator[float] = field(compare=False)


@dataclass(frozen=True)
class Plan:
    """What ``client.run_reports()`` was asked, checked before anything is sent."""

    reports: Iterable[str]
    parameters: Mapping[str, Any] | None
    concurrency: int
    timeout: float | None
    poll_interval: float
    max_interval: float

    def __post_init__(self) -> None:
        concurrency, timeout = self.concurrency, self.timeout
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidParameter(
                f"run_reports: concurrency must be 1 or more, got {concurrency!r}"
            )
        if timeout is not None and not timeout > 0:
            raise InvalidParameter(
                f"run_reports: timeout must be positive seconds, got {timeout!r}"
            )
        if isinstance(self.reports, str):
            raise InvalidParameter("run_reports: reports must be a list of report tokens, not one")
        self.intervals()
        # each report once, in the order given (a generator is read here, once)
        object.__setattr__(self, "reports", tuple(dict.fromkeys(self.reports)))

    def intervals(self) -> Iterator[float]:
        return poll_intervals(self.poll_interval, self.max_interval, caller="run_reports")


class Batch(Iterator[RunOutcome]):
    """What ``client.run_reports()`` returns: an iterator of ``RunOutcome``, in the order
    the runs finish. ``started()`` names the runs in flight (for a caller interrupted while it
    handled an outcome, outside the loop)."""

    def __init__(self, client: Any, plan: Plan) -> None:
        self._waiting: list[_InFlight] = []  # a heap, earliest poll first
        self._polling: _InFlight | None = None  # out of the heap while it is polled
        self._triggering: str | None = None  # until Mode answers, its run may or may not exist
        self._outcomes = self._loop(client, plan)

    def __next__(self) -> RunOutcome:
        return next(self._outcomes)

    def started(self) -> dict[str, str]:
        """Report token -> run token, for every run triggered and not yet seen to finish."""
        entries = [*self._waiting, *([self._polling] if self._polling else [])]
        return {entry.report: str(entry.run.data.get("token", "?")) for entry in entries}

    def interrupted(self) -> RunsInterrupted:
        return RunsInterrupted(self.started(), self._triggering)

    def _loop(self, client: Any, plan: Plan) -> Iterator[RunOutcome]:
        waiting = self._waiting
        order = itertools.count()
        pending = iter(plan.reports)
        try:
            while True:
                while len(waiting) < plan.concurrency:
                    report = next(pending, None)
                    if report is None:
                        break
                    self._triggering = report
                    try:
                        run = client.call(
                            "report_runs.create", report=report, parameters=plan.parameters or None
                        )
                    except ModeError as error:
                        self._triggering = None
                        yield RunOutcome(report, None, error)
                        continue
                    self._triggering = None
                    intervals = plan.intervals()
                    now = time.monotonic()
                    deadline = None if plan.timeout is None else now + plan.timeout
                    due = now + next(intervals)
                    entry = _InFlight(due, next(order), report, run, deadline, intervals)
                    heapq.heappush(waiting, entry)
                if not waiting:
                    return
                self._polling = heapq.heappop(waiting)
                pause = self._polling.due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                outcome = _poll(self._polling)
                if outcome is None:
                    heapq.heappush(waiting, self._polling)
                self._polling = None
                if outcome is not None:
                    yield outcome
        except KeyboardInterrupt:
            raise self.interrupted() from None


def _poll(entry: _InFlight) -> RunOutcome | None:
    """Refresh one run: its outcome when it is over (or out of time), else None with its
    next poll scheduled."""
    try:
        run = entry.run.refresh()
    except ModeError as error:
        # A poll that failed after the client's own retries: the run may well go on in Mode,
        # but this loop can no longer say how it ends.
        return RunOutcome(entry.report, None, error)
    entry.run = run
    state = run.data.get(run.poll_field)
    if state in run.success_states:
        return RunOutcome(entry.report, run, None)
    if state in run.failure_states:
        return RunOutcome(entry.report, run, RunFailed(run, state))
    now = time.monotonic()
    if entry.deadline is not None and now >= entry.deadline:
        token = run.data.get("token", "")
        late = Timeout(
            f"ReportRun {token} of report {entry.report} still {state!r} after the timeout; "
            "it goes on in Mode",
            method="GET",
            url=run.url or "",
        )
        return RunOutcome(entry.report, None, late)
    due = now + next(entry.intervals)
    entry.due = due if entry.deadline is None else min(due, entry.deadline)
    return None
