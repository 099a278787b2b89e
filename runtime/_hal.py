"""HAL documents: ``Link``, the ``Links`` of a resource, and ``Resource`` itself.

A ``Resource`` wraps the decoded JSON object as it arrived (``.data``); typed attributes,
links and embedded resources are read from it lazily, so a value that does not decode spoils
only its own attribute, never the resource.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
import re
import sys
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Literal,
    Protocol,
    TypeVar,
    get_args,
    get_origin,
)

from . import _display
from ._download import Download
from ._errors import DecodeError, InvalidParameter, LinkError, did_you_mean
from ._urls import segment_problem

if TYPE_CHECKING:
    from typing_extensions import Self

T = TypeVar("T")
RelT = TypeVar("RelT", bound=str)

# What a field decoder raises for a value it cannot read: ValueError, and OverflowError for a
# number past a float's range (float(10**400)).
_UNREADABLE = (ValueError, ArithmeticError)

# Expressions whose variables RFC 6570 treats as optional query parts ({?page}, {&per_page}).
_OPTIONAL_OPERATORS = {"?", "&"}


class Link:
    """One HAL link: an ``href``, possibly an RFC 6570 template."""

    __slots__ = ("rel", "href", "templated", "name", "title", "type")

    def __init__(
        self,
        href: str,
        *,
        rel: str = "",
        templated: bool = False,
        name: str | None = None,
        title: str | None = None,
        type: str | None = None,  # noqa: A002 - HAL's own key
    ) -> None:
        self.rel = rel
        self.href = href
        self.templated = templated
        self.name = name
        self.title = title
        self.type = type

    def expand(self, **variables: object) -> str:
        """The href with its template variables filled in (RFC 6570).

        A plain link is returned as is. Every variable of a path expression must be given;
        query expressions (``{?page}``) may be left out. A value that is (or holds a
        ``/``-separated part that is) ``.`` or ``..`` is refused with ``InvalidParameter``:
        servers would resolve it to another resource than the link names.
        """
        if not self.templated:
            return self.href
        from uritemplate import URITemplate  # only templated links need it

        try:
            template = URITemplate(self.href)
        except ValueError as exc:
            raise LinkError(
                f"link {self.rel!r} has a malformed template {self.href!r}: {exc}", rel=self.rel
            ) from None
        missing = sorted(
            name
            for variable in template.variables
            if _operator(variable) not in _OPTIONAL_OPERATORS
            for name in variable.variable_names
            if name not in variables
        )
        if missing:
            raise LinkError(
                f"link {self.rel!r} is a template ({self.href}) and needs "
                f"{', '.join(missing)}: pass {', '.join(f'{m}=...' for m in missing)}",
                rel=self.rel,
            )
        values = {name: _template_value(value) for name, value in variables.items()}
        for name, value in values.items():
            problem = _variable_problem(value)
            if problem is not None:
                raise InvalidParameter(f"link {self.rel!r}: {name}={value!r}: {problem}")
        return str(template.expand(values))

    def __repr__(self) -> str:
        suffix = ", templated=True" if self.templated else ""
        return f"Link({self.href!r}{suffix})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Link):
            return NotImplemented
        return (self.href, self.templated, self.name) == (other.href, other.templated, other.name)

    def __hash__(self) -> int:
        return hash((self.href, self.templated, self.name))


def _operator(variable: Any) -> str:
    # uritemplate 4.2 made the operator an enum; 4.1 kept the plain character.
    operator = variable.operator
    return str(getattr(operator, "value", operator))


def _plain_literal_annotations(cls: type) -> None:
    """At run time, a property annotated with a ``Literal`` alias (``-> ReportRunState``) is
    annotated with the alias's plain type (``-> str``) instead.

    jedi (0.19, 0.20) raises on ``Literal`` return annotations of properties when it completes
    a live object, and IPython swallows the error: ``run.<Tab>`` offered nothing. Type
    checkers read the source, where the ``Literal`` stays.
    """
    module = sys.modules.get(cls.__module__)
    plain = {
        name: type(get_args(value)[0]).__name__
        for name, value in (vars(module) if module is not None else {}).items()
        if get_origin(value) is Literal and get_args(value)
    }
    if not plain:
        return
    for attribute in vars(cls).values():
        returned = getattr(getattr(attribute, "fget", None), "__annotations__", {}).get("return")
        if isinstance(attribute, property) and isinstance(returned, str):
            erased = re.sub(r"\w+", lambda word: plain.get(word[0], word[0]), returned)
            if erased != returned:
                attribute.fget.__annotations__["return"] = erased


def _variable_problem(value: object) -> str | None:
    """Why a template variable cannot be expanded, or None. Every expansion gets the same
    check, whatever its operator: ``{+x}`` keeps ``%2e`` as it is, and a server may decode
    what ``{x}`` encoded, so no string of it may be a dot segment, encoded or not."""
    if isinstance(value, str):
        return segment_problem(value)
    if isinstance(value, dict):  # RFC 6570 explodes both keys and values
        parts: list[object] = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        return None
    for part in parts:
        problem = _variable_problem(part)
        if problem is not None:
            return problem
    return None


def _template_value(value: object) -> Any:
    """A variable as uritemplate expands it: text, or a list or dict of text (one level, as
    RFC 6570 allows; anything else is made text)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [item if isinstance(item, str) else str(item) for item in value]
    if isinstance(value, dict):
        return {
            str(key): item if isinstance(item, str) else str(item) for key, item in value.items()
        }
    return str(value)


@dataclass(frozen=True)
class _BadLink:
    reason: str


class Links(Mapping[str, Link]):
    """A resource's ``_links``: rel → ``Link``.

    ``links[rel]`` is the link (the first one when Mode sends an array); ``links.all(rel)``
    keeps every link of an array. A malformed entry (no href, a non-string href) is kept as a
    rel whose lookup raises ``LinkError`` saying what was wrong.
    """

    __slots__ = ("_links", "_bad", "_source")

    def __init__(self, raw: object, *, source: str | None = None) -> None:
        self._links: dict[str, list[Link]] = {}
        self._bad: dict[str, _BadLink] = {}
        self._source = source
        if not isinstance(raw, Mapping):
            return
        for rel, value in raw.items():
            if not isinstance(rel, str):
                continue
            entries = value if isinstance(value, list) else [value]
            links: list[Link] = []
            for entry in entries:
                link = _parse_link(rel, entry)
                if isinstance(link, _BadLink):
                    self._bad.setdefault(rel, link)
                else:
                    links.append(link)
            if links:
                self._links[rel] = links
            elif rel not in self._bad:
                self._bad[rel] = _BadLink("an empty link array")

    def __getitem__(self, rel: str) -> Link:
        links = self._links.get(rel)
        if links:
            return links[0]
        raise self.missing(rel)

    def all(self, rel: str) -> list[Link]:
        """Every link of ``rel`` (HAL allows an array); raises ``LinkError`` if there is none."""
        if rel in self._links:
            return list(self._links[rel])
        raise self.missing(rel)

    def missing(self, rel: str) -> LinkError:
        """The error for a rel that cannot be used, listing the rels that can."""
        where = f" of {self._source}" if self._source else ""
        bad = self._bad.get(rel)
        if bad is not None:
            return LinkError(
                f"link {rel!r}{where} is malformed: {bad.reason}", rel=rel, available=list(self)
            )
        available = sorted(self._links)
        message = f"no link {rel!r}{where}" + (did_you_mean(rel, available) or ".")
        message += f" Available: {', '.join(available) if available else '(none)'}."
        return LinkError(message, rel=rel, available=available)

    def __iter__(self) -> Iterator[str]:
        return iter(self._links)

    def __len__(self) -> int:
        return len(self._links)

    def __contains__(self, rel: object) -> bool:
        return rel in self._links

    def _ipython_key_completions_(self) -> list[str]:
        return sorted(self._links)

    def __repr__(self) -> str:
        if not self._links:
            return "Links({})"
        width = max(len(rel) for rel in self._links)
        rows = [
            f"  {rel.ljust(width)}  {links[0].href}" for rel, links in sorted(self._links.items())
        ]
        return "Links(\n" + "\n".join(rows) + "\n)"


def _parse_link(rel: str, entry: object) -> Link | _BadLink:
    if isinstance(entry, str):  # tolerated: a bare href instead of a link object
        return Link(entry, rel=rel)
    if not isinstance(entry, Mapping):
        return _BadLink(f"expected a link object, got {type(entry).__name__}")
    href = entry.get("href")
    if href is None:
        return _BadLink("it has no href")
    if not isinstance(href, str):
        return _BadLink(f"its href is a {type(href).__name__}, not a string")
    name, title, kind = entry.get("name"), entry.get("title"), entry.get("type")
    return Link(
        href,
        rel=rel,
        templated=entry.get("templated") is True,
        name=name if isinstance(name, str) else None,
        title=title if isinstance(title, str) else None,
        type=kind if isinstance(kind, str) else None,
    )


@dataclass(frozen=True)
class ResponseInfo:
    """What is kept of the HTTP response a resource came from."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    elapsed: float


class Navigator(Protocol):
    """What a resource asks of the client it came from without any I/O, either client alike:
    its settings, where an href leads, and which model an embedded document is."""

    @property
    def account(self) -> str | None: ...

    @property
    def base_url(self) -> str: ...

    @property
    def max_pages(self) -> int: ...

    def model_for_key(self, key: str) -> type[Any]: ...

    def resolve(
        self, href: str, variables: Mapping[str, str] | None = None, *, rel: str | None = None
    ) -> str: ...

    def web_page(self, href: str) -> str | None: ...


class Session(Navigator, Protocol):
    """What a ``Resource`` asks of ``modehal.Client`` (``BaseClient``): to fetch what its
    links point at."""

    def get(self, href: str) -> Resource[Any]: ...

    def follow_link(self, source: Resource[Any], rel: str, href: str) -> Resource[Any]: ...

    def get_page(self, url: str) -> tuple[object, ResponseInfo]: ...

    def call_on(self, resource: Resource[Any], endpoint: str, /, **arguments: object) -> Any: ...

    def download_link(self, source: Resource[Any], rel: str, href: str) -> Download: ...


class Document(Generic[RelT]):
    """What a HAL resource reads the same whichever client fetched it: ``data``, ``links``,
    ``embedded``, the typed fields generated models add, reprs and pickling.

    ``Resource`` (``modehal.Client``'s) and ``AsyncResource`` (``modehal.AsyncClient``'s) add
    the fetching: the one set of field classes serves both, each model's navigation comes in a
    blocking and an awaitable flavour.
    """

    resource_name: ClassVar[str] = "resource"
    plural: ClassVar[str | None] = None
    # where one such resource lives, when Mode shows it but documents no GET on it
    location: ClassVar[str | None] = None
    # the spec's type of each field ("string", "datetime", ... or an object model's name), in
    # the spec's order, and the documented values of those with an enum (the simulator fills
    # documents from them); field_names is the keys, set by __init_subclass__
    field_types: ClassVar[Mapping[str, str]] = {}
    field_names: ClassVar[tuple[str, ...]] = ()
    field_enums: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # the attribute reading each field whose JSON key is not a Python name (`viewable?`)
    field_attributes: ClassVar[Mapping[str, str]] = {}
    # rels the spec says lead to a body that is not a HAL document (results, a PDF): for
    # download(), never follow()
    download_rels: ClassVar[frozenset[str]] = frozenset()

    __slots__ = ("_data", "_client", "_url", "_links", "_problems", "response")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _plain_literal_annotations(cls)
        cls.field_names = tuple(cls.field_types)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        client: Any = None,
        url: str | None = None,
        response: ResponseInfo | None = None,
    ) -> None:
        # Kept as received (no copy): items of a 1000-report page cost nothing extra.
        self._data: dict[str, Any] = data if isinstance(data, dict) else dict(data or {})
        self._client = client
        self._url = url
        self._links: Links | None = None
        self._problems: dict[str, str] | None = None
        self.response = response

    # -- the document -------------------------------------------------------------------

    @property
    def data(self) -> dict[str, Any]:
        """The JSON object as Mode sent it, unknown fields included."""
        return self._data

    @property
    def url(self) -> str | None:
        """Where this resource lives: its ``self`` link, or the URL it was fetched from."""
        links = self.links
        if "self" in links:
            return links["self"].href
        return self._url

    @property
    def links(self) -> Links:
        """``_links`` as rel → ``Link``."""
        if self._links is None:
            self._links = Links(self._data.get("_links"), source=self._describe_source())
        return self._links

    @property
    def embedded(self) -> dict[str, Document[Any] | list[Document[Any]]]:
        """``_embedded`` as rel → resource, or list of resources."""
        raw = self._data.get("_embedded")
        if not isinstance(raw, Mapping):
            return {}
        result: dict[str, Document[Any] | list[Document[Any]]] = {}
        for key, value in raw.items():
            model = self._client.model_for_key(key) if self._client is not None else Resource
            if isinstance(value, list):
                result[key] = [
                    model(item, client=self._client) for item in value if isinstance(item, Mapping)
                ]
            elif isinstance(value, Mapping):
                result[key] = model(value, client=self._client)
        return result

    @property
    def extra(self) -> dict[str, Any]:
        """Fields Mode sent that the spec does not declare (``_links``/``_embedded`` aside)."""
        known = set(self.field_names) | {"_links", "_embedded"}
        return {key: value for key, value in self._data.items() if key not in known}

    @property
    def field_errors(self) -> dict[str, str]:
        """Declared fields whose value did not decode, with what was wrong.

        Such a field reads as ``None`` (or raises ``DecodeError`` when the spec says it is
        always present); the rest of the resource is unaffected.
        """
        errors: dict[str, str] = {}
        for name in self.field_names:
            try:
                # decoding records what was wrong in self._problems
                getattr(self, self.field_attributes.get(name, name))
            except DecodeError as exc:
                errors[name] = exc.problem
        errors.update(self._problems or {})
        return {name: errors[name] for name in self.field_names if name in errors}

    def __getitem__(self, key: str) -> Any:
        """The raw JSON value of ``key``, declared or not."""
        return self._data[key]

    def get(self, key: str, default: Any = None) -> Any:
        """The raw JSON value of ``key``, or ``default``."""
        return self._data.get(key, default)

    # -- for generated attributes -------------------------------------------------------

    def _required(self, name: str, decode: Callable[[Any], T]) -> T:
        value = self._data.get(name)
        if value is None:
            raise DecodeError(self._describe_source(), f"field {name!r} is missing")
        try:
            return decode(value)
        except _UNREADABLE as exc:
            raise DecodeError(self._describe_source(), f"field {name!r}: {exc}") from None

    def _optional(self, name: str, decode: Callable[[Any], T]) -> T | None:
        value = self._data.get(name)
        if value is None:
            return None
        try:
            return decode(value)
        except _UNREADABLE as exc:
            if self._problems is None:
                self._problems = {}
            shown = repr(value)
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            self._problems[name] = f"{shown} is unreadable: {exc}"
            return None

    # -- plumbing -----------------------------------------------------------------------

    def _require_client(self) -> Any:
        if self._client is None:
            raise LinkError(
                f"this {type(self).__name__} was built without a client, so it cannot fetch links"
            )
        return self._client

    def _href(self, rel: str, variables: Mapping[str, object]) -> str:
        """The href of link ``rel``, its template expanded with ``variables``."""
        return self.links[rel].expand(**variables)

    def _followed_href(self, rel: str, variables: Mapping[str, object]) -> str:
        """``_href`` for ``follow()``: a rel the spec says is a download is refused before
        anything is sent."""
        if rel in self.download_rels:
            raise LinkError(
                f"{rel!r} of {self._describe_source()} is a download, not a HAL document: "
                f"read it with .download({rel!r})",
                rel=rel,
            )
        return self._href(rel, variables)

    def _followable_rels(self) -> list[str]:
        """The rels ``follow()`` can fetch, sorted: every link but the downloads and the pages
        of Mode's web app (``share``, ``web_*``), which ``follow()`` refuses."""
        web_page = self._client.web_page if self._client is not None else None
        return sorted(
            rel
            for rel, link in self.links.items()
            if rel not in self.download_rels and not (web_page and web_page(link.href))
        )

    def _downloadable_rels(self) -> list[str]:
        """The rels the spec says ``download()`` reads (results, a PDF) that this resource has."""
        return sorted(rel for rel in self.links if rel in self.download_rels)

    def _fresh_url(self) -> str:
        """Where ``refresh()`` fetches this resource again."""
        url = self.url
        if url is None:
            raise LinkError(f"{type(self).__name__} has no self link to refresh from", rel="self")
        return url

    def _renewed(self, fresh: Document[Any]) -> Self:
        """This resource's type, holding ``fresh``'s document (what ``refresh()`` returns)."""
        return type(self)(fresh.data, client=self._client, url=fresh._url, response=fresh.response)

    def _describe_source(self) -> str:
        # The resource's own URL (its self link) first: a run just created was fetched from
        # the URL it was POSTed to, which is not where it lives.
        links = self._data.get("_links")
        own = links.get("self") if isinstance(links, Mapping) else None
        href = own.get("href") if isinstance(own, Mapping) else None
        if isinstance(href, str) and href:
            return href
        return self._url or f"a {type(self).__name__} document"

    def _summary(self) -> str:
        ident = self._data.get("token") or self._data.get("name") or self._data.get("id")
        parts = [type(self).__name__]
        if isinstance(ident, (str, int)) and not isinstance(ident, bool):
            parts.append(str(ident))
        state = self._data.get("state")
        if isinstance(state, str):
            parts.append(f"state={state}")
        parts.append(f"links={len(self.links)}")
        return " ".join(parts)

    def _headline(self) -> str:
        """The one line that heads this resource's pretty form (and is its repr)."""
        return f"<{self._summary()}>"

    def __repr__(self) -> str:
        return self._headline()

    def _pretty_items(self) -> list[str]:
        """Lines the pretty form shows after the links (a collection's first items)."""
        return []

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython: the summary, the fields, each rel with its href, and a collection's first
        items."""
        if cycle:
            printer.text(self._headline())
        else:
            printer.text("\n".join([_display.as_text(self), *self._pretty_items()]))

    def _repr_html_(self) -> str:
        """Jupyter: the same as an HTML table; web pages are links that open in the browser."""
        return _display.as_html(
            self,
            web_page=self._client.web_page if self._client is not None else None,
            after=self._pretty_items(),
        )

    def __dir__(self) -> list[str]:
        attributes = (self.field_attributes.get(name, name) for name in self.field_names)
        return sorted(set(super().__dir__()) | set(attributes))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return type(self) is type(other) and self._data == other._data

    __hash__ = None  # type: ignore[assignment]  # mutable payload: not hashable

    def __getstate__(self) -> dict[str, Any]:
        # Pickled (to another process, or inside a RunFailed) as its document, without its
        # client: that holds credentials and a connection pool.
        return {
            name: getattr(self, name)
            for kind in type(self).__mro__
            for name in getattr(kind, "__slots__", ())
            if name not in ("_client", "_links", "__weakref__") and hasattr(self, name)
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._client = None
        self._links = None
        for name, value in state.items():
            setattr(self, name, value)


class Resource(Document[RelT]):
    """A HAL resource fetched by ``modehal.Client``.

    ``data`` is the JSON object exactly as received; ``links`` and ``embedded`` are its
    ``_links`` and ``_embedded``; ``follow(rel)`` fetches a related resource. Generated models
    subclass it with one typed attribute per documented field; fields the spec does not know
    stay in ``data`` and ``extra``.
    """

    __slots__ = ()

    def _require_client(self) -> Session:
        client: Session = super()._require_client()
        return client

    def follow(self, rel: RelT, **variables: object) -> Resource[Any]:
        """Fetch the resource at link ``rel``, expanding a templated href with ``variables``.

        The result is the generated model when the spec knows the target (for example
        ``run.follow("report_schedule")`` is a ``ReportSchedule``), a ``Collection`` for a
        list, and a plain ``Resource`` otherwise. Raises ``LinkError`` if the rel is missing,
        listing the rels there are.
        """
        href = self._followed_href(rel, variables)
        return self._require_client().follow_link(self, rel, href)

    def download(self, rel: RelT, **variables: object) -> Download:
        """Stream what link ``rel`` leads to when it is not a HAL document (results, a PDF):
        a ``modehal.Download``. ``follow()`` is for HAL documents."""
        href = self._href(rel, variables)
        return self._require_client().download_link(self, rel, href)

    def _call(self, endpoint: str, /, **arguments: object) -> Any:
        # For generated methods such as ReportRun.results(): the operation, with this
        # resource's own tokens.
        return self._require_client().call_on(self, endpoint, **arguments)

    def refresh(self) -> Self:
        """Fetch this resource again from its ``self`` link (or the URL it came from)."""
        return self._renewed(self._require_client().get(self._fresh_url()))
