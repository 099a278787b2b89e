"""Exploring in a REPL: reprs, pretty printing, completions, did-you-mean, help, wait()."""

from __future__ import annotations

import pydoc
from collections.abc import Iterator
from typing import Any

import pytest

import modehal
from modehal.api import Client, ReportRun, ReportSchedule
from modehal.sim import Simulator

from .conftest import SimFactory, load_fixture


class Printer:
    """The part of IPython's pretty printer `_repr_pretty_` uses."""

    def __init__(self) -> None:
        self.output = ""

    def text(self, text: str) -> None:
        self.output += text


def run() -> ReportRun:
    doc = load_fixture("report_run.json")
    doc["state"] = "succeeded"
    doc["_links"]["report_schedule"]["href"] = "/api/hogwarts/reports/r/schedules/s"
    return ReportRun(doc)


def test_repr_is_one_short_line() -> None:
    assert repr(run()) == "<ReportRun f2lkg3hwjj9 state=succeeded links=15>"
    assert (
        repr(ReportSchedule(load_fixture("report_schedule.json")))
        == "<ReportSchedule 9288da2a1b59 state=active links=6>"
    )


def test_pretty_shows_fields_then_rels_with_hrefs() -> None:
    printer = Printer()
    run()._repr_pretty_(printer, cycle=False)
    lines = printer.output.splitlines()
    assert lines[0] == "<ReportRun f2lkg3hwjj9 state=succeeded links=15>"
    assert any(line.split() == ["state", "succeeded"] for line in lines)
    assert "links:" in lines
    assert any(
        line.split() == ["report_schedule", "/api/hogwarts/reports/r/schedules/s"] for line in lines
    )
    cycled = Printer()
    run()._repr_pretty_(cycled, cycle=True)
    assert cycled.output == repr(run())


def test_html_table_for_jupyter() -> None:
    html = ReportSchedule(load_fixture("report_schedule.json"))._repr_html_()
    assert html.startswith("<table>") and "<caption" in html
    assert (
        "<th style='text-align:left'>retry_count</th><td style='text-align:left'><code>1</code></td>"
        in html
    )
    assert (
        "/api/hogwarts/reports/1fc11c31fdc4/schedules/9288da2a1b59/runs?embed[report_runs][executed_by]=1"
        in html
    )


def test_links_table_and_key_completion() -> None:
    schedule = ReportSchedule(load_fixture("report_schedule.json"))
    assert schedule.links._ipython_key_completions_() == sorted(schedule.links)
    assert repr(schedule.links).splitlines()[1].split() == ["account", "/api/hogwarts"]


def test_dir_lists_the_fields() -> None:
    assert {"token", "state", "python_state", "completed_at"} <= set(dir(run()))


def test_missing_rel_suggests_the_closest() -> None:
    with pytest.raises(modehal.LinkError, match=r"no link 'reprot'.*did you mean 'report'"):
        run().follow("reprot")  # type: ignore[call-overload]


def test_help_shows_docstring_params_types_and_errors() -> None:
    text = pydoc.render_doc(Client.report_runs.func(Client("t", "s")).create, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    assert "Create a report run." in text
    assert "parameters: 'Mapping[str, Any] | None' = None" in text
    assert "Args:" in text and "parameters: Custom report parameters" in text
    assert "BadRequest: 400 Bad request." in text and "NotFound: 404 Report not found." in text


# -- wait() against the simulator -------------------------------------------------------------


@pytest.fixture
def repl_sim(make_sim: SimFactory) -> Simulator:
    """A fresh simulator per test; at speed 100 a run takes 30 ms, several polls of 10 ms."""
    return make_sim(speed=100.0, discovery_reports=10)


@pytest.fixture
def repl_client(repl_sim: Simulator) -> Iterator[Any]:
    with repl_sim.client() as client:
        yield client


def test_wait_until_succeeded_with_a_progress_callback(
    repl_sim: Simulator, repl_client: Any
) -> None:
    seen: list[str] = []
    finished = repl_client.report_runs.create(repl_sim.reports[0]).wait(
        poll_interval=0.01, progress=lambda r: seen.append(r.state)
    )
    assert finished.state == "succeeded" and finished.done
    # only the states Mode documents (docs README item 14): enqueued until it ends
    assert (
        seen[0] == "enqueued" and seen[-1] == "succeeded" and set(seen) == {"enqueued", "succeeded"}
    )


def test_wait_raises_run_failed_carrying_the_run(repl_sim: Simulator, repl_client: Any) -> None:
    run = repl_client.report_runs.create(repl_sim.reports[-1])
    with pytest.raises(modehal.RunFailed) as caught:
        run.wait(poll_interval=0.01, progress=False)
    assert caught.value.run.state == "failed" and caught.value.run.token == run.token


def test_wait_on_a_cancelled_run(repl_sim: Simulator, repl_client: Any) -> None:
    run = repl_client.report_runs.create(repl_sim.reports[0])
    repl_sim.cancel_run(run.token)
    with pytest.raises(modehal.RunFailed, match="cancelled"):
        run.wait(poll_interval=0.01, progress=False)
    assert run.wait(poll_interval=0.01, raise_on_failure=False, progress=False).state == "cancelled"


def test_wait_times_out(repl_sim: Simulator, repl_client: Any) -> None:
    repl_sim.speed = 0.001  # the run will not finish in time
    run = repl_client.report_runs.create(repl_sim.reports[0])
    with pytest.raises(modehal.Timeout, match="still 'enqueued'"):
        run.wait(timeout=0.2, poll_interval=0.05, progress=False)


def test_wait_on_dataset_runs_and_duplicates(repl_sim: Simulator, repl_client: Any) -> None:
    assert (
        repl_client.dataset_runs.create(repl_sim.datasets[0])
        .wait(poll_interval=0.01, progress=False)
        .state
        == "succeeded"
    )
    report = repl_sim.reports[0]
    run = next(iter(repl_client.report_runs.list(report)))
    assert (
        repl_client.report_runs.duplicate(report, run.token)
        .wait(poll_interval=0.01, progress=False)
        .state
        == "succeeded"
    )


def test_wait_shows_a_status_line_on_a_terminal(
    repl_sim: Simulator, repl_client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    repl_client.report_runs.create(repl_sim.reports[0]).wait(poll_interval=0.01, progress=True)
    err = capsys.readouterr().err
    assert "\rReportRun" in err and "succeeded" in err and err.endswith("\n")
