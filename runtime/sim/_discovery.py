"""The Discovery API's listings: the workspace's own records, seen through ``/batch``.

Nothing is stored twice: a Discovery report is the report record rendered in the Discovery
API's flat shape (no ``_links`` of HAL's, the space's id beside its token, the creator's
email), a Discovery query the query record, and so on, so the listings always agree with
each other and with the REST API.
"""

from __future__ import annotations

from typing import Any

from ._documents import document, run_summary
from ._runs import run_state, runs_of
from ._store import Record, Store


def _space(store: Store, token: str | None) -> Record | None:
    return store.get("space", token)


def _email(store: Store, record: Record) -> str | None:
    user = store.get("account", record.facts.get("creator"))
    return user.fields.get("email") if user is not None else None


def _picked(doc: dict[str, Any], model_fields: Any) -> dict[str, Any]:
    return {key: doc[key] for key in model_fields if key in doc}


def report(store: Store, record: Record) -> dict[str, Any]:
    # Not the REST document, whose 30 links a page of 1000 reports does not need: the fields
    # the two share are seeded in every report record, the rest is computed here.
    fields = record.fields
    last, summary = run_summary(store, runs_of(store, "report_run", "report", record.token))
    space = _space(store, record.joins.get("space"))
    path = store.path(record)
    return {
        **_picked(fields, store.shape("discovery_report").model.field_names),
        "last_successfully_run_at": summary["last_successfully_run_at"],
        "last_viewed_at": record.facts.get("viewed"),
        "last_run_at": summary["last_run_at"],
        "last_run_token": last.token if last else None,
        "last_run_state": run_state(store, last) if last else None,
        "creator_email": _email(store, record),
        "space_id": space.fields.get("id") if space else None,
        "space_token": record.joins.get("space"),
        "report_url": path,
        "_links": {"self": {"href": path}},
    }


def report_stat(store: Store, record: Record) -> dict[str, Any]:
    doc = document(store, record)
    schedules = store.children("report_schedule", "report", record.token)
    runs = runs_of(store, "report_run", "report", record.token)
    people = {run.facts.get("executed_by") for run in runs if not run.facts.get("report_schedule")}
    emails = [
        user.fields.get("email")
        for user in (store.get("account", name) for name in sorted(filter(None, people)))
        if user is not None
    ]
    return {
        "report_token": record.token,
        "report_id": doc.get("id"),
        "active_schedules_count": len(schedules),
        "explorations_count": 0,
        "view_count": doc.get("view_count") or 0,
        "recent_manual_run_creators_emails": emails,
        "scheduled_run_creators_emails": [_email(store, s) for s in schedules][:1],
        "editors_emails": [_email(store, record)],
    }


def space(store: Store, record: Record) -> dict[str, Any]:
    doc = document(store, record)
    return {
        "id": doc.get("id"),
        "token": record.token,
        "name": doc.get("name"),
        "description": doc.get("description"),
        "space_type": doc.get("space_type"),
        "default_access": doc.get("default_access_level"),
        "space_url": f"/{store.account}/spaces/{record.token}",
    }


def query(store: Store, record: Record) -> dict[str, Any]:
    doc = document(store, record)
    owner = store.get("report", record.scope.get("report"))
    space = _space(store, owner.joins.get("space") if owner else None)
    source = doc.get("data_source_id")
    return {
        "id": doc.get("id"),
        "token": record.token,
        "name": doc.get("name"),
        "raw_query": doc.get("raw_query"),
        "creator_email": _email(store, record),
        "data_source_token": f"{source:012x}" if isinstance(source, int) else None,
        "report_id": owner.fields.get("id") if owner else None,
        "report_token": record.scope.get("report"),
        "space_id": space.fields.get("id") if space else None,
        "space_token": space.token if space else None,
    }


def chart(store: Store, record: Record) -> dict[str, Any]:
    owner = store.get("report", record.scope.get("report"))
    query_record = store.get("query", record.scope.get("query"))
    space = _space(store, owner.joins.get("space") if owner else None)
    return {
        "id": int(record.token[:7], 16),
        "token": record.token,
        "chart_type": "line",
        "chart_title": query_record.fields.get("name") if query_record else None,
        "query_id": query_record.fields.get("id") if query_record else None,
        "query_token": record.scope.get("query"),
        "report_id": owner.fields.get("id") if owner else None,
        "report_token": record.scope.get("report"),
        "space_id": space.fields.get("id") if space else None,
        "space_token": space.token if space else None,
        "report_creator_email": _email(store, owner) if owner else None,
        "exploration_url": f"/{store.account}/reports/{record.scope.get('report')}/viz/{record.token}",
    }


def member(store: Store, record: Record) -> dict[str, Any]:
    doc = document(store, record)
    user = store.get("account", record.facts.get("user"))
    return {
        "token": record.token,
        "id": user.fields.get("id") if user else None,
        "state": doc.get("state"),
        "member_email": user.fields.get("email") if user else None,
        "member_token": doc.get("member_token"),
        "member_username": doc.get("member_username"),
        "banned_at": None,
        "activated_at": doc.get("activated_at"),
        "last_report_created_at": None,
        "last_report_viewed_at": None,
        "last_report_run_at": None,
        "total_days_engaged": 0,
        "last_exploration_created_at": None,
        "last_exploration_updated_at": None,
    }
