"""The bases of every generated operations class (``client.report_runs`` and so on): one
for ``modehal.Client``'s groups, one for ``modehal.AsyncClient``'s."""

from __future__ import annotations

from typing import Any, Protocol

from ._api import Endpoint
from ._client import BaseClient


class Operations:
    """A group of operations bound to one client; each method is one ``client.call``."""

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


class AsyncCaller(Protocol):
    """What an async group asks of its client (``AsyncBaseClient``, which imports httpx: a
    generated module names only this, so that importing it never does)."""

    async def call(self, endpoint: Endpoint[Any] | str, /, **arguments: object) -> Any: ...

    def collection(self, endpoint: Endpoint[Any] | str, /, **arguments: object) -> Any: ...


class AsyncOperations:
    """A group of operations bound to one ``modehal.AsyncClient``; each method is one awaited
    ``client.call`` (or, for a list, one ``client.collection``)."""

    def __init__(self, client: AsyncCaller) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"
