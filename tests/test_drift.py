"""`python -m modehal.codegen drift`: each kind of drift, found in an edited copy of a real page."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from modehal.codegen import load_spec
from modehal.codegen._drift import compare
from modehal.codegen._pages import parse_page

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "docs" / "mode-docs"
SPEC = load_spec(REPO / "spec")


def drift_ids(name: str, text: str) -> set[str]:
    report = compare(SPEC, [parse_page(text, name)])
    return {drift.id for drift in report.drifts}


def page(name: str) -> str:
    return (PAGES / name).read_text()


def edit(text: str, old: str, new: str, *, within: tuple[str, str | None] | None = None) -> str:
    """Replace the one ``old`` of ``text``, or of its part ``within`` = (from this text, up to
    that one or the end)."""
    start, end = 0, len(text)
    if within is not None:
        start = text.index(within[0])
        end = text.index(within[1], start) if within[1] else len(text)
    part = text[start:end]
    assert part.count(old) == 1, f"{old!r} occurs {part.count(old)} times"
    return text[:start] + part.replace(old, new) + text[end:]


def test_the_saved_pages_give_no_drift() -> None:
    pages = [parse_page(path.read_text(), path.name) for path in sorted(PAGES.glob("*.txt"))]
    report = compare(SPEC, pages)
    assert report.clean, report.as_text()
    assert report.operations == 16
    assert len(report.explained) >= 20  # the contradictions the spec resolves, each with a reason


@pytest.mark.parametrize(
    "name, old, new, within, drifts",
    [
        pytest.param(
            "report-schedules.txt",
            "subscribed\n\nrequired\n\nstring\n",
            "subscribed\n\nrequired\n\nstring\n\nowner\n\nrequired\n\nstring\n",
            None,
            {"field-not-in-spec:owner"},
            id="added-field",
        ),
        pytest.param(
            "report-runs.txt",
            "completed running_notebook |",
            "completed running_notebook archived |",
            None,
            {"enum-differs:state=archived"},
            id="changed-enum",
        ),
        pytest.param(
            "report-schedules.txt",
            "  • report_subscriptions\n",
            "  • subscriptions\n",
            None,
            {"link-not-in-spec:subscriptions", "link-not-on-page:report_subscriptions"},
            id="renamed-rel",
        ),
        pytest.param(
            "dataset-runs.txt",
            "202\n\nDatasetRun Accepted",
            "201\n\nDatasetRun Created",
            ("Create a Dataset run", None),
            {"status-not-in-spec:create.201", "status-not-on-page:create.202"},
            id="changed-status",
        ),
        pytest.param(
            "report-schedules.txt",
            "schedule\n\nrequired\nstring Schedule token",
            "schedule\n\nstring Schedule token",
            ("Get a report schedule", "List schedules for a report"),
            {"param-required-differs:get.schedule"},
            id="changed-required-ness",
        ),
    ],
)
def test_one_edit_gives_its_drift(
    name: str, old: str, new: str, within: tuple[str, str | None] | None, drifts: set[str]
) -> None:
    assert drift_ids(name, edit(page(name), old, new, within=within)) == drifts


def test_removed_field_and_changed_type() -> None:
    text = edit(page("reports-discovery.txt"), "creator_email\n\nstring\n\n", "")
    text = edit(text, "last_run_token\n\nstring", "last_run_token\n\ninteger")
    ids = drift_ids("reports-discovery.txt", text)
    assert "field-type-differs:last_run_token=integer" in ids
    assert "field-only-in-example:creator_email" in ids  # gone from the table, still in the example
    text = text.replace('"creator_email": "creator@company.com",\n', "")
    assert "field-not-on-page:creator_email" in drift_ids("reports-discovery.txt", text)


def test_dropped_query_param() -> None:
    text = page("report-runs.txt")
    start = text.index("order_by |")
    end = text.index("Responses", start)
    text = text[:start] + text[end:]
    assert drift_ids("report-runs.txt", text) == {"param-not-on-page:list.order_by"}


def test_added_operation() -> None:
    text = page("dataset-schedules.txt")
    section = text[text.index("List schedules for a dataset") :]
    added = section.replace("List schedules for a dataset", "Get a dataset schedule", 1).replace(
        "'https://app.mode.com/api/{account}/datasets/{dataset}/schedules'",
        "'https://app.mode.com/api/{account}/datasets/{dataset}/schedules/{schedule}'",
    )
    ids = drift_ids("dataset-schedules.txt", text + "\n" + added)
    assert ids == {"operation-not-in-spec:Get a dataset schedule"}


@pytest.mark.parametrize("name", sorted(path.name for path in PAGES.glob("*.txt")))
def test_rewrapped_paragraphs_give_the_same_result(name: str) -> None:
    text = page(name)
    rewrapped = []
    for block in text.split("\n\n"):
        if len(block) > 120 and "{" not in block and "|" not in block and "curl" not in block:
            block = textwrap.fill(" ".join(block.split()), width=37)
        rewrapped.append(block)
    assert drift_ids(name, "\n\n\n".join(rewrapped)) == drift_ids(name, text) == set()


def run_drift(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modehal.codegen", "drift", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_cli_exit_codes_and_json(tmp_path: Path) -> None:
    pages = [str(path) for path in sorted(PAGES.glob("*.txt"))]
    clean = run_drift(*pages)
    assert clean.returncode == 0 and clean.stdout.startswith("no drift: 5 page(s), 16 operation(s)")
    edited = tmp_path / "report-runs.txt"
    edited.write_text(
        edit(
            page("report-runs.txt"),
            "completed running_notebook |",
            "completed running_notebook archived |",
        )
    )
    drifted = run_drift(str(edited), "--json")
    assert drifted.returncode == 1
    report = json.loads(drifted.stdout)
    assert [d["id"] for d in report["drift"]] == ["enum-differs:state=archived"]
    assert (
        report["drift"][0]["operation"] is None and report["drift"][0]["resource"] == "report_run"
    )


def test_unparseable_page_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "report-schedules.txt"
    text = page("report-schedules.txt")
    broken.write_text(
        text[: text.index('"subscribed": false,')]
    )  # the example JSON ends mid-object
    result = run_drift(str(broken))
    assert result.returncode == 2
    assert f"{broken}:" in result.stderr and "Traceback" not in result.stderr


def test_changelog_entry(tmp_path: Path) -> None:
    edited = tmp_path / "report-runs.txt"
    edited.write_text(
        edit(
            page("report-runs.txt"),
            "completed running_notebook |",
            "completed running_notebook archived |",
        )
    )
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## earlier\n")
    assert run_drift(str(edited), "--changelog", str(changelog)).returncode == 1
    text = changelog.read_text()
    assert (
        text.startswith("# Changelog\n\n## ")
        and "`report_run`: enum values differ: `state`" in text
    )
    assert text.index("regenerated from the saved docs") < text.index("## earlier")


def test_a_known_drift_entry_that_matches_nothing_is_reported(tmp_path: Path) -> None:
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    for path in (REPO / "spec").glob("*.yaml"):
        (spec_dir / path.name).write_text(path.read_text())
    schedule = spec_dir / "report_schedule.yaml"
    schedule.write_text(
        schedule.read_text() + "  - id: field-not-in-spec:nothing\n    reason: testing\n"
    )
    result = run_drift(str(PAGES / "report-schedules.txt"), "--spec", str(spec_dir))
    assert (
        result.returncode == 1
        and "stale-known-drift" in result.stdout
        and "field-not-in-spec:nothing" in result.stdout
    )


def test_a_known_drift_pattern_with_a_page_source_explains_page_drift(tmp_path: Path) -> None:
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    for path in (REPO / "spec").glob("*.yaml"):
        (spec_dir / path.name).write_text(path.read_text())
    run = spec_dir / "report_run.yaml"
    entry = "  - id: enum-differs:state=arch*\n    reason: testing\n    source: report-runs.txt\n"
    run.write_text(run.read_text() + entry)
    edited = tmp_path / "report-runs.txt"
    edited.write_text(
        edit(
            page("report-runs.txt"),
            "completed running_notebook |",
            "completed running_notebook archived |",
        )
    )
    report = json.loads(run_drift(str(edited), "--spec", str(spec_dir), "--json").stdout)
    assert report["drift"] == []
    assert "enum-differs:state=archived" in [k["id"] for k in report["known"]]
    # the same entry about another source explains nothing, and is not checked for staleness
    run.write_text(run.read_text().replace(entry, entry.replace("report-runs.txt", "swagger.yaml")))
    report = json.loads(run_drift(str(edited), "--spec", str(spec_dir), "--json").stdout)
    assert [d["id"] for d in report["drift"]] == ["enum-differs:state=archived"]
