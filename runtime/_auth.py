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


class Unreadable:
    """A credential argument that is not text: kept only as the name of its type, so that no
    repr, traceback or error message can show it."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"<{self.kind}, redacted>"


def hide(value: object) -> object:
    """A credential argument in a form no repr shows: text (``str``, or ``bytes`` holding
    UTF-8) as a ``Secret``, anything else as an ``Unreadable``; None stays None."""
    if value is None or isinstance(value, (Secret, Unreadable)):
        return value
    if isinstance(value, str):
        return Secret(value)
    if isinstance(value, (bytes, bytearray)):
        try:
            return Secret(bytes(value).decode("utf-8"))
        except UnicodeDecodeError:
            return Unreadable("bytes that are not UTF-8")
    return Unreadable(type(value).__name__)


def hide_discovery(discovery: object) -> object:
    """``hide`` for the Discovery credentials: each part of a tuple or list, or the whole."""
    if isinstance(discovery, (tuple, list)):
        return tuple(hide(part) for part in discovery)
    return hide(discovery)


def _kind(value: object) -> str:
    return value.kind if isinstance(value, Unreadable) else type(value).__name__


def basic_header(token: object, secret: object) -> Secret | None:
    """``Basic base64(token:secret)`` for the REST API; None without both."""
    for name, value in (("token", token), ("secret", secret)):
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"{name} must be a string, got {_kind(value)}")
    if not token or not secret:
        return None
    return Secret("Basic " + base64.b64encode(_utf8(f"{token}:{secret}")).decode("ascii"))


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
            "discovery must be (id, access_key, access_secret), three non-empty strings; got "
            + _describe_discovery(discovery)
        )
    return Secret("Bearer " + base64.b64encode(_utf8(":".join(discovery))).decode("ascii"))


def _utf8(credentials: str) -> bytes:
    try:
        return credentials.encode()
    except UnicodeEncodeError:  # a lone surrogate: bytes that were not UTF-8, not shown
        raise ConfigurationError("credentials must be UTF-8 text") from None


def _describe_discovery(discovery: object) -> str:
    # What was wrong, without the value.
    if isinstance(discovery, str):
        return "one string: pass its three parts as a tuple"
    if isinstance(discovery, Sequence) and len(discovery) != 3:
        return f"{len(discovery)} parts"
    if isinstance(discovery, Sequence):
        return "a part that is empty or not text"
    return _kind(discovery)
