"""Read one of Mode's OpenAPI (Swagger 2.0) files (``docs/mode-swagger/*.yaml``) into what it
documents, in the spec's vocabulary, so that ``drift`` can compare the two.

``parse_openapi(text, file)`` returns an ``ApiDoc``: every operation (method, path, params,
body, statuses, the schema it answers with) and every schema (fields, rels, the list a
collection holds). ``$ref``s are resolved (params, body schemas, responses, properties); a
reference to a schema the file never defines becomes a note in ``ApiDoc.notes``, not an error.

What the file says in its own way is rewritten here, once, so the comparison never sees it.
These are decisions of the spec (listed in docs/regenerating.md), not drift:

* ``{workspace}`` is ``{account}``: the path segment and the path param are renamed.
* A path that repeats the base path (Discovery's ``/batch/{workspace}/reports`` under basePath
  ``/batch``, and REST's ``/api/verify`` under ``/api``) is read below the base path once.
* A suffix listing formats, ``content(.csv, .json)``, is ``content.{format}`` with a required
  path param ``format`` whose enum is those formats (``csv``, ``json``).
* Types become the spec's: ``string`` with ``format: date-time`` is ``datetime``; ``date``
  (not a Swagger type; the file uses it for "YYYY-MM-DD" query params) is ``string``; a
  ``$ref`` to a schema with properties is ``object``; a property with only an ``enum`` takes
  its values' type. ``None`` means the file states no type, and nothing is compared.
* Enum values are compared as text (``json.dumps`` for anything but a string).
* A body is the one ``in: body`` param. When its schema has a single property that is itself
  an object with properties (``{"report": {...}}``), that key is the wrapper (the spec's
  ``body_wrapper``) and its properties are the body's fields; otherwise the schema's own
  properties are the fields and there is no wrapper.

YAML is parsed with libyaml's C loader when PyYAML has it (the REST file is 6,000 lines).
Anything the file does not allow reading raises ``OpenApiError`` naming the file (and the
line, when YAML gives one) or the place in the document; no other exception escapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import yaml

from ._errors import SourceError

__all__ = [
    "ApiDoc",
    "ApiField",
    "ApiOperation",
    "ApiParam",
    "ApiSchema",
    "OpenApiError",
    "parse_openapi",
]

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_MAX_DEPTH = 8  # nested body objects are compared one level down; deeper is never needed


# -- the result -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiField:
    """A property of a schema (a response field or a body field)."""

    name: str
    type: str | None  # the spec's vocabulary (see the module docstring); None: not stated
    required: bool  # in its schema's `required` list
    enum: tuple[str, ...]  # as text
    fields: tuple[ApiField, ...] = ()  # the properties of an object, when it lists them


@dataclass(frozen=True)
class ApiParam:
    name: str
    location: str  # "path", "query", "header" or "formData", as the file says
    type: str | None
    required: bool
    enum: tuple[str, ...]
    in_path: bool  # a `{name}` of the path; the file declares some `in: path` params it lacks


@dataclass(frozen=True)
class ApiOperation:
    operation_id: str
    method: str  # upper case
    path: str  # below the base path, normalized (see the module docstring)
    raw_path: str  # as the file writes it
    params: tuple[ApiParam, ...]  # not the body
    body: tuple[ApiField, ...]
    body_wrapper: str | None
    has_body: bool
    statuses: tuple[tuple[int, str], ...]  # (status, description), as listed
    schema: str | None  # the defined schema the first 2xx response refers to, if any


@dataclass(frozen=True)
class ApiSchema:
    name: str
    fields: tuple[ApiField, ...]  # minus HAL's `_links`, `_embedded`, `_forms`
    rels: tuple[str, ...] | None  # properties of its links schema; None: the file lists none
    # A collection's lists: (key, item schema) for each array of `$ref`s, at the top
    # (Discovery: `reports`) or under `_embedded` (REST, where the file fills them in)
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ApiDoc:
    file: str
    base_path: str
    operations: tuple[ApiOperation, ...]
    schemas: Mapping[str, ApiSchema]
    notes: tuple[str, ...]  # what the file gets wrong without stopping the comparison


class OpenApiError(SourceError):
    """An OpenAPI file cannot be read. ``str()`` reads ``swagger.yaml:42: <what is wrong>``."""


# -- reading --------------------------------------------------------------------------------


def parse_openapi(text: str, file: str) -> ApiDoc:
    """Parse one OpenAPI 2.0 file. Raises ``OpenApiError`` (never anything else) when it cannot."""
    try:
        document = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise OpenApiError(file, mark.line + 1 if mark else None, f"not valid YAML: {problem}")
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. a timestamp out of range
        raise OpenApiError(file, None, f"cannot read this YAML: {exc}") from None
    try:
        return _Reader(file, document).read()
    except RecursionError:
        raise OpenApiError(file, None, "nested too deeply") from None


class _Reader:
    def __init__(self, file: str, document: Any) -> None:
        self.file = file
        self.document = document
        self.notes: list[str] = []
        self.definitions: dict[str, Any] = {}
        self.context = ""  # the operationId or schema being read, which a note names
        self.undefined: dict[str, list[str]] = {}  # reference -> what refers to it

    def error(self, where: str, message: str) -> OpenApiError:
        return OpenApiError(self.file, None, f"{where}: {message}" if where else message)

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(where, f"expected a mapping, found {type(value).__name__}")
        return value

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def read(self) -> ApiDoc:
        document = self.mapping(self.document, "")
        if "swagger" not in document and "openapi" not in document:
            raise self.error("", "not an OpenAPI file: no `swagger` version")
        if "paths" not in document:
            raise self.error("", "no `paths`")
        base_path = document.get("basePath", "/")
        if not isinstance(base_path, str) or not base_path.startswith("/"):
            raise self.error("basePath", f"{base_path!r} is not a path")
        base_path = base_path.rstrip("/")
        self.definitions = self.mapping(document.get("definitions") or {}, "definitions")
        operations = []
        # Mappings carry no order: everything read from one is sorted, so a file saved with
        # its keys in another order (or as JSON) gives the same report.
        for path, item in _sorted(self.mapping(document["paths"], "paths")):
            item = self.mapping(item, f"paths.{path}")
            shared = item.get("parameters") or []  # a path's params apply to each operation
            for method, node in _sorted(item):
                if method in _METHODS:
                    where = f"paths.{path}.{method}"
                    operations.append(
                        self._operation(str(path), method, node, shared, base_path, where)
                    )
        schemas = {
            str(name): self._schema(str(name), node) for name, node in _sorted(self.definitions)
        }
        for ref, users in sorted(self.undefined.items()):
            self.note(f"{ref} is referenced but not defined (by {', '.join(sorted(users))})")
        return ApiDoc(self.file, base_path, tuple(operations), schemas, tuple(self.notes))

    # -- $ref ------------------------------------------------------------------------------

    def resolve(self, node: Any, where: str) -> tuple[str | None, Any]:
        """(the schema's name or None, the node with its `$ref`s followed). A reference the
        file never defines resolves to (its name, None) and is noted."""
        name: str | None = None
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                self.note(f"{where}: cannot follow the reference {ref!r}")
                return None, None
            # JSON pointer: `~1` is "/", `~0` is "~"; the Discovery file also %-encodes `::`
            parts = [unquote(p).replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
            name = parts[-1]
            if ref in seen:
                raise self.error(where, f"the reference {ref!r} refers to itself")
            seen.add(ref)
            target: Any = self.document
            for part in parts:
                target = target.get(part) if isinstance(target, dict) else None
            if target is None:
                users = self.undefined.setdefault(ref, [])
                if self.context not in users:
                    users.append(self.context)
                return name, None
            node = target
        return name, node

    # -- schemas ---------------------------------------------------------------------------

    def _schema(self, name: str, node: Any) -> ApiSchema:
        where = self.context = f"definitions.{name}"
        _, node = self.resolve(node, where)
        node = node if isinstance(node, dict) else {}
        properties = self.mapping(node.get("properties") or {}, f"{where}.properties")
        fields = self.fields(node, where)
        links_name, _ = self.resolve(properties.get("_links"), where)
        links_name = links_name or f"{name}Links"  # where `_links` is not declared
        links = self.definitions.get(links_name)
        rels = None
        if isinstance(links, dict) and isinstance(links.get("properties"), dict):
            rels = tuple(sorted(str(rel) for rel in links["properties"])) or None
        items = self._items(properties, where)
        _, embedded = self.resolve(properties.get("_embedded"), where)
        if isinstance(embedded, dict) and isinstance(embedded.get("properties"), dict):
            items += self._items(embedded["properties"], where)
        return ApiSchema(name, fields, rels, items)

    def _items(self, properties: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
        found = []
        for key, node in _sorted(properties):
            if isinstance(node, dict) and node.get("type") == "array":
                item, _ = self.resolve(node.get("items"), f"{where}.{key}")
                if item is not None:
                    found.append((str(key), item))
        return tuple(found)

    def fields(self, node: dict[str, Any], where: str, depth: int = 0) -> tuple[ApiField, ...]:
        properties = self.mapping(node.get("properties") or {}, f"{where}.properties")
        required = node.get("required") or []
        if not isinstance(required, list):
            raise self.error(f"{where}.required", "expected a list")
        fields = []
        for key, value in _sorted(properties):
            name = str(key)
            if name in ("_links", "_embedded", "_forms"):  # HAL's structure, not fields
                continue
            _, value = self.resolve(value, f"{where}.{name}")
            value = value if isinstance(value, dict) else {}
            nested: tuple[ApiField, ...] = ()
            if value.get("properties") and depth < _MAX_DEPTH:
                nested = self.fields(value, f"{where}.{name}", depth + 1)
            fields.append(
                ApiField(name, _type(value), name in required, _enum(value), nested),
            )
        return tuple(fields)

    # -- operations ------------------------------------------------------------------------

    def _operation(
        self, raw_path: str, method: str, node: Any, shared: Any, base_path: str, where: str
    ) -> ApiOperation:
        node = self.mapping(node, where)
        operation_id = node.get("operationId")
        if not isinstance(operation_id, str) or not operation_id:
            raise self.error(where, "no operationId (drift matches operations by it)")
        self.context = operation_id
        path, formats = _normalize_path(raw_path, base_path)
        template = set(re.findall(r"\{([^}]*)\}", path))
        params: list[ApiParam] = []
        body: tuple[ApiField, ...] = ()
        wrapper: str | None = None
        has_body = False
        declared: dict[tuple[str, str], dict[str, Any]] = {}
        for owner, raw_params in ((f"paths.{raw_path}", shared), (where, node.get("parameters"))):
            if not isinstance(raw_params or [], list):
                raise self.error(f"{owner}.parameters", "expected a list")
            for index, raw in enumerate(raw_params or []):
                at = f"{owner}.parameters[{index}]"
                _, param = self.resolve(raw, at)
                if param is None:
                    continue
                param = self.mapping(param, at)
                name, location = param.get("name"), param.get("in")
                if not isinstance(name, str) or not isinstance(location, str):
                    raise self.error(at, "a parameter needs a `name` and an `in`")
                declared[(name, location)] = param  # the operation's own override the path's
        for (name, location), param in declared.items():
            if location == "body":
                has_body = True
                wrapper, body = self._body(param.get("schema"), f"{where}.{name}.schema")
                continue
            if location == "path" and name == "workspace":
                name = "account"
            params.append(
                ApiParam(
                    name,
                    location,
                    _type(param),
                    bool(param.get("required")),
                    _enum(param),
                    location == "path" and name in template,
                )
            )
        if formats:
            params.append(ApiParam("format", "path", "string", True, formats, True))
        statuses, schema = self._responses(node.get("responses"), f"{where}.responses")
        return ApiOperation(
            operation_id,
            method.upper(),
            path,
            raw_path,
            tuple(params),
            body,
            wrapper,
            has_body,
            statuses,
            schema,
        )

    def _body(self, node: Any, where: str) -> tuple[str | None, tuple[ApiField, ...]]:
        _, schema = self.resolve(node, where)
        if not isinstance(schema, dict):
            return None, ()
        fields = self.fields(schema, where)
        if len(fields) == 1 and fields[0].fields:  # {"report": {...}}
            return fields[0].name, fields[0].fields
        return None, fields

    def _responses(self, node: Any, where: str) -> tuple[tuple[tuple[int, str], ...], str | None]:
        statuses: list[tuple[int, str]] = []
        schema: str | None = None
        for key, response in _sorted(self.mapping(node or {}, where)):
            if not str(key).isdigit():  # `default`: no status to compare
                continue
            status = int(key)
            _, response = self.resolve(response, f"{where}.{key}")
            response = response if isinstance(response, dict) else {}
            description = response.get("description")
            statuses.append((status, " ".join(str(description or "").split())))
            if 200 <= status < 300 and schema is None and "schema" in response:
                name, target = self.resolve(response["schema"], f"{where}.{key}.schema")
                schema = name if target is not None else None
        return tuple(statuses), schema


# -- values -------------------------------------------------------------------------------


def _sorted(mapping: dict[Any, Any]) -> list[tuple[Any, Any]]:
    return sorted(mapping.items(), key=lambda item: str(item[0]))


def _normalize_path(raw: str, base_path: str) -> tuple[str, tuple[str, ...]]:
    """The path below the base path in the spec's terms, and the formats of a
    ``content(.csv, .json)`` suffix (which becomes ``content.{format}``)."""
    path = raw
    if base_path and (path == base_path or path.startswith(base_path + "/")):
        path = path[len(base_path) :] or "/"
    path = path.replace("{workspace}", "{account}")
    formats: tuple[str, ...] = ()
    suffix = re.search(r"\((\s*\.\w+(?:\s*,\s*\.\w+)*\s*)\)$", path)
    if suffix is not None:
        formats = tuple(part.strip().lstrip(".") for part in suffix.group(1).split(","))
        path = path[: suffix.start()] + ".{format}"
    return path, formats


def _type(node: dict[str, Any]) -> str | None:
    declared = node.get("type")
    if declared == "string" and node.get("format") == "date-time":
        return "datetime"
    if declared == "date":
        return "string"
    if isinstance(declared, str):
        return declared  # another word ("file") is compared as it is
    if node.get("properties"):
        return "object"
    if "items" in node:
        return "array"
    values = node.get("enum")
    if isinstance(values, list) and values:
        kinds = {_value_type(value) for value in values}
        return kinds.pop() if len(kinds) == 1 else None
    return None


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def _enum(node: dict[str, Any]) -> tuple[str, ...]:
    values = node.get("enum")
    return tuple(enum_text(value) for value in values) if isinstance(values, list) else ()


def enum_text(value: Any) -> str:
    """An enum value as compared: a string as it is, anything else as JSON (``1``, ``true``)."""
    return value if isinstance(value, str) else json.dumps(value, default=str)
