"""How a finished run reads to Airflow: one message and one event shape for the operator, the
sensor and the trigger (imports nothing of Airflow's)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin


def run_url(run: Any, base_url: str) -> str | None:
    """Where a person sees the run: its web page when Mode links one, else its API URL."""
    links = run.links
    for rel in ("web_external_url", "web", "self"):
        if rel in links:
            return urljoin(base_url, str(links[rel].href))
    return None


def outcome(report: str, run: Any, status: str, base_url: str) -> dict[str, Any]:
    """A trigger event's payload (plain data: it is stored in Airflow's database)."""
    state = run.data.get("state")
    url = run_url(run, base_url)
    message = f"Mode report {report}: run {run.data.get('token')} ended {state}"
    return {
        "status": status,
        "report": report,
        "run": run.data.get("token"),
        "state": state,
        "url": url,
        "message": message + (f" ({url})" if url else ""),
    }
