# mypy: allow-subclassing-any
# (where CI type-checks, Airflow is not installed: its base classes are Any there)
"""``ModeRunReportOperator``: run a Mode report, wait for it, and save its results.

A retried task does not start a second run when the first one can still do: on a retry it
first looks among the report's runs for one started since its DAG run began, with the same
parameters, that has not failed or been cancelled, and waits for that one instead.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from airflow.exceptions import AirflowException  # type: ignore[import-not-found, unused-ignore]
from airflow.sdk import BaseOperator  # type: ignore[import-not-found, unused-ignore]

from .._errors import RunFailed
from ._outcome import outcome
from .hooks import ModeHook
from .triggers import ModeRunTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context  # type: ignore[import-not-found, unused-ignore]

    from ..api import Client, ReportRun


class ModeRunReportOperator(BaseOperator):
    """Trigger a run of a Mode report and, with ``wait``, wait for it to end.

    :param report: the report's token (templated).
    :param parameters: the run's parameters (templated).
    :param wait: wait for the run to end; a failed or cancelled run fails the task.
    :param deferrable: wait in Airflow's triggerer (asyncio), holding no worker slot.
    :param poll_interval: seconds between two looks at the run.
    :param timeout: seconds to wait at most (None: as long as it takes).
    :param results_path: where to save the results once the run succeeded (templated);
        written whole or not at all.
    :param results_format: ``csv`` or ``json``.
    :param mode_conn_id: the Airflow connection to Mode.

    Returns the run's token (XCom ``return_value``); the run's token is pushed as XCom ``run``
    as soon as the run exists.
    """

    template_fields: Sequence[str] = ("report", "parameters", "results_path")
    ui_color = "#3fbf9f"

    def __init__(
        self,
        *,
        report: str,
        parameters: Mapping[str, Any] | None = None,
        wait: bool = True,
        deferrable: bool = False,
        poll_interval: float = 10.0,
        timeout: float | None = None,
        results_path: str | None = None,
        results_format: Literal["csv", "json"] = "csv",
        mode_conn_id: str = ModeHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if results_format not in ("csv", "json"):  # templated DAG code may pass anything
            raise ValueError(f"results_format must be csv or json, got {results_format!r}")
        if results_path is not None and not wait:
            raise ValueError("results_path needs wait=True: results exist once the run ends")
        self.report = report
        self.parameters = parameters
        self.wait = wait
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.results_path = results_path
        self.results_format = results_format
        self.mode_conn_id = mode_conn_id

    def execute(self, context: Context) -> str:
        hook = ModeHook(self.mode_conn_id)
        with hook.get_client() as client:
            run = self._start_or_adopt(client, context)
            context["ti"].xcom_push(key="run", value=run.token)
            if not self.wait:
                return run.token
            if self.deferrable and not run.done:
                deadline = None if self.timeout is None else time.time() + self.timeout
                self.defer(
                    trigger=ModeRunTrigger(
                        self.report, run.token, self.mode_conn_id, self.poll_interval, deadline
                    ),
                    method_name="execute_complete",
                )
            try:
                run = run.wait(
                    timeout=self.timeout,
                    poll_interval=self.poll_interval,
                    max_interval=self.poll_interval,
                )
            except RunFailed as failed:
                raise AirflowException(
                    outcome(self.report, failed.run, "failed", client.base_url)["message"]
                ) from None
            self._save(run)
        return run.token

    def execute_complete(self, context: Context, event: dict[str, Any]) -> str:
        """Where a deferred wait resumes, on a worker, once the trigger fired."""
        if event.get("status") != "success":
            raise AirflowException(event.get("message") or f"Mode run ended: {event!r}")
        with ModeHook(self.mode_conn_id).get_client() as client:
            self._save(client.report_runs.get(self.report, event["run"]))
        return str(event["run"])

    def _start_or_adopt(self, client: Client, context: Context) -> ReportRun:
        """A new run, unless this is a retry and the run an earlier try started can still do."""
        parameters = dict(self.parameters or {})
        if context["ti"].try_number > 1:
            since = _started(context)
            for past in client.report_runs.list(self.report, order="desc", order_by="created_at"):
                if since is not None and past.created_at is not None and past.created_at < since:
                    break
                if (past.parameters or {}) == parameters and past.state not in past.failure_states:
                    self.log.info("Retry: waiting for run %s, started before", past.token)
                    return past
        run = client.report_runs.create(self.report, parameters=parameters)
        self.log.info("Started run %s of Mode report %s", run.token, self.report)
        return run

    def _save(self, run: ReportRun) -> None:
        if self.results_path is None:
            return
        saved = run.results(format=self.results_format).save(self.results_path)
        self.log.info("Saved the results of run %s to %s", run.token, saved)


def _started(context: Context) -> datetime | None:
    """When the DAG run began: runs started before it belong to someone else."""
    dag_run = context.get("dag_run")
    return getattr(dag_run, "start_date", None) if dag_run is not None else None
