"""The `modehal` command, through its entry point, against the in-process simulator."""

from __future__ import annotations

import json
import re
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
    from modehal.api import OPERATIONS

    assert out.returncode == 0 and len(lines) == len(OPERATIONS) > 100
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
    header, *lines = out.stdout.splitlines()
    assert header.split() == ["token", "state", "created_at", "updated_at", "completed_at"]
    assert len(lines) == 3 and all(line.split()[1] == "succeeded" for line in lines)


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


def test_call_reads_iso_times_for_datetime_options() -> None:
    window = ("--start-timestamp", "2024-01-01T00:00:00Z", "--end-timestamp", "2024-02-01")
    out = modehal("call", "audit_logs.list", *window, "--sim", "--output", "json")
    assert out.returncode == 0, out.stderr
    assert isinstance(json.loads(out.stdout), list) and json.loads(out.stdout)
    bad = modehal("call", "audit_logs.list", "--start-timestamp", "soon", *window[2:], "--sim")
    assert bad.returncode == 2 and "expected an ISO 8601 time" in bad.stderr


def test_missing_credentials_name_the_variables() -> None:
    out = modehal("get", "reports")
    assert out.returncode == 1
    assert "MODE_TOKEN" in out.stderr and "MODE_SECRET" in out.stderr and "--sim" in out.stderr


def test_explore_walks_from_the_account_to_a_run_and_its_schedule_and_back() -> None:
    script = "reports\n#1\nreport_schedules\n#1\nreport_runs\n#1\nreport_schedule\nback\nback\nnope\njson\nquit\n"
    out = modehal("explore", "--sim", stdin=script)
    assert out.returncode == 0, out.stderr
    screens = out.stdout.split("modehal> ")
    # the account, typed (spec/account.yaml's location), lists its reports among its links
    assert screens[0].startswith("<Account ") and re.search(r"\[ *\d+\] reports ", screens[0])
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
        "wait(): enqueued -> succeeded",
        "run.follow('report_schedule')",
        "clone -> report",
        # the seeded 2600, and the clone and duplicate the demo made: Discovery lists them too
        "2602 reports of 2602 in 3 pages",
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


# -- the command line as a new user finds it ----------------------------------------------------


@pytest.mark.parametrize("args", [["call", "-h"], ["call", "--help"], ["call"]])
def test_call_help_lists_the_operations_and_exits_0(args: list[str]) -> None:
    out = modehal(*args)
    assert out.returncode == 0, out.stderr
    assert "report_runs.list" in out.stdout and "pdf_exports.download" in out.stdout


def test_version() -> None:
    import modehal as package

    out = modehal("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"modehal {package.__version__}"


def test_call_options_carry_the_spec_docs() -> None:
    out = modehal("call", "report_runs.list", "-h")
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    assert "--order-by {created_at,updated_at}, --order_by {created_at,updated_at}" in text
    assert "Order results by the given column" in text or "created_at" in text
    assert "--filter FILTER" in text and "gt" in text  # the filter's documented grammar
    create = " ".join(modehal("call", "report_schedules.create", "-h").stdout.split())
    assert "name=value pairs" in create and "JSON object" in create


def test_object_options_take_pairs_and_name_a_misspelt_key(report: str) -> None:
    made = modehal(
        "call", "report_schedules.create", report, "--cron", "freq=daily,hour=7", "--sim", "--json"
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["hour"] == "7:00 am"  # hour=7 went as the number 7
    typo = modehal("call", "report_schedules.create", report, "--cron", "hr=3", "--sim")
    assert typo.returncode == 1 and "did you mean 'hour'" in typo.stderr
    assert "__init__" not in typo.stderr and "Traceback" not in typo.stderr
    ran = modehal("call", "report_runs.create", report, "--parameters", "region=emea", "--sim")
    assert ran.returncode == 0, ran.stderr


def test_call_prints_a_list_as_a_table_json_or_csv(report: str) -> None:
    table = modehal("call", "report_runs.list", report, "--limit", "2", "--sim").stdout
    assert table.splitlines()[0].split()[:2] == ["token", "state"]
    rows = json.loads(
        modehal(
            "call", "report_runs.list", report, "--limit", "2", "--output", "json", "--sim"
        ).stdout
    )
    assert len(rows) == 2 and rows[0]["token"] in table
    csv_text = modehal(
        "call", "report_runs.list", report, "--limit", "2", "--output", "csv", "--sim"
    ).stdout
    assert csv_text.splitlines()[0].startswith("token,state,") and len(csv_text.splitlines()) == 3


def test_only_the_missing_variable_is_named() -> None:
    env = {**CLEAN_ENV, "MODE_SECRET": "s", "MODE_ACCOUNT": "hogwarts"}
    out = modehal("get", "reports", env=env)
    assert out.returncode == 1 and "MODE_TOKEN (your API token)" in out.stderr
    assert "MODE_SECRET" not in out.stderr and "MODE_ACCOUNT" not in out.stderr


def test_plain_http_says_how_to_allow_it_on_the_command_line() -> None:
    env = {**CLEAN_ENV, "MODE_TOKEN": "t", "MODE_SECRET": "s", "MODE_ACCOUNT": "hogwarts"}
    env["MODE_BASE_URL"] = "http://mode.internal.example"
    out = modehal("get", "reports", env=env)  # refused when the client is made: nothing sent
    assert out.returncode == 1 and "--allow-insecure" in out.stderr
    assert "--allow-insecure" in modehal("get", "-h").stdout


def test_explore_shows_more_and_reaches_any_item() -> None:
    out = modehal(
        "explore", "reports/e3e7c2094cac", "--sim", stdin="report_runs\nmore\n#45\nquit\n"
    )
    assert out.returncode == 0, out.stderr
    assert "[#20]" in out.stdout and "more: type `more`" in out.stdout
    assert "[#40]" in out.stdout  # `more` showed the next twenty
    assert "no item #45" not in out.stdout
    after = out.stdout.split("modehal> #45", 1)[1]
    assert after.lstrip().startswith("<ReportRun ")


def test_explore_json_shows_raw_documents() -> None:
    out = modehal("explore", "reports/e3e7c2094cac", "--sim", "--json", stdin="quit\n")
    assert out.returncode == 0
    assert json.loads(out.stdout.split("modehal>")[0])["token"] == "e3e7c2094cac"


def test_ctrl_c_in_explore_cancels_the_line_not_the_session() -> None:
    import pty
    import signal
    import time

    main, secondary = pty.openpty()
    proc = subprocess.Popen(
        [*MODEHAL, "explore", "--sim"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=CLEAN_ENV,
    )
    os.close(secondary)
    seen = b""

    def read_until_prompt(count: int) -> None:
        nonlocal seen
        deadline = time.monotonic() + 60
        while seen.count(b"modehal> ") < count and time.monotonic() < deadline:
            seen += os.read(main, 65536)

    try:
        read_until_prompt(1)
        time.sleep(0.2)  # in input(), waiting
        proc.send_signal(signal.SIGINT)  # what Ctrl-C at the prompt does
        read_until_prompt(2)  # a fresh prompt: the session goes on
        os.write(main, b"quit\n")
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        os.close(main)


def test_a_misspelt_operation_gets_a_did_you_mean() -> None:
    out = modehal("call", "report_runs.lst", "--sim")
    assert out.returncode == 1 and "did you mean 'report_runs.list'" in out.stderr


# -- rough edges of the first hour (issue 24 D) -------------------------------------------------


def test_object_options_keep_commas_inside_json_values() -> None:
    out = modehal(
        "call", "report_runs.create", "e3e7c2094cac", "--sim", "--json",
        "--parameters", 'region=emea,ids=[1,2],where={"a":1,"b":[3,4]},label="x, y"',
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["parameters"] == {
        "region": "emea",
        "ids": [1, 2],
        "where": {"a": 1, "b": [3, 4]},
        "label": "x, y",
    }
    out = modehal(
        "call", "report_schedules.create", "e3e7c2094cac", "--sim", "--json",
        "--cron", "freq=daily,hour=7", "--parameters", "region=emea,west",
    )  # fmt: skip
    assert out.returncode == 2
    assert "got 'west' in 'region=emea,west'" in out.stderr and 'name="a, b"' in out.stderr


def test_call_takes_report_parameters_one_at_a_time_as_run_does() -> None:
    out = modehal(
        "call", "report_runs.create", "e3e7c2094cac", "--sim", "--json",
        "--param", "region=emea", "--param", "ids=[1,2]",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["parameters"] == {"region": "emea", "ids": [1, 2]}
    # a schedule's `params` too, by either name, joined with --param
    out = modehal(
        "call", "report_schedules.create", "e3e7c2094cac", "--sim", "--json",
        "--cron", "freq=daily,hour=7", "--parameters", "a=1", "--param", "b=[2]",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["parameters"] == {"a": 1, "b": [2]}
    out = modehal(
        "call", "report_runs.create", "e3e7c2094cac", "--sim",
        "--parameters", "a=1", "--param", "a=2",
    )  # fmt: skip
    assert out.returncode == 2 and "'a' is given both in --parameters and in --param" in out.stderr


def test_help_counts_the_operations_of_the_spec() -> None:
    from modehal.api import OPERATIONS

    out = modehal("-h")
    assert re.search(rf"\n +ops +list the {len(OPERATIONS)} documented operations\n", out.stdout)


def test_explore_says_what_happened_when_a_command_has_nothing_to_do() -> None:
    script = "back\n99\n0\n#1\nmore\nreport_schedules\n#7\n#x\nmore\nnext_page\nquit\n"
    out = modehal("explore", "reports/e3e7c2094cac", "--sim", stdin=script)
    assert out.returncode == 0, out.stderr
    screens = [screen.split("\n", 1) for screen in out.stdout.split("modehal> ")[1:]]
    assert [command for command, _ in screens] == script.splitlines()
    said = [rest for _, rest in screens]
    assert said[0].startswith("already at the start (<Report e3e7c2094cac links=31>): there")
    assert said[1] == "no link [99]: there are 31 links (1-31)\n"
    assert said[2] == "no link [0]: there are 31 links (1-31)\n"
    assert said[3] == (
        "#1: <Report e3e7c2094cac links=31> is not a collection, so it has no items; follow one "
        "of its links to a collection, or go `back`\n"
    )
    assert said[4].startswith("`more` shows a collection's next items; <Report ")
    assert said[6] == "no item #7: there is 1 item (#1)\n"
    assert said[7] == "#x: expected # and an item's number, such as #1\n"
    assert said[8] == (
        "no more items: the last page has been read, and the only item is shown above\n"
    )
    # Mode's next_page past the end: an empty page, said so
    assert said[9].endswith("items:\n  (none: this page of the collection is empty)\n")


def test_demo_removes_what_it_saved(tmp_path: Path) -> None:
    out = modehal("demo", env={**CLEAN_ENV, "TMPDIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert f"saved {tmp_path}/modehal-demo-" in out.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_mistyped_command_gets_the_closest_one() -> None:
    out = modehal("rn", "e3e7c2094cac")
    assert out.returncode == 2 and out.stdout == ""
    assert "modehal: error: no command 'rn' (did you mean 'run'?); the commands are call," in (
        out.stderr
    )
    out = modehal("frobnicate")
    assert out.returncode == 2 and "did you mean" not in out.stderr


@pytest.mark.parametrize(
    "args", [["run", "--version"], ["call", "--version"], ["call", "reports.get", "--version"]]
)
def test_version_after_a_command(args: list[str]) -> None:
    import modehal as package

    out = modehal(*args)
    assert out.returncode == 0 and out.stdout.strip() == f"modehal {package.__version__}"


def test_mode_log_it_does_not_know_is_a_warning_on_the_command_line() -> None:
    out = modehal("get", "--sim", "reports/e3e7c2094cac", env={**CLEAN_ENV, "MODE_LOG": "verbose"})
    assert out.returncode == 0, out.stderr
    assert out.stderr == (
        "modehal: warning: MODE_LOG='verbose' is not a level modehal logs at (debug, info or "
        "warning): nothing is logged\n"
    )
