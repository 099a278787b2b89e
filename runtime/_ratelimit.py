"""A token bucket that spaces requests out, shared by every thread using one client.

Mode allows about 40 requests per 10 seconds per user; ``Client(rate_limit=4)`` keeps a
pipeline that fans out under it, so it never earns a 429 in the first place. The bucket holds
``burst`` tokens (one by default) and starts with them, so any window of N seconds sees at
most ``rate * N + burst`` requests: a server-side limiter counts a first burst too.
"""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """``rate`` requests per second on average, in bursts of at most ``burst``."""

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._tokens = self.burst
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, waiting for it if need be; returns the seconds waited."""
        wait = self.take()
        if wait:
            time.sleep(wait)
        return wait

    def take(self) -> float:
        """Take one token now, and return how long to wait before using it (0 if it was
        there): ``acquire()`` sleeps that long, ``modehal.AsyncClient`` awaits it. The lock
        is held only to count, so threads and tasks of one event loop share the bucket."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1  # a debt, when negative: later callers queue behind this one
            return -self._tokens / self.rate if self._tokens < 0 else 0.0
