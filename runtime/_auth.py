"""Credentials: where they come from, and the two ``Authorization`` headers Mode takes."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

from ._errors import ConfigurationError

class Secret(str):
    """A header value that hides itself from ``repr``: tracebacks that show locals, debuggers
    and ``print(headers)`` print ``'[redacted]'``; HTTP still sends the real value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'[redacted]'"


DISCOVERY_VARIABLES = ("MODE_DISCOVERY_ID", "MODE_DISCOVERY_ACCESS_KEY", "MODE_DISCOVERY_ACCESS_SECRET")


def hide(value: object) -> object:
    """A credential as a ``Secret`` (a str whose repr is redacted); anything else as it is."""
    return Secret(value) if isinstance(value, str) and not isinstance(value, Secret) else value


def basic_header(token: str | None, secret: str | None) -> str | None:
    """``Basic base64(token:secret)`` for the REST API, from the arguments or the environment."""
    token = hide(token if token is not None else os.environ.get("MODE_TOKEN"))  # type: ignore[assignment]
    secret = hide(secret if secret is not None else os.environ.get("MODE_SECRET"))  # type: ignore[assignment]
    for name, value in (("token", token), ("secret", secret)):
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"{name} must be a string, got {type(value).__name__}")
    if not token or not secret:
        return None
    return Secret("Basic " + base64.b64encode(f"{token}:{secret}".encode()).decode("ascii"))


def bearer_header(discovery: Sequence[str] | None) -> str | None:
    """``Bearer base64(id:access_key:access_secret)`` for the Discovery API."""
    if discovery is None:
        parts = [hide(os.environ.get(name)) for name in DISCOVERY_VARIABLES]
        if not all(parts):
            return None
        discovery = [str(part or "") for part in parts]
    if (
        isinstance(discovery, (str, bytes))
        or not isinstance(discovery, Sequence)
        or len(discovery) != 3
        or not all(isinstance(part, str) and part for part in discovery)
    ):
        raise ConfigurationError("discovery must be (id, access_key, access_secret): three non-empty strings")
    return Secret("Bearer " + base64.b64encode(":".join(discovery).encode()).decode("ascii"))


def missing_credentials(api_name: str, auth: str) -> ConfigurationError:
    if auth == "bearer":
        return ConfigurationError(
            f"the {api_name} API needs Discovery credentials: pass discovery=(id, access_key, "
            f"access_secret) or set {', '.join(DISCOVERY_VARIABLES[:2])} and {DISCOVERY_VARIABLES[2]}"
        )
    return ConfigurationError(
        f"the {api_name} API needs an API token and secret: pass token= and secret= or set MODE_TOKEN and MODE_SECRET"
    )
