"""The jobs from the shell: `modehal results --latest`, `run R1 R2 ...`, `export-sql`,
`inventory` and `stale`, each a subprocess pointed at a simulator running in this process
(through the MODE_* variables), so that what it did can be read back from the simulator."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from modehal.sim import Simulator

from .conftest import SimFactory
from ._terminal import run_on_a_terminal
from .test_jobs import RequestTimes

MODEHAL = [sys.executable, "-m", "modehal.cli"]


@pytest.fixture
def sim(make_sim: SimFactory) -> Simulator:
    return make_sim(speed=200.0, discovery_reports=10)


def sim_env(sim: Simulator, *, discovery: bool = False) -> dict[str, str]:
    """The environment of a command pointed at ``sim`` (with its Discovery credentials too)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MODE_")}
    env.update(
        MODE_TOKEN=sim.token,
        MODE_SECRET=sim.secret,
        MODE_ACCOUNT=sim.account,
        MODE_BASE_URL=sim.url,
    )
    if discovery:
        names = ("MODE_DISCOVERY_ID", "MODE_DISCOVERY_ACCESS_KEY", "MODE_DISCOVERY_ACCESS_SECRET")
        env.update(zip(names, sim.discovery))
    return env


def modehal(
    sim: Simulator, *args: str, discovery: bool = False, stdin: bytes = b""
) -> subprocess.CompletedProcess[str]:
    env = sim_env(sim, discovery=discovery)
    result = subprocess.run(
        [*MODEHAL, *args],
        capture_output=True,
        timeout=120,
        env=env,
        input=stdin.decode(),
        text=True,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def rest(sim: Simulator) -> Any:
    return sim.client(discovery=None)


def test_results_latest(sim: Simulator, tmp_path: Path) -> None:
    client = sim.client()
    report = sim.reports[0]
    run = client.report_runs.create(report).wait(poll_interval=0.02, timeout=30)
    out = tmp_path / "out.csv"
    result = modehal(sim, "results", report, "--latest", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == run.results().read()
    assert result.stdout.strip() == str(out)
    both = modehal(sim, "results", report, "latest", "--latest", "-o", str(out))
    neither = modehal(sim, "results", report, "-o", str(out))
    for refused in (both, neither):
        assert refused.returncode == 1 and "--latest" in refused.stderr


def test_run_several_reports_saves_each_and_tells_the_failure(
    sim: Simulator, tmp_path: Path
) -> None:
    good, several, failing = sim.reports[0], sim.reports[1], sim.reports[-1]
    out = tmp_path / "daily"
    result = modehal(sim, "run", good, several, failing, "--concurrency", "2", "-o", f"{out}/")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["report", "run", "state", "rows", "or", "error"]
    rows = {line.split()[0]: line.split(maxsplit=3) for line in lines[1:]}
    assert set(rows) == {good, several, failing}
    assert rows[failing][2] == "failed" and "ended failed" in rows[failing][3]
    client = sim.client()
    for report in (good, several):
        _, run, state, count = rows[report]
        assert state == "succeeded"
        tables = client.report_runs.get(report, run).results().tables()
        expected_rows = 0
        for name, table in tables.items():
            body = table.read()
            path = out / (f"{report}.csv" if len(tables) == 1 else f"{report}-{name}.csv")
            assert path.read_bytes() == body
            expected_rows += len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) - 1
        assert count == f"{expected_rows} rows"
    assert not list(out.glob(f"{failing}*"))
    assert sim.calls["report_runs.create"] == 3


def test_run_several_wants_a_directory(sim: Simulator, tmp_path: Path) -> None:
    for output in (str(tmp_path / "out.csv"), "-"):
        refused = modehal(sim, "run", *sim.reports[:2], "-o", output)
        assert refused.returncode == 1 and "directory" in refused.stderr
    assert sim.requests == [] and list(tmp_path.iterdir()) == []


def test_run_one_report_still_saves_to_a_file(sim: Simulator, tmp_path: Path) -> None:
    out = tmp_path / "one.csv"
    result = modehal(sim, "run", sim.reports[0], "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out) and out.read_text().startswith("id,name")


def test_run_several_holds_the_rate_limit(sim: Simulator, tmp_path: Path) -> None:
    sim.speed = 2.0  # runs last 1.5 s
    with RequestTimes(sim) as times:
        result = modehal(sim, "run", *sim.reports[:4], "--rate-limit", "3", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert len(times.seen) >= 8  # 4 triggers, 4 polls at least, and the downloads
    assert times.most_in_a_second() <= 3 + 1 + 1  # rate x 1 s + burst, + 2 ms sampling
    assert (times.seen[-1] - times.seen[0]) >= (len(times.seen) - 1) / 3 - 0.05


def test_export_sql_then_incremental(sim: Simulator, tmp_path: Path) -> None:
    client = rest(sim)
    out = tmp_path / "sql"
    first = modehal(sim, "export-sql", str(out))
    assert first.returncode == 0, first.stderr
    manifest = json.loads((out / "modehal-export.json").read_text())["files"]
    added = [line[2:] for line in first.stdout.splitlines() if line.startswith("A ")]
    assert sorted(added) == sorted(manifest)
    for path, entry in manifest.items():
        assert (out / path).read_text() == client.queries.get(
            entry["report"], entry["query"]
        ).raw_query
    assert "0 changed, 0 removed, 0 unchanged" in first.stdout

    again = modehal(sim, "export-sql", str(out))
    (summary,) = again.stdout.splitlines()
    assert summary.startswith(f"0 added, 0 changed, 0 removed, {len(manifest)} unchanged (")

    report, query = sim.reports[1], sim.queries(sim.reports[1])[0]
    client.queries.update(report, query, raw_query="SELECT 'changed'")
    (path,) = [p for p, e in manifest.items() if e["query"] == query]
    changed = modehal(sim, "export-sql", str(out))
    assert changed.stdout.splitlines()[0] == f"M {path}"
    assert (out / path).read_text() == "SELECT 'changed'"

    deleted = sim.reports[3]
    client.reports.delete(deleted)
    removed = modehal(sim, "export-sql", str(out))
    gone = sorted(p for p, e in manifest.items() if e["report"] == deleted)
    assert gone
    assert [line[2:] for line in removed.stdout.splitlines()[:-1]] == gone
    assert all(not (out / p).exists() for p in gone)


def test_export_sql_one_space(sim: Simulator, tmp_path: Path) -> None:
    space = rest(sim).spaces.list().first()
    assert space is not None
    result = modehal(sim, "export-sql", str(tmp_path), "--space", space.token)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "modehal-export.json").read_text())["files"]
    assert manifest and {e["space"] for e in manifest.values()} == {space.token}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_inventory_writes_a_file_per_kind_without_a_bar_in_a_pipe(
    sim: Simulator, tmp_path: Path, fmt: str
) -> None:
    result = modehal(sim, "inventory", str(tmp_path), "--format", fmt)
    assert result.returncode == 0, result.stderr
    kinds = ["spaces", "reports", "queries", "charts", "schedules", "members", "data_sources"]
    assert result.stdout.splitlines() == [str(tmp_path / f"{kind}.{fmt}") for kind in kinds]
    assert "\r" not in result.stderr and "records/s" not in result.stderr
    text = (tmp_path / f"reports.{fmt}").read_text()
    if fmt == "jsonl":
        reports = [json.loads(line) for line in text.splitlines()]
    else:
        reports = list(csv.DictReader(io.StringIO(text)))
    assert {r["token"] for r in reports} >= set(sim.reports)  # and any other the spaces list


def test_inventory_parquet(sim: Simulator, tmp_path: Path) -> None:
    parquet = pytest.importorskip("pyarrow.parquet")
    result = modehal(sim, "inventory", str(tmp_path), "--format", "parquet", discovery=True)
    assert result.returncode == 0, result.stderr
    queries = parquet.read_table(tmp_path / "queries.parquet").to_pylist()
    assert {q["token"] for q in queries} == {q.token for q in sim.client().queries.list_all()}


def test_stale_lists_and_archives_only_when_asked_and_confirmed(sim: Simulator) -> None:
    listed = modehal(sim, "stale", "--days", "0")  # every report is older than now
    assert listed.returncode == 0, listed.stderr
    tokens = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert set(tokens) >= set(sim.reports) and len(set(tokens)) == len(tokens)
    assert not [r for r in sim.requests if r.method != "GET"]  # a dry run writes nothing

    declined = modehal(sim, "stale", "--days", "0", "--archive", stdin=b"n\n")
    assert declined.returncode == 1 and "nothing archived" in declined.stderr
    assert not [r for r in sim.requests if r.method != "GET"]
    refused = modehal(sim, "stale", "--yes")
    assert refused.returncode == 1 and "--archive" in refused.stderr

    archived = modehal(sim, "stale", "--days", "0", "--archive", "--yes")
    assert archived.returncode == 0, archived.stderr
    assert sim.calls["reports.archive"] == len(tokens)
    assert all(rest(sim).reports.get(r).archived for r in tokens)


def test_stale_with_discovery_confirms_on_stdin(sim: Simulator) -> None:
    few = modehal(sim, "stale", "--days", "100000", discovery=True)
    assert few.returncode == 0 and few.stdout == ""
    confirmed = modehal(sim, "stale", "--days", "100000", "--archive", discovery=True, stdin=b"y\n")
    assert confirmed.returncode == 0 and sim.calls["reports.archive"] == 0


def test_inventory_draws_a_bar_on_a_terminal(sim: Simulator, tmp_path: Path) -> None:
    status, _, terminal = run_on_a_terminal(
        [*MODEHAL, "inventory", str(tmp_path)], env=sim_env(sim)
    )
    assert status == 0
    text = terminal.decode(errors="replace")
    assert "records" in text and "\r" in text  # tqdm's bar, redrawn in place
    assert (tmp_path / "schedules.jsonl").exists()


def test_run_several_ctrl_c_names_the_runs_that_go_on(sim: Simulator, tmp_path: Path) -> None:
    sim.speed = 0.01  # runs take minutes
    env = sim_env(sim)
    process = subprocess.Popen(
        [*MODEHAL, "run", *sim.reports, "--concurrency", "2", "-o", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    deadline = time.monotonic() + 30
    while sim.calls["report_runs.create"] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert sim.calls["report_runs.create"] == 2
    started = {r.target.split("/")[4] for r in sim.requests if r.route == "report_runs.create"}
    for report in started:
        assert f"report {report}: run " in stderr
    assert "go on in Mode" in stderr
