"""modehal: a typed Python client for Mode Analytics' HAL+JSON API.

import modehal

client = modehal.Client(token, secret, account="hogwarts")
run = client.report_runs.create("1fc11c31fdc4", parameters={"user_id": 123})
schedule = run.follow("report_schedule")

async with modehal.AsyncClient(token, secret, account="hogwarts") as client:
    run = await client.report_runs.create("1fc11c31fdc4")
"""

import sys
from typing import TYPE_CHECKING, Any

from . import _repl

from ._errors import (
    APIError,
    BadRequest,
    ConfigurationError,
    ConnectionError,
    DecodeError,
    Forbidden,
    InvalidParameter,
    LinkError,
    MissingExtra,
    ModeError,
    NotFound,
    PaginationError,
    RateLimited,
    RedirectError,
    ResponseTooLarge,
    RunFailed,
    ServerError,
    Timeout,
    TooManyRedirects,
    TransportError,
    Unauthorized,
)
from ._async_download import AsyncDownload, AsyncResults
from ._async_hal import AsyncPollable, AsyncResource
from ._async_pagination import AsyncCollection
from ._download import Download
from ._hal import Document, Link, Links, Resource, ResponseInfo
from ._hooks import RequestView, ResponseView
from ._jobs_export import ExportSummary, export_sql
from ._jobs_inventory import Inventory, inventory
from ._jobs_runs import RunOutcome, RunsInterrupted
from ._jobs_stale import StaleReport, stale_reports
from ._pagination import Collection, Page
from ._polling import Pollable
from ._results import Results
from ._retries import Retry
from ._version import __version__

#: The name ``list()`` operations' results had before they became ``Collection``s.
Paginator = Collection

if TYPE_CHECKING:
    from .api import AsyncClient, Client


def __dir__() -> list[str]:
    # `modehal.Cl<Tab>`: the public names, Client (loaded lazily) included.
    return sorted(__all__)


def __getattr__(name: str) -> Any:
    # The generated half is imported on first use rather than here, so that the code
    # generator (modehal.codegen) still runs when generated/ is missing or out of date.
    if name == "Client":
        from .api import Client

        return Client
    if name == "AsyncClient":  # needs httpx: pip install "modehal[async]"
        from .api import AsyncClient

        return AsyncClient
    raise AttributeError(f"module 'modehal' has no attribute {name!r}")


__all__ = [
    "APIError",
    "AsyncClient",
    "AsyncCollection",
    "AsyncDownload",
    "AsyncPollable",
    "AsyncResource",
    "AsyncResults",
    "BadRequest",
    "Client",
    "Collection",
    "ConfigurationError",
    "ConnectionError",
    "DecodeError",
    "Document",
    "Download",
    "ExportSummary",
    "Forbidden",
    "InvalidParameter",
    "Inventory",
    "Link",
    "LinkError",
    "MissingExtra",
    "Links",
    "ModeError",
    "NotFound",
    "Page",
    "PaginationError",
    "Paginator",
    "Pollable",
    "RateLimited",
    "RedirectError",
    "RequestView",
    "Resource",
    "ResponseInfo",
    "ResponseView",
    "ResponseTooLarge",
    "Results",
    "Retry",
    "RunFailed",
    "RunOutcome",
    "RunsInterrupted",
    "ServerError",
    "StaleReport",
    "Timeout",
    "TooManyRedirects",
    "TransportError",
    "Unauthorized",
    "__version__",
    "export_sql",
    "inventory",
    "stale_reports",
]

# Inside IPython or Jupyter, `run.follow("<Tab>` and `run.links["<Tab>` offer the rels.
if "IPython" in sys.modules:
    _repl.register_in_ipython()
