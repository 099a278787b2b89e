"""Sending one HTTP request with ``requests``, and turning its failures into modehal errors.

The client builds ``PreparedRequest`` objects itself and hands them to ``Session.send``:
``Session.request`` would, on every call, re-read proxy settings and ``~/.netrc`` from the
environment and merge cookies, which costs more than the rest of a call. The environment is
read once per origin instead. ``Session.send`` still goes through the mounted adapters, so
``responses`` and custom adapters see every request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import get_environ_proxies

from ._adapter import ExactTargetAdapter, exact_target
from ._errors import ConnectionError, Timeout, TransportError

TimeoutValue = float | tuple[float, float] | None


class Transport:
    """Owns the ``requests.Session`` (one connection pool for the client and its copies)."""

    def __init__(self, session: requests.Session | None = None) -> None:
        if session is None:
            session = requests.Session()
            for prefix in ("http://", "https://"):
                session.mount(prefix, ExactTargetAdapter())
        self.session = session
        # Environment settings are applied once per origin below, not on every request.
        self.session.trust_env = False
        self._verify: bool | str = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self._proxies: dict[str, dict[str, str]] = {}

    def send(
        self,
        method: str,
        url: str,
        *,
        origin: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: TimeoutValue,
    ) -> requests.Response:
        request = requests.PreparedRequest()
        request.method = method
        request.url = url
        request.headers = CaseInsensitiveDict(headers)
        request.body = body
        if body is not None or method in ("POST", "PUT", "PATCH"):
            request.headers["Content-Length"] = str(len(body or b""))
        try:
            with exact_target(request.path_url):
                return self.session.send(
                    request,
                    timeout=timeout,
                    allow_redirects=True,
                    proxies=self._proxies_for(origin, url),
                    verify=self._verify,
                )
        except requests.Timeout as exc:
            raise Timeout(f"{method} {url} timed out: {_reason(exc)}", method=method, url=url) from exc
        except requests.ConnectionError as exc:
            raise ConnectionError(f"{method} {url} failed to connect: {_reason(exc)}", method=method, url=url) from exc
        except requests.RequestException as exc:
            raise TransportError(f"{method} {url} failed: {_reason(exc)}", method=method, url=url) from exc

    def _proxies_for(self, origin: str, url: str) -> dict[str, str]:
        proxies = self._proxies.get(origin)
        if proxies is None:
            proxies = self._proxies[origin] = get_environ_proxies(url)
        return proxies

    def close(self) -> None:
        self.session.close()


def _reason(exc: Exception) -> str:
    # urllib3 nests the useful part ("Connection refused", "Read timed out") a few levels down.
    reason: BaseException = exc
    while reason.args and isinstance(reason.args[0], BaseException):
        reason = reason.args[0]
    inner = getattr(reason, "reason", None)
    if isinstance(inner, BaseException):
        reason = inner
    return str(reason) or type(reason).__name__
