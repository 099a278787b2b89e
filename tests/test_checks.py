"""The checks a call's arguments meet before anything is sent (issue 24 D7, D8, D10, D11):
patterns said in words, a schedule's cron as a whole, aliases of a param, MODE_LOG."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import yaml

import modehal
from modehal._time_zones import MODE_NAMES
from modehal.api import Cron

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def client() -> modehal.Client:
    return modehal.Client("tok", "sec", account="hogwarts", max_retries=0)


def invalid(call: object) -> str:
    assert callable(call)
    with pytest.raises(modehal.InvalidParameter) as info:
        call()
    return str(info.value)


def test_a_filter_that_does_not_parse_is_told_its_grammar_in_words(client: modehal.Client) -> None:
    message = invalid(lambda: client.report_runs.list("r1", filter="garbage"))
    assert message.startswith("report_runs.list: filter must be FIELD.OP.TIME, where FIELD is ")
    assert "created_at or updated_at" in message and "gt (after) or lt (before)" in message
    assert message.endswith("for example created_at.gt.2024-01-31T09:00:00Z, got 'garbage'")
    assert "\\d" not in message and "(gt|lt)" not in message  # no regex shown


def test_every_pattern_of_the_spec_is_told_in_words() -> None:
    patterned = [
        (op.name, param)
        for op in modehal.Client.catalog.operations.values()
        for param in op.params
        if param.pattern is not None
    ]
    assert len(patterned) >= 9
    for name, param in patterned:
        assert param.pattern_text and "\\" not in param.pattern_text, (name, param.name)


def test_a_date_that_does_not_parse_says_how_to_write_it(client: modehal.Client) -> None:
    message = invalid(lambda: client.reports.purge(time="31/01/2024"))
    assert message == (
        "reports.purge: time must be a date written as YYYY-MM-DD, for example 2024-01-31, "
        "got '31/01/2024'"
    )


@pytest.mark.parametrize(
    ("cron", "says"),
    [
        ({"freq": "weekly", "hour": 9}, "cron.day_of_week is required when freq is 'weekly'"),
        ({"freq": "monthly"}, "cron.day_of_month is required when freq is 'monthly'"),
        ({"freq": "daily", "time_zone": "Mars/Olympus"}, "cron.time_zone 'Mars/Olympus' is not"),
        ({"freq": "daily", "time_zone": "../etc/passwd"}, "cron.time_zone '../etc/passwd' is not"),
        ({"freq": "daily", "time_zone": 5}, "cron.time_zone must be a string, got int"),
        ({"freq": "daily", "hour": 24}, "cron.hour must be in 0..23, got 24"),
        ({"freq": "sometimes"}, "cron.freq must be one of"),
        ({"hr": 2}, "cron has an unknown key 'hr' (did you mean 'hour'?)"),
    ],
)
def test_a_cron_mode_would_refuse_fails_before_sending(
    client: modehal.Client, cron: dict[str, object], says: str
) -> None:
    message = invalid(lambda: client.report_schedules.create("r1", cron=cron))
    assert message.startswith(f"report_schedules.create: {says}")
    assert "Cron:" not in message and "cron Cron" not in message


@pytest.mark.parametrize(
    "cron",
    [
        Cron(freq="weekly", day_of_week=1, hour=9, time_zone="Europe/London"),
        Cron(freq="monthly", day_of_month=1, time_zone="Pacific Time (US & Canada)"),
        Cron(freq="daily", time_zone="UTC"),
        Cron(freq="hourly", minute=15),  # no time zone: Mode's default
    ],
)
def test_a_cron_mode_takes_is_built(cron: Cron) -> None:
    assert cron.freq is not None


def test_a_cron_built_in_python_is_checked_as_a_mapping_is() -> None:
    with pytest.raises(modehal.InvalidParameter, match=r"^Cron: day_of_week is required"):
        Cron(freq="weekly")
    with pytest.raises(modehal.InvalidParameter, match=r"^Cron: time_zone 'Nowhere' is not"):
        Cron(time_zone="Nowhere")


def test_modes_time_zone_names_are_those_of_its_openapi_file() -> None:
    swagger = yaml.safe_load((ROOT / "docs/mode-swagger/swagger.yaml").read_text())
    cron = swagger["definitions"]["ReportScheduleRequestBodyCronProperty"]["properties"]
    assert MODE_NAMES == set(cron["time_zone"]["enum"])
    assert len(MODE_NAMES) == 151


def test_params_and_parameters_are_one_param(client: modehal.Client) -> None:
    message = invalid(
        lambda: client.report_schedules.create(
            "r1", cron={"freq": "daily"}, params={"a": 1}, parameters={"a": 2}
        )
    )
    assert message == (
        "report_schedules.create: params is given twice, as params= and as parameters= "
        "(they are one parameter)"
    )
    # by name too, with the same checks
    message = invalid(
        lambda: client.call("report_schedules.create", report="r1", cron={}, parameters=[1])
    )
    assert message == "report_schedules.create: params must be a mapping, got list"
    # an alias belongs to its operation: a run's parameters have no other name
    message = invalid(lambda: client.call("report_runs.create", report="r1", params={"a": 1}))
    assert "params is not a parameter of this operation" in message


def test_mode_log_with_a_level_it_does_not_know_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODE_LOG", "verbose")
    with pytest.warns(UserWarning, match=r"MODE_LOG='verbose' is not a level modehal logs at"):
        modehal.Client("tok", "sec", account="hogwarts")
    for quiet in ("", "  ", "info", "DEBUG"):
        monkeypatch.setenv("MODE_LOG", quiet)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            modehal.Client("tok", "sec", account="hogwarts")
