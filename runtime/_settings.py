"""``Settings``: everything a client is configured with, checked once, frozen.

This is the only code that reads the ``MODE_*`` environment variables: an argument passed to
``Client(...)`` wins, then the variable, then the default. ``with_options`` makes a copy with
some fields replaced (``Settings.replace``), checked the same way.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _urls
from ._auth import Secret, basic_header, bearer_header, hide
from ._errors import ConfigurationError
from ._transport import TimeoutValue

TOKEN = "MODE_TOKEN"
SECRET = "MODE_SECRET"
ACCOUNT = "MODE_ACCOUNT"
BASE_URL = "MODE_BASE_URL"
DISCOVERY = ("MODE_DISCOVERY_ID", "MODE_DISCOVERY_ACCESS_KEY", "MODE_DISCOVERY_ACCESS_SECRET")
LOG = "MODE_LOG"
#: every variable modehal reads, for the CLI's messages and for tests that clear them
ENVIRONMENT_VARIABLES = (TOKEN, SECRET, ACCOUNT, BASE_URL, *DISCOVERY, LOG)


@dataclass(frozen=True)
class Settings:
    """A client's configuration. Credentials are kept only as finished ``Authorization``
    headers (``Secret``, whose repr is redacted), and never shown by ``repr``."""

    base_url: str = _urls.DEFAULT_BASE_URL
    account: str | None = None
    timeout: TimeoutValue = 30.0
    max_retries: int = 2
    rate_limit: float | None = None
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
        timeout: TimeoutValue = 30.0,
        max_retries: int = 2,
        rate_limit: float | None = None,
        allow_insecure: bool = False,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Settings from ``Client(...)``'s arguments, falling back to the environment."""
        # Hidden first thing: a traceback that shows locals must not show them if a setting
        # below is refused.
        token, secret, discovery = hide(token), hide(secret), _hide_all(discovery)
        env = os.environ if environ is None else environ
        if token is None:
            token = hide(env.get(TOKEN))
        if secret is None:
            secret = hide(env.get(SECRET))
        if discovery is None:
            parts = [hide(env.get(name)) for name in DISCOVERY]
            discovery = tuple(parts) if all(parts) else None
        level = env.get(LOG, "").strip().upper()
        return cls(
            base_url=_urls.check_base_url(
                base_url or env.get(BASE_URL) or _urls.DEFAULT_BASE_URL,
                allow_insecure=allow_insecure,
            ),
            account=account if account is not None else env.get(ACCOUNT) or None,
            timeout=check_timeout(timeout),
            max_retries=check_retries(max_retries),
            rate_limit=check_rate_limit(rate_limit),
            allow_insecure=allow_insecure,
            log_level=level if level in ("DEBUG", "INFO", "WARNING") else None,
            basic=basic_header(token, secret),
            bearer=bearer_header(discovery),  # type: ignore[arg-type]
        )

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes``, each checked as ``resolve`` checks it."""
        checks = {
            "timeout": check_timeout,
            "max_retries": check_retries,
            "rate_limit": check_rate_limit,
        }
        for name, value in changes.items():
            if name in checks:
                changes[name] = checks[name](value)
        return dataclasses.replace(self, **changes)


def _hide_all(discovery: object) -> object:
    if isinstance(discovery, (tuple, list)):
        return tuple(hide(part) for part in discovery)
    return hide(discovery)


def check_retries(max_retries: int) -> int:
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise ConfigurationError(
            f"max_retries must be a whole number of retries, 0 or more; got {max_retries!r}"
        )
    return max_retries


def check_timeout(timeout: TimeoutValue) -> TimeoutValue:
    values: Sequence[object] = timeout if isinstance(timeout, tuple) else (timeout,)
    if timeout is not None and (
        len(values) not in (1, 2)
        or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in values
        )
    ):
        raise ConfigurationError(
            f"timeout must be positive seconds, a (connect, read) pair, or None; got {timeout!r}"
        )
    return timeout


def check_rate_limit(rate_limit: float | None) -> float | None:
    if rate_limit is not None and (
        not isinstance(rate_limit, (int, float)) or isinstance(rate_limit, bool) or rate_limit <= 0
    ):
        raise ConfigurationError(
            f"rate_limit must be a positive number of requests per second, got {rate_limit!r}"
        )
    return rate_limit


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
