"""What an operation is, as data: the API it belongs to, its params, and what it answers.

Generated modules declare one ``Endpoint`` per documented operation; ``BaseClient.call``
executes any of them the same way (see ``_arguments`` for the params and ``_client`` for the
request). Nothing about an operation lives anywhere else.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from ._download import Download
from ._hal import Resource

R = TypeVar("R")

Location = Literal["path", "query", "body"]
ParamType = Literal["string", "integer", "number", "boolean", "datetime", "object", "array"]

#: a path template's placeholder, ``{report}``; group 1 is its name
PLACEHOLDER = re.compile(r"\{(\w+)\}")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Api:
    """One of Mode's HTTP APIs: where it lives, how it authenticates, what it answers."""

    name: str
    base_path: str
    auth: Literal["basic", "bearer"]
    accept: str


@dataclass(frozen=True)
class Param:
    """One parameter of an operation, with the constraints the spec documents.

    A path param is always a required token. ``client_default`` names the client setting a
    param falls back to when it is not passed (``account``). ``model`` is the generated
    dataclass a body object is checked against (``Cron``). ``aliases`` are keyword names the
    param is accepted by too (the wire still gets ``name``): schedules take ``params=`` as
    Mode calls it, and ``parameters=`` as runs do.
    """

    name: str
    location: Location = "path"
    type: ParamType = "string"
    required: bool = False
    enum: tuple[object, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    default: object = None
    model: builtins.type[Any] | None = None  # `type` is a field name here
    client_default: Literal["account"] | None = None
    pattern_text: str | None = None  # ``pattern`` in words, for the error a mismatch gets
    aliases: tuple[str, ...] = ()  # other names a caller may pass it by (``parameters``)


@dataclass(frozen=True, eq=False)  # compared by identity: one object per operation
class Endpoint(Generic[R]):
    """One documented operation, as declared in ``spec/``.

    ``route`` is the method and the path below the API's ``base_path``
    (``"GET /{account}/reports/{report}"``). Every ``{name}`` of the path is a required path
    param, a token; ``{account}`` falls back to the client's account. They are added to
    ``params`` unless declared there. ``R`` is what ``client.call(endpoint, ...)`` returns:
    the ``returns`` model, a ``Collection`` of it when ``collection`` is true, a streamed
    ``Download`` (or ``Results``) when ``returns`` is one of those, or None.
    ``status`` is the documented success status (any 2xx is accepted); ``errors`` the
    documented error statuses.
    """

    name: str
    api: Api
    route: str
    params: tuple[Param, ...] = ()
    returns: type[Resource[Any]] | type[Download] | None = None
    collection: bool = False
    key: str | None = None
    status: int = 200
    errors: Mapping[int, str] = field(default_factory=dict)
    body_wrapper: str | None = None
    summary: str = ""
    # from ``route``, by __post_init__
    method: str = field(init=False)
    path: str = field(init=False)

    def __post_init__(self) -> None:
        method, _, path = self.route.partition(" ")
        if method not in _METHODS or not path.startswith("/"):
            raise ValueError(f"{self.name}: route must be 'METHOD /path', got {self.route!r}")
        declared = {param.name for param in self.params}
        placeholders = PLACEHOLDER.findall(path)
        stray = sorted(
            p.name for p in self.params if p.location == "path" and p.name not in placeholders
        )
        if stray:
            raise ValueError(f"{self.name}: path params {stray} are not in the path {path!r}")
        implied = tuple(_path_param(name) for name in placeholders if name not in declared)
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "params", implied + self.params)

    @property
    def full_path(self) -> str:
        """The path template including the API's base path, e.g. ``/api/{account}/...``."""
        return self.api.base_path + self.path

    @property
    def item_key(self) -> str | None:
        """Where a collection's items sit (``_embedded.<key>``): ``key``, else the model's plural."""
        if not self.collection:
            return None
        plural = getattr(self.returns, "plural", None)
        return self.key or (plural if isinstance(plural, str) else None)

    @property
    def model(self) -> type[Resource[Any]] | None:
        """The resource model it answers with (one, or a collection of them); None when it
        answers nothing or a body to stream."""
        returns = self.returns
        return returns if isinstance(returns, type) and issubclass(returns, Resource) else None

    @property
    def streams(self) -> bool:
        """Whether the answer is a body to stream (``Download``), not a document to decode."""
        return isinstance(self.returns, type) and issubclass(self.returns, Download)


def _path_param(name: str) -> Param:
    return Param(name, client_default="account") if name == "account" else Param(name)
