"""``client.reports.latest_run()`` and ``latest_results()``: a report's data without a new run.

The generated ``Reports`` group inherits these (spec/report.yaml's ``group_base``). A report
names its latest successful run three ways, tried cheapest first: the ``last_successful_run``
link (when it is an API href: Mode has sent web pages under rels before), the
``last_successful_run_token`` field, and, when neither leads to a succeeded run, the runs
listing read newest first until a succeeded run turns up.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from ._errors import LinkError, NotFound
from ._hal import Resource
from ._operations import Operations
from ._results import Results

RunT = TypeVar("RunT", bound=Resource[Any])

_SUCCEEDED = "succeeded"


class LatestRuns(Operations, Generic[RunT]):
    """The methods of ``client.reports`` that are more than one call; ``RunT`` is the model
    of a report run (``ReportRun``)."""

    def latest_run(self, report: str, *, account: str | None = None) -> RunT:
        """The report's latest successful run, without starting a new one.

        Read from the report's ``last_successful_run`` link when it is an API href, else its
        ``last_successful_run_token``, else its runs listing (newest first). Raises
        ``modehal.NotFound`` when the report has never run successfully.

        Args:
            report: Report token.
            account: Account username. Defaults to the client's account.
        """
        found = self._from_report(report, account)
        if found is None:
            found = self._from_listing(report, account)
        return found

    def latest_results(
        self, report: str, *, format: str = "csv", account: str | None = None
    ) -> Results:
        """The results of the report's latest successful run (see ``latest_run``), streamed:
        ``client.reports.latest_results(token).save("out.csv")``.

        Args:
            report: Report token.
            format: ``csv`` (one CSV, or a zip of one per query) or ``json``.
            account: Account username. Defaults to the client's account.
        """
        run = self.latest_run(report, account=account)
        results: Results = self._client.call_on(run, "report_runs.results", format=format)
        return results

    def _from_report(self, report: str, account: str | None) -> RunT | None:
        found: Resource[Any] = self._client.call("reports.get", report=report, account=account)
        link = found.links.get("last_successful_run")
        if link is not None and not link.templated and self._client.api_url(link.href):
            run = self._fetch(lambda: found.follow("last_successful_run"))
            if run is not None:
                return run
        token = found.data.get("last_successful_run_token")
        if isinstance(token, str) and token:
            get = "report_runs.get"
            return self._fetch(
                lambda: self._client.call(get, report=report, run=token, account=account)
            )
        return None

    @staticmethod
    def _fetch(get: Callable[[], Resource[Any]]) -> RunT | None:
        """The run ``get()`` fetches when it is one that succeeded; None when it is not, or no
        longer exists (the listing is asked next)."""
        try:
            run = get()
        except (NotFound, LinkError):
            return None
        if run.data.get("state") != _SUCCEEDED or not _is_run(run):
            return None
        return cast(RunT, run)

    def _from_listing(self, report: str, account: str | None) -> RunT:
        runs = self._client.call(
            "report_runs.list", report=report, order="desc", order_by="created_at", account=account
        )
        for run in runs:
            if run.data.get("state") == _SUCCEEDED:
                return cast(RunT, run)
        raise NotFound(
            status=404,
            method="GET",
            url=runs.url or "",
            body=json.dumps(
                {"id": "not_found", "message": f"report {report} has never run successfully"}
            ),
        )


def _is_run(resource: Resource[Any]) -> bool:
    return getattr(resource, "resource_name", "") == "report_run"
