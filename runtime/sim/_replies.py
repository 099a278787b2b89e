"""What a handler gets and gives: the request, its answer or refusal, and pages of lists.

Handlers run one at a time under the store's lock (``_server``), so they change the store
directly. ``Quirks`` are Mode's observed habits, on by default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from ._downloads import Body
from ._store import Store

REST_PAGE_LIMIT = 30  # Mode's REST pages hold at most 30 items (docs README item 15)
DISCOVERY_PAGE = 1000

T = TypeVar("T")


@dataclass
class Quirks:
    """Mode's observed habits, on by default (docs README items 5, 10 and 15)."""

    rest_page_limit: bool = True  # a larger per_page is silently clamped to 30
    next_page_past_end: bool = True  # the last page still links a next_page (which is empty)
    clone_answers_202: bool = True  # the page says 200
    discovery_account_placeholder: bool = True  # next_page hrefs hold a literal {account}

    @classmethod
    def none(cls) -> Quirks:
        return cls(False, False, False, False)


@dataclass
class Reply:
    status: int
    document: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Body | None = None  # a download, sent instead of a document once the lock is released


class Refusal(Exception):
    """A 4xx answer, raised from deep inside a handler."""

    def __init__(self, status: int, error_id: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_id, self.message = status, error_id, message


@dataclass
class Request:
    store: Store
    quirks: Quirks
    params: dict[str, str]  # path params, by placeholder name
    query: dict[str, str]
    raw_query: str
    path: str  # without a trailing slash, as routed
    body: Any


Handler = Callable[[Request], Reply]


def bad_request(message: str) -> Refusal:
    return Refusal(400, "bad_request", message)


def not_found(what: str) -> Refusal:
    return Refusal(404, "not_found", f"{what} not found")


def int_param(request: Request, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise bad_request(f"{name} must be {bound}, got {value}")
    return value


def _pagination(
    page: int, per_page: int, count: int, total_pages: int, total: int
) -> dict[str, Any]:
    """The ``pagination`` object both APIs send (the REST one adds its first and last pages)."""
    return {
        "page": page,
        "per_page": per_page,
        "count": count,
        "total_pages": total_pages,
        "total_count": total,
    }


def _page_path(request: Request, page: int) -> str:
    query = {**request.query, "page": str(page)}
    # Brackets stay literal, as Mode writes them (`embed[report_runs][executed_by]=1`).
    return f"{request.path}?{urlencode(query, safe='[]')}"


def rest_collection(
    request: Request, key: str, items: Sequence[T], render: Callable[[T], dict[str, Any]]
) -> Reply:
    """One page of a REST collection: ``_embedded.<key>``, ``_links`` (``self``,
    ``next_page``/``prev_page``) and the ``pagination`` object of Mode's OpenAPI file; only the
    page's items are rendered."""
    per_page = int_param(request, "per_page", REST_PAGE_LIMIT, 1)
    if request.quirks.rest_page_limit:
        per_page = min(per_page, REST_PAGE_LIMIT)
    page = int_param(request, "page", 1, 1)
    total_pages = -(-len(items) // per_page)  # none for an empty collection
    chunk = items[(page - 1) * per_page : page * per_page]
    more = page < total_pages
    links = {
        "self": {
            "href": f"{request.path}?{request.raw_query}" if request.raw_query else request.path
        }
    }
    if more or (request.quirks.next_page_past_end and chunk):
        links["next_page"] = {"href": _page_path(request, page + 1)}
    if page > 1:
        links["prev_page"] = {"href": _page_path(request, page - 1)}
    return Reply(
        200,
        {
            # Pagination (swagger.yaml): first_page and last_page are typed strings; here the
            # hrefs of those pages, beside the counts Discovery pages carry too
            "pagination": {
                **_pagination(page, per_page, len(chunk), total_pages, len(items)),
                "first_page": _page_path(request, 1),
                "last_page": _page_path(request, max(total_pages, 1)),
            },
            "_links": links,
            "_embedded": {key: [render(item) for item in chunk]},
        },
    )


def discovery_page(
    request: Request, key: str, items: Sequence[T], render: Callable[[T], dict[str, Any]]
) -> Reply:
    """One page of a Discovery list: the page's items under ``key``, a ``pagination`` object and
    ``next_page``/``prev_page`` links; only that page's items are rendered."""
    # Docs README item 6: per_page "must be greater than 0 and less than 1000", yet the
    # default page holds 1000 and Mode's own next_page hrefs say per_page=1000. So the
    # simulator takes 1 to 1000 (the client, stricter, sends at most 999).
    per_page = int_param(request, "per_page", DISCOVERY_PAGE, 1, DISCOVERY_PAGE)
    page = int_param(request, "page", 1, 1)
    total_pages = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    store = request.store
    account = "{account}" if request.quirks.discovery_account_placeholder else store.account
    # the path below /batch/<account>, written with Mode's literal {account} quirk (item 5)
    base = f"/batch/{account}/{request.path.split('/', 3)[3]}"
    others = {
        name: value for name, value in request.query.items() if name not in ("page", "per_page")
    }

    def at(number: int) -> dict[str, Any]:
        return {"href": f"{base}?{urlencode({'page': number, 'per_page': per_page, **others})}"}

    links = {}
    if page < total_pages or (request.quirks.next_page_past_end and chunk):
        links["next_page"] = at(page + 1)
    elif request.quirks.next_page_past_end:
        # Mode's file requires next_page on every page (BatchApiRepresenters::*Links); on the
        # empty page past the end it leads nowhere new, so a walk that follows it ends
        links["next_page"] = at(page)
    # The docs page's example has a prev_page on its first page too, pointing at page 1
    links["prev_page"] = at(max(page - 1, 1))
    return Reply(
        200,
        {
            "pagination": _pagination(page, per_page, len(chunk), total_pages, len(items)),
            key: [render(item) for item in chunk],
            "_links": links,
        },
    )
