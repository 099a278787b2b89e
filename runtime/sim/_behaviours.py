"""Mode's behaviour beyond storing documents, one small function per operation name.

Each builds on the generic store (``_generic``): an archive is an update that sets
``archived``; an invite is a create that also adds a membership. An operation named here and
missing from the spec is simply never routed.
"""

from __future__ import annotations

from collections.abc import Callable

from . import _generic as generic
from ._handlers import Handler, Reply, Request, not_found, report_runs_create
from ._shapes import Plan
from ._store import Record, Store
from ._values import plausible

Behaviour = Callable[[Plan, Request, Store], Reply]


def _archive(flag: bool) -> Behaviour:
    def handle(plan: Plan, request: Request, store: Store) -> Reply:
        return generic.update(store, plan, request, values={"archived": flag})

    return handle


def purge_reports(plan: Plan, request: Request, store: Store) -> Reply:
    """Mode purges the results of every report run: the runs stay, marked as purged."""
    generic.values_of(plan, request, creating=True)
    now = store.world.clock.now()
    for run in store.world.runs.values():
        if run.kind == "report" and run.purged is None:
            run.purged = now
    return generic.answer(plan, None)


def refresh_report_runs(plan: Plan, request: Request, store: Store) -> Reply:
    """Refreshing a report's datasets starts a run of the report, as creating one does."""
    generic.values_of(plan, request, creating=True)
    return report_runs_create(request)


def bulk_delete_schedules(plan: Plan, request: Request, store: Store) -> Reply:
    """Delete the schedule ``schedule`` of the report ``report`` (both query params: the
    spec's reading of bulkDeleteReportSchedule, spec/report_schedule.yaml)."""
    report, schedule = request.query["report"], request.query["schedule"]
    if report not in store.world.reports:
        raise not_found("Report")
    shape = store.shapes.by_name["report_schedule"]
    ids = {"account": store.world.account, "report": report, "schedule": schedule}
    record = store.find(shape, ids)
    if record is None:
        raise not_found("ReportSchedule")
    store.remove(shape, record)
    return generic.answer(plan, None)


def list_definitions(plan: Plan, request: Request, store: Store) -> Reply:
    """``filter=by_tokens`` keeps only the definitions named in ``tokens`` (listDefinitions)."""
    if request.query.get("filter") != "by_tokens":
        return generic.list_(store, plan, request)
    wanted = set(request.query.get("tokens", "").split(","))
    return generic.list_(store, plan, request, keep=lambda record: record.token in wanted)


def _subscription_write(creating: bool) -> Behaviour:
    """A subscription's body names its settings without the ``_enabled`` its fields carry
    (``csv_attachments`` sets ``csv_attachments_enabled``; spec/subscription.yaml)."""

    def handle(plan: Plan, request: Request, store: Store) -> Reply:
        fields = plan.shape.model.field_types
        values = {
            f"{key}_enabled" if f"{key}_enabled" in fields else key: value
            for key, value in generic.values_of(plan, request, creating=creating).items()
        }
        if creating:
            return generic.create(store, plan, request, values=values)[0]
        return generic.update(store, plan, request, values=values)

    return handle


def create_invite(plan: Plan, request: Request, store: Store) -> Reply:
    """An invite makes the invitee a member of the account (an invited membership)."""
    reply, invite = generic.create(store, plan, request)
    membership = store.shapes.by_name.get("membership")
    if membership is not None:
        fields = plausible(store.world, membership.model, invite.token, 0)
        fields.update({k: v for k, v in invite.fields.items() if k in fields and k != "token"})
        if "state" in fields:
            fields["state"] = "invited"
        scope = {"account": store.world.account} if "account" in membership.parents else {}
        store.add(Record(membership.name, store.new_token(membership), scope, fields))
    return reply


def _recount(store: Store, plan: Plan, record: Record) -> None:
    """A group's or space's member count follows its memberships."""
    shape = plan.shape
    if not shape.parents:
        return
    parent_key = shape.parents[-1]
    parent = next(iter(store.shapes.keyed_by(parent_key)), None)
    owner = store.find(parent, record.scope) if parent is not None else None
    if parent is None or owner is None:
        return
    count = len(store.matching(shape, {parent_key: owner.token}))
    for name in parent.model.field_names:
        if "count" in name and "member" in name:
            owner.fields[name] = count


def create_membership(plan: Plan, request: Request, store: Store) -> Reply:
    reply, record = generic.create(store, plan, request)
    _recount(store, plan, record)
    return reply


def delete_membership(plan: Plan, request: Request, store: Store) -> Reply:
    reply, record = generic.delete(store, plan, request)
    _recount(store, plan, record)
    return reply


BEHAVIOURS: dict[str, Behaviour] = {
    "reports.archive": _archive(True),
    "reports.unarchive": _archive(False),
    "reports.purge": purge_reports,
    "report_runs.refresh": refresh_report_runs,
    "report_schedules.bulk_delete": bulk_delete_schedules,
    "definitions.list": list_definitions,
    "subscriptions.create": _subscription_write(creating=True),
    "subscriptions.update": _subscription_write(creating=False),
    "invites.create": create_invite,
    "group_memberships.create": create_membership,
    "group_memberships.delete": delete_membership,
    "space_memberships.create": create_membership,
    "space_memberships.delete": delete_membership,
}


def behaviour_handler(plan: Plan, behaviour: Behaviour) -> Handler:
    def handle(request: Request) -> Reply:
        store = generic.store_of(request)
        generic.check_params(store, plan, request)
        return behaviour(plan, request, store)

    return handle
