"""Which names the spec may use: each becomes a module, class, attribute or argument.

A name that is not an identifier, is a Python keyword, or would hide part of the runtime
(a field called ``links`` on a resource, a group called ``get`` on the client) is refused
here, with the spec's file and line, instead of producing code that breaks at run time.
"""

from __future__ import annotations

import keyword
import re

from modehal._async_hal import AsyncPollable
from modehal._async_pagination import AsyncCollection
from modehal._client import BaseClient
from modehal._operations import AsyncOperations, Operations
from modehal._pagination import Collection
from modehal._polling import Pollable

_SNAKE = re.compile(r"[a-z][a-z0-9_]*")
_CAMEL = re.compile(r"[A-Z][A-Za-z0-9]*")
_REL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_:./-]*")
_PATH = re.compile(r"(/([A-Za-z0-9_.-]|\{[^{}/]*\})+)+")  # placeholders are checked on their own
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+")

# What generated code already uses, or what users reach through the runtime.
# Both clients' (AsyncBaseClient adds `collection` and `aclose`; its module imports httpx,
# which regenerating does not need).
_RESOURCE_ATTRIBUTES = (
    set(dir(Pollable)) | set(dir(Collection)) | set(dir(AsyncPollable)) | set(dir(AsyncCollection))
)
_CLIENT_ATTRIBUTES = set(dir(BaseClient)) | {
    "account",
    "base_url",
    "timeout",
    "collection",
    "aclose",
}
_OPERATIONS_ATTRIBUTES = set(dir(Operations)) | set(dir(AsyncOperations))
_CLASS_NAMES = {
    "Any",
    "ClassVar",
    "Client",
    "Collection",
    "Document",
    "Endpoint",
    "Literal",
    "Mapping",
    "Operations",
    "Page",
    "Paginator",
    "Param",
    "Pollable",
    "Resource",
    "Sequence",
}
_MODULE_NAMES = {"client", "api", "sim", "cli", "codegen"}


def problem(kind: str, name: str) -> str | None:
    """What is wrong with ``name`` as a ``kind`` of the spec, or None."""
    if kind == "class":
        if not _CAMEL.fullmatch(name):
            return f"must be a CamelCase class name, got {name!r}"
        if name in _CLASS_NAMES or name.endswith(("Rel", "Fields")) or name.startswith("Async"):
            return f"{name!r} is reserved for modehal's own code"
        return None
    if kind == "rel":
        return (
            None
            if _REL.fullmatch(name)
            else f"must be a link relation name (letters, digits, _:./-), got {name!r}"
        )
    if kind == "path":
        return (
            None
            if _PATH.fullmatch(name)
            else f"must be a path such as /{{account}}/reports/{{report}}, got {name!r}"
        )
    if kind == "media type":
        return (
            None
            if _MEDIA_TYPE.fullmatch(name)
            else f"must be a media type such as application/json, got {name!r}"
        )
    if not _SNAKE.fullmatch(name):
        return f"must be a snake_case identifier, got {name!r}"
    # Soft keywords (match, case, type, _) are fine as names, and Mode's fields use `type`;
    # the hard ones are the same on every Python, so a spec validates alike everywhere.
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    reserved = {
        "field": _RESOURCE_ATTRIBUTES,
        "param": {"self"},
        "group": _CLIENT_ATTRIBUTES,
        "operation": _OPERATIONS_ATTRIBUTES,
        "model": _MODULE_NAMES,
    }.get(kind, set())
    if name in reserved:
        return f"{name!r} would hide part of modehal's runtime; choose another name"
    return None
