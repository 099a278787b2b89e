"""A ``requests`` adapter that sends the request target exactly as the client built it.

Mode's hrefs carry queries such as ``?embed[report_runs][executed_by]=1`` that must reach
Mode as given (docs README item 11), but urllib3 percent-encodes every ``[`` and ``]`` of a
query just before writing the request line. The connections below put the client's own
target back when it differs from urllib3's only in that encoding. Everything else about
``HTTPAdapter`` is unchanged, and ``responses`` still intercepts ``send``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


@contextmanager
def exact_target(target: str) -> Iterator[None]:
    """While a request is sent on this thread, ``target`` is the request line it should carry."""
    _current.target = target
    try:
        yield
    finally:
        _current.target = None


def _restore(url: str) -> str:
    target: str | None = getattr(_current, "target", None)
    # Only ever undo urllib3's encoding of this very target: a redirect or a proxy request
    # (a different URL) is sent as urllib3 made it.
    if target is not None and target != url and unquote(target) == unquote(url):
        return target
    return url


class _HTTPConnection(HTTPConnection):
    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> None:
        super().request(method, _restore(url), *args, **kwargs)


class _HTTPSConnection(HTTPSConnection):
    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> None:
        super().request(method, _restore(url), *args, **kwargs)


class _HTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class ExactTargetAdapter(HTTPAdapter):
    """``HTTPAdapter`` whose connections keep the request target byte for byte."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _HTTPConnectionPool,
            "https": _HTTPSConnectionPool,
        }
