"""A ``requests`` adapter that sends the request target exactly as the client built it.

Mode's hrefs carry queries such as ``?embed[report_runs][executed_by]=1`` that must reach
Mode as given (docs README item 11), but urllib3 percent-encodes every ``[`` and ``]`` of a
query just before writing the request line. The connections below put the client's own
target back when it differs from urllib3's only in that encoding, for direct connections and
for plain-HTTP proxies (which get the absolute URL) alike. The same connections register
with the request's deadline ``Watch`` (``_watchdog``), so a server that dribbles its answer can
be cut off. Everything else about ``HTTPAdapter`` is unchanged, and ``responses`` still
intercepts ``send``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from ._watchdog import Watch, watchdog

_current = threading.local()


@contextmanager
def sending(url: str, watch: Watch | None) -> Iterator[None]:
    """While ``url`` is being sent on this thread, its request line keeps it byte for byte, and
    the connection carrying it is watched by ``watch``."""
    parts = urlsplit(url)
    path = parts.path or "/"
    _current.targets = (path + ("?" + parts.query if parts.query else ""), url)
    _current.watch = watch
    try:
        yield
    finally:
        _current.targets = _current.watch = None


def _restore(url: str) -> str:
    # Only ever undo urllib3's encoding of this very target: a different URL is sent as
    # urllib3 made it.
    targets: tuple[str, ...] = getattr(_current, "targets", None) or ()
    for target in targets:
        if target != url and unquote(target) == unquote(url):
            return target
    return url


def _watch(connection: HTTPConnection) -> None:
    watch: Watch | None = getattr(_current, "watch", None)
    if watch is not None:
        watchdog.attach(watch, connection)


class _HTTPConnection(HTTPConnection):
    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(method, _restore(url), *args, **kwargs)


class _HTTPSConnection(HTTPSConnection):
    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(method, _restore(url), *args, **kwargs)


class _HTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _use_exact_pools(manager: PoolManager) -> None:
    manager.pool_classes_by_scheme = {"http": _HTTPConnectionPool, "https": _HTTPSConnectionPool}


class ExactTargetAdapter(HTTPAdapter):
    """``HTTPAdapter`` whose connections keep the request target byte for byte."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _use_exact_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS managers have pools of their own
            _use_exact_pools(manager)
        return manager
