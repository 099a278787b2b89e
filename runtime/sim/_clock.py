"""The simulator's clock, and the tokens it makes.

Sim-time is seconds since the simulator started, multiplied by ``speed``; sim-time 0 is
``EPOCH`` on Mode's wall clock, so seeded history happened in the weeks before 2024.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import datetime, timedelta, timezone

EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)  # wall time of sim-time 0, for timestamps


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

    @staticmethod
    def timestamp(sim_time: float) -> str:
        """Mode's timestamp format, milliseconds and ``Z``."""
        when = EPOCH + timedelta(seconds=sim_time)
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"

    @staticmethod
    def sim_time(when: datetime) -> float:
        return (when - EPOCH).total_seconds()


def derived_token(*parts: str) -> str:
    """A 12-hex-digit token, as Mode's look, made from what identifies the resource: the same
    seed makes the same tokens, and making one resource never shifts another's."""
    return hashlib.blake2b("/".join(parts).encode(), digest_size=6).hexdigest()
