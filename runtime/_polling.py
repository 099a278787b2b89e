"""``wait()``: polling a run (or a duplication) until it reaches a final state."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ._errors import InvalidParameter, RunFailed, Timeout
from ._hal import Document, RelT, Resource

if TYPE_CHECKING:
    from typing_extensions import Self


Progress = Callable[[Any], None]


P = TypeVar("P", bound="PollableDocument[Any]")


class PollableDocument(Document[RelT]):
    """What a resource whose state moves on by itself reads the same from either client: its
    state field, its final values, ``done``. ``Pollable`` and ``AsyncPollable`` add ``wait()``."""

    __slots__ = ()

    poll_field: ClassVar[str] = "state"
    success_states: ClassVar[tuple[str, ...]] = ()
    failure_states: ClassVar[tuple[str, ...]] = ()

    @property
    def done(self) -> bool:
        """Whether the state is final (succeeded or failed alike)."""
        return self._state() in self.success_states + self.failure_states

    def _state(self) -> str | None:
        value = self._data.get(self.poll_field)
        return value if isinstance(value, str) else None


def polls(
    start: P,
    *,
    timeout: float | None,
    poll_interval: float,
    max_interval: float,
    raise_on_failure: bool,
    progress: Progress | bool | None,
) -> Generator[float, P, P]:
    """The cadence of ``wait()``, without the waiting: yields the seconds to wait before the
    next poll, is sent the fresh resource, and returns the final one (or raises ``RunFailed``,
    ``modehal.Timeout``). The blocking and the awaiting ``wait()`` drive it alike.

    The intervals are ``poll_intervals()``'s (``run_reports()`` polls on the same cadence);
    the last wait is cut short so that the run is polled once more at the deadline.
    """
    intervals = poll_intervals(poll_interval, max_interval, caller="wait")
    report = _progress_function(progress)
    deadline = None if timeout is None else time.monotonic() + timeout
    current = start
    while True:
        if report is not None:
            report(current)
        state = current._state()
        if state in current.success_states:
            break
        if state in current.failure_states:
            _finish_line(report)
            if raise_on_failure:
                raise RunFailed(current, state)
            return current
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            _finish_line(report)
            raise Timeout(
                f"{type(start).__name__} {current.data.get('token', '')} still {state!r} after {timeout:g}s",
                method="GET",
                url=current.url or "",
            )
        interval = next(intervals)
        current = yield (interval if remaining is None else min(interval, remaining))
    _finish_line(report)
    return current


class Pollable(PollableDocument[RelT], Resource[RelT]):
    """A resource whose state moves on by itself, such as a report run.

    Generated models name the state field and its final values from the spec.
    """

    __slots__ = ()

    def wait(
        self,
        *,
        timeout: float | None = 600.0,
        poll_interval: float = 1.0,
        max_interval: float = 15.0,
        raise_on_failure: bool = True,
        progress: Progress | bool | None = None,
    ) -> Self:
        """Poll ``self`` until the state is final and return the fresh resource.

        The interval starts at ``poll_interval`` and grows by half each poll up to
        ``max_interval``. Raises ``RunFailed`` (carrying the run) on a failure state unless
        ``raise_on_failure=False``, and ``modehal.Timeout`` after ``timeout`` seconds.
        ``progress`` is called with each fresh resource; ``True`` shows a one-line status on
        stderr, and by default that line appears only when stderr is a terminal.
        """
        cadence = polls(
            self,
            timeout=timeout,
            poll_interval=poll_interval,
            max_interval=max_interval,
            raise_on_failure=raise_on_failure,
            progress=progress,
        )
        current = self
        try:
            wait = next(cadence)
            while True:
                time.sleep(wait)
                current = current.refresh()
                wait = cadence.send(current)
        except StopIteration as finished:
            result: Self = finished.value
            return result


def poll_intervals(
    poll_interval: float = 1.0, max_interval: float = 15.0, *, caller: str = "wait"
) -> Iterator[float]:
    """The pauses between polls of one run: ``poll_interval`` first, each half again as long
    as the one before, up to ``max_interval``. Both clients' ``wait()`` (through ``polls``) and
    ``run_reports()`` share it."""
    if not (isinstance(poll_interval, (int, float)) and poll_interval > 0):
        raise InvalidParameter(
            f"{caller}: poll_interval must be a positive number of seconds, got {poll_interval!r}"
        )
    return _growing(float(poll_interval), float(max(max_interval, poll_interval)))


def _growing(interval: float, limit: float) -> Iterator[float]:
    while True:
        yield interval
        interval = min(limit, interval * 1.5)


class _StatusLine:
    """``\\r``-rewritten status line on stderr."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.used = False

    def __call__(self, resource: Any) -> None:
        elapsed = time.monotonic() - self.started
        token = resource.data.get("token", "")
        line = f"{type(resource).__name__} {token}: {resource.data.get('state')} ({elapsed:.1f}s)"
        sys.stderr.write("\r" + line.ljust(60))
        sys.stderr.flush()
        self.used = True

    def finish(self) -> None:
        if self.used:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _progress_function(progress: Progress | bool | None) -> Progress | None:
    if progress is None:
        progress = sys.stderr.isatty()
    if progress is True:
        return _StatusLine()
    if progress is False:
        return None
    return progress


def _finish_line(report: Progress | None) -> None:
    if isinstance(report, _StatusLine):
        report.finish()
