"""``Settings``: everything a client is configured with, checked once, frozen.

This is the only code that reads the ``MODE_*`` environment variables: an argument passed to
``Client(...)`` wins, then the variable, then the default. ``with_options`` makes a copy with
some fields replaced (``Settings.replace``), checked the same way.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from . import _urls
from ._auth import Secret, basic_header, bearer_header, hide, hide_discovery
from ._errors import ConfigurationError
from ._attempt import TimeoutValue

TOKEN = "MODE_TOKEN"
SECRET = "MODE_SECRET"
ACCOUNT = "MODE_ACCOUNT"
BASE_URL = "MODE_BASE_URL"
DISCOVERY = ("MODE_DISCOVERY_ID", "MODE_DISCOVERY_ACCESS_KEY", "MODE_DISCOVERY_ACCESS_SECRET")
LOG = "MODE_LOG"
#: every variable modehal reads, for the CLI's messages and for tests that clear them
ENVIRONMENT_VARIABLES = (TOKEN, SECRET, ACCOUNT, BASE_URL, *DISCOVERY, LOG)


# Mode usernames and workspace names: the account goes into every path as one segment.
_ACCOUNT = re.compile(r"[A-Za-z0-9_.\-]+")
MAX_TIMEOUT = 86_400.0  # a day: past it, sockets and clocks overflow (1e10 s already does)
MIN_RATE_LIMIT = 0.001  # requests per second: one every ~17 minutes


@dataclass(frozen=True)
class Settings:
    """A client's configuration. Credentials are kept only as finished ``Authorization``
    headers (``Secret``, whose repr is redacted), and never shown by ``repr``."""

    base_url: str = _urls.DEFAULT_BASE_URL
    account: str | None = None
    timeout: TimeoutValue = 30.0
    max_retries: int = 2
    rate_limit: float | None = None
    rate_burst: int = 1
    max_response_bytes: int | None = 64 * 1024 * 1024
    max_download_bytes: int | None = None
    max_pages: int = 5_000
    max_connections: int = 32
    allow_insecure: bool = False
    log_level: str | None = None
    basic: Secret | None = field(default=None, repr=False)
    bearer: Secret | None = field(default=None, repr=False)

    @classmethod
    def resolve(
        cls,
        token: object = None,
        secret: object = None,
        *,
        account: str | None = None,
        base_url: str | None = None,
        discovery: object = None,
        allow_insecure: bool = False,
        environ: Mapping[str, str] | None = None,
        **options: Any,
    ) -> Settings:
        """Settings from ``Client(...)``'s arguments, falling back to the environment.

        ``options`` are the other fields (``timeout=``, ``max_pages=``...), each checked.
        """
        # Hidden first thing: a traceback that shows locals must not show them if a setting
        # below is refused.
        token, secret, discovery = hide(token), hide(secret), hide_discovery(discovery)
        # Not os.environ in a local: its repr, in a traceback, would show every variable.
        env = _Variables(environ)
        if token is None:
            token = hide(env.get(TOKEN))
        if secret is None:
            secret = hide(env.get(SECRET))
        if discovery is None:
            parts = [hide(env.get(name)) for name in DISCOVERY]
            discovery = tuple(parts) if all(parts) else None
        unknown = set(options) - _CHECKS.keys()
        if unknown:
            raise ConfigurationError(f"unknown setting {sorted(unknown)[0]!r}")
        if not isinstance(allow_insecure, bool):
            raise ConfigurationError(
                f"allow_insecure must be True or False, got {allow_insecure!r}"
            )
        level = _log_level(env.get(LOG))
        return cls(
            base_url=_urls.check_base_url(
                base_url or env.get(BASE_URL) or _urls.DEFAULT_BASE_URL,
                allow_insecure=allow_insecure,
            ),
            account=check_account(account if account is not None else env.get(ACCOUNT) or None),
            allow_insecure=allow_insecure,
            log_level=level,
            basic=basic_header(token, secret),
            bearer=bearer_header(discovery),  # type: ignore[arg-type]
            **{name: _CHECKS[name](value) for name, value in options.items()},
        )

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes``, each checked as ``resolve`` checks it."""
        for name, value in changes.items():
            if name in _CHECKS:
                changes[name] = _CHECKS[name](value)
        return dataclasses.replace(self, **changes)


class _Variables:
    """Reads the environment (or ``environ``) without showing it in a repr."""

    __slots__ = ("_environ",)

    def __init__(self, environ: Mapping[str, str] | None) -> None:
        self._environ = environ

    def get(self, name: str, default: str | None = None) -> str | None:
        """The variable without surrounding whitespace (a value written with ``echo``, or read
        from a secret file, ends with a newline no credential has); ``default`` if unset or
        blank."""
        value = (os.environ if self._environ is None else self._environ).get(name)
        if value is None or not value.strip():
            return default
        if _urls.text_problem(value) is not None:  # not shown: it may be a secret
            raise ConfigurationError(f"{name} is not UTF-8 text: set it again")
        return value.strip()

    def __repr__(self) -> str:
        return "<environment>"


def check_account(account: object) -> str | None:
    if account is None:
        return None
    if not isinstance(account, str) or not _ACCOUNT.fullmatch(account) or account in (".", ".."):
        raise ConfigurationError(
            "account must be a Mode workspace name (letters, digits, '_', '-' and '.'), "
            f"got {account!r}"
        )
    return account


def check_timeout(timeout: object) -> TimeoutValue:
    if timeout is None:
        return None
    values: Sequence[object] = timeout if isinstance(timeout, tuple) else (timeout,)
    if len(values) not in (1, 2) or not all(_is_number(v) and 0 < v <= MAX_TIMEOUT for v in values):
        raise ConfigurationError(
            f"timeout must be seconds (more than 0, at most {MAX_TIMEOUT:,.0f}), a (connect, "
            f"read) pair of them, or None; got {timeout!r}"
        )
    return timeout  # type: ignore[return-value]


def check_rate_limit(rate_limit: object) -> float | None:
    if rate_limit is not None and not (_is_number(rate_limit) and rate_limit >= MIN_RATE_LIMIT):
        raise ConfigurationError(
            f"rate_limit must be requests per second, at least {MIN_RATE_LIMIT}, or None; "
            f"got {rate_limit!r}"
        )
    return rate_limit


def _is_number(value: object) -> TypeGuard[float]:
    # finite: inf and nan compare in ways that silently switch a limit off
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(name: str, value: object, *, minimum: int, or_none: bool = False) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        alternative = ", or None" if or_none else ""
        raise ConfigurationError(
            f"{name} must be a whole number, {minimum} or more{alternative}; got {value!r}"
        )
    return value


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "timeout": check_timeout,
    "max_retries": lambda value: _whole("max_retries", value, minimum=0),
    "rate_limit": check_rate_limit,
    "rate_burst": lambda value: _whole("rate_burst", value, minimum=1),
    "max_response_bytes": lambda value: (
        None if value is None else _whole("max_response_bytes", value, minimum=1, or_none=True)
    ),
    "max_download_bytes": lambda value: (
        None if value is None else _whole("max_download_bytes", value, minimum=1, or_none=True)
    ),
    "max_pages": lambda value: _whole("max_pages", value, minimum=1),
    "max_connections": lambda value: _whole("max_connections", value, minimum=1),
    "account": check_account,
}


def missing_credentials(api_name: str, auth: str) -> ConfigurationError:
    """The error for a call to an API whose credentials were not configured."""
    if auth == "bearer":
        return ConfigurationError(
            f"the {api_name} API needs Discovery credentials: pass discovery=(id, access_key, "
            f"access_secret) or set {', '.join(DISCOVERY[:2])} and {DISCOVERY[2]}"
        )
    return ConfigurationError(
        f"the {api_name} API needs an API token and secret: pass token= and secret= or set {TOKEN} and {SECRET}"
    )


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING")


def _log_level(text: str | None) -> str | None:
    """``MODE_LOG``'s level; a value that names none is warned about, not silently ignored
    (``MODE_LOG=verbose`` would otherwise look like a client that logs nothing)."""
    given = (text or "").strip()
    level = given.upper()
    if not level:
        return None
    if level not in _LOG_LEVELS:
        import warnings

        warnings.warn(
            f"{LOG}={given!r} is not a level modehal logs at (debug, info or warning): "
            "nothing is logged",
            stacklevel=4,
        )
        return None
    return level
