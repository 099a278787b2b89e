"""Walking collections across pages, and every way Mode's paging can go wrong."""

from __future__ import annotations

from typing import Any

import pytest
import responses

import modehal

from .conftest import BASE

RUNS = f"{BASE}/api/hogwarts/reports/r1/runs"


def run(token: str) -> dict[str, Any]:
    return {
        "token": token,
        "state": "succeeded",
        "_links": {"self": {"href": f"/api/hogwarts/reports/r1/runs/{token}"}},
    }


def page(
    tokens: list[str], next_href: str | None = None, rel: str = "next_page", **extra: Any
) -> dict[str, Any]:
    links = {rel: {"href": next_href}} if next_href else {}
    return {"_links": links, "_embedded": {"report_runs": [run(t) for t in tokens]}, **extra}


def test_rest_collection_across_three_pages_is_lazy(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json=page(["a", "b"], "/api/hogwarts/reports/r1/runs?page=2"))
    mocked.get(f"{RUNS}?page=2", json=page(["c", "d"], "/api/hogwarts/reports/r1/runs?page=3"))
    mocked.get(f"{RUNS}?page=3", json=page(["e"]))
    runs = offline_client.report_runs.list("r1")
    assert len(mocked.calls) == 1  # the first page is fetched at the call
    walk = iter(runs)
    assert [next(walk).token, next(walk).token] == ["a", "b"]
    assert len(mocked.calls) == 1  # the second page only when needed
    assert [r.token for r in walk] == ["c", "d", "e"]
    assert len(mocked.calls) == 3
    assert runs.pages_fetched == 3


def test_next_rel_is_followed_too(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json=page(["a"], "/api/hogwarts/reports/r1/runs?page=2", rel="next"))
    mocked.get(f"{RUNS}?page=2", json=page(["b"]))
    assert [r.token for r in offline_client.report_runs.list("r1")] == ["a", "b"]


def test_next_page_past_the_end_stops_on_the_empty_page(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json=page(["a"], "/api/hogwarts/reports/r1/runs?page=2"))
    mocked.get(f"{RUNS}?page=2", json=page([], "/api/hogwarts/reports/r1/runs?page=3"))
    assert [r.token for r in offline_client.report_runs.list("r1")] == ["a"]
    assert len(mocked.calls) == 2


def test_collection_ignoring_page_stops_without_repeating(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    # Docs README item 15: some collections answer the same items for every page number.
    mocked.get(RUNS, json=page(["a", "b"], "/api/hogwarts/reports/r1/runs?page=2"))
    mocked.get(f"{RUNS}?page=2", json=page(["a", "b"], "/api/hogwarts/reports/r1/runs?page=3"))
    assert [r.token for r in offline_client.report_runs.list("r1")] == ["a", "b"]
    assert len(mocked.calls) == 2


def test_overlapping_pages_never_yield_an_item_twice(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json=page(["a", "b"], "/api/hogwarts/reports/r1/runs?page=2"))
    mocked.get(f"{RUNS}?page=2", json=page(["b", "c"]))
    assert [r.token for r in offline_client.report_runs.list("r1")] == ["a", "b", "c"]


def test_next_link_back_to_a_fetched_page_ends_the_walk(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json=page(["a"], "/api/hogwarts/reports/r1/runs?page=2"))
    mocked.get(f"{RUNS}?page=2", json=page(["b"], "/api/hogwarts/reports/r1/runs?page=2"))
    assert [r.token for r in offline_client.report_runs.list("r1")] == ["a", "b"]
    assert len(mocked.calls) == 2


def discovery_page(number: int, total_pages: int, tokens: list[str]) -> dict[str, Any]:
    return {
        "pagination": {
            "page": number,
            "per_page": 2,
            "count": len(tokens),
            "total_pages": total_pages,
            "total_count": 5,
        },
        "reports": [{"id": i, "token": t} for i, t in enumerate(tokens)],
        # Docs README item 5: the href holds a literal {account}; Mode sends it past the end too.
        "_links": {
            "next_page": {"href": f"/batch/{{account}}/reports?page={number + 1}&per_page=2"}
        },
    }


def test_discovery_pages_fill_account_and_stop_at_total_pages(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    base = f"{BASE}/batch/hogwarts/reports"
    mocked.get(f"{base}?per_page=2", json=discovery_page(1, 3, ["a", "b"]))
    mocked.get(f"{base}?page=2&per_page=2", json=discovery_page(2, 3, ["c", "d"]))
    mocked.get(f"{base}?page=3&per_page=2", json=discovery_page(3, 3, ["e"]))
    reports = offline_client.reports.list(per_page=2)
    assert reports.total == 5
    assert [r.token for r in reports] == ["a", "b", "c", "d", "e"]
    assert [c.request.url for c in mocked.calls][1:] == [
        f"{base}?page=2&per_page=2",
        f"{base}?page=3&per_page=2",
    ]
    assert all(c.request.headers["Authorization"].startswith("Bearer ") for c in mocked.calls)


def test_a_page_numbered_past_total_pages_is_not_yielded(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    base = f"{BASE}/batch/hogwarts/reports"
    first = discovery_page(1, 2, ["a"])
    first["_links"]["next_page"]["href"] = "/batch/hogwarts/reports?page=2"
    mocked.get(base, json=first)
    mocked.get(f"{base}?page=2", json=discovery_page(7, 2, ["zzz"]))
    assert [r.token for r in offline_client.reports.list()] == ["a"]


def test_bare_array_and_unexpected_embedded_key_lose_nothing(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json=[run("a"), run("b")])
    assert [r.token for r in offline_client.report_runs.list("r1")] == ["a", "b"]
    mocked.get(
        f"{BASE}/api/hogwarts/datasets/d1/runs",
        json={"_embedded": {"runs": [run("x")]}, "_links": {}},
    )
    assert [r.token for r in offline_client.dataset_runs.list("d1")] == ["x"]


def test_a_non_object_item_is_a_decode_error_naming_the_url(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json={"_embedded": {"report_runs": [run("a"), 42]}})
    with pytest.raises(modehal.DecodeError, match=r"item 1 is a JSON int.*reports/r1/runs"):
        offline_client.report_runs.list("r1")


def test_items_that_are_not_a_list_are_a_decode_error(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json={"_embedded": {"report_runs": {"token": "a"}}})
    with pytest.raises(modehal.DecodeError, match="not a list"):
        offline_client.report_runs.list("r1")


def test_an_error_on_a_later_page_surfaces_while_iterating(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json=page(["a"], "/api/hogwarts/reports/r1/runs?page=2"))
    mocked.get(f"{RUNS}?page=2", json={"id": "not_found", "message": "gone"}, status=404)
    walk = iter(offline_client.report_runs.list("r1"))
    assert next(walk).token == "a"
    with pytest.raises(modehal.NotFound, match="gone"):
        next(walk)


def test_a_next_token_cursor_continues_at_the_same_url(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    # Mode's OpenAPI file pages the audit log with a `next_token` query param rather than links.
    mocked.get(f"{RUNS}?order=asc", json=page(["a", "b"], next_token="t2"))
    mocked.get(f"{RUNS}?order=asc&next_token=t2", json=page(["c"], next_token="t3"))
    mocked.get(f"{RUNS}?order=asc&next_token=t3", json=page(["d"], next_token=""))
    runs = offline_client.report_runs.list("r1", order="asc")
    assert [r.token for r in runs] == ["a", "b", "c", "d"]
    assert [call.request.url for call in mocked.calls][1:] == [
        f"{RUNS}?order=asc&next_token=t2",
        f"{RUNS}?order=asc&next_token=t3",
    ]


def test_a_repeated_next_token_ends_the_walk(
    offline_client: modehal.Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(RUNS, json=page(["a"], next_token="same"))
    mocked.get(f"{RUNS}?next_token=same", json=page(["b"], next_token="same"))
    assert [r.token for r in offline_client.report_runs.list("r1")] == ["a", "b"]
    assert len(mocked.calls) == 2
