# mypy: allow-subclassing-any
# (where CI type-checks, Airflow is not installed: its base classes are Any there)
"""``ModeRunSensor``: done when a Mode report run has succeeded."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.exceptions import AirflowFailException  # type: ignore[import-not-found, unused-ignore]
from airflow.sdk import BaseSensorOperator  # type: ignore[import-not-found, unused-ignore]

from ._outcome import outcome
from .hooks import ModeHook
from .triggers import ModeRunTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context  # type: ignore[import-not-found, unused-ignore]


class ModeRunSensor(BaseSensorOperator):
    """Waits for run ``run`` of ``report`` to succeed; a failed or cancelled run fails the task
    (without retries: looking again cannot change how it ended).

    :param report: the report's token (templated).
    :param run: the run's token (templated), such as an operator's XCom.
    :param mode_conn_id: the Airflow connection to Mode.
    :param deferrable: wait in Airflow's triggerer instead of poking from a worker.

    ``poke_interval``, ``timeout`` and ``mode`` (``"reschedule"`` too) are the sensor's own.
    """

    template_fields: Sequence[str] = ("report", "run")

    def __init__(
        self,
        *,
        report: str,
        run: str,
        mode_conn_id: str = ModeHook.default_conn_name,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.report = report
        self.run = run
        self.mode_conn_id = mode_conn_id
        self.deferrable = deferrable

    def poke(self, context: Context) -> bool:
        with ModeHook(self.mode_conn_id).get_client() as client:
            found = client.report_runs.get(self.report, self.run)
        self.log.info("Mode run %s of report %s: %s", self.run, self.report, found.state)
        if found.state in found.failure_states:
            message = outcome(self.report, found, "failed", client.base_url)["message"]
            raise AirflowFailException(message)
        return found.state in found.success_states

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        if not self.poke(context):
            self.defer(
                trigger=ModeRunTrigger(
                    self.report,
                    self.run,
                    self.mode_conn_id,
                    float(self.poke_interval),
                    time.time() + float(self.timeout),
                ),
                method_name="execute_complete",
            )
        return None

    def execute_complete(self, context: Context, event: dict[str, Any]) -> None:
        if event.get("status") != "success":
            raise AirflowFailException(event.get("message") or f"Mode run ended: {event!r}")
