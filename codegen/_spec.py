"""The spec as Python objects, and the checks that make a malformed spec a ``SpecError``.

``load_spec(directory)`` reads ``apis.yaml`` and every model file, checks each key (unknown,
missing, wrong type), then checks the files against each other (unknown models and APIs,
duplicate names, path params, enum defaults). Every problem found is reported, each with its
file, line and key.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._errors import SpecError, SpecErrors
from ._names import problem
from ._yaml import Located, LocatedList, load_yaml

PRIMITIVES = ("string", "integer", "number", "boolean", "datetime", "object", "array")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
LOCATIONS = ("path", "query", "body")


@dataclass(frozen=True)
class ApiSpec:
    name: str
    doc: str
    base_path: str
    auth: str
    accept: str


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    doc: str
    required: bool = False
    nullable: bool = False
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    # the JSON key, when it is not a Python name (a space's `viewable?`); `name` is then the
    # attribute that reads it
    json_key: str | None = None

    @property
    def key(self) -> str:
        """The field's key in Mode's JSON."""
        return self.json_key or self.name


@dataclass(frozen=True)
class LinkSpec:
    rel: str
    doc: str
    target: str | None = None
    collection: bool = False
    #: the link leads to a body that is not a HAL document (results, a PDF): ``download()`` it
    download: bool = False


@dataclass(frozen=True)
class ParamSpec:
    name: str
    location: str
    doc: str
    type: str = "string"
    required: bool = False
    client_default: str | None = None
    enum: tuple[Any, ...] = ()
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    pattern_text: str | None = None  # the pattern in words, for the error a mismatch gets
    aliases: tuple[str, ...] = ()  # other keyword names the generated method takes for it


@dataclass(frozen=True)
class ReturnSpec:
    kind: str  # "nothing" | "resource" | "collection" | "results" | "download"
    model: str | None = None
    key: str | None = None


#: `returns:` values for bodies that are not HAL documents: streamed, not decoded
STREAMED_RETURNS = ("results", "download")


@dataclass(frozen=True)
class MethodSpec:
    """A method of a model that calls an operation with the model's own path params."""

    name: str
    operation: str  # "<group>.<name>"
    line: int
    wait: bool = False  # poll the result until it is done (it must have `poll`)
    download: str | None = None  # then stream the result's link with this rel
    doc: str | None = None


@dataclass(frozen=True)
class OperationSpec:
    name: str
    summary: str
    doc: str
    method: str
    api: str
    path: str
    params: tuple[ParamSpec, ...]
    status: int
    returns: ReturnSpec
    errors: tuple[tuple[int, str], ...]
    body_wrapper: str | None = None
    openapi: str | None = None  # its operationId in Mode's OpenAPI file, when it has one


@dataclass(frozen=True)
class PollSpec:
    field: str
    success: tuple[str, ...]
    failure: tuple[str, ...]


@dataclass(frozen=True)
class GroupBase:
    """A hand-written runtime class the generated group inherits from, for the few methods of
    a group that are more than one call (``client.reports.latest_run``)."""

    module: str  # a module of the runtime: "modehal._jobs_latest"
    class_name: str
    of: str | None = None  # a model whose class is the base's type argument


@dataclass(frozen=True)
class KnownDrift:
    """A difference from a source taken on purpose: `drift` does not report it."""

    id: str  # a drift id, or a shell-style pattern of ids (`param-name-differs:*.workspace`)
    reason: str
    line: int
    source: str | None = None  # the page or OpenAPI file it is about; None: the model's source


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str  # "resource" | "object"
    class_name: str
    title: str
    doc: str
    source: str
    file: str
    plural: str | None
    fields: tuple[FieldSpec, ...]
    links: tuple[LinkSpec, ...]
    group: str | None
    group_doc: str | None
    operations: tuple[OperationSpec, ...]
    poll: PollSpec | None = None
    location: str | None = None
    known_drift: tuple[KnownDrift, ...] = ()
    methods: tuple[MethodSpec, ...] = ()
    openapi: str | None = None  # its schema's name in Mode's OpenAPI file, when it has one
    group_base: GroupBase | None = None
    # a body object's rule across fields (`modehal._checks.cron_rules`), run as it is built:
    # (module, function)
    check: tuple[str, str] | None = None


@dataclass(frozen=True)
class Spec:
    apis: dict[str, ApiSpec]
    models: tuple[ModelSpec, ...]  # sorted by name
    source_dir: str = "spec"  # how generated headers name the spec directory

    def model(self, name: str) -> ModelSpec:
        return next(model for model in self.models if model.name == name)


# -- reading one file ---------------------------------------------------------------------


class _Reader:
    """Reads one file's mappings key by key, collecting every error it finds."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[SpecError] = []

    def error(self, line: int | None, key: str, message: str) -> None:
        self.errors.append(SpecError(self.file, line, key, message))

    def mapping(self, value: Any, key: str, line: int | None) -> Located | None:
        if isinstance(value, Located):
            return value
        self.error(line, key, f"expected a mapping, got {_kind(value)}")
        return None

    def sequence(self, value: Any, key: str, line: int | None) -> LocatedList | None:
        if isinstance(value, LocatedList):
            return value
        self.error(line, key, f"expected a list, got {_kind(value)}")
        return None

    def check_keys(
        self, node: Located, prefix: str, required: set[str], optional: set[str]
    ) -> None:
        for key in node:
            if str(key) not in required | optional:
                allowed = ", ".join(sorted(required | optional))
                self.error(
                    node.key_lines[str(key)],
                    _join(prefix, str(key)),
                    f"unknown key (allowed: {allowed})",
                )
        for key in sorted(required - {str(k) for k in node}):
            self.error(node.line, _join(prefix, key), "missing required key")

    def value(
        self,
        node: Located,
        key: str,
        prefix: str,
        kind: type | tuple[type, ...],
        default: Any = None,
    ) -> Any:
        if key not in node:
            return default
        value = node[key]
        wanted = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in wanted or not isinstance(value, wanted):
            names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in wanted)
            self.error(
                node.key_lines[key], _join(prefix, key), f"expected {names}, got {_kind(value)}"
            )
            return default
        if isinstance(value, str) and not value.strip():
            self.error(node.key_lines[key], _join(prefix, key), "must not be empty")
            return default
        return value

    def line(self, node: Located, key: str) -> int:
        return node.key_lines.get(key, node.line)

    def name(self, node: Located, key: str, prefix: str, kind: str, default: str = "") -> str:
        """A string value that becomes a name in the generated code, checked as such."""
        value = self.value(node, key, prefix, str, default)
        if value and key in node:
            trouble = problem(kind, value)
            if trouble is not None:
                self.error(self.line(node, key), _join(prefix, key), trouble)
        return str(value)


_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "a boolean",
    list: "a list",
    dict: "a mapping",
}


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return {str: "a string", int: "an integer", float: "a number"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _read_apis(text: str, file: str) -> tuple[dict[str, ApiSpec], list[SpecError]]:
    reader = _Reader(file)
    root = reader.mapping(load_yaml(text, file), "", 1)
    apis: dict[str, ApiSpec] = {}
    if root is None:
        return apis, reader.errors
    reader.check_keys(root, "", {"apis"}, set())
    table = (
        reader.mapping(root.get("apis"), "apis", reader.line(root, "apis"))
        if "apis" in root
        else None
    )
    for name, node in (table or {}).items():
        prefix = f"apis.{name}"
        line = table.key_lines[str(name)] if table is not None else None
        item = reader.mapping(node, prefix, line)
        if item is None:
            continue
        reader.check_keys(item, prefix, {"doc", "base_path", "auth", "accept"}, set())
        if problem("api", str(name)) is not None:
            reader.error(line, prefix, f"api name {problem('api', str(name))}")
        base_path = reader.name(item, "base_path", prefix, "path")
        auth = reader.value(item, "auth", prefix, str, "basic")
        if base_path and not base_path.startswith("/"):
            reader.error(
                reader.line(item, "base_path"), f"{prefix}.base_path", "must start with '/'"
            )
        if auth not in ("basic", "bearer"):
            reader.error(
                reader.line(item, "auth"),
                f"{prefix}.auth",
                f"must be basic or bearer, got {auth!r}",
            )
        apis[str(name)] = ApiSpec(
            name=str(name),
            doc=reader.value(item, "doc", prefix, str, ""),
            base_path=base_path.rstrip("/"),
            auth=auth,
            accept=reader.name(item, "accept", prefix, "media type"),
        )
    return apis, reader.errors


@dataclass
class _Refs:
    """Where a file refers to other models and APIs, checked once every file is read."""

    models: list[tuple[str, int, str, set[str]]]  # (key, line, model name, allowed kinds)
    apis: list[tuple[str, int, str]]


def _read_model(
    text: str, file: str
) -> tuple[ModelSpec | None, _Refs, dict[str, int], list[SpecError]]:
    reader = _Reader(file)
    refs = _Refs(models=[], apis=[])
    root = reader.mapping(load_yaml(text, file), "", 1)
    if root is None:
        return None, refs, {}, reader.errors
    required = {"model", "kind", "class", "title", "doc", "source", "fields"}
    optional = {
        "plural",
        "links",
        "group",
        "group_doc",
        "operations",
        "poll",
        "location",
        "known_drift",
        "methods",
        "openapi",
        "group_base",
        "check",
    }
    reader.check_keys(root, "", required, optional)
    name = reader.name(root, "model", "", "model")
    kind = reader.value(root, "kind", "", str, "resource")
    class_name = reader.name(root, "class", "", "class")
    if kind not in ("resource", "object"):
        reader.error(reader.line(root, "kind"), "kind", f"must be resource or object, got {kind!r}")
    plural = reader.name(root, "plural", "", "plural") or None
    if kind == "resource" and "plural" not in root and "kind" in root:
        reader.error(
            root.line,
            "plural",
            "missing required key (every resource needs the key of its collections)",
        )
    if kind == "object":
        for key in ("plural", "links", "group", "operations", "poll", "location", "methods"):
            if key in root:
                reader.error(
                    reader.line(root, key),
                    key,
                    "only resources have this key; this model is kind: object",
                )

    fields = _read_fields(reader, root, refs)
    if kind == "object":
        for prefix, _, node in _items(reader, root, "fields"):
            if "key" in node:
                reader.error(
                    reader.line(node, "key"),
                    f"{prefix}.key",
                    "only a resource's fields are read by JSON key; this model is kind: object",
                )
    links = _read_links(reader, root, refs)
    poll = _read_poll(reader, root, fields)
    location = reader.name(root, "location", "", "path") or None
    known_drift = _read_known_drift(reader, root)
    group = reader.name(root, "group", "", "group") or None
    group_doc = reader.value(root, "group_doc", "", str)
    operations: tuple[OperationSpec, ...] = ()
    if "operations" in root:
        if group is None or group_doc is None:
            missing = "group" if group is None else "group_doc"
            reader.error(
                reader.line(root, "operations"),
                missing,
                "missing required key (operations need a group)",
            )
        operations = _read_operations(reader, root, refs)
    elif "group" in root:
        reader.error(reader.line(root, "group"), "group", "a group needs operations")
    check = _read_check(reader, root, kind)
    group_base = _read_group_base(reader, root, refs)
    if group_base is not None and "operations" not in root:
        reader.error(reader.line(root, "group_base"), "group_base", "only a group has a base")
    model = ModelSpec(
        name=name,
        kind=kind,
        class_name=class_name,
        title=reader.value(root, "title", "", str, ""),
        doc=reader.value(root, "doc", "", str, ""),
        source=reader.value(root, "source", "", str, ""),
        file=file,
        plural=plural,
        fields=fields,
        links=links,
        group=group,
        group_doc=group_doc,
        operations=operations,
        poll=poll,
        location=location,
        known_drift=known_drift,
        methods=_read_methods(reader, root),
        openapi=reader.value(root, "openapi", "", str) or None,
        group_base=group_base,
        check=check,
    )
    lines = {key: reader.line(root, key) for key in ("model", "class", "group", "plural")}
    return model, refs, lines, reader.errors


def _items(reader: _Reader, root: Located, key: str) -> list[tuple[str, int, Located]]:
    if key not in root:
        return []
    items = reader.sequence(root[key], key, reader.line(root, key))
    result = []
    for index, (value, line) in enumerate(zip(items or [], (items.item_lines if items else []))):
        prefix = f"{key}[{index}]"
        node = reader.mapping(value, prefix, line)
        if node is not None:
            result.append((prefix, line, node))
    return result


def _enum(reader: _Reader, node: Located, prefix: str) -> tuple[Any, ...]:
    if "enum" not in node:
        return ()
    return _string_list(reader, node["enum"], f"{prefix}.enum", reader.line(node, "enum"))


def _string_list(reader: _Reader, value: Any, key: str, line: int) -> tuple[str, ...]:
    """A non-empty list of distinct strings (enum values, poll states)."""
    values = reader.sequence(value, key, line)
    if values is None:
        return ()
    if not values:
        reader.error(line, key, "must list at least one value")
    for item in values:
        if not isinstance(item, str):
            reader.error(line, key, f"values must be strings, got {_kind(item)}")
            return ()
    if len(set(values)) != len(values):
        reader.error(line, key, "lists a value twice")
    return tuple(values)


def _bounds(
    reader: _Reader, node: Located, prefix: str, type_: str
) -> tuple[int | None, int | None]:
    minimum = reader.value(node, "minimum", prefix, int)
    maximum = reader.value(node, "maximum", prefix, int)
    if (minimum is not None or maximum is not None) and type_ != "integer":
        key = "minimum" if "minimum" in node else "maximum"
        reader.error(
            reader.line(node, key), f"{prefix}.{key}", f"bounds apply to integers only, not {type_}"
        )
    if minimum is not None and maximum is not None and minimum > maximum:
        reader.error(reader.line(node, "minimum"), f"{prefix}.minimum", "is greater than maximum")
    return minimum, maximum


def _read_fields(reader: _Reader, root: Located, refs: _Refs) -> tuple[FieldSpec, ...]:
    fields: list[FieldSpec] = []
    seen: dict[str, int] = {}
    for prefix, line, node in _items(reader, root, "fields"):
        reader.check_keys(
            node,
            prefix,
            {"name", "type", "doc"},
            {"required", "nullable", "enum", "minimum", "maximum", "key"},
        )
        name = reader.name(node, "name", prefix, "field")
        type_ = reader.value(node, "type", prefix, str, "string")
        if name in seen:
            reader.error(
                reader.line(node, "name"),
                f"{prefix}.name",
                f"field {name!r} is declared twice (first at line {seen[name]})",
            )
        seen[name] = reader.line(node, "name")
        json_key = reader.value(node, "key", prefix, str, "") if "key" in node else None
        if json_key == name:
            reader.error(
                reader.line(node, "key"), f"{prefix}.key", "is the field's name: leave it out"
            )
        elif json_key and json_key in seen:
            reader.error(
                reader.line(node, "key"),
                f"{prefix}.key",
                f"{json_key!r} is already a field (line {seen[json_key]})",
            )
        elif json_key:
            seen[json_key] = reader.line(node, "key")
        if type_ not in PRIMITIVES:
            reader.error(
                reader.line(node, "type"),
                f"{prefix}.type",
                f"must be one of {', '.join(PRIMITIVES)}, got {type_!r}",
            )
        enum = _enum(reader, node, prefix)
        if enum and type_ != "string":
            reader.error(
                reader.line(node, "enum"),
                f"{prefix}.enum",
                f"enums apply to strings only, not {type_}",
            )
        minimum, maximum = _bounds(reader, node, prefix, type_)
        fields.append(
            FieldSpec(
                name=name,
                type=type_,
                doc=reader.value(node, "doc", prefix, str, ""),
                required=reader.value(node, "required", prefix, bool, False),
                nullable=reader.value(node, "nullable", prefix, bool, False),
                enum=enum,
                minimum=minimum,
                maximum=maximum,
                json_key=json_key or None,
            )
        )
    return tuple(fields)


_GROUP_BASE = re.compile(r"(modehal(?:\.[a-z_][a-z0-9_]*)+)\.([A-Z][A-Za-z0-9]*)")


_CHECK = re.compile(r"modehal\.(_[a-z_]+)\.([a-z_][a-z0-9_]*)")


def _read_check(reader: _Reader, root: Located, kind: str) -> tuple[str, str] | None:
    """``check: modehal._checks.cron_rules``: a hand-written function of the runtime that a
    body object's ``__post_init__`` calls with the object, for rules across its fields."""
    path = reader.value(root, "check", "", str)
    if path is None:
        return None
    line = reader.line(root, "check")
    if kind != "object":
        reader.error(line, "check", "only a body object (kind: object) takes a check")
    match = _CHECK.fullmatch(path)
    if match is None:
        reader.error(
            line,
            "check",
            f"must be a function of the runtime, modehal._<module>.<name>, got {path!r}",
        )
        return None
    return match.group(1), match.group(2)


def _read_group_base(reader: _Reader, root: Located, refs: _Refs) -> GroupBase | None:
    if "group_base" not in root:
        return None
    node = reader.mapping(root["group_base"], "group_base", reader.line(root, "group_base"))
    if node is None:
        return None
    reader.check_keys(node, "group_base", {"class"}, {"of"})
    path = reader.value(node, "class", "group_base", str, "")
    match = _GROUP_BASE.fullmatch(path)
    if path and match is None:
        reader.error(
            reader.line(node, "class"),
            "group_base.class",
            f"must be a class of the runtime, modehal.<module>.<Class>, got {path!r}",
        )
    of = reader.value(node, "of", "group_base", str)
    if of is not None:
        refs.models.append(("group_base.of", reader.line(node, "of"), of, {"resource"}))
    if match is None:
        return None
    return GroupBase(module=match.group(1), class_name=match.group(2), of=of)


def _read_poll(reader: _Reader, root: Located, fields: tuple[FieldSpec, ...]) -> PollSpec | None:
    if "poll" not in root:
        return None
    node = reader.mapping(root["poll"], "poll", reader.line(root, "poll"))
    if node is None:
        return None
    reader.check_keys(node, "poll", {"field", "success", "failure"}, set())
    name = reader.value(node, "field", "poll", str, "")
    declared = {f.name: f for f in fields}
    if name and name not in declared:
        reader.error(reader.line(node, "field"), "poll.field", f"{name!r} is not a declared field")
    states: dict[str, tuple[str, ...]] = {}
    for key in ("success", "failure"):
        values = (
            _string_list(reader, node[key], f"poll.{key}", reader.line(node, key))
            if key in node
            else ()
        )
        enum = declared[name].enum if name in declared else ()
        for value in values:
            if enum and value not in enum:
                reader.error(
                    reader.line(node, key),
                    f"poll.{key}",
                    f"{value!r} is not one of {name}'s enum values",
                )
        states[key] = values
    return PollSpec(field=name, success=states["success"], failure=states["failure"])


def _read_known_drift(reader: _Reader, root: Located) -> tuple[KnownDrift, ...]:
    """Differences from the docs pages (or OpenAPI files) taken on purpose, so `drift` does not
    report them."""
    entries = []
    seen: set[tuple[str, str | None]] = set()
    for prefix, line, node in _items(reader, root, "known_drift"):
        reader.check_keys(node, prefix, {"id", "reason"}, {"source"})
        drift_id = reader.value(node, "id", prefix, str, "")
        reason = reader.value(node, "reason", prefix, str, "")
        source = reader.value(node, "source", prefix, str) or None
        if (drift_id, source) in seen:
            reader.error(reader.line(node, "id"), f"{prefix}.id", f"{drift_id!r} is declared twice")
        seen.add((drift_id, source))
        entries.append(KnownDrift(drift_id, reason, reader.line(node, "id"), source))
    return tuple(entries)


def _read_links(reader: _Reader, root: Located, refs: _Refs) -> tuple[LinkSpec, ...]:
    links: list[LinkSpec] = []
    seen: set[str] = set()
    for prefix, line, node in _items(reader, root, "links"):
        reader.check_keys(node, prefix, {"rel", "doc"}, {"target", "collection", "download"})
        rel = reader.name(node, "rel", prefix, "rel")
        if rel in seen:
            reader.error(
                reader.line(node, "rel"), f"{prefix}.rel", f"rel {rel!r} is declared twice"
            )
        seen.add(rel)
        target = reader.value(node, "target", prefix, str)
        if target is not None:
            refs.models.append(
                (f"{prefix}.target", reader.line(node, "target"), target, {"resource"})
            )
        download = reader.value(node, "download", prefix, bool, False)
        if download and target is not None:
            reader.error(
                reader.line(node, "download"),
                f"{prefix}.download",
                "a download leads to no resource: drop `target` or `download`",
            )
        links.append(
            LinkSpec(
                rel=rel,
                doc=reader.value(node, "doc", prefix, str, ""),
                target=target,
                collection=reader.value(node, "collection", prefix, bool, False),
                download=download,
            )
        )
    return tuple(links)


_PARAM_KEYS = {
    "type",
    "required",
    "client_default",
    "enum",
    "default",
    "minimum",
    "maximum",
    "pattern",
    "pattern_text",
    "aliases",
}


def _read_params(
    reader: _Reader, node: Located, prefix: str, refs: _Refs
) -> tuple[tuple[ParamSpec, ...], list[int]]:
    """The params of an operation, and the line of each."""
    params: list[ParamSpec] = []
    lines: list[int] = []
    alias_nodes: list[tuple[str, Located]] = []  # each param's key and node, for its aliases
    seen: set[str] = set()
    for sub, line, item in _items(reader, node, "params"):
        key = f"{prefix}.{sub}"
        reader.check_keys(item, key, {"name", "in", "doc"}, _PARAM_KEYS)
        name = reader.name(item, "name", key, "param")
        location = reader.value(item, "in", key, str, "query")
        type_ = reader.value(item, "type", key, str, "string")
        if name in seen:
            reader.error(
                reader.line(item, "name"), f"{key}.name", f"param {name!r} is declared twice"
            )
        seen.add(name)
        if location not in LOCATIONS:
            reader.error(
                reader.line(item, "in"),
                f"{key}.in",
                f"must be path, query or body, got {location!r}",
            )
        if type_ not in PRIMITIVES:
            refs.models.append((f"{key}.type", reader.line(item, "type"), type_, {"object"}))
        enum = _enum(reader, item, key)
        default = item.get("default")
        if "default" in item and not _fits(default, type_):
            reader.error(
                reader.line(item, "default"),
                f"{key}.default",
                f"{default!r} is not of type {type_}",
            )
        elif "default" in item and enum and default not in enum:
            reader.error(
                reader.line(item, "default"),
                f"{key}.default",
                f"{default!r} is not one of the enum values ({', '.join(map(str, enum))})",
            )
        client_default = reader.value(item, "client_default", key, str)
        if client_default is not None and (location != "path" or client_default != "account"):
            reader.error(
                reader.line(item, "client_default"),
                f"{key}.client_default",
                "only a path param can take client_default, and only `account`",
            )
        pattern = reader.value(item, "pattern", key, str)
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                reader.error(
                    reader.line(item, "pattern"),
                    f"{key}.pattern",
                    f"not a valid regular expression: {exc}",
                )
        pattern_text = reader.value(item, "pattern_text", key, str)
        if (pattern is None) != (pattern_text is None):
            reader.error(
                reader.line(item, "pattern_text" if pattern is None else "pattern"),
                f"{key}.pattern_text",
                "pattern and pattern_text go together: a pattern is told in words to whoever "
                "mistypes it",
            )
        minimum, maximum = _bounds(reader, item, key, type_)
        required = reader.value(item, "required", key, bool, location == "path")
        aliases = _aliases(reader, item, key, location, required)
        alias_nodes.append((key, item))
        if location == "path" and not required:
            reader.error(
                reader.line(item, "required"), f"{key}.required", "path params are always required"
            )
        lines.append(reader.line(item, "name"))
        params.append(
            ParamSpec(
                name=name,
                location=location,
                doc=reader.value(item, "doc", key, str, ""),
                type=type_,
                required=required,
                client_default=client_default,
                enum=enum,
                default=default,
                minimum=minimum,
                maximum=maximum,
                pattern=pattern,
                pattern_text=pattern_text,
                aliases=aliases,
            )
        )
    taken: dict[str, str] = {param.name: param.name for param in params}
    for param, (key, item) in zip(params, alias_nodes):
        for alias in param.aliases:
            if alias in taken:
                reader.error(
                    reader.line(item, "aliases"),
                    f"{key}.aliases",
                    f"{alias!r} is already a name of param {taken[alias]!r} of this operation",
                )
            taken[alias] = param.name
    return tuple(params), lines


def _aliases(
    reader: _Reader, item: Located, key: str, location: str, required: bool
) -> tuple[str, ...]:
    """A param's other keyword names: each a Python name, on an optional body or query param
    (a required one would need both names in the signature, and a path param is positional)."""
    if "aliases" not in item:
        return ()
    names = _string_list(reader, item["aliases"], f"{key}.aliases", reader.line(item, "aliases"))
    line = reader.line(item, "aliases")
    if location == "path" or required:
        reader.error(line, f"{key}.aliases", "only an optional body or query param takes aliases")
    for alias in names:
        why = problem("param", alias)
        if why is not None:
            reader.error(line, f"{key}.aliases", why)
    return tuple(names)


_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def _fits(value: Any, type_: str) -> bool:
    """Whether a param default matches the param's type (bools are not integers here)."""
    wanted = _PYTHON_TYPES.get(type_)
    if wanted is None:
        return value is None  # no literal default for datetimes, objects, arrays or models
    return isinstance(value, wanted) and (type_ == "boolean" or not isinstance(value, bool))


def _read_returns(reader: _Reader, node: Located, prefix: str, refs: _Refs) -> ReturnSpec:
    key = f"{prefix}.returns"
    value = node.get("returns")
    line = reader.line(node, "returns")
    if value == "nothing":
        return ReturnSpec("nothing")
    if value in STREAMED_RETURNS:
        return ReturnSpec(value)
    if isinstance(value, str) and value.strip():
        refs.models.append((key, line, value, {"resource"}))
        return ReturnSpec("resource", model=value)
    if isinstance(value, Located):
        reader.check_keys(value, key, {"collection"}, {"key"})
        model = reader.value(value, "collection", key, str, "")
        if model:
            refs.models.append(
                (f"{key}.collection", reader.line(value, "collection"), model, {"resource"})
            )
        return ReturnSpec(
            "collection", model=model, key=reader.name(value, "key", key, "key") or None
        )
    if "returns" in node:
        reader.error(
            line,
            key,
            "expected `nothing`, `results`, `download`, a model name or {collection: <model>}, "
            f"got {_kind(value)}",
        )
    return ReturnSpec("nothing")


def _read_methods(reader: _Reader, root: Located) -> tuple[MethodSpec, ...]:
    methods: list[MethodSpec] = []
    seen: dict[str, int] = {}
    for prefix, line, node in _items(reader, root, "methods"):
        reader.check_keys(node, prefix, {"name", "operation"}, {"wait", "download", "doc"})
        name = reader.name(node, "name", prefix, "field")
        operation = reader.value(node, "operation", prefix, str, "")
        if operation and not _OPERATION_NAME.fullmatch(operation):
            reader.error(
                reader.line(node, "operation"),
                f"{prefix}.operation",
                f"expected <group>.<operation>, such as report_runs.get; got {operation!r}",
            )
        if name in seen:
            reader.error(line, f"{prefix}.name", f"{name!r} is also a method at line {seen[name]}")
        seen.setdefault(name, line)
        methods.append(
            MethodSpec(
                name=name,
                operation=operation,
                line=line,
                wait=reader.value(node, "wait", prefix, bool, False),
                download=reader.name(node, "download", prefix, "rel") or None,
                doc=reader.value(node, "doc", prefix, str),
            )
        )
    return tuple(methods)


_OPERATION_NAME = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")


def _read_operations(reader: _Reader, root: Located, refs: _Refs) -> tuple[OperationSpec, ...]:
    operations: list[OperationSpec] = []
    seen: dict[str, int] = {}
    required = {
        "name",
        "summary",
        "doc",
        "method",
        "api",
        "path",
        "params",
        "status",
        "returns",
        "errors",
    }
    for prefix, line, node in _items(reader, root, "operations"):
        reader.check_keys(node, prefix, required, {"body_wrapper", "openapi"})
        name = reader.name(node, "name", prefix, "operation")
        if name in seen:
            reader.error(
                reader.line(node, "name"),
                f"{prefix}.name",
                f"two operations are named {name!r} (the other at line {seen[name]})",
            )
        seen.setdefault(name, reader.line(node, "name"))
        method = reader.value(node, "method", prefix, str, "GET")
        if method not in METHODS:
            reader.error(
                reader.line(node, "method"),
                f"{prefix}.method",
                f"must be one of {', '.join(METHODS)}, got {method!r}",
            )
        api = reader.value(node, "api", prefix, str, "")
        if api:
            refs.apis.append((f"{prefix}.api", reader.line(node, "api"), api))
        path = reader.name(node, "path", prefix, "path", "/")
        params, param_lines = _read_params(reader, node, prefix, refs)
        _check_path(reader, node, prefix, path, params, param_lines)
        status = reader.value(node, "status", prefix, int, 200)
        if not 200 <= status <= 299:
            reader.error(
                reader.line(node, "status"),
                f"{prefix}.status",
                f"must be a 2xx status, got {status}",
            )
        errors = _read_errors(reader, node, prefix)
        body_wrapper = reader.name(node, "body_wrapper", prefix, "key") or None
        if body_wrapper is not None and not any(p.location == "body" for p in params):
            reader.error(
                reader.line(node, "body_wrapper"),
                f"{prefix}.body_wrapper",
                "there are no body params to wrap",
            )
        if method in ("GET", "DELETE") and any(p.location == "body" for p in params):
            reader.error(
                reader.line(node, "method"),
                f"{prefix}.method",
                f"{method} operations cannot take body params",
            )
        operations.append(
            OperationSpec(
                name=name,
                summary=reader.value(node, "summary", prefix, str, ""),
                doc=reader.value(node, "doc", prefix, str, ""),
                method=method,
                api=api,
                path=path,
                params=params,
                status=status,
                returns=_read_returns(reader, node, prefix, refs),
                errors=errors,
                body_wrapper=body_wrapper,
                openapi=reader.value(node, "openapi", prefix, str) or None,
            )
        )
    return tuple(operations)


def _check_path(
    reader: _Reader,
    node: Located,
    prefix: str,
    path: str,
    params: tuple[ParamSpec, ...],
    param_lines: list[int],
) -> None:
    line = reader.line(node, "path")
    if not path.startswith("/"):
        reader.error(line, f"{prefix}.path", "must start with '/'")
    try:
        parts = [
            (field, spec, conversion)
            for _, field, spec, conversion in string.Formatter().parse(path)
            if field is not None
        ]
    except ValueError as exc:
        reader.error(line, f"{prefix}.path", f"malformed template: {exc}")
        return
    names = [field for field, _, _ in parts]
    declared = [p.name for p in params if p.location == "path"]
    for name, spec, conversion in parts:
        # The runtime fills the path with str.format_map: `{run!r}` or `{run:>10}` would
        # quote or pad the value, so only bare names are allowed.
        if spec or conversion:
            reader.error(
                line,
                f"{prefix}.path",
                f"placeholder {{{name}}} must be a bare name, without ! or :",
            )
        elif problem("param", name) is not None:
            reader.error(line, f"{prefix}.path", f"placeholder {{{name}}} is not a snake_case name")
        elif name not in declared:
            reader.error(line, f"{prefix}.path", f"placeholder {{{name}}} has no path param")
    for index, param in enumerate(params):
        if param.location == "path" and param.name not in names:
            reader.error(
                param_lines[index],
                f"{prefix}.params[{index}]",
                f"path param {param.name!r} is absent from the path {path}",
            )


def _read_errors(reader: _Reader, node: Located, prefix: str) -> tuple[tuple[int, str], ...]:
    table = (
        reader.mapping(node.get("errors"), f"{prefix}.errors", reader.line(node, "errors"))
        if "errors" in node
        else None
    )
    result: list[tuple[int, str]] = []
    for status, text in (table or {}).items():
        line = table.key_lines[str(status)] if table is not None else None
        key = f"{prefix}.errors.{status}"
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            reader.error(line, key, "error statuses must be integers from 400 to 599")
            continue
        if not isinstance(text, str) or not text.strip():
            reader.error(line, key, f"expected a description string, got {_kind(text)}")
            continue
        result.append((status, text))
    return tuple(sorted(result))


# -- the whole spec -----------------------------------------------------------------------


def load_spec(directory: str | Path, *, display_root: str | Path | None = None) -> Spec:
    """Read and check every file of ``directory``; raise ``SpecError`` naming each problem."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SpecError(str(directory), None, "", "spec directory not found")
    # Files are shown (in errors and generated headers) as `spec/<file>`, however the
    # directory was spelled, so output does not depend on the current directory.
    root = Path(display_root) if display_root is not None else directory.resolve().parent
    directory = directory.resolve()

    def shown(path: Path) -> str:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()

    errors: list[SpecError] = []
    apis_file = directory / "apis.yaml"
    if not apis_file.is_file():
        raise SpecError(shown(apis_file), None, "", "missing: the spec must declare its APIs")
    apis: dict[str, ApiSpec] = {}
    try:
        apis, api_errors = _read_apis(_read_text(apis_file, shown(apis_file)), shown(apis_file))
        errors += api_errors
    except SpecError as exc:
        errors.append(exc)

    models: list[ModelSpec] = []
    all_refs: list[tuple[str, _Refs]] = []
    first_seen: dict[tuple[str, str], tuple[str, int]] = {}
    unreadable: set[str] = set()  # models whose file could not be parsed: no knock-on errors
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "apis.yaml":
            continue
        file = shown(path)
        try:
            model, refs, lines, file_errors = _read_model(_read_text(path, file), file)
        except SpecError as exc:  # unreadable or not YAML: report it with the others
            errors.append(exc)
            unreadable.add(path.stem)
            continue
        errors += file_errors
        if model is None:
            continue
        if path.stem != model.name and model.name:
            errors.append(
                SpecError(
                    file, lines["model"], "model", f"{model.name!r} must live in {model.name}.yaml"
                )
            )
        for what, value, key in (
            ("model", model.name, "model"),
            ("class", model.class_name, "class"),
            ("group", model.group, "group"),
        ):
            if not value:
                continue
            other = first_seen.get((what, value))
            if other is not None:
                errors.append(
                    SpecError(
                        file,
                        lines[key],
                        key,
                        f"{what} {value!r} is also declared in {other[0]}:{other[1]}",
                    )
                )
            else:
                first_seen[(what, value)] = (file, lines[key])
        models.append(model)
        all_refs.append((file, refs))

    kinds = {model.name: model.kind for model in models}
    for file, refs in all_refs:
        for key, line, name, allowed in refs.models:
            if name in unreadable:
                continue
            if name not in kinds:
                known = ", ".join(sorted(kinds))
                errors.append(
                    SpecError(file, line, key, f"unknown model {name!r} (known: {known})")
                )
            elif kinds[name] not in allowed:
                errors.append(
                    SpecError(
                        file,
                        line,
                        key,
                        f"{name!r} is a {kinds[name]}, expected a {' or '.join(sorted(allowed))}",
                    )
                )
        for key, line, name in refs.apis:
            if name not in apis:
                errors.append(
                    SpecError(
                        file, line, key, f"unknown api {name!r} (known: {', '.join(sorted(apis))})"
                    )
                )
    errors += _check_methods(models)
    if errors:
        raise SpecErrors(errors) if len(errors) > 1 else errors[0]
    return Spec(
        apis=apis,
        models=tuple(sorted(models, key=lambda model: model.name)),
        source_dir=shown(directory),
    )


def _check_methods(models: list[ModelSpec]) -> list[SpecError]:
    """Each method names an operation that exists; `wait` needs a result that polls."""
    operations = {
        f"{model.group}.{op.name}": op for model in models if model.group for op in model.operations
    }
    by_name = {model.name: model for model in models}
    errors = []
    for model in models:
        for index, method in enumerate(model.methods):
            key = f"methods[{index}]"
            op = operations.get(method.operation)
            if op is None:
                known = ", ".join(sorted(operations))
                errors.append(
                    SpecError(
                        model.file,
                        method.line,
                        f"{key}.operation",
                        f"unknown operation {method.operation!r} (known: {known})",
                    )
                )
                continue
            if method.name in {f.name for f in model.fields}:
                errors.append(
                    SpecError(
                        model.file, method.line, f"{key}.name", f"{method.name!r} is also a field"
                    )
                )
            result = by_name.get(op.returns.model or "")
            if method.wait and (
                result is None or result.poll is None or op.returns.kind != "resource"
            ):
                errors.append(
                    SpecError(
                        model.file,
                        method.line,
                        f"{key}.wait",
                        f"{method.operation} does not return a model with `poll`",
                    )
                )
            if method.download and op.returns.kind != "resource":
                errors.append(
                    SpecError(
                        model.file,
                        method.line,
                        f"{key}.download",
                        f"{method.operation} does not return a model with links to download",
                    )
                )
    return errors


def _read_text(path: Path, shown: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(shown, None, "", f"cannot read: {exc}") from None
