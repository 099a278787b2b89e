"""Hostile responses (hypothesis): whatever Mode or a proxy sends, only ModeError escapes,
and no walk goes on forever."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import timedelta
from typing import Any

import httpx
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modehal

from .conftest import fuzz_examples

PATHS = [
    "/api/hogwarts/reports/r/runs/q",  # a ReportRun
    "/api/hogwarts/reports/r/schedules/s",  # a ReportSchedule
    "/api/hogwarts/reports/r/runs",  # a collection of runs
    "/batch/hogwarts/reports",  # a Discovery page
    "/api/hogwarts/somewhere",  # unknown to the spec
]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "/api/hogwarts/x",
            "https://evil.example/x",
            "/batch/{account}/reports?page=2",
            "{x}",
            "lorem ipsum",
            "2024-01-01T00:00:00Z",
            "YYYY-MM-DDTHH:MM:SS.msZ",
            "succeeded",
            "true",
            "42",
        ]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
hrefs = st.one_of(
    json_scalars,
    st.sampled_from(["/api/hogwarts/reports/r/runs?page=2", "/api/hogwarts/reports/r/runs/q"]),
)
links = st.one_of(
    json_values,
    st.dictionaries(
        st.sampled_from(
            ["self", "next_page", "next", "report", "report_schedule", "report_runs", "x"]
        ),
        st.one_of(
            st.fixed_dictionaries(
                {"href": hrefs}, optional={"templated": st.one_of(st.booleans(), json_scalars)}
            ),
            st.lists(st.fixed_dictionaries({"href": hrefs}), max_size=3),
            json_values,
        ),
        max_size=5,
    ),
)
items = st.lists(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {},
            optional={
                "token": json_scalars,
                "id": json_scalars,
                "state": json_scalars,
                "created_at": json_scalars,
                "_links": links,
            },
        ),
    ),
    max_size=5,
)
documents = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "token": json_scalars,
            "state": json_scalars,
            "created_at": json_scalars,
            "retry_count": json_scalars,
            "parameters": json_values,
            "subscribed": json_scalars,
            "_links": links,
            "_embedded": st.one_of(
                json_values,
                st.dictionaries(
                    st.sampled_from(["report_runs", "reports", "runs", "x"]),
                    st.one_of(items, json_values),
                    max_size=3,
                ),
            ),
            "reports": st.one_of(items, json_values),
            "pagination": st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "page": json_scalars,
                        "total_pages": json_scalars,
                        "total_count": json_scalars,
                    },
                ),
            ),
        },
    ),
)
bodies = st.one_of(
    documents.map(lambda document: json.dumps(document).encode()),
    documents.map(
        lambda document: json.dumps(document).encode()[: max(1, len(json.dumps(document)) // 2)]
    ),
    st.binary(max_size=40),
    st.sampled_from(
        [
            b"",
            b"<html><h1>502</h1></html>",
            b"null",
            b"[]",
            b"\xff\xfe{}",
            b'{"_links": {"self": {"href": "/api/x"}}}',
        ]
    ),
)
answers = st.tuples(
    st.sampled_from([200, 200, 200, 201, 202, 204, 400, 401, 403, 404, 429, 500, 502, 503]),
    bodies,
    st.sampled_from(["application/hal+json", "application/json", "text/html", ""]),
)


class ScriptedAsync:
    """The same stand-in for ``modehal.AsyncClient``'s transport, answering ``httpx`` responses."""

    def __init__(self, script: list[tuple[int, bytes, str]]) -> None:
        self.script = script
        self.calls = 0

    async def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        status, body, content_type = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        assert self.calls < 60, "the client kept fetching: a walk that does not end"
        response = httpx.Response(
            status,
            content=body,
            headers={"Content-Type": content_type},
            request=httpx.Request(method, url),
        )
        response.elapsed = timedelta(0)
        return response


class Scripted:
    """Stands in for the transport: answers from a script, then the last answer forever."""

    def __init__(self, script: list[tuple[int, bytes, str]]) -> None:
        self.script = script
        self.calls = 0

    def send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        status, body, content_type = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        assert self.calls < 60, "the client kept fetching: a walk that does not end"
        response = requests.Response()
        response.status_code, response._content, response.url = status, body, url
        response.headers["Content-Type"] = content_type
        return response


def exercise(resource: Any) -> None:
    repr(resource)
    resource.data, resource.extra, resource.field_errors, resource.embedded  # noqa: B018
    for name in getattr(resource, "field_names", ()):
        try:
            getattr(resource, name)
        except modehal.DecodeError:
            pass
    for rel in list(resource.links)[:3]:
        try:
            followed = resource.follow(rel)
        except modehal.ModeError:
            continue
        repr(followed)
    if isinstance(resource, modehal.Collection):
        list(itertools.islice(resource, 100))


async def exercise_async(resource: Any) -> None:
    repr(resource)
    resource.data, resource.extra, resource.field_errors, resource.embedded  # noqa: B018
    for name in getattr(resource, "field_names", ()):
        try:
            getattr(resource, name)
        except modehal.DecodeError:
            pass
    for rel in list(resource.links)[:3]:
        try:
            followed = await resource.follow(rel)
        except modehal.ModeError:
            continue
        repr(followed)
    if isinstance(resource, modehal.AsyncCollection):
        await resource.take(100)


async def walk_async(path: str, script: list[tuple[int, bytes, str]]) -> None:
    client = modehal.AsyncClient(
        "t", "s", account="hogwarts", discovery=("i", "k", "s"), max_retries=1
    )
    client._transport = ScriptedAsync(script)  # type: ignore[assignment]
    try:
        await exercise_async(await client.get(path))
        if path.endswith("/runs"):
            await client.report_runs.list("r").take(100)
        elif path.startswith("/batch"):
            await client.reports.list().take(100)
    except modehal.ModeError:
        pass


# 100 examples; 2000 with MODEHAL_FUZZ=full (see conftest).
@settings(
    max_examples=fuzz_examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.sampled_from(PATHS), st.lists(answers, min_size=1, max_size=4))
def test_only_mode_errors_escape_from_the_async_client(
    path: str, script: list[tuple[int, bytes, str]]
) -> None:
    asyncio.run(walk_async(path, script))


# 100 examples; 2000 with MODEHAL_FUZZ=full (see conftest).
@settings(
    max_examples=fuzz_examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.sampled_from(PATHS), st.lists(answers, min_size=1, max_size=4))
def test_only_mode_errors_escape(path: str, script: list[tuple[int, bytes, str]]) -> None:
    client = modehal.Client("t", "s", account="hogwarts", discovery=("i", "k", "s"), max_retries=1)
    client._transport = Scripted(script)  # type: ignore[assignment]
    try:
        exercise(client.get(path))
        if path.endswith("/runs"):
            list(itertools.islice(client.report_runs.list("r"), 100))
        elif path.startswith("/batch"):
            list(itertools.islice(client.reports.list(), 100))
    except modehal.ModeError:
        pass
