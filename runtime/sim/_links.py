"""The ``_links`` of a store document, from the catalog alone.

A rel leads into the API only where the simulator would answer it: its target model has a GET
whose path params this resource (its parents, joins and own token) fills, and, for one
resource, that resource is in the store. Every other rel is a web page on Mode's site, outside
``/api`` and ``/batch``, as Mode's own ``web_*`` links are.
"""

from __future__ import annotations

from typing import Any

from ._shapes import Shape, fill
from ._store import Record, Store


def links(store: Store, shape: Shape, record: Record, present: dict[str, Any]) -> dict[str, Any]:
    """``present`` (a bound document's own links) plus every documented rel it lacks."""
    found = dict(present)
    ids = {"account": store.world.account, **record.ids(shape.key)}
    for rel in ("self", *store.shapes.rels(shape.model)):
        if rel not in found:
            path = _api_path(store, shape, ids, rel)
            found[rel] = {"href": path or web_path(store, shape, record, rel)}
    return found


def web_path(store: Store, shape: Shape, record: Record, rel: str) -> str:
    where = f"/{store.world.account}/{shape.model.plural or shape.name}/{record.token}"
    return where if rel == "self" else f"{where}/{rel}"


def _api_path(store: Store, shape: Shape, ids: dict[str, str], rel: str) -> str | None:
    if rel == "self":
        return fill(shape.home, ids) if shape.gettable and shape.home else None
    target = store.shapes.catalog.link_target(shape.model, rel)
    if target is None:
        return None
    model, many = target
    if many:
        for op in store.shapes.list_paths(model):
            path = fill(op.full_path, ids)
            if path is not None:
                return path
        return None
    other = store.shapes.of(model)
    if not other.gettable or other.home is None:
        return None
    path = fill(other.home, ids)
    if path is None or store.find(other, ids) is None:
        return None
    return path
