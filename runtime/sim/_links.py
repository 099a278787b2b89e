"""The ``_links`` of a document, from the catalog alone.

A rel leads into the API only where the simulator would answer it: its target model has a GET
whose path params this resource (its parents, joins and own token) fills, and, for one
resource, that resource is in the store. A fact named after the rel names the target when
the resource's own ids do not (``facts["creator"] = "albus_dumbledore"``: the creator's account;
``facts["report_schedule"]``: the schedule a run was started by, None for a run started by
hand, which then has no such link); any other rel naming one resource the record has none of
(the last run of a report never run) is a HAL template of that resource's path, since Mode's
file requires such rels. Every other rel is a web page on Mode's site, outside ``/api`` and ``/batch``, as
Mode's own ``web_*`` links are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._shapes import Shape, Shapes, fill, template
from ._store import Record, Store


@dataclass(frozen=True)
class _Rel:
    """What the catalog says of one rel of a model, read once per model."""

    name: str
    lists: tuple[str, ...] = ()  # a collection: the paths of the GETs listing its target
    target: Shape | None = None  # one resource of a model with a GET


def links(store: Store, shape: Shape, record: Record, present: dict[str, Any]) -> dict[str, Any]:
    """``present`` (links the document's own rules made; a rel mapped to None is left out)
    plus every documented rel it lacks."""
    found = {rel: link for rel, link in present.items() if link is not None}
    ids = {"account": store.account, **record.ids(shape.key)}
    for rel in _rels(store.shapes, shape):
        if rel.name in present:
            continue
        path: str | None = None
        if rel.name == "self":
            path = fill(shape.home, ids) if shape.gettable and shape.home else None
        elif rel.lists:
            path = next(filter(None, (fill(p, ids) for p in rel.lists)), None)
        elif rel.target is not None:
            other, key = rel.target, str(rel.target.key)
            named = record.facts.get(rel.name, "")
            if named is None:
                continue  # the record says it has none (a run no schedule started): no link
            if named:
                where = {**ids, key: named}
            elif key in ids:
                where = ids
            else:
                # One resource the record names none of (a report's last run before it ever
                # ran): Mode's file still requires the rel, so it is the target's path as a
                # HAL template of the token it lacks.
                found[rel.name] = {"href": template(str(other.home), ids), "templated": True}
                continue
            path = fill(str(other.home), where)
            if path is not None and store.find(other, where) is None:
                path = None
        found[rel.name] = {"href": path or web_path(store, shape, record, rel.name)}
    return found


def web_path(store: Store, shape: Shape, record: Record, rel: str) -> str:
    where = f"/{store.account}/{shape.model.plural or shape.name}/{record.token}"
    return where if rel == "self" else f"{where}/{rel}"


def _rels(shapes: Shapes, shape: Shape) -> tuple[_Rel, ...]:
    key = ("links", shape.name)
    if key not in shapes.derived:
        shapes.derived[key] = _read_rels(shapes, shape)
    rels: tuple[_Rel, ...] = shapes.derived[key]
    return rels


def _read_rels(shapes: Shapes, shape: Shape) -> tuple[_Rel, ...]:
    found = [_Rel("self")]
    for name in shapes.rels(shape.model):
        if name == "self":
            continue
        target = shapes.catalog.link_target(shape.model, name)
        if target is None:
            found.append(_Rel(name))
        elif target[1]:
            # the most specific listing the record fills: a schedule's subscriptions before
            # its report's
            paths = sorted((op.full_path for op in shapes.list_paths(target[0])), key=len)
            found.append(_Rel(name, lists=tuple(reversed(paths))))
        else:
            other = shapes.of(target[0])
            gettable = other.gettable and other.home is not None and other.key is not None
            found.append(_Rel(name, target=other if gettable else None))
    return tuple(found)
