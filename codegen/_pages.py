"""Read a saved Mode API documentation page (``docs/mode-docs/*.txt``) into what it documents.

``parse_page(text, file)`` returns a ``DocPage``: the resource's property tables, its link
relations, the keys of its example payload, and every operation (method, paths, params,
statuses). ``python -m modehal.codegen drift`` compares that with ``spec/``.

The pages are browser text dumps in two layouts:

* A: every table cell is its own paragraph (cells separated by blank lines);
* B: table cells end with ``|`` and a long cell wraps onto the next line.

Either way a page reads: a nav breadcrumb, the title, intro prose, the resource (property
tables, link bullets, the example payload), then one section per operation: title, prose,
"URL Params" / "Query Params" / "POST Body Params" / "Responses" blocks, the HTTP-method
header line, and code samples (curl first, then Ruby, Python, JavaScript).

Nothing here depends on where a page's lines break or how they are indented: the parser works
from structure only (section headings, the HTTP-method header line, the curl URL, the example's
braces), so a page saved again with prose re-flowed or sections in another order reads the
same. What it cannot read raises ``PageError`` with the file and line; no other exception
escapes for any text.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ._errors import SourceError

__all__ = ["DocField", "DocOperation", "DocPage", "DocParam", "PageError", "parse_page"]


# -- the result -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DocField:
    """A row of a resource's property table ("Properties", or Discovery's "Report Object"/"Pagination")."""

    name: str
    type: str | None  # as printed ("string", "array", ...); None when the page prints none
    required: bool
    enum: tuple[str, ...]  # from "enum: a b c"
    table: str  # "properties" (the resource's own table) or "pagination"
    line: int  # 1-based line of the row's name


@dataclass(frozen=True)
class DocParam:
    name: str
    location: str  # "path" (URL Params), "query" (Query Params) or "body" (POST Body Params)
    type: str | None
    required: bool
    doc: str  # the description, whitespace-normalized ("" if none)
    parent: str | None  # "cron" for the fields listed under "Object: cron", else None
    line: int


@dataclass(frozen=True)
class DocOperation:
    title: str  # e.g. "Get a report schedule"
    method: str  # from the section's header line ("GET /{account}/...")
    header_path: str  # the path exactly as the header line prints it (often truncated)
    example_path: str | None  # path of the curl example's first URL, no host and no query
    params: tuple[DocParam, ...]
    # from "Responses": (200, "Report Schedule response"), (401, "Unauthorized"), ...
    statuses: tuple[tuple[int, str], ...]
    line: int  # line of the title


@dataclass(frozen=True)
class DocPage:
    file: str
    title: str  # e.g. "Report Schedules"
    fields: tuple[DocField, ...]
    links: tuple[str, ...]  # rels listed as bullets, in page order
    # top-level keys of the example resource (for Discovery, of one item of "reports"),
    # minus _links, _embedded and _forms
    example_fields: tuple[str, ...]
    example_links: tuple[str, ...]  # rels under the example's _links
    operations: tuple[DocOperation, ...]


class PageError(SourceError):
    """A page cannot be read. ``str()`` reads ``report-runs.txt:42: <what is wrong>``."""


# -- vocabulary -----------------------------------------------------------------------------

# Types the tables print. In layout A a type is a cell of its own, indistinguishable by shape
# from a field name, so only these words are read as types.
_TYPES = frozenset("string integer number boolean object array datetime date float null".split())
_METHOD_LINE = re.compile(r"(GET|POST|PUT|PATCH|DELETE)(?:\s+(/\S*))?")
_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\s+required)?")
_OBJECT = re.compile(r"Object:\s*([A-Za-z_][A-Za-z0-9_]*)?")
_STATUS = re.compile(r"([0-9]{3})(?:\s+(.*))?")
_ENUM_VALUES = re.compile(r"[\w.,-]+(?:\s+[\w.,-]+)*")
_BULLET = re.compile(r"(?:[•·]\s*|[-*]\s+)(\S.*)")
_BODY_HEADING = re.compile(r"(?:(?:post|put|patch)\s+)?body\s+params")
# "Report Schedule object", "Report Object" (compared lowercased)
_OBJECT_HEADING = re.compile(r"[a-z][a-z ]{0,60}\sobject")
# Characters no heading or title contains but code and JSON do.
_NOT_IN_HEADINGS = set('{}[]|<>=;"`\\')
_TITLE_PUNCTUATION = set(" -'’()&")
_IGNORED_EXAMPLE_KEYS = ("_links", "_embedded", "_forms")

_LOCATIONS = {"url params": "path", "query params": "query"}


def _normalize(text: str) -> str:
    return " ".join(text.split())


def _heading_key(text: str) -> str:
    """A heading as compared: layout B pads headings with empty cells ("Properties | |").
    Headings are capitalized; a lowercase "responses" is a word of prose wrapped alone."""
    key = _normalize(text.rstrip("| \t"))
    return key.lower() if key[:1].isupper() else ""


def _block_kind(text: str) -> str | None:
    """An operation's block heading as the block's kind: path, query, body or responses."""
    key = _heading_key(text)
    if key in _LOCATIONS:
        return _LOCATIONS[key]
    if _BODY_HEADING.fullmatch(key):
        return "body"
    return "responses" if key == "responses" else None


def _table_kind(text: str) -> str | None:
    """A heading that opens a resource's table as the table's name: properties or pagination."""
    key = _heading_key(text)
    if key == "pagination":
        return "pagination"
    if key == "properties" or (_OBJECT_HEADING.fullmatch(key) and len(key.split()) <= 6):
        return "properties"
    return None


def _is_structural(text: str) -> bool:
    return (
        _block_kind(text) is not None
        or _table_kind(text) is not None
        or _heading_key(text) == "links"
        or _METHOD_LINE.fullmatch(text) is not None
    )


def _is_page_title(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= 10
        and text[0].isalpha()
        and not _NOT_IN_HEADINGS.intersection(text)
        and text[-1] not in ".,:;"
        and not _is_structural(text)
        and _OBJECT.match(text) is None
    )


def _is_operation_title(text: str) -> bool:
    """An operation title: a short capitalized phrase of words only.

    Code samples never produce one (their lines hold quotes, dots, brackets or start lowercase),
    which is what separates one section's code from the next section's title.
    """
    words = text.split()
    return (
        2 <= len(words) <= 12
        and text[0].isalpha()
        and text[0].isupper()
        and all(ch.isalnum() or ch in _TITLE_PUNCTUATION for ch in text)
        and _block_kind(text) is None  # "URL Params" has a title's shape
    )


def _type_cell(words: list[str]) -> tuple[str, tuple[str, ...]] | None:
    """("string", enum) for a type cell: "string", "string enum: a b"; None for anything else."""
    if not words or words[0] not in _TYPES:
        return None
    if len(words) == 1:
        return words[0], ()
    if words[1] == "enum:":
        return words[0], _enum_values(words[2:])
    return None


def _enum_values(words: list[str]) -> tuple[str, ...]:
    return tuple(value for word in words for value in word.split(",") if value)


def _is_table_line(text: str) -> bool:
    """A line that can only belong to a property table (no prose: tables have no descriptions)."""
    for piece in text.split("|"):
        cell = piece.strip()
        words = cell.split()
        if not (
            not cell
            or _NAME.fullmatch(cell)
            or cell == "required"
            or _type_cell(words) is not None
            or words[0] == "enum:"
        ):
            return False
    return True


def _continues_enum(previous: str, text: str) -> bool:
    """A long "enum: a b c ..." cell wrapped onto a further line of bare values."""
    last_cell = previous.rstrip().rsplit("|", 1)
    return (
        len(last_cell) == 1  # the cell above is still open (no "|" after it)
        and ("enum:" in previous or _ENUM_VALUES.fullmatch(previous) is not None)
        and _ENUM_VALUES.fullmatch(text.rstrip("| ")) is not None
    )


# -- lines and cells ------------------------------------------------------------------------


class _Cell(NamedTuple):
    text: str  # whitespace-normalized
    at: int  # 0-based index of the line where the cell starts
    # Layout B: always. Layout A: the line opens a paragraph (a blank line or the heading
    # above it); a line that does not may be the wrapped tail of the cell above.
    fresh: bool = True


class _Doc:
    """The page's lines (stripped: indentation and trailing spaces carry no meaning)."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = [raw.strip() for raw in text.split("\n")]

    def error(self, index: int | None, message: str) -> PageError:
        return PageError(self.file, None if index is None else index + 1, message)

    def next_nonblank(self, start: int) -> int | None:
        for index in range(start, len(self.lines)):
            if self.lines[index]:
                return index
        return None

    def uses_pipes(self, start: int, end: int) -> bool:
        return any("|" in self.lines[index] for index in range(start, end))

    def pipe_cells(self, start: int, end: int) -> list[_Cell]:
        """Layout B: a cell ends at "|" and may run over several lines; "||" gives empty cells."""
        cells: list[_Cell] = []
        parts: list[str] = []
        first: int | None = None
        for index in range(start, end):
            pieces = self.lines[index].split("|")
            for position, piece in enumerate(pieces):
                if piece.strip():
                    parts.append(piece)
                    first = index if first is None else first
                if position < len(pieces) - 1:
                    cells.append(
                        _Cell(_normalize(" ".join(parts)), index if first is None else first)
                    )
                    parts, first = [], None
        if parts and first is not None:  # the block ended inside a cell
            cells.append(_Cell(_normalize(" ".join(parts)), first))
        return cells

    def line_cells(self, start: int, end: int) -> list[_Cell]:
        """Layout A: one cell per line, each knowing whether it opens a paragraph. A cell is a
        paragraph of its own, except "required" which sits right above a param's type; the
        grammars join a wrapped description's lines back together."""
        cells: list[_Cell] = []
        fresh = True
        for index in range(start, end):
            text = self.lines[index]
            if text:
                cells.append(_Cell(_normalize(text), index, fresh))
            fresh = not text
        return cells

    def cells(self, heading_at: int, end: int) -> list[_Cell]:
        """The cells of the block below a heading, in whichever layout it is printed."""
        if self.uses_pipes(heading_at, end):
            return self.pipe_cells(heading_at + 1, end)
        return self.line_cells(heading_at + 1, end)


# -- the page -------------------------------------------------------------------------------


def parse_page(text: str, file: str) -> DocPage:
    """Parse one saved page. Raises ``PageError`` (never anything else) when it cannot."""
    doc = _Doc(file, text)
    title_at = _page_title(doc)
    first_anchor = _next_anchor(doc, title_at + 1)
    resource = _parse_resource(
        doc, title_at + 1, len(doc.lines) if first_anchor is None else first_anchor
    )
    operations = _parse_operations(doc, first_anchor, resource.end)
    return DocPage(
        file=file,
        title=_normalize(doc.lines[title_at]),
        fields=tuple(resource.fields),
        links=tuple(resource.links),
        example_fields=resource.example_fields,
        example_links=resource.example_links,
        operations=tuple(operations),
    )


def _page_title(doc: _Doc) -> int:
    """The title's line index. Pages open with their nav section ("Analytics", "Distribution")
    when saved from the site: a one-word heading directly followed by another heading is that
    breadcrumb, and the title is the second one."""
    first = doc.next_nonblank(0)
    if first is None:
        raise doc.error(None, "the page is empty: no title")
    if not _is_page_title(doc.lines[first]):
        raise doc.error(first, f"the page has no title: it starts with {doc.lines[first][:60]!r}")
    second = doc.next_nonblank(first + 1)
    if (
        len(doc.lines[first].split()) == 1
        and second is not None
        and _is_page_title(doc.lines[second])
    ):
        return second
    return first


def _next_anchor(doc: _Doc, start: int) -> int | None:
    """The next line that opens an operation's structure: a params/Responses heading, or the
    HTTP-method header line of an operation that has neither."""
    for index in range(start, len(doc.lines)):
        text = doc.lines[index]
        if _block_kind(text) is not None or _METHOD_LINE.fullmatch(text):
            return index
    return None


# -- the resource: property tables, links, example ----------------------------------------


@dataclass
class _Resource:
    end: int  # index just past the last structural line (table, bullet, example)
    fields: list[DocField] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    example_fields: tuple[str, ...] = ()
    example_links: tuple[str, ...] = ()


def _parse_resource(doc: _Doc, start: int, end: int) -> _Resource:
    """Everything between the title and the first operation. Prose in between is skipped."""
    resource = _Resource(end=start)
    seen_example = False
    index = start
    while index < end:
        text = doc.lines[index]
        table = _table_kind(text) if text else None
        if table is not None:
            rows, index = _parse_property_table(doc, index, end, table)
            resource.fields.extend(rows)
            resource.end = index
            continue
        if text.startswith("{") and not seen_example:
            seen_example = True
            payload, index = _parse_example(doc, index, end)
            resource.example_fields, resource.example_links = _example_keys(payload)
            resource.end = index
            continue
        bullet = _BULLET.fullmatch(text)
        if bullet:
            resource.links.append(_normalize(bullet.group(1)))
            resource.end = index + 1
        index += 1
    return resource


@dataclass
class _FieldRow:
    name: str
    index: int
    required: bool
    type: str | None = None
    enum: tuple[str, ...] = ()
    has_type_cell: bool = False  # layout B prints a type cell even when it is empty


def _parse_property_table(
    doc: _Doc, heading_at: int, end: int, table: str
) -> tuple[list[DocField], int]:
    """The rows below a table heading; returns them and the index of the first line past the
    table. A table has no prose, so it ends at the first line no table cell could fill."""
    stop = heading_at + 1
    while stop < end:
        text = doc.lines[stop]
        if text and _is_structural(text):
            break
        if text and not _is_table_line(text) and not _continues_enum(doc.lines[stop - 1], text):
            break
        stop += 1
    heading = _normalize(doc.lines[heading_at].rstrip("| "))
    rows = _field_rows(doc, doc.cells(heading_at, stop), heading)
    if rows:
        last = rows[-1]
        # Layout B prints every row's type cell (empty or not); in layout A a required field
        # always has a type. Missing at the end, the table was cut off.
        if (doc.uses_pipes(heading_at, stop) and not last.has_type_cell) or (
            last.required and last.type is None
        ):
            raise doc.error(
                last.index, f"{heading} table ends mid-row: field {last.name!r} has no type cell"
            )
    fields = [DocField(r.name, r.type, r.required, r.enum, table, r.index + 1) for r in rows]
    return fields, stop


def _field_rows(doc: _Doc, cells: list[_Cell], heading: str) -> list[_FieldRow]:
    """A row is a name cell ("token" or "token required"), then any of "required", a type cell
    ("string", "string enum: a b") and an "enum: a b" cell. Layout B's empty cell is a type
    cell with nothing printed in it."""
    rows: list[_FieldRow] = []
    for cell in cells:
        words = cell.text.split()
        current = rows[-1] if rows else None
        typed = _type_cell(words)
        if current is None:
            if not words:
                continue
            if typed is not None or cell.text == "required" or words[0] == "enum:":
                raise doc.error(cell.at, f"{heading} table: {cell.text!r} before any field name")
        elif not words:
            current.has_type_cell = True
            continue
        elif current.enum and not cell.fresh and typed is None:
            # layout A: an enum wrapped onto the next line (a field name starts a paragraph)
            current.enum += _enum_values(words)
            continue
        elif typed is not None and not current.has_type_cell:
            current.type, current.enum = typed[0], current.enum + typed[1]
            current.has_type_cell = True
            continue
        elif cell.text == "required":
            current.required = True
            continue
        elif words[0] == "enum:":
            current.enum += _enum_values(words[1:])
            continue
        name = _NAME.fullmatch(cell.text)
        if name is None:  # only layout B can join lines into such a cell
            raise doc.error(cell.at, f"{heading} table: cannot read cell {cell.text!r}")
        rows.append(_FieldRow(name.group(1), cell.at, required=name.group(2) is not None))
    return rows


def _parse_example(doc: _Doc, start: int, end: int) -> tuple[Any, int]:
    """The example payload from its opening brace to the matching one; returns it and the
    index past its last line."""
    close = _matching_brace(doc, start, end)
    if close is None:
        raise doc.error(start, "the example JSON opened here never closes")
    close_line, close_column = close
    chunk = doc.lines[start:close_line] + [doc.lines[close_line][: close_column + 1]]
    # Newlines are kept so json's line numbers map back onto the page.
    text = _tolerate_json("\n".join(chunk))
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise doc.error(
            start + exc.lineno - 1, f"the example JSON does not parse: {exc.msg}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise doc.error(start, f"the example JSON does not parse: {exc}") from None
    if not isinstance(payload, dict):
        raise doc.error(start, "the example JSON is not an object")
    return payload, close_line + 1


def _matching_brace(doc: _Doc, start: int, end: int) -> tuple[int, int] | None:
    """(line index, column) of the brace closing the one that opens line ``start``."""
    depth = 0
    in_string = escaped = False
    for index in range(start, end):
        for column, char in enumerate(doc.lines[index]):
            if in_string:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            elif char in "{[":
                depth += 1
            elif char in "}]":
                depth -= 1
                if depth == 0:
                    return index, column
        in_string = escaped = False  # a JSON string never spans lines
    return None


_JSON_STRING = re.compile(r'("(?:[^"\\\n]|\\.)*")')
_ELISION = re.compile(r"(?:\.\.\.|…)\s*,?")
_TRAILING_COMMA = re.compile(r",(\s*[\]}])")


def _tolerate_json(text: str) -> str:
    """The page's elisions made valid: ``{...}`` becomes ``{}`` and a ``...`` item is dropped
    with its comma, then a comma left before a closing bracket goes. Strings are untouched."""
    pieces = _JSON_STRING.split(text)  # odd positions are string literals
    for position in range(0, len(pieces), 2):
        code = _ELISION.sub("", pieces[position])
        pieces[position] = _TRAILING_COMMA.sub(r"\1", code)
    return "".join(pieces)


def _example_keys(payload: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(field keys, link rels) of the example. A paginated page (Discovery's: a ``pagination``
    object beside a list) shows a collection, so its fields are those of the list's items."""
    resource_keys: list[str] = list(payload)
    if "pagination" in payload:
        items = next(
            (
                v
                for v in payload.values()
                if isinstance(v, list) and any(isinstance(i, dict) for i in v)
            ),
            None,
        )
        resource_keys = []
        for item in items or []:
            if isinstance(item, dict):
                resource_keys += [key for key in item if key not in resource_keys]
    links = payload.get("_links")
    rels = tuple(links) if isinstance(links, dict) else ()
    return tuple(k for k in resource_keys if k not in _IGNORED_EXAMPLE_KEYS), rels


# -- operations -----------------------------------------------------------------------------


def _parse_operations(doc: _Doc, anchor: int | None, span_start: int) -> list[DocOperation]:
    """Each section reads: title, prose, params/Responses blocks, the HTTP-method header line,
    then code samples until the next section's title.

    ``anchor`` is a section's first block heading (or its method line); its title is the first
    title-shaped line after the previous section's method line (after the resource for the
    first section): code never looks like a title, and the description comes after it.
    """
    operations: list[DocOperation] = []
    if anchor is None:
        return operations
    title_at: int | None = _operation_title(doc, span_start, anchor)
    while anchor is not None and title_at is not None:
        title = _normalize(doc.lines[title_at])
        blocks, stop = _blocks(doc, anchor, title_at)
        method, header_path, after = _method_header(doc, stop, title_at)
        next_anchor = _next_anchor(doc, after)
        next_title = None if next_anchor is None else _operation_title(doc, after, next_anchor)
        code_end = len(doc.lines) if next_title is None else next_title

        params: list[DocParam] = []
        statuses: list[tuple[int, str]] = []
        for kind, heading_at, block_end in blocks:
            if kind == "responses":
                statuses += _parse_responses(doc, heading_at, block_end)
            else:
                params += _parse_params(doc, kind, heading_at, block_end)
        operations.append(
            DocOperation(
                title=title,
                method=method,
                header_path=header_path,
                example_path=_curl_path(doc, after, code_end),
                params=tuple(params),
                statuses=tuple(statuses),
                line=title_at + 1,
            )
        )
        anchor, title_at = next_anchor, next_title
    return operations


def _operation_title(doc: _Doc, start: int, anchor: int) -> int:
    for index in range(start, anchor):
        if _is_operation_title(doc.lines[index]):
            return index
    raise doc.error(anchor, "this operation section has no title line before it")


def _ends_block(text: str) -> bool:
    """Where a params/Responses block stops: the next block, the method line, or the code
    (a curl command, or the path half of a method line split over two lines)."""
    return (
        _block_kind(text) is not None
        or _METHOD_LINE.fullmatch(text) is not None
        or text.split(maxsplit=1)[:1] == ["curl"]
        or (text.startswith("/") and " " not in text)
    )


def _blocks(doc: _Doc, anchor: int, title_at: int) -> tuple[list[tuple[str, int, int]], int]:
    """(kind, heading index, end index) of each block, and the index where they stop."""
    blocks: list[tuple[str, int, int]] = []
    seen: set[str] = set()
    index = anchor
    while index < len(doc.lines):
        kind = _block_kind(doc.lines[index])
        if kind is None:
            break
        if kind in seen or "responses" in seen:
            # A second "URL Params" (or anything after "Responses") is the next section's:
            # this one ran on without its method line.
            raise _no_method_header(doc, index, title_at)
        seen.add(kind)
        end = index + 1
        while end < len(doc.lines) and not _ends_block(doc.lines[end]):
            end += 1
        blocks.append((kind, index, end))
        index = end
    return blocks, index


def _no_method_header(doc: _Doc, index: int | None, title_at: int) -> PageError:
    title = _normalize(doc.lines[title_at])
    return doc.error(
        index,
        f"operation {title!r} (line {title_at + 1}) has no HTTP-method header line "
        '(such as "GET /{account}/reports") after its params and responses',
    )


def _method_header(doc: _Doc, index: int, title_at: int) -> tuple[str, str, int]:
    """(method, path as printed, index after the header). Layout B splits the header over two
    lines: "GET" then "/{account}"."""
    if index >= len(doc.lines):
        raise _no_method_header(doc, len(doc.lines) - 1, title_at)
    match = _METHOD_LINE.fullmatch(doc.lines[index])
    if match is None:
        raise _no_method_header(doc, index, title_at)
    if match.group(2) is not None:
        return match.group(1), match.group(2), index + 1
    path_at = doc.next_nonblank(index + 1)
    if path_at is None or not doc.lines[path_at].startswith("/"):
        raise doc.error(index, f"the {match.group(1)} header line has no path")
    return match.group(1), doc.lines[path_at].split()[0], path_at + 1


def _parse_params(doc: _Doc, location: str, heading_at: int, end: int) -> list[DocParam]:
    """Rows of a URL/Query/POST Body Params block: a name cell ("account", "account
    required"), then optionally "required", a type ("string", or "string <description>" in
    layout A), and description cells. "Object: cron" makes the rows below it cron's fields."""
    cells = [cell for cell in doc.cells(heading_at, end) if cell.text]
    heading = _normalize(doc.lines[heading_at].rstrip("| "))
    params: list[DocParam] = []
    current: _ParamRow | None = None
    parent: str | None = None
    for position, cell in enumerate(cells):
        words = cell.text.split()
        name = _NAME.fullmatch(cell.text)
        objects = _OBJECT.fullmatch(cell.text)
        if objects is not None:  # "Object:" alone (layout B) lists top-level fields
            parent = objects.group(1)
            _finish(current, location, params)
            current = None
        elif current is not None and cell.text == "required":
            current.required = True
        elif (
            current is not None and current.type is None and not current.doc and words[0] in _TYPES
        ):
            current.type = words[0]
            current.doc.extend(words[1:])
        elif name is not None and _opens_param(cells, position, current is None):
            _finish(current, location, params)
            current = _ParamRow(name.group(1), cell.at, name.group(2) is not None, parent)
        elif current is not None:
            current.doc.extend(words)
        else:
            raise doc.error(
                cell.at, f"{heading}: {cell.text[:60]!r} comes before any parameter name"
            )
    _finish(current, location, params)
    return params


def _opens_param(cells: list[_Cell], position: int, first: bool) -> bool:
    """Whether a one-word cell is a param's name rather than the last word of a description
    wrapped onto its own line: it opens a paragraph, or "required" or a type follows it."""
    cell = cells[position]
    if first or cell.fresh or cell.text.endswith(" required"):
        return True
    following = cells[position + 1].text.split() if position + 1 < len(cells) else []
    return bool(following) and (following == ["required"] or following[0] in _TYPES)


@dataclass
class _ParamRow:
    name: str
    index: int
    required: bool
    parent: str | None
    type: str | None = None
    doc: list[str] = field(default_factory=list)


def _finish(row: _ParamRow | None, location: str, params: list[DocParam]) -> None:
    if row is not None:
        params.append(
            DocParam(
                row.name,
                location,
                row.type,
                row.required,
                " ".join(row.doc),
                row.parent,
                row.index + 1,
            )
        )


@dataclass
class _StatusRow:
    status: int
    words: list[str]


def _parse_responses(doc: _Doc, heading_at: int, end: int) -> list[tuple[int, str]]:
    """Status/description pairs. A description may be missing or wrapped over lines; any
    other cell where a status is due is an error."""
    rows: list[_StatusRow] = []
    for cell in doc.cells(heading_at, end):
        if not cell.text:
            continue
        match = _STATUS.fullmatch(cell.text)
        if match is not None:  # "200", or "200 Report response" on one line
            rows.append(
                _StatusRow(int(match.group(1)), match.group(2).split() if match.group(2) else [])
            )
        elif rows and (not rows[-1].words or not cell.fresh):
            rows[-1].words.extend(cell.text.split())
        else:
            raise doc.error(cell.at, f"Responses: status {cell.text[:40]!r} is not a number")
    return [(row.status, " ".join(row.words)) for row in rows]


# -- the curl example -----------------------------------------------------------------------


def _curl_path(doc: _Doc, start: int, end: int) -> str | None:
    """Path of the first URL of the section's first curl command (host and query removed)."""
    for index in range(start, end):
        if doc.lines[index].split(maxsplit=1)[:1] == ["curl"]:
            url = _curl_url(doc, index, end)
            return None if url is None else _url_path(url)
    return None


def _curl_url(doc: _Doc, start: int, end: int) -> str | None:
    """The command runs over lines ending in "\\" and over a quoted body (--data-binary "{...}");
    its URL is the first argument that is one (a header or body never starts with a scheme)."""
    chunk: list[str] = []
    for index in range(start, min(end, start + 200)):
        chunk.append(doc.lines[index])
        command = re.sub(r"\\\n", " ", "\n".join(chunk))
        try:
            words = shlex.split(command)
        except ValueError:  # a quote is still open: the body goes on
            continue
        if chunk[-1].endswith("\\"):
            continue
        return next((w for w in words if re.match(r"https?://", w)), None)
    found = re.search(r"https?://[^\s'\"\\]+", "\n".join(chunk))
    return None if found is None else found.group(0)


def _url_path(url: str) -> str:
    match = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)", url)
    return (match.group(1) if match else url) or "/"
