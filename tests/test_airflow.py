"""The Airflow provider under a real Airflow (CI's second venv: ``pip install ".[airflow]"``).

DAGs run as Airflow's docs say to debug one, ``python dags/mode_dags.py`` calling
``dag.test()``, against a simulator in this process; the connection comes from
``AIRFLOW_CONN_MODE_DEFAULT``, as a deployment would set it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip(
    "airflow", reason='the provider is tested where "modehal[airflow]" is installed'
)

from modehal.sim import Simulator  # noqa: E402

DAGS = Path(__file__).parent / "airflow_dags"


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """An Airflow home with its database made, and the environment that points at it."""
    home = tmp_path_factory.mktemp("airflow-home")
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    migrate = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(speed=200.0) as simulator:
        yield simulator


def connection_json(sim: Simulator) -> str:
    return json.dumps(
        {
            "conn_type": "mode",
            "login": sim.token,
            "password": sim.secret,
            "host": sim.url,
            "extra": {"account": sim.account, "discovery": list(sim.discovery)},
        }
    )


def run_dag(
    airflow_home: dict[str, str], sim: Simulator, dag: str, out: Path, **env: str
) -> dict[str, Any]:
    """Run ``dag`` of mode_dags.py with ``dag.test()``; its RESULT line, parsed."""
    environment = {
        **os.environ,
        **airflow_home,
        "AIRFLOW_CONN_MODE_DEFAULT": connection_json(sim),
        "MODE_DAG": dag,
        "MODE_OUT": str(out),
        **env,
    }
    done = subprocess.run(
        [sys.executable, str(DAGS / "mode_dags.py")],
        capture_output=True,
        text=True,
        env=environment,
        timeout=240,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stdout[-3000:] + done.stderr[-3000:]
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
    result["log"] = done.stdout + done.stderr
    return result


def results_of(sim: Simulator, report: str, run: str) -> str:
    with sim.client() as client:
        return client.report_runs.results(report, run).read().decode()


# -- the provider as Airflow sees it ------------------------------------------------------------


def test_airflow_lists_the_provider_and_its_connection_type(airflow_home: dict[str, str]) -> None:
    env = {**os.environ, **airflow_home}
    listed = subprocess.run(
        [sys.executable, "-m", "airflow", "providers", "list", "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "modehal" in {provider["package_name"] for provider in json.loads(listed.stdout)}
    from airflow.providers_manager import ProvidersManager
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    hook = ProvidersManagerTaskRuntime().hooks["mode"]  # what a worker loads
    assert hook is not None and hook.hook_class_name == "modehal.airflow.hooks.ModeHook"
    manager = ProvidersManager()  # what the UI's connection form is made from
    behaviour = manager.field_behaviours["mode"]
    assert behaviour["relabeling"] == {
        "login": "API token",
        "password": "API secret",
        "host": "Base URL",
    }
    assert {"extra__mode__account", "extra__mode__discovery_id"} <= set(
        manager.connection_form_widgets
    )


def test_the_provider_info_passes_airflows_own_schema() -> None:
    import airflow
    import jsonschema

    from modehal.airflow import get_provider_info

    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_the_hook_reads_the_connection_from_the_environment(
    airflow_home: dict[str, str], sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modehal.airflow import ModeHook

    monkeypatch.setenv("AIRFLOW_CONN_MODE_DEFAULT", connection_json(sim))
    hook = ModeHook()
    with hook.get_client() as client:
        assert client.base_url == sim.url and client.account == sim.account
        assert client.reports.get(sim.reports[0]).token == sim.reports[0]
        assert sim.secret not in repr(client)
    assert hook.test_connection() == (True, "Connected to Mode as albus_dumbledore")


def test_the_hook_reads_a_uri_connection_and_names_what_is_missing(
    airflow_home: dict[str, str], sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modehal import ConfigurationError
    from modehal.airflow import ModeHook

    host, port = sim.url.removeprefix("http://").split(":")
    uri = f"mode://{sim.token}:{sim.secret}@{host}:{port}/?account={sim.account}&scheme=http"
    monkeypatch.setenv("AIRFLOW_CONN_MODE_URI", uri)
    with ModeHook("mode_uri").get_client() as client:
        assert client.base_url == sim.url
        assert client.report_runs.get(sim.reports[0], sim.runs(sim.reports[0])[0]).state
    monkeypatch.setenv("AIRFLOW_CONN_MODE_NO_ACCOUNT", f"mode://{sim.token}:{sim.secret}@{host}")
    with pytest.raises(ConfigurationError, match="'mode_no_account' names no workspace"):
        ModeHook("mode_no_account").get_client()
    monkeypatch.setenv("AIRFLOW_CONN_MODE_NO_SECRET", f"mode://{sim.token}@{host}?account=a")
    with pytest.raises(ConfigurationError, match="has no password"):
        ModeHook("mode_no_secret").get_client()
    ok, message = ModeHook("mode_no_secret").test_connection()
    assert not ok and "has no password" in message


# -- DAGs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("deferrable", ["0", "1"], ids=["in-the-worker", "deferred"])
def test_run_wait_save_and_sense(
    airflow_home: dict[str, str], sim: Simulator, tmp_path: Path, deferrable: str
) -> None:
    report = sim.reports[0]
    before = set(sim.runs(report))
    result = run_dag(
        airflow_home,
        sim,
        "mode_run_and_sense",
        tmp_path,
        MODE_REPORT=report,
        MODE_DEFERRABLE=deferrable,
    )
    assert result["state"] == "success", result["log"][-4000:]
    assert result["tasks"]["run"]["state"] == result["tasks"]["sense"]["state"] == "success"
    run = result["tasks"]["run"]["xcom"]  # the return value: the run's token
    assert set(sim.runs(report)) - before == {run}
    assert sim.store.tables["report_run"][run].fields["parameters"] == {"region": "emea"}
    saved = next(tmp_path.glob("mode_run_and_sense-*.csv"))
    assert saved.read_bytes().decode() == results_of(sim, report, run)  # byte for byte
    assert list(csv.DictReader(io.StringIO(saved.read_text())))  # rows, not an empty file
    assert not list(tmp_path.glob("*.tmp*"))  # written whole, no temporary file left
    if deferrable == "1":  # dag.test() runs the trigger in line and logs it, not its name
        assert "Pausing task as DEFERRED" in result["log"]
        assert "[DAG TEST] Trigger completed" in result["log"]


def test_a_failed_run_fails_the_task_naming_report_run_and_state(
    airflow_home: dict[str, str], sim: Simulator, tmp_path: Path
) -> None:
    report = sim.reports[-1]  # seeded to fail
    result = run_dag(airflow_home, sim, "mode_run_and_sense", tmp_path, MODE_REPORT=report)
    assert result["tasks"]["run"]["state"] == "failed"
    assert result["tasks"]["sense"]["state"] == "upstream_failed"
    run = sim.runs(report)[-1]
    assert f"Mode report {report}: run {run} ended failed ({sim.url}/" in result["log"]
    assert not list(tmp_path.glob("*.csv"))  # no results of a failed run


def test_a_rescheduled_sensor_waits_for_a_run(
    airflow_home: dict[str, str], sim: Simulator, tmp_path: Path
) -> None:
    report = sim.reports[1]
    with sim.client() as client:
        run = client.report_runs.create(report).token
    result = run_dag(
        airflow_home, sim, "mode_sense_rescheduled", tmp_path, MODE_REPORT=report, MODE_RUN=run
    )
    assert result["tasks"]["sense"]["state"] == "success", result["log"][-4000:]


# -- the trigger ----------------------------------------------------------------------------------


def test_the_trigger_serializes_to_plain_data_and_back(sim: Simulator) -> None:
    from modehal.airflow import ModeRunTrigger

    trigger = ModeRunTrigger("r1", "run1", "mode_default", 5.0, 1_700_000_000.0)
    path, kwargs = trigger.serialize()
    assert path == "modehal.airflow.triggers.ModeRunTrigger"
    assert json.loads(json.dumps(kwargs)) == kwargs  # plain data: stored in Airflow's database
    assert sim.secret not in json.dumps(kwargs) and sim.token not in json.dumps(kwargs)
    module, _, name = path.rpartition(".")
    again = getattr(__import__(module, fromlist=[name]), name)(**kwargs)
    assert again.serialize() == (path, kwargs)


def _events(trigger: Any) -> list[Any]:
    async def collect() -> list[Any]:
        return [event async for event in trigger.run()]

    return asyncio.run(collect())


def test_the_trigger_waits_with_the_async_client_and_fires_once(
    airflow_home: dict[str, str], sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modehal.airflow import ModeRunTrigger

    monkeypatch.setenv("AIRFLOW_CONN_MODE_DEFAULT", connection_json(sim))
    with sim.client() as client:
        good = client.report_runs.create(sim.reports[2]).token
        bad = client.report_runs.create(sim.reports[-1]).token
    [done] = _events(ModeRunTrigger(sim.reports[2], good, poll_interval=0.02))
    assert done.payload["status"] == "success" and done.payload["state"] == "succeeded"
    assert done.payload["run"] == good
    [failed] = _events(ModeRunTrigger(sim.reports[-1], bad, poll_interval=0.02))
    assert failed.payload["status"] == "failed" and failed.payload["state"] == "failed"
    assert f"run {bad} ended failed" in failed.payload["message"]
    with sim.client() as client:
        slow = client.report_runs.create(sim.reports[2]).token
    sim.speed = 0.001  # the run will not end before the deadline
    try:
        trigger = ModeRunTrigger(
            sim.reports[2], slow, poll_interval=0.02, deadline=time.time() + 0.3
        )
        [late] = _events(trigger)
    finally:
        sim.speed = 200.0
    assert late.payload["status"] == "timeout"


# -- a retried task ---------------------------------------------------------------------------------


def test_a_retry_waits_for_the_run_an_earlier_try_started(
    airflow_home: dict[str, str], sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, timezone

    from modehal.airflow import ModeRunReportOperator

    monkeypatch.setenv("AIRFLOW_CONN_MODE_DEFAULT", connection_json(sim))
    report = sim.reports[3]
    operator = ModeRunReportOperator(task_id="t", report=report, parameters={"k": "v"})
    began = datetime(2023, 12, 31, tzinfo=timezone.utc)  # the simulator's clock starts in 2024
    dag_run = SimpleNamespace(start_date=began)
    first = {"ti": SimpleNamespace(try_number=1), "dag_run": dag_run}
    with sim.client() as client:
        started = operator._start_or_adopt(client, first)  # type: ignore[arg-type]
        again = {"ti": SimpleNamespace(try_number=2), "dag_run": dag_run}
        assert operator._start_or_adopt(client, again).token == started.token  # type: ignore[arg-type]
        other = ModeRunReportOperator(task_id="u", report=report, parameters={"k": "w"})
        assert other._start_or_adopt(client, again).token != started.token  # type: ignore[arg-type]
