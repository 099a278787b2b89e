"""The handler of every operation without a hand-written one: get, list, create, update,
delete or act on records of the generic store, as the operation's ``Plan`` says.

Answers follow the ``Endpoint``: its documented status, its model's document or no body, a
REST page (``_embedded.<key>``, 30 a page) or a Discovery page (``<key>`` + ``pagination``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._handlers import (
    Handler,
    Reply,
    Request,
    bad_request,
    discovery_page,
    not_found,
    rest_collection,
)
from ._links import links
from ._shapes import Plan, Shape
from ._store import Record, Store
from ._values import body_values, plausible, value_problem


def store_of(request: Request) -> Store:
    store = request.store
    if store is None:
        raise RuntimeError("the simulator's world has no store")
    store.sync()
    return store


def document(store: Store, shape: Shape, record: Record) -> dict[str, Any]:
    """A record as Mode would send it: every documented field, then its links."""
    binding = store.bindings.get(shape.name)
    base = binding.render(store.world, record) if binding and binding.render else None
    doc: dict[str, Any] = dict(base or {})
    # A record the store made holds every field already; one the world holds (a binding's)
    # gets a plausible value for each documented field the world's document lacks.
    fields = shape.model.field_names
    if any(name not in doc and name not in record.fields for name in fields):
        for name, value in plausible(store.world, shape.model, record.token, 0).items():
            doc.setdefault(name, value)
    doc.update(record.fields)
    doc.setdefault("token", record.token)  # Mode's documents carry it, documented or not
    doc["_links"] = links(store, shape, record, doc.get("_links") or {})
    return doc


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
        return body_values(plan.op, request.body, creating=creating)
    except ValueError as problem:
        raise bad_request(str(problem)) from None


# -- what each kind of operation does --------------------------------------------------------


def get(store: Store, plan: Plan, request: Request) -> Reply:
    shape = plan.shape
    if shape.key is not None and shape.key in request.params:
        return answer(plan, document(store, shape, found(store, plan, request)))
    # a singleton such as GET /account: the one record of its scope
    records = store.matching(shape, request.params)
    if not records:
        raise not_found(shape.model.__name__)
    return answer(plan, document(store, shape, records[0]))


def list_(
    store: Store, plan: Plan, request: Request, keep: Callable[[Record], bool] | None = None
) -> Reply:
    """The records under the path's parents (only those ``keep`` accepts), a page at a time."""
    shape = plan.shape
    records = [r for r in store.matching(shape, request.params) if keep is None or keep(r)]
    key = plan.op.item_key or shape.model.plural or shape.name

    def render(_: object, record: Record) -> dict[str, Any]:
        return document(store, shape, record)

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
    fields = plausible(store.world, shape.model, token, len(store.records(shape)))
    # a resource just made holds nothing yet: no members, runs, views or queries
    fields.update({name: 0 for name, value in fields.items() if name.endswith("_count")})
    fields.update(values)
    record = store.add(Record(shape.name, token, scope, fields, joins))
    binding = store.bindings.get(shape.name)
    if binding is not None and binding.make is not None:
        binding.make(store.world, record)
    return answer(plan, document(store, shape, record)), record


def update(
    store: Store, plan: Plan, request: Request, values: dict[str, Any] | None = None
) -> Reply:
    record = found(store, plan, request)
    if values is None:
        values = values_of(plan, request, creating=False)
    record.fields.update(values)
    if "updated_at" in plan.shape.model.field_names:
        record.fields["updated_at"] = store.world.clock.timestamp(store.world.clock.now())
    binding = store.bindings.get(plan.shape.name)
    if binding is not None and binding.change is not None:
        binding.change(store.world, record, values)
    return answer(plan, document(store, plan.shape, record))


def delete(store: Store, plan: Plan, request: Request) -> tuple[Reply, Record]:
    record = found(store, plan, request)
    doc = document(store, plan.shape, record)  # Mode answers with what it deleted
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
            return answer(plan, document(store, shape, record))
    return answer(plan, None)


def generic_handler(plan: Plan) -> Handler:
    def handle(request: Request) -> Reply:
        store = store_of(request)
        check_params(store, plan, request)
        if plan.kind == "get":
            return get(store, plan, request)
        if plan.kind == "list":
            return list_(store, plan, request)
        if plan.kind == "create":
            return create(store, plan, request)[0]
        if plan.kind == "update":
            return update(store, plan, request)
        if plan.kind == "delete":
            return delete(store, plan, request)[0]
        return action(store, plan, request)

    return handle
