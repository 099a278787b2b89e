"""What the generated catalog says about where each resource lives, read once per simulator.

The generic store (``_store``) needs, for every model, the path of one such resource (its
"home", e.g. ``/api/{account}/reports/{report}/filters/{filter}``): the last placeholder is the
resource's own token, the others name its parents. It also needs to know what an operation
does to which model. Both are read from paths and methods alone, so a spec edit that adds an
operation needs no simulator code.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .._api import PLACEHOLDER, Endpoint
from .._hal import Resource
from .._navigation import Catalog

Kind = Literal["get", "list", "create", "update", "delete", "action"]


def placeholders(path: str) -> list[str]:
    return PLACEHOLDER.findall(path)


def fill(path: str, values: dict[str, str]) -> str | None:
    """``path`` with its placeholders filled from ``values``; None if one is missing."""
    names = placeholders(path)
    if any(name not in values for name in names):
        return None
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], path)


def template(path: str, values: dict[str, str]) -> str:
    """``path`` with the placeholders ``values`` fills filled, the others left as they are."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), path)


@dataclass(frozen=True)
class Shape:
    """Where resources of one model live. ``home`` is None for a model only ever listed or
    created (a Discovery item, an invite): its records are then scoped by the path params of
    the operation that made them."""

    model: type[Resource[Any]]
    home: str | None  # full path template of one resource
    gettable: bool  # a GET (or a declared location) serves ``home``
    located: bool = False  # ``home`` is only a declared location, no operation's path

    @property
    def name(self) -> str:
        return self.model.resource_name

    @property
    def key(self) -> str | None:
        """The placeholder holding the resource's own token (``filter``)."""
        return placeholders(self.home)[-1] if self.home else None

    @property
    def parents(self) -> tuple[str, ...]:
        """The placeholders naming its parents (``account``, ``report``)."""
        return tuple(placeholders(self.home)[:-1]) if self.home else ()


@dataclass(frozen=True)
class Plan:
    """What a generic operation does: its ``kind`` to the resources of ``shape``."""

    op: Endpoint[Any]
    kind: Kind
    shape: Shape


class Shapes:
    """Every model's ``Shape`` and every operation's ``Plan``, from the catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        # tables other modules derive from these shapes, once per simulator (_links' rels)
        self.derived: dict[Any, Any] = {}
        ops = list(catalog.operations.values())
        self.by_name: dict[str, Shape] = {}
        for model in catalog.models:
            self.by_name[model.resource_name] = _shape(model, ops)
        self.plans = {op.name: self._plan(op) for op in ops}

    def of(self, model: type[Resource[Any]]) -> Shape:
        return self.by_name[model.resource_name]

    @property
    def shapes(self) -> Iterable[Shape]:
        return self.by_name.values()

    def keyed_by(self, param: str) -> list[Shape]:
        """The models whose own token a path param holds (``filter``: the report filter)."""
        return [shape for shape in self.by_name.values() if shape.key == param]

    def rels(self, model: type[Resource[Any]]) -> tuple[str, ...]:
        """The documented link relations of ``model`` (``<Model>Rel`` of its module)."""
        module = __import__(model.__module__, fromlist=["_"])
        rel_type = getattr(module, f"{model.__name__}Rel", None)
        return tuple(str(rel) for rel in typing.get_args(rel_type)) if rel_type else ()

    def list_paths(self, model: type[Resource[Any]]) -> list[Endpoint[Any]]:
        """GET operations listing ``model``, REST first (their pages are HAL documents)."""
        found = [
            op
            for op in self.catalog.operations.values()
            if op.method == "GET" and op.collection and op.returns is model
        ]
        return sorted(found, key=lambda op: (op.api.name != "rest", len(op.full_path)))

    def _plan(self, op: Endpoint[Any]) -> Plan:
        path, method = op.full_path, op.method
        owner = self._owner(path)
        returns = op.model
        if method == "GET":
            if op.collection and returns is not None:
                return Plan(op, "list", self.of(returns))
            if owner is not None:
                return Plan(op, "get", owner)
            if returns is not None:  # a singleton such as GET /account
                return Plan(op, "get", self.of(returns))
        elif method == "DELETE" and owner is not None:
            return Plan(op, "delete", owner)
        elif method in ("PATCH", "PUT") and owner is not None:
            return Plan(op, "update", owner)
        elif method == "POST":
            if owner is not None:  # Mode updates a space with a POST to its own path
                return Plan(op, "update", owner)
            made = self._made_here(path) or (self.of(returns) if returns is not None else None)
            if made is not None:
                return Plan(op, "create", made)
        # anything else acts on the resource its path starts with (archive, purge ...)
        target = self._owner(path.rsplit("/", 1)[0]) or (
            self.of(returns) if returns is not None else _NOTHING
        )
        return Plan(op, "action", target)

    def _owner(self, path: str) -> Shape | None:
        """The model whose home is exactly ``path`` (placeholder names aside)."""
        pattern = _skeleton(path)
        found = [s for s in self.by_name.values() if s.home and _skeleton(s.home) == pattern]
        # A model documented there wins over one that only declares it as its location (the
        # Discovery report points at the REST report's path).
        return min(found, key=lambda s: s.located, default=None)

    def _made_here(self, path: str) -> Shape | None:
        """The model whose home is ``path`` plus one placeholder (a POST there creates one)."""
        for shape in self.by_name.values():
            if shape.home is not None and _skeleton(shape.home.rsplit("/", 1)[0]) == _skeleton(
                path
            ):
                return shape
        return None


def _shape(model: type[Resource[Any]], ops: list[Endpoint[Any]]) -> Shape:
    gets = [
        op.full_path
        for op in ops
        if op.method == "GET"
        and op.returns is model
        and not op.collection
        and op.full_path.endswith("}")
    ]
    if gets:  # the deepest path: /reports/{report}/queries/{query} over a shortcut
        return Shape(model, max(gets, key=lambda p: (len(placeholders(p)), p)), True)
    if model.location:
        return Shape(model, model.location, True, located=True)
    # No GET: a create's path plus the placeholder of a DELETE or PATCH below it.
    made = {op.full_path for op in ops if op.method == "POST" and op.returns is model}
    for op in ops:
        parent = op.full_path.rsplit("/", 1)[0]
        if op.method in ("DELETE", "PATCH", "PUT") and op.full_path.endswith("}"):
            if parent in made:
                return Shape(model, op.full_path, False)
    return Shape(model, None, False)


def _skeleton(path: str) -> str:
    return PLACEHOLDER.sub("{}", path)


_NOTHING = Shape(Resource, None, False)
