"""``Settings``: everything a client is configured with, checked once, frozen.

This is the only code that reads the environment: the ``MODE_*`` variables, and the standard
ones for TLS and proxies (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, ``HTTP(S)_PROXY``,
``ALL_PROXY``, ``NO_PROXY``). An argument passed to ``Client(...)`` wins, then a ``session=``'s
own setting, then the variable, then the default. ``with_options`` makes a copy with
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
from ._hooks import EventHooks, check_event_hooks
from ._retries import DEFAULT as DEFAULT_RETRY
from ._retries import Retry
from ._version import __version__

TOKEN = "MODE_TOKEN"
SECRET = "MODE_SECRET"
ACCOUNT = "MODE_ACCOUNT"
BASE_URL = "MODE_BASE_URL"
DISCOVERY = ("MODE_DISCOVERY_ID", "MODE_DISCOVERY_ACCESS_KEY", "MODE_DISCOVERY_ACCESS_SECRET")
LOG = "MODE_LOG"
#: every variable modehal reads, for the CLI's messages and for tests that clear them
ENVIRONMENT_VARIABLES = (TOKEN, SECRET, ACCOUNT, BASE_URL, *DISCOVERY, LOG)
#: the standard variables read too (unless a session= says trust_env=False), as requests reads
#: them: a CA bundle, and proxies (each in lower or upper case, lower first)
CA_BUNDLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
USER_AGENT = f"modehal/{__version__}"
#: headers modehal sets itself, per request and per origin: not taken from headers=
REFUSED_HEADERS = frozenset(
    {
        "authorization",
        "host",
        "content-length",
        "transfer-encoding",
        "content-type",
        "accept-encoding",
        "user-agent",
    }
)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an HTTP header name (RFC 9110)
_PRODUCT = re.compile(r"[!-~]+( [!-~]+)*")  # visible ASCII, single spaces


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
    retry: Retry = DEFAULT_RETRY
    verify: bool | str = True
    cert: str | tuple[str, str] | None = None
    #: scheme (or "scheme://host", or "all") -> proxy URL; may hold a proxy's password
    proxies: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    no_proxy: str | None = None
    #: sent only to the configured origin, like the credentials (a header may hold a secret)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    user_agent: str = USER_AGENT
    event_hooks: EventHooks = field(default=EventHooks(), repr=False)
    #: a caller's requests.Session to send through (never closed by modehal)
    session: Any = field(default=None, repr=False, compare=False)
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
        session: object = None,
        verify: object = None,
        cert: object = None,
        proxies: object = None,
        **options: Any,
    ) -> Settings:
        """Settings from ``Client(...)``'s arguments, falling back to a ``session``'s own
        settings and to the environment.

        ``options`` are the other fields (``timeout=``, ``max_pages=``, ``retry=``...), each
        checked. ``max_retries`` is ``retry``'s shorthand: giving both is refused.
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
        options = _retry_options(options)
        _check_session(session)
        if "headers" in options or session is not None:
            options["headers"] = _headers(options.get("headers"), session)
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
            **_network(env, session, verify, cert, proxies),
            **{name: _CHECKS[name](value) for name, value in options.items()},
        )

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes``, each checked as ``resolve`` checks it."""
        if "retry" in changes or "max_retries" in changes:
            changes = _retry_options(changes, current=self.retry)
        for name, value in changes.items():
            if name in _CHECKS:
                changes[name] = _CHECKS[name](value)
        return dataclasses.replace(self, **changes)

    @property
    def sent_headers(self) -> dict[str, str]:
        """``headers`` as a dict (sent only to the configured origin)."""
        return dict(self.headers)

    @property
    def proxy_map(self) -> dict[str, str]:
        """``proxies`` as a dict, for ``_proxies.proxy_for``."""
        return dict(self.proxies)


def _retry_options(options: dict[str, Any], current: Retry | None = None) -> dict[str, Any]:
    """``retry=`` and its shorthand ``max_retries=`` as one ``Retry`` (both: refused)."""
    options = dict(options)
    retry, count = options.pop("retry", None), options.pop("max_retries", None)
    if retry is not None and count is not None:
        raise ConfigurationError(
            "give retry=modehal.Retry(max_retries=...) or max_retries=, not both"
        )
    if retry is not None and not isinstance(retry, Retry):
        raise ConfigurationError(f"retry must be a modehal.Retry, got {type(retry).__name__}")
    if retry is None:
        base = current or DEFAULT_RETRY
        retry = base if count is None else dataclasses.replace(base, max_retries=count)
    options["retry"], options["max_retries"] = retry, retry.max_retries
    return options


def _network(
    env: _Variables, session: object, verify: object, cert: object, proxies: object
) -> dict[str, Any]:
    """``verify``, ``cert``, ``proxies`` and ``no_proxy``: the argument, else the session's
    own, else (if the session trusts it: ``trust_env``) the environment, else the default."""
    trust_env = bool(getattr(session, "trust_env", True))
    if verify is None and session is not None and session.verify is not True:  # type: ignore[attr-defined]
        verify = session.verify  # type: ignore[attr-defined]
    if verify is None and trust_env:
        verify = next((env.get(name) for name in CA_BUNDLES if env.get(name)), None)
    if cert is None and session is not None:
        cert = session.cert  # type: ignore[attr-defined]
    merged: dict[str, str] = {}
    if trust_env:
        for name in PROXY_VARIABLES:
            value = env.get(name) or env.get(name.upper())
            if value:
                merged[name.removesuffix("_proxy")] = value
    if session is not None:
        merged.update(_check_proxies(session.proxies, "session.proxies"))  # type: ignore[attr-defined]
    merged.update(_check_proxies(proxies, "proxies"))
    no_proxy = merged.pop("no", None)
    no_proxy = merged.pop("no_proxy", no_proxy)
    return {
        "verify": check_verify(True if verify is None else verify),
        "cert": check_cert(cert),
        "proxies": tuple(sorted(merged.items())),
        "no_proxy": no_proxy,
        "session": session,
    }


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


def _check_session(session: object) -> None:
    if session is not None:
        import requests  # a runtime dependency, but only a session needs it here

        if not isinstance(session, requests.Session):
            raise ConfigurationError(
                f"session must be a requests.Session, got {type(session).__name__}"
            )


def check_verify(verify: object) -> bool | str:
    """``verify=``: True, False, or the path of a CA bundle (a file) or directory."""
    if isinstance(verify, bool):
        return verify
    if isinstance(verify, os.PathLike):
        verify = os.fspath(verify)
    if not isinstance(verify, str) or not os.path.exists(verify):
        raise ConfigurationError(
            f"verify must be True, False or the path of a CA bundle that exists; got {verify!r}"
        )
    return verify


def check_cert(cert: object) -> str | tuple[str, str] | None:
    """``cert=``: a client certificate's path (with its key in it), or ``(cert, key)``."""
    if cert is None:
        return None
    paths = cert if isinstance(cert, (tuple, list)) else (cert,)
    paths = tuple(os.fspath(p) if isinstance(p, os.PathLike) else p for p in paths)
    if len(paths) not in (1, 2) or not all(isinstance(p, str) and os.path.isfile(p) for p in paths):
        raise ConfigurationError(
            "cert must be the path of a client certificate, or a (certificate, key) pair of "
            f"paths, of files that exist; got {cert!r}"
        )
    return paths[0] if len(paths) == 1 else (paths[0], paths[1])


def _check_proxies(proxies: object, name: str) -> dict[str, str]:
    """A requests-style proxies mapping: scheme, ``all`` or ``scheme://host`` to a proxy URL
    (``no_proxy``: hosts that go direct). Not shown in errors: a proxy URL may hold a password."""
    if proxies is None:
        return {}
    if not isinstance(proxies, Mapping):
        raise ConfigurationError(
            f'{name} must be a mapping such as {{"https": "http://proxy:3128"}}'
        )
    checked: dict[str, str] = {}
    for key, value in proxies.items():
        if not isinstance(key, str) or not isinstance(value, str | None):
            raise ConfigurationError(f"{name} must map strings to proxy URLs")
        if value is None:
            continue
        if key.lower() != "no_proxy":
            scheme = value.partition("://")[0].lower() if "://" in value else ""
            if scheme not in ("http", "https", "socks5", "socks5h", "socks4", "socks4a"):
                raise ConfigurationError(
                    f"{name}[{key!r}] must be a proxy URL (http://, https:// or socks5://)"
                )
        checked[key.lower()] = value
    return checked


def _headers(headers: object, session: object) -> tuple[tuple[str, str], ...]:
    """``headers=`` checked, over a session's own headers (those it does not have by default:
    requests' own User-Agent and Accept-Encoding are not a caller's choice)."""
    found: dict[str, str] = {}
    if session is not None:
        import requests

        defaults = requests.utils.default_headers()
        for key, value in session.headers.items():  # type: ignore[attr-defined]
            if defaults.get(key) != value and key.lower() not in REFUSED_HEADERS:
                found[key] = value
    if headers is None:
        return tuple(found.items())
    if not isinstance(headers, Mapping):
        raise ConfigurationError(f"headers must be a mapping, got {type(headers).__name__}")
    for key, value in headers.items():
        if not isinstance(key, str) or not _TOKEN.fullmatch(key):
            raise ConfigurationError(f"headers: {key!r} is not a header name")
        if key.lower() == "user-agent":
            raise ConfigurationError(
                'headers: pass user_agent="myapp/1.2" for the User-Agent (it is sent as '
                f'"myapp/1.2 {USER_AGENT}")'
            )
        if key.lower() in REFUSED_HEADERS:
            raise ConfigurationError(
                f"headers: {key} is set by modehal for each request and cannot be given"
            )
        if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
            # not shown: a header's value may be a secret
            raise ConfigurationError(f"headers[{key!r}] must be text on one line")
        found = {k: v for k, v in found.items() if k.lower() != key.lower()}
        found[key] = value
    return tuple(found.items())


def check_user_agent(product: object) -> str:
    """``user_agent="myapp/1.2"``: put before modehal's own product in the User-Agent."""
    if product is None:
        return USER_AGENT
    if not isinstance(product, str) or not _PRODUCT.fullmatch(product):
        raise ConfigurationError(
            'user_agent must be product tokens such as "myapp/1.2" (visible ASCII and '
            f"spaces); got {product!r}"
        )
    return product if product.endswith(USER_AGENT) else f"{product} {USER_AGENT}"


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
    "retry": lambda value: value,  # checked with max_retries (_retry_options)
    "headers": lambda value: value if isinstance(value, tuple) else _headers(value, None),
    "user_agent": check_user_agent,
    "event_hooks": check_event_hooks,
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
