"""``modehal demo``: the client's whole job, against a simulator started in-process."""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path
from typing import Any

from .._errors import NotFound
from ..sim import Simulator


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "demo", help="show modehal at work against an in-process simulator"
    )
    parser.add_argument(
        "--speed", type=float, default=20.0, help="simulator clock speed (default 20)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with Simulator(port=0, speed=args.speed) as sim, sim.client() as client:
        say = _Printer()
        say.title(f"modehal demo: an offline Mode at {sim.url}, account {sim.account!r}")
        report = client.get(f"/api/{sim.account}/reports/{sim.reports[0]}")
        token = report.data["token"]

        say.step(f"Schedules of report {token} ({report.data['name']})")
        for schedule in client.report_schedules.list(token):
            say.item(
                f"{schedule.token}  {schedule.frequency} at {schedule.hour} {schedule.time_zone}, timeout {schedule.timeout}s"
            )

        say.step("Create a schedule, then update it")
        created = client.report_schedules.create(
            token,
            cron={"freq": "daily", "hour": 14, "minute": 0, "time_zone": "UTC"},
            params={"region": "emea"},
            timeout=900,
        )
        say.item(
            f"created {created.token}: {created.frequency} at {created.hour}, timeout {created.timeout}s"
        )
        updated = client.report_schedules.update(token, created.token, timeout=1800)
        say.item(f"updated {updated.token}: timeout {created.timeout}s -> {updated.timeout}s")

        say.step("Trigger a report run and wait for it to finish")
        run = client.report_runs.create(token, parameters={"region": "emea"})
        say.item(
            f"created run {run.token}: {run.state} (HTTP {run.response.status if run.response else '?'})"
        )
        states: list[str] = []
        started = time.monotonic()
        finished = run.wait(poll_interval=0.05, progress=lambda r: _note_state(states, r.state))
        say.item(f"wait(): {' -> '.join(states)} in {time.monotonic() - started:.2f}s")
        say.item(
            f"completed_at {finished.completed_at:%Y-%m-%d %H:%M:%S}"
            if finished.completed_at
            else "no completed_at"
        )

        say.step("Follow links from a scheduled run")
        schedule = next(iter(client.report_schedules.list(token)))
        scheduled_run = next(iter(schedule.follow("report_runs")))
        say.item(f"schedule.follow('report_runs') -> {scheduled_run!r}")
        say.item(f"run.follow('report_schedule')  -> {scheduled_run.follow('report_schedule')!r}")
        say.item(f"run.follow('report')           -> {scheduled_run.follow('report')!r}")

        say.step("Clone and duplicate the run")
        clone = client.report_runs.clone(token, finished.token)
        say.item(f"clone -> report {clone.token} ({clone.name})")
        duplicate = client.report_runs.duplicate(token, finished.token)
        done = duplicate.wait(poll_interval=0.05, progress=False)
        say.item(
            f"duplicate {duplicate.token}: {duplicate.state} -> {done.state}, new report {done.data.get('report_token')}"
        )

        say.step("Page through every Discovery report")
        started = time.monotonic()
        reports = client.reports.list(include_spaces="all")
        count = sum(1 for _ in reports)
        say.item(
            f"{count} reports of {reports.total} in {reports.pages_fetched} pages ({time.monotonic() - started:.2f}s)"
        )

        say.step("Delete the schedule made above")
        client.report_schedules.delete(token, created.token)
        try:
            client.report_schedules.get(token, created.token)
        except NotFound as error:
            say.item(f"deleted; fetching it again: {error.status} {error.message}")

        say.step(f"Save the results of run {finished.token}, and read them back")
        # a directory of the demo's own, removed at the end (an error or Ctrl-C too)
        with tempfile.TemporaryDirectory(prefix="modehal-demo-") as temporary:
            directory = Path(temporary)
            with finished.results() as results:  # one CSV, or a zip of one CSV per query
                tables = results.tables()
                saved = [table.save(directory) for table in tables.values()]
            for path in saved:
                say.item(f"saved {path} ({path.stat().st_size:,} bytes)")
                with path.open(newline="", encoding="utf-8-sig") as file:
                    for number, row in enumerate(csv.reader(file)):
                        if number > 3:
                            say.item("  ...")
                            break
                        say.item("  " + " | ".join(row))
        say.item(f"(removed {directory} again)")

        connections = sim.connections
        say.title(
            f"\ndone: {sum(sim.calls.values())} requests over {connections} TCP connection{'s' if connections != 1 else ''}"
        )
    return 0


def _note_state(states: list[str], state: str) -> None:
    if not states or states[-1] != state:
        states.append(state)


class _Printer:
    def __init__(self) -> None:
        self.number = 0

    def title(self, text: str) -> None:
        print(text, flush=True)

    def step(self, text: str) -> None:
        self.number += 1
        print(f"\n{self.number}. {text}", flush=True)

    def item(self, text: str) -> None:
        print(f"   {text}", flush=True)
