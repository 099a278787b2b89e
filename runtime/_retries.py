"""When a failed request is tried again, and how long to wait first.

Safe to retry, for every method: a connection that was never made (refused, DNS, connect
timeout), because the request never left. For GET, HEAD, PUT and DELETE only: read timeouts,
dropped connections, truncated bodies, and 429, 502, 503, 504. POST and PATCH are never
retried once they may have reached Mode: a report run must not be triggered twice (docs
README item 10).

The wait doubles from ``BASE_DELAY`` up to ``MAX_DELAY``, with jitter; a ``Retry-After``
header (seconds or an HTTP date) beats it, up to ``MAX_RETRY_AFTER`` (beyond that the error is
raised at once rather than sleeping for minutes).
"""

from __future__ import annotations

import random
import time

from ._errors import APIError, RateLimited, TransportError, retry_after_seconds
from ._logging import logger

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
BASE_DELAY = 0.5
MAX_DELAY = 8.0
MAX_RETRY_AFTER = 60.0

sleep = time.sleep  # replaced by tests that count waits instead of sleeping


def should_retry(method: str, error: Exception) -> bool:
    """Whether ``error`` on a ``method`` request may be retried without doing anything twice."""
    if isinstance(error, TransportError):
        return error.retryable and (error.before_sending or method in IDEMPOTENT)
    if isinstance(error, APIError):
        if method not in IDEMPOTENT or error.status not in RETRY_STATUSES:
            return False
        wait = _retry_after(error)
        return wait is None or wait <= MAX_RETRY_AFTER
    return False


def wait_before_retry(
    method: str, url: str, error: TransportError | APIError, attempt: int, max_retries: int
) -> float | None:
    """Seconds to wait before trying ``method url`` again after ``error`` ended attempt
    number ``attempt``, or None when it must not be tried again (then ``error`` is raised).

    Both clients' loops of attempts ask this, so they retry alike. It records the attempts
    on the error and logs the retry.
    """
    error.attempts = attempt
    if attempt > max_retries or not should_retry(method, error):
        return None
    wait = delay(attempt, error)
    logger.info(
        "retrying %s %s in %.2fs (attempt %d of %d): %s",
        method,
        url,
        wait,
        attempt + 1,
        max_retries + 1,
        _short(error),
    )
    return wait


def _short(error: Exception) -> str:
    if isinstance(error, APIError):
        return f"{error.status} {error.message[:80]}"
    return str(error)


def delay(attempt: int, error: Exception) -> float:
    """Seconds to wait before retry number ``attempt`` (1 for the first retry)."""
    retry_after = _retry_after(error)
    if retry_after is not None:
        return min(retry_after, MAX_RETRY_AFTER)
    backoff = min(MAX_DELAY, BASE_DELAY * 2.0 ** (attempt - 1))
    return backoff * (0.5 + random.random() / 2)  # jitter: between half and all of it


def _retry_after(error: Exception) -> float | None:
    """The wait the server asked for, in seconds, if it asked."""
    if isinstance(error, RateLimited):
        return error.retry_after
    if isinstance(error, APIError) and "Retry-After" in error.headers:
        return retry_after_seconds(error.headers["Retry-After"])
    return None
