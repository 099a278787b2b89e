"""The exceptions modehal raises. Everything it raises on purpose is a ``ModeError``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from requests.structures import CaseInsensitiveDict

_BODY_LIMIT = 500  # characters of a non-JSON error body kept in the message


class ModeError(Exception):
    """Root of every error modehal raises.

    Every one survives ``pickle`` with its attributes (so it can cross ``multiprocessing``,
    ``ProcessPoolExecutor`` and task queues): it is rebuilt from its message and attributes,
    not by calling its constructor again.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args), self.__dict__)


def _rebuild(kind: type[ModeError], args: tuple[Any, ...]) -> ModeError:
    error = kind.__new__(kind)
    error.args = args
    return error


class ConfigurationError(ModeError):
    """The client is missing something it needs, such as a credential or an account."""


class MissingExtra(ModeError, ImportError):
    """A method needs an optional dependency that is not installed; the message names the
    ``pip install`` command of the extra that brings it (``.extra``)."""

    def __init__(self, needed_by: str, extra: str, module: str) -> None:
        super().__init__(
            f'{needed_by} needs {module}, which is an optional extra: pip install "modehal[{extra}]"'
        )
        self.extra = extra
        self.module = module


class InvalidParameter(ModeError, ValueError):
    """An argument breaks a constraint the spec documents (an enum, a range, a pattern)."""


class DecodeError(ModeError):
    """A response body is not the JSON/HAL document that was expected."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{problem} (from {url})")
        self.url = url
        self.problem = problem


class NotJSON(DecodeError):
    """A 2xx answer whose Content-Type says it is not JSON (a CSV, a zip, a PDF, a web page),
    noticed from its headers, before its body is read."""

    def __init__(self, url: str, content_type: str) -> None:
        super().__init__(url, f"the body is {content_type}, not a JSON document")
        self.content_type = content_type


class LinkError(ModeError, KeyError):
    """A relation is not on the resource, or a link cannot be followed as it is.

    It is a ``KeyError`` too, so ``resource.links.get(rel)`` and ``rel in links`` behave as on
    any mapping.
    """

    def __init__(
        self, message: str, *, rel: str | None = None, available: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.rel = rel
        self.available = tuple(available)

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class TransportError(ModeError):
    """The request did not get an HTTP response.

    ``before_sending`` is true when the connection was never made, so Mode cannot have seen
    the request; ``attempts`` is how many times it was tried.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        before_sending: bool = False,
        attempts: int = 1,
        retryable: bool = True,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.before_sending = before_sending
        self.attempts = attempts
        self.retryable = retryable  # False when trying again cannot help (a redirect loop)

    def __str__(self) -> str:
        text = super().__str__()
        return text if self.attempts == 1 else f"{text} (after {self.attempts} attempts)"


class TooManyRedirects(TransportError):
    """Redirects went on past the limit (a loop, most likely); retrying would not help."""


class RedirectError(TransportError):
    """A redirect modehal will not follow: a POST, PATCH, PUT or DELETE sent to another origin
    (it would replay the request, body and all, somewhere else), any redirect to a
    link-local or cloud-metadata address, or a ``Location`` that is no URL (not UTF-8, a host
    with spaces or control characters)."""


class ResponseTooLarge(ModeError):
    """A response body grew past ``max_response_bytes`` (counted after decompression); the
    rest of it was not read."""

    def __init__(self, method: str, url: str, limit: int) -> None:
        super().__init__(
            f"{method} {url}: the response is larger than max_response_bytes={limit:,}; "
            "raise the limit (or pass max_response_bytes=None) if it is expected"
        )
        self.method = method
        self.url = url
        self.limit = limit


class PaginationError(ModeError):
    """A collection's pages cannot all be read: past ``max_pages`` with no stated total, or a
    next page on another origin. Raised rather than stopping quietly with items missing."""

    def __init__(self, message: str, *, url: str, pages: int, items: int) -> None:
        super().__init__(message)
        self.url = url
        self.pages = pages
        self.items = items


class Timeout(TransportError):
    """Connecting or reading took longer than the configured timeout, or ``wait()`` ran out
    of time before the run finished."""


class ConnectionError(TransportError):  # noqa: A001 - deliberately modehal.ConnectionError
    """The connection could not be made or was dropped."""


class RunFailed(ModeError):
    """``wait()`` saw the run end ``failed`` or ``cancelled``; the finished run is ``.run``."""

    def __init__(self, run: Any, state: str) -> None:
        token = getattr(run, "data", {}).get("token", "?")
        super().__init__(f"{type(run).__name__} {token} ended {state}")
        self.run = run
        self.state = state


class APIError(ModeError):
    """Mode answered with an error status.

    ``message`` is Mode's own message when the body is Mode's JSON error
    (``{"id": "not_found", "message": "ReportRun not found"}``); otherwise the start of the raw
    body, which is kept whole in ``body``.
    """

    def __init__(
        self,
        *,
        status: int,
        method: str,
        url: str,
        body: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.method = method
        self.url = url
        self.attempts = 1
        #: what the spec says this status means for the operation called, if it documents it
        self.documented: str | None = None
        self.body = body
        self.headers: Mapping[str, str] = CaseInsensitiveDict(headers or {})
        self.error_id, message = _parse_error_body(body)
        self.message = message if message is not None else _truncate(body)
        super().__init__(self._describe())

    def _describe(self) -> str:
        detail = self.message or "(empty body)"
        label = f"{self.error_id}: " if self.error_id else ""
        return f"{self.method} {self.url} -> {self.status}: {label}{detail}"

    def __str__(self) -> str:
        text = self._describe()
        return text if self.attempts == 1 else f"{text} (after {self.attempts} attempts)"


class BadRequest(APIError):
    """400: Mode refused the request as malformed."""


class Unauthorized(APIError):
    """401: the credentials are missing or wrong for this API."""


class Forbidden(APIError):
    """403: the credentials may not do this."""


class NotFound(APIError):
    """404: the account, report, run or schedule does not exist (or is not visible)."""


class RateLimited(APIError):
    """429: too many requests. ``retry_after`` is the wait Mode asked for, in seconds."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retry_after: float | None = retry_after_seconds(self.headers.get("Retry-After"))


class ServerError(APIError):
    """5xx: Mode (or a proxy in front of it) failed."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    429: RateLimited,
}


def error_for_status(status: int) -> type[APIError]:
    """The ``APIError`` subclass for an HTTP error status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``; did you mean 'a' or 'b'?`` for the choices close to ``word``, or ``""``."""
    import difflib  # only a misspelling needs it; kept out of `import modehal`

    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _parse_error_body(body: str) -> tuple[str | None, str | None]:
    text = body.strip()
    if not text.startswith("{"):
        return None, None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(document, dict):
        return None, None
    error_id = document.get("id")
    message = document.get("message")
    return (
        error_id if isinstance(error_id, str) else None,
        message if isinstance(message, str) else None,
    )


def _truncate(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _BODY_LIMIT else text[:_BODY_LIMIT] + "…"


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds: it holds either seconds or an HTTP date."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime  # rarely needed: kept out of `import modehal`

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
