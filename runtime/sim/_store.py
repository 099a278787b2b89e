"""The simulator's one state: a table of records per model.

A record is a resource's token, its ``scope`` (the tokens of its parents, by the placeholder
names of its home path: ``{"account": ..., "report": ...}``), its documented field values
under their JSON keys, its ``joins`` (other path params it is listed under: the space holding
a report), and its ``facts``: what only the simulator knows about it (when a run was started
in sim-time, whether it is seeded to fail, which user created it). Documents are rendered from
records (``_documents``); what changes with time (a run's state) is derived from facts when a
document is rendered, never stored twice.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._clock import Clock, derived_token
from ._shapes import Shape, Shapes, fill

RESULTS_ROWS = 5  # rows per query result, unless a test asks for more


@dataclass
class Record:
    shape: str  # the model's resource_name
    token: str
    scope: dict[str, str]
    fields: dict[str, Any] = field(default_factory=dict)
    joins: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def ids(self, key: str | None) -> dict[str, str]:
        """Every path param this record fills: its parents', its joins' and its own. A join
        to "" says the record is listed under no such parent (a report with no queries is on
        no data source's listing)."""
        own = {key: self.token} if key else {}
        return {**{k: v for k, v in self.joins.items() if v}, **self.scope, **own}


class Store:
    """Every record of the workspace, and what they are measured against (the clock)."""

    def __init__(self, shapes: Shapes, *, account: str, clock: Clock, seed: int, me: str) -> None:
        self.shapes = shapes
        self.account = account
        self.clock = clock
        self.seed = seed
        self.me = me  # the user the API token belongs to: creator of what the API makes
        self.tables: dict[str, dict[str, Record]] = {name: {} for name in shapes.by_name}
        # handlers read and change the store one at a time (_server takes it per request)
        self.lock = threading.RLock()
        self.results_rows = RESULTS_ROWS
        self.results_rows_of: dict[str, int] = {}  # by report token
        self._made = 0
        # (model, parent param, parent token) -> records below it: a report's runs are read
        # on every render of the report, so they are not searched for among all runs
        self._below: dict[tuple[str, str, str], dict[str, Record]] = {}

    # -- records ----------------------------------------------------------------------------

    def shape(self, name: str) -> Shape:
        return self.shapes.by_name[name]

    def new_token(self, shape: Shape | str) -> str:
        """A token for a resource made through the API: derived from the seed and a counter,
        so two simulators with the same seed and the same requests make the same tokens."""
        self._made += 1
        name = shape if isinstance(shape, str) else shape.name
        return derived_token(str(self.seed), "made", name, str(self._made))

    def add(self, record: Record) -> Record:
        self.tables[record.shape][record.token] = record
        for param, token in record.scope.items():
            self._below.setdefault((record.shape, param, token), {})[record.token] = record
        return record

    def get(self, shape: str, token: str | None) -> Record | None:
        return self.tables[shape].get(token) if token is not None else None

    def records(self, shape: Shape | str) -> list[Record]:
        name = shape if isinstance(shape, str) else shape.name
        return list(self.tables.get(name, {}).values())

    def children(self, shape: str, parent: str, token: str) -> list[Record]:
        """The records of ``shape`` below the resource ``parent=token`` (a report's runs)."""
        return list(self._below.get((shape, parent, token), {}).values())

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
        see ``_seed.spread``, a record made later may not)."""
        return [r for r in self.records(shape) if _agrees({**r.joins, **r.ids(shape.key)}, params)]

    def path(self, record: Record) -> str | None:
        """The API path of ``record``: its model's home filled with its ids."""
        shape = self.shape(record.shape)
        if shape.home is None:
            return None
        return fill(shape.home, {"account": self.account, **record.ids(shape.key)})

    def remove(self, shape: Shape, record: Record) -> None:
        """Remove a record and, as Mode does, everything below it."""
        self.tables[shape.name].pop(record.token, None)
        for param, token in record.scope.items():
            self._below.get((shape.name, param, token), {}).pop(record.token, None)
        if shape.key is None:
            return
        ids = {**record.scope, shape.key: record.token}
        for other in self.shapes.shapes:
            if shape.key in other.parents:
                for child in self.children(other.name, shape.key, record.token):
                    if _agrees(child.scope, ids):
                        self.remove(other, child)

    def exists(self, param: str, params: dict[str, str]) -> bool | None:
        """Whether the resource a path param names is here; None if no model is keyed by it
        (a free-form param, which anything satisfies)."""
        if param == "account":  # the workspace, or a user (whose listings are empty)
            return params[param] in self.tables.get("account", {self.account: None})
        keyed = self.shapes.keyed_by(param)
        if not keyed:
            return None
        return any(self.find(shape, params) is not None for shape in keyed)

    def scopes(self, params: Iterable[str]) -> list[dict[str, str]]:
        """Every combination of existing resources that fills ``params`` (path order): the
        parents a new record could be seeded under."""
        names = list(params)
        below = [p for p in names if p != "account"]
        base = {"account": self.account} if "account" in names else {}
        if not below:
            return [base]
        last = below[-1]
        for shape in sorted(self.shapes.shapes, key=lambda s: s.located):
            if shape.key == last and set(shape.parents) | {last} >= set(names):
                found = [{**base, **r.ids(shape.key)} for r in self.records(shape)]
                if found:
                    return [{k: v for k, v in ids.items() if k in names} for ids in found]
        return []

    # -- results ------------------------------------------------------------------------------

    def rows_of(self, report: str) -> int:
        return self.results_rows_of.get(report, self.results_rows)


def _agrees(known: dict[str, str], params: dict[str, str]) -> bool:
    return all(known[name] == value for name, value in params.items() if name in known)
