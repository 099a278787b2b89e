"""``event_hooks``: the caller's functions called on every attempt, for logging and metrics.

``Client(event_hooks={"request": [...], "response": [...]})`` (httpx's convention). Each
request hook gets a ``RequestView`` as an attempt leaves, each response hook a
``ResponseView`` as its answer arrives (error statuses included, before they are raised; an
attempt that gets no answer calls no response hook). The views are read-only and never hold
a credential: ``Authorization`` reads ``[redacted]``.

A hook that raises stops the call with its own exception, as in httpx and requests: it is
the caller's code, and its error is theirs to see, not wrapped in a ``ModeError`` and never
retried. ``AsyncClient`` also takes coroutine functions and awaits them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from requests.structures import CaseInsensitiveDict

from ._errors import ConfigurationError
from ._logging import redacted

_KINDS = ("request", "response")


@dataclass(frozen=True)
class RequestView:
    """One attempt as it leaves: ``method``, ``url``, ``headers`` (read-only,
    ``Authorization`` redacted) and ``attempt`` (1 for the first, 2 for the first retry...)."""

    method: str
    url: str
    headers: Mapping[str, str]
    attempt: int


@dataclass(frozen=True)
class ResponseView:
    """One attempt's answer: ``status``, ``headers`` (read-only), ``elapsed`` (seconds),
    the ``url`` that answered (a redirect's target), and the ``request`` it answers."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    elapsed: float
    attempt: int
    request: RequestView


def read_only(headers: Mapping[str, str], *, redact: bool = False) -> Mapping[str, str]:
    """A case-insensitive view of ``headers`` that cannot be changed."""
    shown = redacted(headers) if redact else headers
    return MappingProxyType(CaseInsensitiveDict(shown))


@dataclass(frozen=True)
class EventHooks:
    """The hooks a client calls, checked (``check_event_hooks``)."""

    request: tuple[Callable[[RequestView], Any], ...] = ()
    response: tuple[Callable[[ResponseView], Any], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.request or self.response)


def check_event_hooks(value: object) -> EventHooks:
    """``event_hooks=`` as given: None, or a mapping of ``"request"`` and ``"response"`` to
    lists of callables."""
    if value is None:
        return EventHooks()
    if isinstance(value, EventHooks):
        return value
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            'event_hooks must be a mapping such as {"request": [f], "response": [g]}; '
            f"got {type(value).__name__}"
        )
    unknown = [key for key in value if key not in _KINDS]
    if unknown:
        raise ConfigurationError(
            f"event_hooks takes the keys 'request' and 'response', not {unknown[0]!r}"
        )
    found: dict[str, tuple[Callable[..., Any], ...]] = {}
    for kind in _KINDS:
        hooks = value.get(kind, ())
        if callable(hooks) or isinstance(hooks, (str, bytes)):
            raise ConfigurationError(f"event_hooks[{kind!r}] must be a list of callables")
        try:
            found[kind] = tuple(hooks)
        except TypeError:
            raise ConfigurationError(f"event_hooks[{kind!r}] must be a list of callables") from None
        for hook in found[kind]:
            if not callable(hook):
                raise ConfigurationError(
                    f"event_hooks[{kind!r}] holds {hook!r}, which cannot be called"
                )
    return EventHooks(request=found["request"], response=found["response"])
