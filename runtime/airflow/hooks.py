# mypy: allow-subclassing-any
# (where CI type-checks, Airflow is not installed: its base classes are Any there)
"""``ModeHook``: a Mode connection of Airflow's, as a ``modehal.Client`` or ``AsyncClient``.

The connection (type ``mode``, default id ``mode_default``) holds the API token as its login,
the secret as its password, Mode's base URL as its host (``https://app.mode.com`` when empty) and
in its extra the workspace (``account``) and, optionally, the Discovery API's credentials
(``discovery``: ``[id, access key, access secret]``, or the form's three fields). It can come
from Airflow's metadata database or from ``AIRFLOW_CONN_MODE_DEFAULT`` (a URI or JSON).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook  # type: ignore[import-not-found, unused-ignore]

from .._errors import ConfigurationError

if TYPE_CHECKING:
    from airflow.sdk import Connection  # type: ignore[import-not-found, unused-ignore]

    from ..api import AsyncClient, Client


class ModeHook(BaseHook):
    """Connects to Mode with the credentials of an Airflow connection.

    :param mode_conn_id: the Airflow connection to read (type ``mode``).
    :param client_options: more arguments for ``modehal.Client`` (``timeout``, ``rate_limit``...).
    """

    conn_name_attr = "mode_conn_id"
    default_conn_name = "mode_default"
    conn_type = "mode"
    hook_name = "Mode"

    def __init__(
        self, mode_conn_id: str = default_conn_name, client_options: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.mode_conn_id = mode_conn_id
        self.client_options = dict(client_options or {})

    def get_client(self) -> Client:
        """A ``modehal.Client`` for the connection (close it, or use it in a ``with``)."""
        from ..api import Client

        return Client(**self._arguments(self.get_connection(self.mode_conn_id)))

    def get_async_client(self) -> AsyncClient:
        """A ``modehal.AsyncClient`` for the connection (``async with`` it, or ``aclose()``)."""
        from ..api import AsyncClient

        return AsyncClient(**self._arguments(self.get_connection(self.mode_conn_id)))

    async def aget_async_client(self) -> AsyncClient:
        """As ``get_async_client()``, reading the connection without blocking the event loop
        (what a trigger calls)."""
        from ..api import AsyncClient

        connection = await self.aget_connection(self.mode_conn_id)
        return AsyncClient(**self._arguments(connection))

    def test_connection(self) -> tuple[bool, str]:
        """Whether the connection's credentials reach Mode (the UI's Test button)."""
        try:
            with self.get_client() as client:
                user = client.accounts.current()
        except Exception as error:  # noqa: BLE001 - the UI shows whatever went wrong
            return False, str(error)
        return True, f"Connected to Mode as {user.username or user.token}"

    def _arguments(self, connection: Connection) -> dict[str, Any]:
        """The client's arguments from ``connection``; a missing credential is an error that
        names the connection rather than a fallback to the worker's environment."""
        where = f"Airflow connection {self.mode_conn_id!r}"
        if not connection.login or not connection.password:
            missing = "login (the API token)" if not connection.login else "password (its secret)"
            raise ConfigurationError(f"{where} has no {missing}")
        extra = _extra(connection.extra_dejson)
        account = extra.get("account")
        if not isinstance(account, str) or not account.strip():
            raise ConfigurationError(f'{where} names no workspace: set extra {{"account": "..."}}')
        arguments: dict[str, Any] = {
            "account": account.strip(),
            "base_url": _base_url(connection, extra),
            **self.client_options,
        }
        discovery = _discovery(extra, where)
        if discovery is not None:
            arguments["discovery"] = discovery
        return {"token": connection.login, "secret": connection.password, **arguments}


def _extra(raw: Any) -> dict[str, Any]:
    """The extra, its form fields read with or without Airflow's ``extra__mode__`` prefix."""
    extra = dict(raw) if isinstance(raw, Mapping) else {}
    prefix = "extra__mode__"
    for key in [k for k in extra if k.startswith(prefix)]:
        extra.setdefault(key.removeprefix(prefix), extra.pop(key))
    return extra


def _base_url(connection: Connection, extra: Mapping[str, Any]) -> str | None:
    """The host as a base URL: as it is when it names its scheme, else ``https://`` (or the
    extra's ``scheme``) and the port; None for Mode's own."""
    host = (connection.host or "").strip().rstrip("/")
    if not host:
        return None
    if "://" in host:
        return host
    scheme = str(extra.get("scheme") or "https")
    port = f":{connection.port}" if connection.port else ""
    return f"{scheme}://{host}{port}"


def _discovery(extra: Mapping[str, Any], where: str) -> tuple[str, str, str] | None:
    found = extra.get("discovery")
    if found is None:
        parts = [extra.get(f"discovery_{name}") for name in ("id", "access_key", "access_secret")]
        if not any(parts):
            return None
        found = parts
    if (
        not isinstance(found, (list, tuple))
        or len(found) != 3
        or not all(isinstance(part, str) and part for part in found)
    ):
        raise ConfigurationError(
            f'{where}: extra "discovery" must be [id, access key, access secret], three strings'
        )
    return (found[0], found[1], found[2])
