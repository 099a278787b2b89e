"""Deadlines for whole requests: one thread that cuts off connections whose time is up.

A socket timeout bounds each read, not the response: a server that sends one byte just
inside it, again and again, holds a request forever. Each attempt therefore gets a
``Watch`` with a deadline, the connection it is using registers with it, and a single
daemon thread (shared by every client in the process, started on first use) shuts that
connection's socket down when the deadline passes. The blocked read then fails at once and
the transport, seeing ``watch.expired``, reports a ``Timeout``. Watching costs a heap push and
a flag per request, never a thread.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from typing import Any


class Watch:
    """One attempt's deadline, and the connection it is currently using."""

    __slots__ = ("seconds", "deadline", "connection", "expired", "active")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.connection: Any = None
        self.expired = False
        self.active = True


class Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due = threading.Condition(self._lock)
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, seconds: float) -> Watch:
        """A watch that expires ``seconds`` from now."""
        watch = Watch(seconds)
        with self._lock:
            heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="modehal-deadlines", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is watch:  # sooner than what the thread is waiting for
                self._due.notify()
        return watch

    def attach(self, watch: Watch, connection: Any) -> None:
        """``connection`` now carries ``watch``'s request: cut it off if the watch expires."""
        with self._lock:
            watch.connection = connection
            # The connection goes back to the pool after this request; a later request on
            # it belongs to another watch, and an earlier watch must not cut it off then.
            connection._modehal_watch = watch
            if watch.expired:  # the time ran out before it got here (a slow DNS lookup)
                _cut_off(connection)

    def cancel(self, watch: Watch) -> None:
        """The attempt is over; its entry is dropped from the heap when it comes due."""
        with self._lock:
            watch.active = False
            watch.connection = None

    def _run(self) -> None:
        with self._lock:
            while True:
                while self._heap and not self._heap[0][2].active:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._due.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._due.wait(wait)
                    continue
                watch = heapq.heappop(self._heap)[2]
                watch.expired, watch.active = True, False
                connection, watch.connection = watch.connection, None
                if connection is not None and getattr(connection, "_modehal_watch", None) is watch:
                    _cut_off(connection)

    def _after_fork(self) -> None:
        # The child has no watchdog thread: start afresh (another lock, an empty heap).
        self.__init__()  # type: ignore[misc]


def _cut_off(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is None:
        return  # still connecting: the connect timeout bounds that
    try:
        # The plain socket's shutdown, also for TLS: it wakes the thread blocked in recv()
        # without touching the TLS object that thread is using.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


watchdog = Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=watchdog._after_fork)
