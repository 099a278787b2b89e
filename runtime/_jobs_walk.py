"""What the workspace jobs share: which listings to read, and a resource as a flat record.

The Discovery API lists a whole organization's spaces, reports, queries, charts and members
in pages of up to a thousand; the REST API lists reports space by space and queries report by
report. A job takes the Discovery listings when the client holds Discovery credentials.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from ._hal import Resource

PER_PAGE = 999  # the largest page both APIs accept: fewest requests


def counted(client: Any) -> Any:
    """A copy of ``client`` (same connections, same rate limit) whose ``_sent`` counts only
    the requests of the job it is given to."""
    return client.with_options()


def has_discovery(client: Any) -> bool:
    return client.settings.bearer is not None


def flat(resource: Resource[Any]) -> dict[str, Any]:
    """The documented fields of ``resource`` as Mode sent them (absent ones as None)."""
    data = resource.data
    names = getattr(resource, "field_types", None) or {
        key: "" for key in data if not key.startswith("_")
    }
    return {name: data.get(name) for name in names}


def rest_spaces(client: Any, only: Iterable[str] | None = None) -> list[Resource[Any]]:
    """Every space the REST listing shows, or the spaces ``only`` names (each fetched, so a
    token that does not exist is ``NotFound``)."""
    if only is not None:
        return [client.call("spaces.get", space=token) for token in dict.fromkeys(only)]
    return list(client.call("spaces.list"))


def rest_reports(client: Any, spaces: Iterable[Resource[Any]]) -> Iterator[tuple[Any, Any]]:
    """(space, report) for every report of each space, a listing per space."""
    for space in spaces:
        for report in client.call("reports.list_in_space", space=space.data["token"]):
            yield space, report


def creator(client: Any, resource: Resource[Any]) -> str | None:
    """The username of whoever made ``resource``, read from its ``creator`` link (an account,
    ``/api/<username>``) without fetching it; None when the link says otherwise."""
    link = resource.links.get("creator")
    url = None if link is None or link.templated else client.api_url(link.href)
    if url is None:
        return None
    parts = [unquote(part) for part in urlsplit(url).path.split("/") if part]
    return parts[1] if len(parts) == 2 and parts[0] == "api" else None
