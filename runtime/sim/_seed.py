"""Seed the generic store: a few resources of every model a generic operation serves, under
the seeded world's reports, datasets and account, so every group has something to list.

Parents come before children (fewer placeholders first), so a chart is seeded under the
queries of the seeded reports. Tokens are derived from the seed, never drawn from the world's
random source: the world's own tokens stay what they were before the store existed.
"""

from __future__ import annotations

from ._bindings import BINDINGS, KNOWN_TOKENS
from ._shapes import Plan, Shape, Shapes, placeholders
from ._store import Record, Store
from ._values import plausible
from ._world import World, derived_token

PER_SCOPE = 2  # resources seeded under each parent
SCOPES = 3  # parents each model is seeded under, at most


def seed_store(world: World, shapes: Shapes, generic: set[str]) -> Store:
    """The store of ``world``; ``generic`` names the operations it serves."""
    store = Store(world, shapes, BINDINGS)
    store.sync()
    plans = [shapes.plans[name] for name in sorted(generic)]
    served = {plan.shape.name for plan in plans}
    # what a link may lead to is seeded too, so a link into the API resolves
    order = sorted(
        (shapes.by_name[name] for name in served if name in shapes.by_name),
        key=lambda s: (s.home is None, len(s.parents), s.name),
    )
    for shape in order:
        if shape.name not in store.bindings:
            _seed_model(store, shape, [p for p in plans if p.shape is shape])
    for plan in plans:
        if plan.kind == "list":
            _spread(store, plan)
    return store


def _seed_model(store: Store, shape: Shape, plans: list[Plan]) -> None:
    world = store.world
    if shape.home is not None:
        params = list(shape.parents)
    else:  # scoped like the operation listing (or making) it
        params = placeholders(plans[0].op.full_path) if plans else ["account"]
    tokens_of = KNOWN_TOKENS.get(shape.name)
    known = tokens_of(world) if tokens_of is not None else []
    mirror = _mirror(store, shape)
    scopes = store.scopes(params)[:SCOPES]
    joins = _joins(store, shape, plans, params)
    index = 0
    for scope in scopes:
        for number in range(PER_SCOPE):
            if mirror:
                if index >= len(mirror):
                    return
                token, shared = mirror[index].token, mirror[index].fields
            else:
                token = known[index] if index < len(known) else _token(world, shape, scope, number)
                shared = {}
            fields = plausible(world, shape.model, token, index)
            fields.update({k: v for k, v in shared.items() if k in fields})
            fits = [j for j in joins if all(scope.get(k, v) == v for k, v in j.items())]
            join = fits[number % len(fits)] if fits else {}
            join = {k: v for k, v in join.items() if k not in scope}
            store.add(Record(shape.name, token, dict(scope), fields, dict(join)))
            index += 1


def _token(world: World, shape: Shape, scope: dict[str, str], number: int) -> str:
    return derived_token(str(world.seed), shape.name, *sorted(scope.values()), str(number))


def _mirror(store: Store, shape: Shape) -> list[Record]:
    """A Discovery item (no home of its own) lists the REST resources of the same plural:
    the same tokens, the shared fields alike."""
    if shape.home is not None or not shape.model.plural:
        return []
    for other in store.shapes.shapes:
        if other is not shape and other.home and other.model.plural == shape.model.plural:
            records = store.records(other)
            if records:
                return records
    return []


def _joins(
    store: Store, shape: Shape, plans: list[Plan], params: list[str]
) -> list[dict[str, str]]:
    """Other parents a model is listed under (the schedule of a report's subscriptions): each
    seeded record joins one of them, in turn."""
    found: list[dict[str, str]] = []
    for plan in plans:
        if plan.kind != "list":
            continue
        names = placeholders(plan.op.full_path)
        extra = [n for n in names if n not in params and n != shape.key]
        if extra:  # kept whole, so a join is picked that agrees with the record's parents
            found.extend(store.scopes(names))
    return found


def _spread(store: Store, plan: Plan) -> None:
    """A listing by a parent its records know nothing about (the datasets of a data source)
    would list every record: each such record joins one of those parents in turn instead,
    so each listing holds some of them, not all."""
    shape = plan.shape
    for param in placeholders(plan.op.full_path):
        if param == "account" or param == shape.key or param in shape.parents:
            continue
        records = [r for r in store.records(shape) if param not in r.ids(shape.key)]
        parents = list(dict.fromkeys(ids[param] for ids in store.scopes(["account", param])))
        for index, record in enumerate(records if parents else []):
            record.joins[param] = parents[index % len(parents)]
