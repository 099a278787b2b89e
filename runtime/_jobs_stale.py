"""``modehal.stale_reports()``: reports nobody has viewed or run for a long time.

The Discovery API's report listing states, for every report of the organization, when it was
last viewed and last run, in a few pages. Without Discovery credentials the REST listings
(spaces, then each space's reports) state only runs: views are then unknown (None) and a
report counts as stale when it has not run. A report younger than the cut-off is never stale,
whatever its history: it has not had the time to be used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ._errors import InvalidParameter
from ._fields import as_datetime
from ._jobs_walk import PER_PAGE, has_discovery, rest_reports, rest_spaces


@dataclass(frozen=True)
class StaleReport:
    """A report neither viewed nor run since the cut-off: its token, name and space token,
    and when it was last viewed and last run (None: never, or not known)."""

    report: str
    name: str | None
    space: str | None
    last_viewed_at: datetime | None
    last_run_at: datetime | None


def stale_reports(
    client: Any, days: float = 180, *, now: datetime | None = None
) -> list[StaleReport]:
    """The reports neither viewed nor run in the last ``days`` days (``now`` defaults to the
    current time), oldest activity first. Reads Discovery's account-wide report listing when
    the client has Discovery credentials, else the REST listings (see the module's
    docstring). Changes nothing: ``client.reports.archive(stale.report)`` does."""
    if isinstance(days, bool) or not isinstance(days, (int, float)) or not days >= 0:
        raise InvalidParameter(f"stale_reports: days must be 0 or more, got {days!r}")
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    if has_discovery(client):
        listing = client.call("reports.list", include_spaces="all", per_page=PER_PAGE)
        reports = [report.data for report in listing]
    else:
        reports = [report.data for _, report in rest_reports(client, rest_spaces(client))]
    found = []
    for data in reports:
        viewed = _when(data.get("last_viewed_at"))
        ran = _latest(data.get("last_run_at"), data.get("last_successfully_run_at"))
        activity = _latest(viewed, ran, data.get("created_at"))
        if activity is not None and activity >= cutoff:
            continue
        found.append(
            StaleReport(
                report=str(data.get("token")),
                name=data.get("name"),
                space=data.get("space_token"),
                last_viewed_at=viewed,
                last_run_at=ran,
            )
        )
    epoch = datetime.min.replace(tzinfo=timezone.utc)
    found.sort(
        key=lambda stale: (_latest(stale.last_viewed_at, stale.last_run_at) or epoch, stale.report)
    )
    return found


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not value:
        return None
    try:
        return as_datetime(value)
    except ValueError:
        return None  # a timestamp that does not read is no evidence of use


def _latest(*values: Any) -> datetime | None:
    found = [when for when in map(_when, values) if when is not None]
    return max(found) if found else None
