"""The base of every generated operations class (``client.report_runs`` and so on)."""

from __future__ import annotations

from ._client import BaseClient


class Operations:
    """A group of operations bound to one client; each method is one ``client.call``."""

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"
