"""``modehal.AsyncClient`` driven from blocking test code, so that one test body checks both
clients: ``blocking(async_client, portal)`` is an object on which every call that the async
client awaits is awaited (on the portal's event loop thread), every ``async for`` becomes a
plain ``for``, and what comes back (resources, collections, downloads) is wrapped the same
way. Plain values (data, fields, links, errors) pass through untouched.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from anyio.from_thread import BlockingPortal

import modehal
from modehal._async_client import AsyncBaseClient
from modehal._operations import AsyncOperations

_WRAPPED = (
    AsyncBaseClient,
    AsyncOperations,
    modehal.AsyncResource,
    modehal.AsyncDownload,
)


def blocking(value: Any, portal: BlockingPortal) -> Any:
    """``value`` as blocking code uses it (see the module's docstring)."""
    if isinstance(value, _WRAPPED):
        return Blocking(value, portal)
    if inspect.isasyncgen(value):
        return _iterate(value, portal)
    return value


def _iterate(generator: Any, portal: BlockingPortal) -> Iterator[Any]:
    try:
        while True:
            try:
                item = portal.call(generator.__anext__)
            except StopAsyncIteration:
                return
            yield blocking(item, portal)
    finally:
        portal.call(generator.aclose)


def unwrapped(value: Any) -> Any:
    """The async object behind a wrapped one (anything else as it is)."""
    return value.unwrapped if isinstance(value, Blocking) else value


class Blocking:
    """One wrapped async object of modehal."""

    def __init__(self, target: Any, portal: BlockingPortal) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_portal", portal)

    @property
    def unwrapped(self) -> Any:
        return self._target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value) and not isinstance(value, type):
            return self._method(value)
        return blocking(value, self._portal)

    def _method(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            args = tuple(a.unwrapped if isinstance(a, Blocking) else a for a in args)
            if inspect.iscoroutinefunction(method):
                result = self._portal.call(lambda: method(*args, **kwargs))
            else:
                result = method(*args, **kwargs)
            if isinstance(result, modehal.AsyncCollection):
                self._portal.call(result._fetched)  # fetched now, as Client's list() does
            return blocking(result, self._portal)

        return call

    def __iter__(self) -> Iterator[Any]:
        return _iterate(self._target.__aiter__(), self._portal)

    def __enter__(self) -> Blocking:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._portal.call(self._target.aclose)

    def close(self) -> None:
        self._portal.call(self._target.aclose)

    def __getitem__(self, key: str) -> Any:
        return self._target[key]

    def __eq__(self, other: object) -> bool:
        return bool(self._target == (other.unwrapped if isinstance(other, Blocking) else other))

    def __repr__(self) -> str:
        return repr(self._target)

    def __dir__(self) -> list[str]:
        return dir(self._target)
