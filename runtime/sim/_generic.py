"""What an operation does when no behaviour says more: get, list, create, update, delete or
act on records of the store, as the operation's ``Plan`` says.

Answers follow the ``Endpoint``: its documented status, its model's document or no body, a
REST page (``_embedded.<key>``, 30 a page) or a Discovery page (``<key>`` + ``pagination``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._documents import document
from ._replies import Reply, Request, bad_request, discovery_page, not_found, rest_collection
from ._shapes import Plan
from ._store import Record, Store
from ._values import body_values, plausible, value_problem


def answer(plan: Plan, doc: dict[str, Any] | None) -> Reply:
    if plan.op.model is not None and doc is not None:
        return Reply(plan.op.status, doc)
    return Reply(plan.op.status)


# -- checks ---------------------------------------------------------------------------------


def check_params(store: Store, plan: Plan, request: Request) -> None:
    """404 for a path naming a parent that is not here; 400 for a query value out of spec."""
    for param in plan.op.params:
        if param.location == "path" and param.name in request.params:
            if store.exists(param.name, request.params) is False:
                owner = next(iter(store.shapes.keyed_by(param.name)), None)
                raise not_found(owner.model.__name__ if owner else "Account")
        elif param.location == "query":
            if plan.op.api.name == "discovery" and param.name in ("page", "per_page"):
                # discovery_page checks these: per_page up to 1000, which Mode's own next_page
                # hrefs send though its docs say "less than 1000"
                continue
            raw = request.query.get(param.name)
            if raw is None:
                if param.required:
                    raise bad_request(f"{param.name} is required")
                continue
            value: Any = raw
            if param.type == "integer":
                try:
                    value = int(raw)
                except ValueError:
                    raise bad_request(f"{param.name} must be an integer, got {raw!r}") from None
            elif param.type == "boolean":
                value = {"true": True, "false": False}.get(raw, raw)
            problem = value_problem(param, value)
            if problem:
                raise bad_request(f"{param.name} {problem}")


def found(store: Store, plan: Plan, request: Request) -> Record:
    record = store.find(plan.shape, request.params)
    if record is None:
        raise not_found(plan.shape.model.__name__)
    return record


def values_of(plan: Plan, request: Request, *, creating: bool) -> dict[str, Any]:
    try:
        fields = plan.shape.model.field_types if plan.kind in ("create", "update") else None
        return body_values(plan.op, request.body, creating=creating, fields=fields)
    except ValueError as problem:
        raise bad_request(str(problem)) from None


# -- what each kind of operation does --------------------------------------------------------


def get(store: Store, plan: Plan, request: Request) -> Reply:
    shape = plan.shape
    if shape.key is not None and shape.key in request.params:
        return answer(plan, document(store, found(store, plan, request)))
    # a singleton: the one record of its scope
    records = store.matching(shape, request.params)
    if not records:
        raise not_found(shape.model.__name__)
    return answer(plan, document(store, records[0]))


def list_(
    store: Store, plan: Plan, request: Request, keep: Callable[[Record], bool] | None = None
) -> Reply:
    """The records under the path's parents (only those ``keep`` accepts), a page at a time."""
    shape = plan.shape
    records = [r for r in store.matching(shape, request.params) if keep is None or keep(r)]
    key = plan.op.item_key or shape.model.plural or shape.name

    def render(record: Record) -> dict[str, Any]:
        return document(store, record)

    if plan.op.api.name == "discovery":
        return discovery_page(request, key, records, render)
    return rest_collection(request, key, records, render)


def create(
    store: Store, plan: Plan, request: Request, values: dict[str, Any] | None = None
) -> tuple[Reply, Record]:
    shape = plan.shape
    if values is None:
        values = values_of(plan, request, creating=True)
    path_params = {p.name: request.params[p.name] for p in plan.op.params if p.location == "path"}
    scoped = shape.parents if shape.home else tuple(path_params)
    scope = {name: path_params[name] for name in scoped if name in path_params}
    joins = {name: value for name, value in path_params.items() if name not in scope}
    token = store.new_token(shape)
    fields = plausible(store, shape.model, token, len(store.records(shape)))
    # a resource just made holds nothing yet: no members, runs, views or queries
    fields.update({name: 0 for name, value in fields.items() if name.endswith("_count")})
    now = store.clock.timestamp(store.clock.now())
    fields.update({name: now for name in ("created_at", "updated_at") if name in fields})
    fields.update(values)
    record = store.add(Record(shape.name, token, scope, fields, joins, {"creator": store.me}))
    return answer(plan, document(store, record)), record


def update(
    store: Store, plan: Plan, request: Request, values: dict[str, Any] | None = None
) -> Reply:
    record = found(store, plan, request)
    if values is None:
        values = values_of(plan, request, creating=False)
    record.fields.update(values)
    if "updated_at" in plan.shape.model.field_types:
        record.fields["updated_at"] = store.clock.timestamp(store.clock.now())
    return answer(plan, document(store, record))


def delete(store: Store, plan: Plan, request: Request) -> tuple[Reply, Record]:
    record = found(store, plan, request)
    doc = document(store, record)  # Mode answers with what it deleted
    store.remove(plan.shape, record)
    return answer(plan, doc), record


def action(store: Store, plan: Plan, request: Request) -> Reply:
    """An operation on a resource (or on all of them) with no effect the spec describes:
    the resource must exist and the body must fit; the answer is the resource or nothing."""
    values_of(plan, request, creating=True)
    shape = plan.shape
    if shape.key is not None and shape.key in request.params:
        record = found(store, plan, request)
        if plan.op.returns is shape.model:
            return answer(plan, document(store, record))
    return answer(plan, None)


KINDS: dict[str, Callable[[Store, Plan, Request], Reply]] = {
    "get": get,
    "list": list_,
    "create": lambda store, plan, request: create(store, plan, request)[0],
    "update": update,
    "delete": lambda store, plan, request: delete(store, plan, request)[0],
    "action": action,
}
