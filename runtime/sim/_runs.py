"""The run clock: starting runs, and what a run, a query run, a PDF export or a duplication is
doing now.

Nothing here is stored: a run's record holds when it was started (``facts["started"]``, in
sim-time), whether it is seeded to fail and whether someone cancelled it, and its state is read
off the clock. A run is ``enqueued`` for ``RUN_TAKES`` sim-seconds, then ``succeeded`` (or
``failed``): only states Mode documents (docs README item 14), so a poller that knows just
those sees every run reach its end.
"""

from __future__ import annotations

from typing import Any

from ._clock import derived_token
from ._store import Record, Store

RUN_TAKES = 3.0  # sim-seconds from a run's creation to its end
PDF_RENDER_FOR = 2.0  # sim-seconds a PDF export takes to render once requested
FINISHED_OK = ("succeeded", "completed")


def run_state(store: Store, run: Record) -> str:
    if run.facts.get("cancelled"):
        return "cancelled"
    if store.clock.now() - run.facts["started"] < RUN_TAKES:
        return "enqueued"
    return "failed" if run.facts.get("fails") else "succeeded"


def finished_at(store: Store, run: Record) -> float | None:
    """Sim-time the run ended, or None while it runs."""
    done: float = run.facts["started"] + RUN_TAKES
    return done if store.clock.now() >= done else None


def runs_of(store: Store, shape: str, parent: str, token: str) -> list[Record]:
    """The runs of a report or dataset, oldest first."""
    return sorted(store.children(shape, parent, token), key=lambda run: run.facts["started"])


def latest(store: Store, runs: list[Record]) -> tuple[Record | None, Record | None, bool]:
    """Of ``runs`` (oldest first): the newest, the newest that succeeded, and whether one
    failed after that success."""
    newest = runs[-1] if runs else None
    latest_ok = next((r for r in reversed(runs) if run_state(store, r) in FINISHED_OK), None)
    since = latest_ok.facts["started"] if latest_ok is not None else float("-inf")
    failed = any(run_state(store, r) == "failed" and r.facts["started"] > since for r in runs)
    return newest, latest_ok, failed


def export_state(store: Store, export: Record) -> str:
    """A PDF export is ``requested`` until it has rendered, then ``completed``."""
    done = store.clock.now() - export.facts["requested"] >= PDF_RENDER_FOR
    return "completed" if done else "requested"


def duplicate_state(store: Store, duplicate: Record) -> str:
    done = store.clock.now() - duplicate.facts["started"] >= RUN_TAKES
    return "succeeded" if done else "pending"


def start_run(
    store: Store,
    report: str,
    token: str,
    started: float,
    parameters: dict[str, Any],
    *,
    schedule: str | None = None,
    executed_by: str | None = None,
    fails: bool | None = None,
) -> Record:
    """A run of ``report`` started at sim-time ``started``, with a query run per query; it
    fails if the report is seeded to fail, unless ``fails`` says otherwise."""
    who = executed_by or store.me
    record = Record(
        "report_run",
        token,
        {"account": store.account, "report": report},
        {
            "token": token,
            # the run clock fills these in when the run is rendered (_documents): named here
            # so the document lists them in Mode's order
            "state": None,
            "parameters": parameters,
            "created_at": None,
            "updated_at": None,
            "completed_at": None,
            "python_state": "none",
            "form_fields": [],
            "pusher_channel_name": f"report-run-{token}",
        },
        facts={"started": started, "executed_by": who},
    )
    owner = store.get("report", report)
    record.facts["fails"] = bool(owner and owner.facts.get("fails")) if fails is None else fails
    record.facts["report_schedule"] = schedule  # None: started by hand (_links leaves it out)
    store.add(record)
    for query in store.children("query", "report", report):  # in the report's order
        query_run = derived_token(token, query.token)
        source = int(query.fields.get("data_source_id") or 0)
        store.add(
            Record(
                "query_run",
                query_run,
                {**record.scope, "run": token},
                {
                    "token": query_run,
                    "id": int(query_run[:7], 16),
                    "query_token": query.token,
                    "query_name": query.fields.get("name"),
                    "query_created_at": query.fields.get("created_at"),
                    "raw_source": query.fields.get("raw_query"),
                    "rendered_source": query.fields.get("raw_query"),
                    "statement_annotation": None,
                    "data_source_id": source,
                    "data_source_token": f"{source:012x}",
                    "limit": None,  # no row limit (spec/query_run.yaml: an integer when set)
                    "max_result_bytes": 1_000_000_000,
                    "help_url": None,
                    "dbt_metric_id": None,
                    "dbt_metric_token": None,
                },
                facts={"query": query.token, "executed_by": who, "creator": who},
            )
        )
    return record


def start_dataset_run(store: Store, dataset: str, token: str, started: float) -> Record:
    """A run of ``dataset`` started at sim-time ``started``."""
    return store.add(
        Record(
            "dataset_run",
            token,
            {"account": store.account, "dataset": dataset},
            {"token": token, "pusher_channel_name": f"dataset-run-{token}"},
            facts={"started": started, "executed_by": store.me, "creator": store.me},
        )
    )
