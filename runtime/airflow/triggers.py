# mypy: allow-subclassing-any
# (where CI type-checks, Airflow is not installed: its base classes are Any there)
"""``ModeRunTrigger``: waits for a report run in Airflow's triggerer, holding no worker slot.

It serializes to plain data (the report, the run, the connection's id, the polling interval
and an absolute deadline): no client and no credential is stored in Airflow's database; the
trigger reads the connection itself when it runs, with the async client.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent  # type: ignore[import-not-found, unused-ignore]

from .._errors import ModeError, RunFailed, Timeout
from ._outcome import outcome
from .hooks import ModeHook


class ModeRunTrigger(BaseTrigger):
    """Polls run ``run`` of ``report`` until it ends, then fires one event.

    The event's ``status`` is ``success``, ``failed`` (failed or cancelled), ``timeout``
    (``deadline``, seconds since the epoch, passed first) or ``error`` (Mode could not be
    asked), with the run's ``state``, ``url`` and a ``message``.
    """

    def __init__(
        self,
        report: str,
        run: str,
        mode_conn_id: str = ModeHook.default_conn_name,
        poll_interval: float = 10.0,
        deadline: float | None = None,
    ) -> None:
        super().__init__()
        self.report = report
        self.run_token = run
        self.mode_conn_id = mode_conn_id
        self.poll_interval = poll_interval
        self.deadline = deadline

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "report": self.report,
                "run": self.run_token,
                "mode_conn_id": self.mode_conn_id,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        base = {"report": self.report, "run": self.run_token}
        base_url = ""
        try:
            client = await ModeHook(self.mode_conn_id).aget_async_client()
            base_url = client.base_url
            async with client:
                run = await client.report_runs.get(self.report, self.run_token)
                left = None if self.deadline is None else max(self.deadline - time.time(), 0.0)
                run = await run.wait(
                    timeout=left,
                    poll_interval=self.poll_interval,
                    max_interval=self.poll_interval,
                )
        except RunFailed as failed:
            yield TriggerEvent(outcome(self.report, failed.run, "failed", base_url))
        except Timeout as timeout:
            message = f"Mode report {self.report}: run {self.run_token} did not end in time"
            yield TriggerEvent({**base, "status": "timeout", "message": f"{message}: {timeout}"})
        except ModeError as error:
            yield TriggerEvent({**base, "status": "error", "message": str(error)})
        else:
            yield TriggerEvent(outcome(self.report, run, "success", base_url))
