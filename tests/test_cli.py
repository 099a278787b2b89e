"""The `modehal` command, through its entry point, against the in-process simulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MODEHAL = [sys.executable, "-m", "modehal.cli"]
CLEAN_ENV = {key: value for key, value in os.environ.items() if not key.startswith("MODE_")}


def modehal(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MODEHAL, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env or CLEAN_ENV,
    )


@pytest.fixture(scope="module")
def report() -> str:
    out = modehal("get", "--sim", "reports", "--json")
    assert out.returncode == 0, out.stderr
    return str(json.loads(out.stdout)["_embedded"]["reports"][0]["token"])


def test_console_script_is_installed() -> None:
    assert shutil.which("modehal", path=str(Path(sys.executable).parent)) is not None


def test_ops_lists_every_operation() -> None:
    out = modehal("ops")
    lines = out.stdout.splitlines()
    assert out.returncode == 0 and len(lines) == 22  # the 16 of the saved pages, and 6 more
    assert any(
        line.split()[:3] == ["report_runs.get", "GET", "/api/{account}/reports/{report}/runs/{run}"]
        for line in lines
    )
    assert any(
        line.split()[:3] == ["reports.list", "GET", "/batch/{account}/reports"] for line in lines
    )


def test_get_prints_fields_then_rels(report: str) -> None:
    out = modehal("get", "--sim", f"reports/{report}")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"<Report {report} links=")
    assert "links:" in out.stdout and f"/api/hogwarts/reports/{report}/schedules" in out.stdout


def test_get_follows_a_chain_of_rels(report: str) -> None:
    out = modehal(
        "get", "--sim", f"/api/hogwarts/reports/{report}", "--follow", "report_schedules", "--json"
    )
    document = json.loads(out.stdout)
    assert (
        document["_embedded"]["report_schedules"][0]["_links"]["report"]["href"]
        == f"/api/hogwarts/reports/{report}"
    )


def test_get_unknown_rel_lists_the_rels(report: str) -> None:
    out = modehal("get", "--sim", f"reports/{report}", "--follow", "schedules")
    assert out.returncode == 1
    assert (
        "no link 'schedules'" in out.stderr
        and "report_schedules" in out.stderr
        and "Traceback" not in out.stderr
    )


def test_call_list_with_options(report: str) -> None:
    out = modehal("call", "report_runs.list", report, "--order", "desc", "--limit", "3", "--sim")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 3 and all(line.startswith("<ReportRun ") for line in lines)


def test_call_create_with_a_json_argument(report: str) -> None:
    out = modehal(
        "call",
        "report_runs.create",
        report,
        "--parameters",
        '{"region": "emea"}',
        "--sim",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    created = json.loads(out.stdout)
    assert created["state"] == "enqueued" and created["parameters"] == {"region": "emea"}


def test_call_help_comes_from_the_signature() -> None:
    out = modehal("call", "report_runs.list", "--help")
    assert "--order {asc,desc}" in out.stdout and "REPORT" in out.stdout


def test_call_rejects_what_the_spec_does_not_allow(report: str) -> None:
    out = modehal("call", "report_runs.list", report, "--order", "sideways", "--sim")
    assert out.returncode == 2 and "invalid choice: 'sideways'" in out.stderr
    assert modehal("call", "report_runs.nothing", "--sim").returncode == 1


def test_missing_credentials_name_the_variables() -> None:
    out = modehal("get", "reports")
    assert out.returncode == 1
    assert "MODE_TOKEN" in out.stderr and "MODE_SECRET" in out.stderr and "--sim" in out.stderr


def test_explore_walks_from_the_account_to_a_run_and_its_schedule_and_back() -> None:
    script = "reports\n#1\nreport_schedules\n#1\nreport_runs\n#1\nreport_schedule\nback\nback\nnope\njson\nquit\n"
    out = modehal("explore", "--sim", stdin=script)
    assert out.returncode == 0, out.stderr
    screens = out.stdout.split("modehal> ")
    assert screens[0].startswith("<Resource ") and "[ 3] reports" in screens[0]
    assert "<ReportSchedule " in screens[4].splitlines()[1]
    assert "<ReportRun " in screens[6].splitlines()[1] and "report_schedule" in screens[6]
    assert screens[7].splitlines()[1].startswith("<ReportSchedule ")  # the run's schedule
    assert screens[8].splitlines()[1].startswith("<ReportRun ")  # back to the run
    assert (
        screens[9].splitlines()[1].startswith("<Collection[ReportRun] report_runs")
    )  # and back again
    assert "error: no link 'nope'" in screens[10]
    assert '"_embedded"' in screens[11]


def test_demo_runs_the_whole_job() -> None:
    out = modehal("demo")
    assert out.returncode == 0, out.stderr
    for text in (
        "Create a schedule",
        "wait(): enqueued -> running -> succeeded",
        "run.follow('report_schedule')",
        "clone -> report",
        "2600 reports of 2600 in 3 pages",
        "deleted; fetching it again: 404",
    ):
        assert text in out.stdout
    assert out.stdout.rstrip().endswith("over 1 TCP connection")


def test_sim_command_prints_its_url_and_credentials() -> None:
    process = subprocess.Popen(
        [*MODEHAL, "sim", "--port", "0"], stdout=subprocess.PIPE, text=True, env=CLEAN_ENV
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Mode simulator listening on http://127.0.0.1:")
        rest = [process.stdout.readline() for _ in range(4)]
        assert "sim-token" in rest[1] and "sim-secret" in rest[2]
    finally:
        process.terminate()
        process.wait(timeout=10)
