"""Faults a test can switch on per route, to see how a client copes with a bad day."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    """One injected misbehaviour.

    ``route`` is an operation name (``report_runs.create``), ``GET /api/...``-style extra route
    name, or ``*`` for every request. ``times`` limits how many requests it hits (``None``:
    all of them). With ``after=True`` the request is carried out first and the fault spoils
    only the answer: the dangerous case for a POST, whose effect has then happened.

    ``offsite=True`` makes a download (results, a PDF) answer ``302`` to a signed URL on the
    simulator's storage origin (``Simulator.storage_url``), as Mode may; an answer that is not
    a download (a 404 before the run finished) is sent as it is, and still counts as a hit.
    ``truncate`` cuts a download mid-way and ``invalid_json`` sends it as a corrupt gzip stream.
    """

    route: str
    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    reset: bool = False
    truncate: bool = False
    invalid_json: bool = False
    html: bool = False
    drip: float | None = None
    redirect: str | None = None
    offsite: bool = False
    after: bool = False
    times: int | None = 1
    hits: int = 0


class Faults:
    """The faults switched on, consumed first-in first-out per route."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, route: str) -> Fault | None:
        """The fault that applies to this request, counting it as a hit."""
        with self._lock:
            for fault in self._faults:
                if fault.route in (route, "*") and (
                    fault.times is None or fault.hits < fault.times
                ):
                    fault.hits += 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
