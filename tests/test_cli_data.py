"""`modehal run`, `results` and `pdf`: a report's data saved from the shell, against the
in-process simulator.

Each `--sim` invocation starts a fresh simulator, seeded alike, so what the command should
have saved is read here, through the client, from a simulator started the same way and asked
the same things.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from modehal.cli._output import _table_paths, parameter, safe_name
from modehal.sim import Simulator

from ._terminal import run_on_a_terminal

MODEHAL = [sys.executable, "-m", "modehal.cli"]
CLEAN_ENV = {key: value for key, value in os.environ.items() if not key.startswith("MODE_")}
HEADER = ["id", "name", "amount", "created_at"]


def modehal(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*MODEHAL, *args], capture_output=True, timeout=60, env=CLEAN_ENV, cwd=cwd
    )


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@dataclass
class Expected:
    reports: list[str]
    one_query_csv: bytes  # the first run made of reports[0]
    one_query_json: list[dict[str, object]]
    several_queries: dict[str, bytes]  # query name -> CSV of the first run made of reports[1]
    latest_run: str  # reports[1]'s latest run, before any is made
    latest_query_runs: dict[str, tuple[str, bytes]]  # its query runs: token -> (name, CSV)


@pytest.fixture(scope="module")
def expected() -> Expected:
    """What a fresh simulator (as `--sim` starts one) answers to what the commands ask."""
    with Simulator(port=0, speed=20.0) as sim, sim.client() as client:
        reports = list(sim.reports)
        latest = next(iter(client.report_runs.list(reports[1], order="desc")))
        latest_query_runs = {
            query_run.token: (query_run.query_name or "", query_run.results().read())
            for query_run in latest.query_runs()
        }
        run = client.report_runs.create(reports[0]).wait(poll_interval=0.05, progress=False)
        one_query_csv = run.results().read()
        one_query_json = list(run.results(format="json").rows())
    with Simulator(port=0, speed=20.0) as sim, sim.client() as client:
        run = client.report_runs.create(reports[1]).wait(poll_interval=0.05, progress=False)
        several = {name: table.read() for name, table in run.results().tables().items()}
    assert len(several) > 1 and len(csv_rows(one_query_csv)) > 1
    return Expected(
        reports, one_query_csv, one_query_json, several, latest.token, latest_query_runs
    )


def assert_quiet_stderr(stderr: bytes) -> None:
    """Piped stderr: the run's states one a line, no progress bar, no traceback."""
    text = stderr.decode()
    assert "\r" not in text and "B/s" not in text and "%|" not in text, text
    assert "Traceback" not in text


# -- run -------------------------------------------------------------------------------------


def test_run_saves_the_csv_and_prints_its_path(tmp_path: Path, expected: Expected) -> None:
    out = modehal("run", expected.reports[0], "--sim", "-o", "out.csv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode() == "out.csv\n"
    rows = csv_rows((tmp_path / "out.csv").read_bytes())
    assert rows[0] == HEADER
    assert len(rows) == len(csv_rows(expected.one_query_csv))
    assert (tmp_path / "out.csv").read_bytes() == expected.one_query_csv
    assert_quiet_stderr(out.stderr)
    states = out.stderr.decode().splitlines()
    assert states[0].endswith(": enqueued") and states[-1].endswith(": succeeded")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.csv"]  # no .part left


def test_run_to_stdout_writes_exactly_the_csv(expected: Expected) -> None:
    out = modehal("run", expected.reports[0], "--sim", "-o", "-", "--param", "region=emea")
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout == expected.one_query_csv
    assert_quiet_stderr(out.stderr)


def test_run_without_output_saves_under_modes_file_name(tmp_path: Path, expected: Expected) -> None:
    out = modehal("run", expected.reports[0], "--sim", cwd=tmp_path)
    assert out.returncode == 0, out.stderr.decode()
    (name,) = out.stdout.decode().splitlines()
    assert name.endswith(".csv") and "/" not in name
    assert (tmp_path / name).read_bytes() == expected.one_query_csv


def test_run_of_several_queries_writes_one_file_each(tmp_path: Path, expected: Expected) -> None:
    out = modehal("run", expected.reports[1], "--sim", "-o", str(tmp_path / "out.csv"))
    assert out.returncode == 0, out.stderr.decode()
    written = [Path(line) for line in out.stdout.decode().splitlines()]
    assert written == [tmp_path / f"out-{name}.csv" for name in expected.several_queries]
    for path, data in zip(written, expected.several_queries.values()):
        assert path.read_bytes() == data and csv_rows(data)[0] == HEADER
    assert not (tmp_path / "out.csv").exists()


def test_run_of_several_queries_into_a_directory_and_as_a_zip(
    tmp_path: Path, expected: Expected
) -> None:
    out = modehal("run", expected.reports[1], "--sim", "-o", ".", cwd=tmp_path)
    assert out.returncode == 0, out.stderr.decode()
    names = out.stdout.decode().splitlines()
    assert [name.rsplit("-", 1)[-1] for name in names] == [
        f"{query}.csv" for query in expected.several_queries
    ]
    assert all((tmp_path / name).is_file() for name in names)
    out = modehal("run", expected.reports[1], "--sim", "-o", "all.zip", cwd=tmp_path)
    assert out.returncode == 0 and out.stdout == b"all.zip\n"
    assert (tmp_path / "all.zip").read_bytes()[:2] == b"PK"


def test_several_queries_do_not_go_to_stdout(expected: Expected) -> None:
    out = modehal("run", expected.reports[1], "--sim", "-o", "-")
    assert out.returncode == 1 and out.stdout == b""
    error = out.stderr.decode()
    assert "2 tables" in error and "--query-run" in error and "Traceback" not in error


def test_run_as_json(expected: Expected) -> None:
    out = modehal("run", expected.reports[0], "--sim", "--format", "json", "-o", "-")
    assert out.returncode == 0, out.stderr.decode()
    rows = json.loads(out.stdout)
    assert rows == expected.one_query_json and list(rows[0]) == HEADER


def test_a_failed_run_exits_1_with_its_state(expected: Expected) -> None:
    out = modehal("run", expected.reports[-1], "--sim", "-o", "-")  # the seeded failing report
    assert out.returncode == 1 and out.stdout == b""
    error = out.stderr.decode()
    assert "ended failed" in error and "relation does not exist" in error
    assert "Traceback" not in error


@pytest.mark.parametrize(
    "param, message",
    [
        ("region", "expected NAME=VALUE"),
        ("=emea", "expected NAME=VALUE"),
    ],
)
def test_a_bad_param_is_a_usage_error(param: str, message: str, expected: Expected) -> None:
    out = modehal("run", expected.reports[0], "--sim", "--param", param)
    assert out.returncode == 2 and out.stdout == b""
    error = out.stderr.decode()
    assert f"argument --param: {message}" in error and "Traceback" not in error


def test_a_param_given_twice_is_a_usage_error() -> None:
    out = modehal("run", "anything", "--param", "a=1", "--param", "a=2")
    assert out.returncode == 2 and "'a' is given twice" in out.stderr.decode()


def test_param_values_are_json_when_they_parse_as_json() -> None:
    assert parameter("limit=5") == ("limit", 5)
    assert parameter("ids=[1, 2]") == ("ids", [1, 2])
    assert parameter("on=true") == ("on", True)
    assert parameter('code="5"') == ("code", "5")
    assert parameter("region=emea") == ("region", "emea")
    assert parameter("since=2024-01-01") == ("since", "2024-01-01")
    assert parameter("x=NaN") == ("x", "NaN")  # not JSON
    assert parameter("empty=") == ("empty", "")
    assert parameter("where=a=b") == ("where", "a=b")


# -- results and pdf -------------------------------------------------------------------------


def test_results_of_one_query_run_by_token_or_name(expected: Expected) -> None:
    token, (name, data) = next(iter(expected.latest_query_runs.items()))
    by_token = modehal(
        "results", expected.reports[1], "latest", "--query-run", token, "--sim", "-o", "-"
    )
    assert by_token.returncode == 0, by_token.stderr.decode()
    assert by_token.stdout == data and by_token.stderr == b""
    by_name = modehal(
        "results", expected.reports[1], expected.latest_run, "--query-run", name, "--sim", "-o", "-"
    )
    assert by_name.stdout == data


def test_results_of_an_unknown_query_run_lists_them(expected: Expected) -> None:
    out = modehal("results", expected.reports[1], "latest", "--query-run", "nope", "--sim")
    assert out.returncode == 1
    error = out.stderr.decode()
    assert "no query run 'nope'" in error
    assert all(token in error for token in expected.latest_query_runs)


def test_results_of_a_run_that_is_not_there(expected: Expected) -> None:
    out = modehal("results", expected.reports[0], "0123456789ab", "--sim")
    assert out.returncode == 1 and "404" in out.stderr.decode()
    assert "Traceback" not in out.stderr.decode()


def test_pdf_writes_a_pdf(tmp_path: Path, expected: Expected) -> None:
    out = modehal("pdf", expected.reports[1], "latest", "--sim", "-o", "run.pdf", cwd=tmp_path)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout == b"run.pdf\n"
    assert (tmp_path / "run.pdf").read_bytes().startswith(b"%PDF-")
    assert_quiet_stderr(out.stderr)
    assert out.stderr.decode().splitlines()[-1].endswith(": completed")


def test_pdf_needs_an_output() -> None:
    out = modehal("pdf", "a", "latest", "--sim")
    assert out.returncode == 2 and "-o/--output" in out.stderr.decode()


# -- a terminal, help, names -----------------------------------------------------------------


def test_a_terminal_gets_a_progress_bar(tmp_path: Path, expected: Expected) -> None:
    status, stdout, terminal = run_on_a_terminal(
        [*MODEHAL, "run", expected.reports[0], "--sim", "-o", "out.csv"],
        env=CLEAN_ENV,
        cwd=tmp_path,
    )
    assert status == 0 and stdout == b"out.csv\n"
    text = terminal.decode()
    size = len(expected.one_query_csv)
    assert f"{size}B" in text and "B/s" in text, text  # tqdm: bytes written, and the rate
    assert "\rReportRun " in text  # the run's status line


def test_help_lists_the_commands_and_tqdm_waits_until_a_bar() -> None:
    out = modehal("--help")
    assert out.returncode == 0
    for command in ("run", "results", "pdf"):
        assert command in out.stdout.decode()
        help_text = modehal(command, "-h").stdout.decode()
        assert "--sim" in help_text and "-o PATH, --output PATH" in help_text
    probe = "import sys, modehal.cli; assert 'tqdm' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", probe], env=CLEAN_ENV).returncode == 0


def test_query_names_become_plain_file_names(tmp_path: Path) -> None:
    assert safe_name("Daily Revenue") == "Daily Revenue"
    assert safe_name("../../etc/passwd") == "_.._etc_passwd"
    assert safe_name("a\\b:c*d?\x00") == "a_b_c_d_"
    assert safe_name("..") == "query" and safe_name(" .hidden. ") == "hidden"
    assert safe_name("NUL") == "_NUL"
    assert len(safe_name("x" * 1000)) <= 120

    class Table:
        def __init__(self, filename: str) -> None:
            self.filename = filename
            self.format = "csv"

    tables = {name: Table(f"{name}.csv") for name in ("a/b", "a:b", "A_B", "c")}
    paths = _table_paths(tmp_path / "out.csv", tables)  # type: ignore[arg-type]
    assert [path.name for path in paths] == [
        "out-a_b.csv",
        "out-a_b-2.csv",
        "out-A_B-3.csv",
        "out-c.csv",
    ]
    assert all(path.parent == tmp_path for path in paths)


# -- issue 24 D5, D12 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["run", "REPORT"],
        ["pdf", "REPORT", "latest"],
        ["results", "REPORT", "--latest"],
    ],
)
def test_an_output_path_that_cannot_be_written_is_refused_before_anything_is_sent(
    tmp_path: Path, args: list[str]
) -> None:
    with Simulator(port=0) as sim:
        env = {
            **CLEAN_ENV,
            "MODE_BASE_URL": sim.url,
            "MODE_ACCOUNT": sim.account,
            "MODE_TOKEN": sim.token,
            "MODE_SECRET": sim.secret,
        }
        command = [sim.reports[0] if arg == "REPORT" else arg for arg in args]
        target = tmp_path / "no" / "such" / "x.csv"
        out = subprocess.run(
            [*MODEHAL, *command, "-o", str(target)], capture_output=True, timeout=60, env=env
        )
        assert out.returncode == 1
        assert out.stderr.decode() == (
            f"modehal: error: cannot save to {target}: there is no directory {target.parent}\n"
        )
        assert sum(sim.calls.values()) == 0  # no run triggered, not even a GET


def test_sim_rows_makes_a_result_big_enough_for_the_progress_bar(tmp_path: Path) -> None:
    status, stdout, terminal = run_on_a_terminal(
        [*MODEHAL, "run", "e3e7c2094cac", "--sim", "--sim-rows", "120000", "-o", "big.csv"],
        env=CLEAN_ENV,
        cwd=tmp_path,
    )
    assert status == 0 and stdout == b"big.csv\n", terminal
    with (tmp_path / "big.csv").open(newline="", encoding="utf-8-sig") as file:
        assert sum(1 for _ in csv.reader(file)) == 120_001
    assert "MB/s" in terminal.decode() or "kB/s" in terminal.decode()


def test_the_sim_command_serves_as_many_rows_as_asked(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*MODEHAL, "sim", "--port", "0", "--speed", "20", "--results-rows", "7"],
        stdout=subprocess.PIPE,
        text=True,
        env=CLEAN_ENV,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(9)]
        exported = lines[-1].split()[1:]  # export MODE_BASE_URL=... MODE_ACCOUNT=... ...
        env = {**CLEAN_ENV, **dict(item.split("=", 1) for item in exported)}
        out = subprocess.run(
            [*MODEHAL, "run", "e3e7c2094cac", "-o", "-"], capture_output=True, timeout=60, env=env
        )
        assert out.returncode == 0, out.stderr
        assert len(csv_rows(out.stdout)) == 8
    finally:
        process.terminate()
        process.wait(timeout=10)
