"""DAGs for tests/test_airflow.py, run as Airflow's docs say to debug one: ``python
mode_dags.py`` calls ``dag.test()``. The test writes nothing here: what to run comes from the
environment (the simulator's report, where to save, which DAG), and the outcome is printed as
one JSON line starting with RESULT."""

from __future__ import annotations

import json
import os
from datetime import datetime

from airflow.sdk import DAG

from modehal.airflow import ModeRunReportOperator, ModeRunSensor

REPORT = os.environ.get("MODE_REPORT", "report")
OUT = os.environ.get("MODE_OUT", "/tmp")
DEFERRABLE = os.environ.get("MODE_DEFERRABLE") == "1"
START = datetime(2024, 1, 1)

with DAG("mode_run_and_sense", start_date=START, schedule=None) as run_and_sense:
    run = ModeRunReportOperator(
        task_id="run",
        report=REPORT,
        parameters={"region": "{{ params.region }}"},
        poll_interval=0.05,
        deferrable=DEFERRABLE,
        results_path=OUT + "/{{ dag.dag_id }}-{{ ds }}.csv",
        params={"region": "emea"},
    )
    sense = ModeRunSensor(
        task_id="sense",
        report=REPORT,
        run="{{ ti.xcom_pull(task_ids='run') }}",
        poke_interval=0.05,
        timeout=60,
        deferrable=DEFERRABLE,
    )
    run >> sense

with DAG("mode_sense_rescheduled", start_date=START, schedule=None) as sense_rescheduled:
    ModeRunSensor(
        task_id="sense",
        report=REPORT,
        run=os.environ.get("MODE_RUN", "run"),
        poke_interval=0.05,
        timeout=60,
        mode="reschedule",
    )

DAGS = {dag.dag_id: dag for dag in (run_and_sense, sense_rescheduled)}

if __name__ == "__main__":
    ran = DAGS[os.environ["MODE_DAG"]].test()
    tasks = {}
    for ti in ran.get_task_instances():
        tasks[ti.task_id] = {"state": str(ti.state), "xcom": ti.xcom_pull(task_ids=ti.task_id)}
    print("RESULT " + json.dumps({"state": str(ran.state), "tasks": tasks}, default=str))
