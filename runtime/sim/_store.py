"""The generic store: one table of records per model, for every operation without a handler.

A record is a resource's token, its ``scope`` (the tokens of its parents, by the placeholder
names of its home path: ``{"account": ..., "report": ...}``), its field values, and its
``joins``: other path params it is listed under (the space holding a report). Models the
world already holds (reports, datasets, queries, schedules, runs) are ``Binding``s: their
records mirror the world (``sync``), their documents are the world's own, and a change to one
is a change to the world, so runs, results and the generic routes agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ._shapes import Shape, Shapes
from ._world import World, derived_token


@dataclass
class Record:
    shape: str  # the model's resource_name
    token: str
    scope: dict[str, str]
    fields: dict[str, Any] = field(default_factory=dict)
    joins: dict[str, str] = field(default_factory=dict)

    def ids(self, key: str | None) -> dict[str, str]:
        """Every path param this record fills: its parents', its joins' and its own."""
        own = {key: self.token} if key else {}
        return {**self.joins, **self.scope, **own}


@dataclass(frozen=True)
class Binding:
    """A model the world holds. ``items`` lists ``(parent tokens below the account, token,
    joins)``; the others, when set, render the world's document or change the world."""

    items: Callable[[World], Iterable[tuple[tuple[str, ...], str, dict[str, str]]]]
    render: Callable[[World, Record], dict[str, Any] | None] | None = None
    make: Callable[[World, Record], None] | None = None
    change: Callable[[World, Record, dict[str, Any]], None] | None = None
    remove: Callable[[World, Record], None] | None = None


class Store:
    def __init__(self, world: World, shapes: Shapes, bindings: dict[str, Binding]) -> None:
        self.world = world
        self.shapes = shapes
        self.bindings = {name: b for name, b in bindings.items() if name in shapes.by_name}
        self.tables: dict[str, dict[str, Record]] = {name: {} for name in shapes.by_name}
        self._made = 0

    # -- the world's models ---------------------------------------------------------------

    def sync(self) -> None:
        """Mirror the world's resources: new ones (a clone, a run) appear, removed ones go,
        values set through the store stay."""
        for name, binding in self.bindings.items():
            shape = self.shapes.by_name[name]
            below = [p for p in shape.parents if p != "account"]
            table = self.tables[name]
            seen: dict[str, Record] = {}
            for parents, token, joins in binding.items(self.world):
                if len(parents) != len(below):  # the spec names a different nesting
                    break
                record = table.get(token)
                if record is None:
                    scope = {"account": self.world.account} if "account" in shape.parents else {}
                    scope.update(zip(below, parents))
                    record = Record(name, token, scope, joins=dict(joins))
                seen[token] = record
            self.tables[name] = seen

    # -- records ----------------------------------------------------------------------------

    def new_token(self, shape: Shape) -> str:
        # Not the world's random source: a created record must not shift the tokens of the
        # runs made after it.
        self._made += 1
        return derived_token(str(self.world.seed), "made", shape.name, str(self._made))

    def add(self, record: Record) -> Record:
        self.tables[record.shape][record.token] = record
        return record

    def records(self, shape: Shape) -> list[Record]:
        return list(self.tables.get(shape.name, {}).values())

    def find(self, shape: Shape, params: dict[str, str]) -> Record | None:
        """The record a path names: its token under ``shape.key``, its parents matching."""
        if shape.key is None or shape.key not in params:
            return None
        record = self.tables.get(shape.name, {}).get(params[shape.key])
        if record is None or not _agrees(record.scope, params):
            return None
        return record

    def matching(self, shape: Shape, params: dict[str, str]) -> list[Record]:
        """Records listed under ``params``: each param the record knows must agree (one it
        does not know does not narrow the list; seeded records know one of each such parent,
        see ``_seed._spread``, a record made later may not)."""
        return [r for r in self.records(shape) if _agrees(r.ids(shape.key), params)]

    def remove(self, shape: Shape, record: Record) -> None:
        """Remove a record and, as Mode does, everything below it."""
        binding = self.bindings.get(shape.name)
        if binding is not None and binding.remove is not None:
            binding.remove(self.world, record)
        self.tables[shape.name].pop(record.token, None)
        if shape.key is None:
            return
        ids = {**record.scope, shape.key: record.token}
        for other in self.shapes.shapes:
            if shape.key in other.parents:
                for child in self.records(other):
                    if child.scope.get(shape.key) == record.token and _agrees(child.scope, ids):
                        self.remove(other, child)

    def exists(self, param: str, params: dict[str, str]) -> bool | None:
        """Whether the resource a path param names is here; None if no model is keyed by it
        (a free-form param, which anything satisfies)."""
        if param == "account":
            return params[param] == self.world.account
        keyed = self.shapes.keyed_by(param)
        if not keyed:
            return None
        return any(self.find(shape, params) is not None for shape in keyed)

    def scopes(self, params: Iterable[str]) -> list[dict[str, str]]:
        """Every combination of existing resources that fills ``params`` (path order): the
        parents a new record could be seeded under."""
        names = list(params)
        below = [p for p in names if p != "account"]
        base = {"account": self.world.account} if "account" in names else {}
        if not below:
            return [base]
        last = below[-1]
        for shape in sorted(self.shapes.shapes, key=lambda s: s.located):
            if shape.key == last and set(shape.parents) | {last} >= set(names):
                found = [{**base, **r.ids(shape.key)} for r in self.records(shape)]
                if found:
                    return [{k: v for k, v in ids.items() if k in names} for ids in found]
        return []


def _agrees(known: dict[str, str], params: dict[str, str]) -> bool:
    return all(known[name] == value for name, value in params.items() if name in known)
