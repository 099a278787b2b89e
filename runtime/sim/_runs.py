"""The run clock: what a run, a query run, a PDF export or a duplication is doing now.

Nothing here is stored: a run's record holds when it was started (``facts["started"]``, in
sim-time), whether it is seeded to fail and whether someone cancelled it, and its state is read
off the clock. A run is ``enqueued`` for ``RUN_TAKES`` sim-seconds, then ``succeeded`` (or
``failed``): only states Mode documents (docs README item 14), so a poller that knows just
those sees every run reach its end.
"""

from __future__ import annotations

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
