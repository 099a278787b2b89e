"""When a failed request is tried again, and how long to wait first.

Safe to retry, for every method: a connection that was never made (refused, DNS, connect
timeout), because the request never left. For GET, HEAD, PUT and DELETE only: read timeouts,
dropped connections, truncated bodies, and 429, 502, 503, 504. POST and PATCH are never
retried once they may have reached Mode: a report run must not be triggered twice (docs
README item 10).

The policy is one frozen ``Retry`` (``Client(retry=modehal.Retry(...))``): how many retries,
the statuses retried, and the waits. The wait doubles from ``backoff`` up to ``max_backoff``,
with jitter; a ``Retry-After`` header (seconds or an HTTP date) beats it, up to
``max_retry_after`` (beyond that the error is raised at once rather than sleeping for minutes).
Which methods may be replayed is not part of the policy: a status list that includes 500 still
never sends a POST twice.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field

from ._errors import APIError, ConfigurationError, RateLimited, TransportError, retry_after_seconds
from ._logging import logger

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
BASE_DELAY = 0.5
MAX_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
MAX_WAIT = 86_400.0  # a day: any wait setting past it is a mistake (and overflows clocks)

sleep = time.sleep  # replaced by tests that count waits instead of sleeping


@dataclass(frozen=True)
class Retry:
    """The retry policy of a client: ``modehal.Client(retry=modehal.Retry(max_retries=5))``.

    ``max_retries``: retries after the first attempt. ``backoff``: the first wait, in seconds,
    doubling on each retry up to ``max_backoff`` (each wait is jittered between half and all of
    it). ``statuses``: the HTTP statuses retried. ``max_retry_after``: the longest
    ``Retry-After`` waited for; a longer one is raised at once (``RateLimited.retry_after``
    says how long). A POST or PATCH that may have reached Mode is never sent again, whatever
    ``statuses`` holds. Checked when made: a bad value is a ``ConfigurationError``.
    """

    max_retries: int = 2
    backoff: float = BASE_DELAY
    max_backoff: float = MAX_DELAY
    statuses: frozenset[int] = field(default=RETRY_STATUSES)
    max_retry_after: float = MAX_RETRY_AFTER

    def __post_init__(self) -> None:
        retries = self.max_retries
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise ConfigurationError(
                f"max_retries must be a whole number, 0 or more; got {retries!r}"
            )
        for name in ("backoff", "max_backoff", "max_retry_after"):
            value = getattr(self, name)
            if not _seconds(value):
                raise ConfigurationError(
                    f"Retry {name} must be seconds, 0 to {MAX_WAIT:,.0f}; got {value!r}"
                )
        if self.max_backoff < self.backoff:
            raise ConfigurationError(
                f"Retry max_backoff ({self.max_backoff!r}) is less than backoff ({self.backoff!r})"
            )
        statuses = self.statuses
        if isinstance(statuses, (str, bytes)) or not _all_statuses(statuses):
            raise ConfigurationError(
                f"Retry statuses must be HTTP statuses from 400 to 599; got {statuses!r}"
            )
        object.__setattr__(self, "statuses", frozenset(statuses))


def _seconds(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= MAX_WAIT
    )


def _all_statuses(statuses: object) -> bool:
    try:
        values = list(statuses)  # type: ignore[call-overload]
    except TypeError:
        return False
    return all(isinstance(s, int) and not isinstance(s, bool) and 400 <= s <= 599 for s in values)


DEFAULT = Retry()


def should_retry(method: str, error: Exception, policy: Retry = DEFAULT) -> bool:
    """Whether ``error`` on a ``method`` request may be retried without doing anything twice."""
    if isinstance(error, TransportError):
        return error.retryable and (error.before_sending or method in IDEMPOTENT)
    if isinstance(error, APIError):
        # Not configurable: a write that reached Mode is never replayed, whatever the statuses.
        if method not in IDEMPOTENT or error.status not in policy.statuses:
            return False
        wait = _retry_after(error)
        return wait is None or wait <= policy.max_retry_after
    return False


def wait_before_retry(
    method: str,
    url: str,
    error: TransportError | APIError,
    attempt: int,
    policy: Retry = DEFAULT,
) -> float | None:
    """Seconds to wait before trying ``method url`` again after ``error`` ended attempt
    number ``attempt``, or None when it must not be tried again (then ``error`` is raised).

    Both clients' loops of attempts ask this, so they retry alike. It records the attempts
    on the error and logs the retry.
    """
    error.attempts = attempt
    if attempt > policy.max_retries or not should_retry(method, error, policy):
        return None
    wait = delay(attempt, error, policy)
    logger.info(
        "retrying %s %s in %.2fs (attempt %d of %d): %s",
        method,
        url,
        wait,
        attempt + 1,
        policy.max_retries + 1,
        _short(error),
    )
    return wait


def _short(error: Exception) -> str:
    if isinstance(error, APIError):
        return f"{error.status} {error.message[:80]}"
    return str(error)


def delay(attempt: int, error: Exception, policy: Retry = DEFAULT) -> float:
    """Seconds to wait before retry number ``attempt`` (1 for the first retry)."""
    retry_after = _retry_after(error)
    if retry_after is not None:
        return min(retry_after, policy.max_retry_after)
    # the exponent capped: a policy of a thousand retries must not overflow the float
    backoff = min(policy.max_backoff, policy.backoff * 2.0 ** min(attempt - 1, 64))
    return backoff * (0.5 + random.random() / 2)  # jitter: between half and all of it


def _retry_after(error: Exception) -> float | None:
    """The wait the server asked for, in seconds, if it asked."""
    if isinstance(error, RateLimited):
        return error.retry_after
    if isinstance(error, APIError) and "Retry-After" in error.headers:
        return retry_after_seconds(error.headers["Retry-After"])
    return None
