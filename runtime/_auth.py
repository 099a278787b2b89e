"""Credentials: the two ``Authorization`` headers Mode takes, hidden from every repr."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from ._errors import ConfigurationError


class Secret(str):
    """A header value that hides itself from ``repr``: tracebacks that show locals, debuggers
    and ``print(headers)`` print ``'[redacted]'``; HTTP still sends the real value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'[redacted]'"


def hide(value: object) -> object:
    """A credential as a ``Secret`` (a str whose repr is redacted); anything else as it is."""
    return Secret(value) if isinstance(value, str) and not isinstance(value, Secret) else value


def basic_header(token: object, secret: object) -> Secret | None:
    """``Basic base64(token:secret)`` for the REST API; None without both."""
    for name, value in (("token", token), ("secret", secret)):
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"{name} must be a string, got {type(value).__name__}")
    if not token or not secret:
        return None
    return Secret("Basic " + base64.b64encode(f"{token}:{secret}".encode()).decode("ascii"))


def bearer_header(discovery: Sequence[str] | None) -> Secret | None:
    """``Bearer base64(id:access_key:access_secret)`` for the Discovery API; None without it."""
    if discovery is None:
        return None
    if (
        isinstance(discovery, (str, bytes))
        or not isinstance(discovery, Sequence)
        or len(discovery) != 3
        or not all(isinstance(part, str) and part for part in discovery)
    ):
        raise ConfigurationError(
            "discovery must be (id, access_key, access_secret): three non-empty strings"
        )
    return Secret("Bearer " + base64.b64encode(":".join(discovery).encode()).decode("ascii"))
