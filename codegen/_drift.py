"""`drift`: what Mode's saved docs pages and OpenAPI files document that the spec does not say,
and the reverse.

Each page is matched to the spec file whose ``source`` names it; its operations are matched
to the spec's by title (the spec's ``summary``), then by method and path. OpenAPI files
(``_openapi``) are matched explicitly: a spec operation names its ``operationId`` with
``openapi:``, a spec model its schema (fields against the schema's properties, rels against
its links schema's). An OpenAPI operation no spec operation claims is drift, and so is an
``openapi:`` name the files given do not define. What ``_openapi`` rewrites on reading
(``{workspace}`` is ``{account}``, Discovery's repeated ``/batch``, ``content(.csv, .json)``,
types) is a decision, not drift; so is a field the spec types ``datetime`` where a source
says ``string``. Against an OpenAPI file a response field's required-ness is not compared
(the spec marks only the natural key required; the file's schemas list nearly every field),
and an enum only when the file lists one (the spec may take an enum from a page).

Every difference is a ``Drift`` with a stable ``id`` (``field-type-differs:retry_count``); the
spec declares the differences it takes on purpose under ``known_drift``, each with its reason
and the source it is about (default: the model's ``source``), and those are not reported
again. An id may be a shell-style pattern (``param-name-differs:*.workspace``). A declaration
that matches nothing any more is reported, so they cannot rot: but only when its source was
among the files compared, so a report over the pages alone means what it always meant.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Protocol, TypeGuard

from ._openapi import ApiDoc, ApiField, ApiOperation, ApiParam, enum_text
from ._pages import DocOperation, DocPage
from ._spec import PRIMITIVES, FieldSpec, ModelSpec, OperationSpec, ParamSpec, Spec


class _Add(Protocol):
    """Records one drift of the operation or model being compared."""

    def __call__(self, kind: str, subject: str, detail: str, value: str = "") -> None: ...


@dataclass(frozen=True)
class Drift:
    page: str  # the page or OpenAPI file, as given
    resource: str  # the spec model concerned ("?": none)
    operation: str | None  # "report_runs.get", or None for the resource itself
    kind: str  # e.g. "param-not-in-spec"; see KINDS
    subject: str  # the field, param, link, status or operation concerned
    detail: str  # what the source says against what the spec says
    # what the source says, where it matters: a declared type change covers that type only
    value: str = ""

    @property
    def id(self) -> str:
        scope = f"{self.operation.split('.', 1)[1]}." if self.operation else ""
        return f"{self.kind}:{scope}{self.subject}" + (f"={self.value}" if self.value else "")


KINDS = {
    "page-not-in-spec": "no spec file has this page as its source",
    "operation-not-in-spec": "an operation the page or OpenAPI file documents and the spec lacks",
    "operation-not-on-page": "a spec operation the page does not document",
    "operation-not-in-openapi": "a spec operation's `openapi:` id the OpenAPI files lack",
    "schema-not-in-openapi": "a spec model's `openapi:` schema the OpenAPI files lack",
    "path-differs": "method or path differ",
    "param-not-in-spec": "a param in the page or OpenAPI file, not in the spec",
    "param-not-on-page": "a param in the spec, not on the page",
    "param-not-in-openapi": "a param in the spec, not in the OpenAPI file",
    "param-name-differs": "a path param named differently",
    "param-location-differs": "a param sent in another place (path, query)",
    "param-required-differs": "required on one side only",
    "param-type-differs": "types differ",
    "body-wrapper-differs": "the body is wrapped under another key",
    "returns-differs": "the operation answers with another schema",
    "field-not-in-spec": "a field in the property table or schema, not in the spec",
    "field-not-on-page": "a spec field the property table lacks",
    "field-not-in-openapi": "a spec field the OpenAPI schema lacks",
    "field-only-in-example": "a spec field the property table lacks, though the example has it",
    "field-type-differs": "types differ",
    "enum-differs": "enum values differ",
    "example-only-field": "in the example payload, but neither in the table nor in the spec",
    "link-not-in-spec": "a rel listed on the page or in the OpenAPI file, not in the spec",
    "link-not-on-page": "a spec rel the page does not list",
    "link-not-in-openapi": "a spec rel the OpenAPI file's links schema lacks",
    "status-not-in-spec": "a response status on the page or in the OpenAPI file, not in the spec",
    "status-not-on-page": "a spec status the page does not list",
    "status-not-in-openapi": "a spec status the OpenAPI file does not list",
    "stale-known-drift": "a known_drift entry that matches no difference any more",
}
_COMPATIBLE_TYPES = {("string", "datetime")}  # timestamps are strings in JSON


def _types_differ(page: str | None, spec: str) -> TypeGuard[str]:
    """Whether a type the page states (if any) contradicts the spec's."""
    return bool(page) and page != spec and (page, spec) not in _COMPATIBLE_TYPES


@dataclass(frozen=True)
class Report:
    """The result of comparing some pages and OpenAPI files with the spec."""

    drifts: tuple[Drift, ...]  # not explained by the spec
    explained: tuple[tuple[Drift, str], ...]  # (drift, the spec's reason)
    pages: tuple[str, ...]
    operations: int
    openapi: tuple[str, ...] = ()  # the OpenAPI files compared
    notes: tuple[str, ...] = ()  # what a source gets wrong that is not the spec's business

    @property
    def clean(self) -> bool:
        return not self.drifts

    def as_json(self) -> str:
        return json.dumps(
            {
                "clean": self.clean,
                "pages": list(self.pages),
                "openapi": list(self.openapi),
                "operations": self.operations,
                "drift": [{**asdict(d), "id": d.id} for d in self.drifts],
                "known": [
                    {**asdict(d), "id": d.id, "reason": reason} for d, reason in self.explained
                ],
                "notes": list(self.notes),
            },
            indent=2,
        )

    def as_text(self) -> str:
        lines: list[str] = []
        for source in self.pages + self.openapi:
            drifts = [d for d in self.drifts if d.page == source]
            # an OpenAPI file speaks of many models: one heading per model, in report order
            for resource in dict.fromkeys(d.resource for d in drifts):
                about = [d for d in drifts if d.resource == resource]
                lines.append(f"{source} ({resource})")
                for scope in _ordered({d.operation for d in about}):
                    lines.append(f"  {scope or 'resource'}:")
                    for drift in (d for d in about if d.operation == scope):
                        lines.append(f"    {drift.kind:<24} {drift.subject}: {drift.detail}")
        lines += [f"note: {note}" for note in self.notes]
        files = f"{len(self.openapi)} OpenAPI file(s), " if self.openapi else ""
        summary = (
            f"{len(self.pages)} page(s), {files}{self.operations} operation(s) compared; "
            f"{len(self.explained)} known difference(s) explained by the spec"
        )
        lines.append(
            ("no drift: " if self.clean else f"{len(self.drifts)} difference(s) to look at; ")
            + summary
        )
        return "\n".join(lines)

    def as_changelog(self, date: str) -> str:
        """A CHANGELOG.md entry: what the docs changed, grouped as the report is."""
        sources = "the saved docs and OpenAPI files" if self.openapi else "the saved docs"
        lines = [f"## {date}: regenerated from {sources}", ""]
        if self.clean:
            between = "the docs pages, the OpenAPI files" if self.openapi else "the docs pages"
            lines.append(f"- No drift between {between} and the spec.")
        for drift in self.drifts:
            where = drift.operation or (
                drift.resource if drift.resource != "?" else Path(drift.page).name
            )
            lines.append(f"- `{where}`: {KINDS[drift.kind]}: `{drift.subject}` ({drift.detail})")
        return "\n".join(lines) + "\n"


def compare(spec: Spec, pages: Sequence[DocPage], openapi: Sequence[ApiDoc] = ()) -> Report:
    found: list[Drift] = []
    compared = 0
    # Each file as the `source` a known_drift entry names: its file name, or, for a page saved
    # under another name and matched by title, the source of the model it describes.
    sources: dict[str, str] = {}
    for page in pages:
        model = _model_for(spec, page)
        sources[page.file] = model.source if model is not None else Path(page.file).name
        if model is None:
            found.append(
                Drift(
                    page.file,
                    "?",
                    None,
                    "page-not-in-spec",
                    page.title,
                    f"no spec file has `source: {page.file}`",
                )
            )
            continue
        found += _compare_resource(spec, page, model)
        documented = _page_operations(spec, model)
        matched = _match_operations(page.operations, documented)
        for doc, spec_op in matched:
            if doc is None and spec_op is not None:
                op = f"{documented[spec_op]}.{spec_op.name}"
                found.append(
                    Drift(
                        page.file,
                        model.name,
                        op,
                        "operation-not-on-page",
                        spec_op.name,
                        f"{spec_op.method} {_full_path(spec, spec_op)}",
                    )
                )
            elif doc is not None and spec_op is None:
                found.append(
                    Drift(
                        page.file,
                        model.name,
                        None,
                        "operation-not-in-spec",
                        doc.title,
                        f"{doc.method} {_doc_path(doc)}",
                    )
                )
            elif doc is not None and spec_op is not None:
                compared += 1
                found += _compare_operation(spec, page, model, doc, spec_op, documented[spec_op])
    for api_doc in openapi:
        sources[api_doc.file] = Path(api_doc.file).name
    if openapi:
        drifts, count = _compare_openapi(spec, openapi)
        found += drifts
        compared += count
    unexplained, explained = _explain(spec, found, sources)
    notes = tuple(f"{Path(d.file).name}: {note}" for d in openapi for note in d.notes)
    return Report(
        unexplained,
        explained,
        tuple(page.file for page in pages),
        compared,
        tuple(d.file for d in openapi),
        notes,
    )


# -- matching -------------------------------------------------------------------------------


def _model_for(spec: Spec, page: DocPage) -> ModelSpec | None:
    name = Path(page.file).name
    candidates = [m for m in spec.models if m.source == name and m.kind == "resource"]
    if not candidates:  # a page saved under another name: match its title ("Report Runs")
        candidates = [
            m
            for m in spec.models
            if m.kind == "resource" and _norm(m.title + "s") == _norm(page.title)
        ]
    with_operations = [m for m in candidates if m.operations]
    chosen = with_operations or candidates
    return chosen[0] if chosen else None


def _page_operations(spec: Spec, model: ModelSpec) -> dict[OperationSpec, str]:
    """The spec operations a model's page documents, each with its group: the model's own, or,
    for a model whose operations live in another group's file (the Discovery report, listed by
    `reports.list` beside the REST report's operations), those that return it."""
    if model.operations:
        return {op: model.group or "" for op in model.operations}
    return {
        op: other.group or ""
        for other in spec.models
        for op in other.operations
        if op.returns.model == model.name
    }


def _match_operations(
    docs: Iterable[DocOperation], specs: Iterable[OperationSpec]
) -> list[tuple[DocOperation | None, OperationSpec | None]]:
    remaining = list(specs)
    pairs: list[tuple[DocOperation | None, OperationSpec | None]] = []
    unmatched: list[DocOperation] = []
    for doc in docs:
        spec_op = next((op for op in remaining if _norm(op.summary) == _norm(doc.title)), None)
        if spec_op is None:
            unmatched.append(doc)
            continue
        remaining.remove(spec_op)
        pairs.append((doc, spec_op))
    for doc in unmatched:  # a retitled section: same method and path
        spec_op = next(
            (op for op in remaining if op.method == doc.method and op.path in _doc_path(doc)), None
        )
        if spec_op is not None:
            remaining.remove(spec_op)
        pairs.append((doc, spec_op))
    pairs += [(None, op) for op in remaining]
    return pairs


# -- the resource ---------------------------------------------------------------------------


def _compare_resource(spec: Spec, page: DocPage, model: ModelSpec) -> list[Drift]:
    found: list[Drift] = []

    def add(kind: str, subject: str, detail: str, value: str = "") -> None:
        found.append(Drift(page.file, model.name, None, kind, subject, detail, value))

    # `_links` and `_embedded` are HAL's structure, which the runtime reads; not fields.
    table = {
        f.name: f for f in page.fields if f.table == "properties" and not f.name.startswith("_")
    }
    declared = {f.key: f for f in model.fields}  # by JSON key, as the sources name them
    if table:  # a page with no property table (dataset schedules) documents no fields to compare
        for name, doc in table.items():
            field = declared.get(name)
            if field is None:
                add("field-not-in-spec", name, f"the page's table has it ({doc.type or 'no type'})")
                continue
            if _types_differ(doc.type, field.type):
                add(
                    "field-type-differs",
                    name,
                    f"page says {doc.type}, spec says {field.type}",
                    doc.type,
                )
            if doc.enum:
                for value in sorted(set(doc.enum) - set(field.enum)):
                    add("enum-differs", name, f"{value!r} is on the page, not in the spec", value)
                for value in sorted(set(field.enum) - set(doc.enum)):
                    add("enum-differs", name, f"{value!r} is in the spec, not on the page", value)
        for name in declared:
            if name in table:
                continue
            if name in page.example_fields:
                add(
                    "field-only-in-example",
                    name,
                    "not in the page's table, only in its example payload",
                )
            else:
                add("field-not-on-page", name, "neither in the page's table nor in its example")
    for name in page.example_fields:
        if name not in table and name not in declared:
            add("example-only-field", name, "in the example payload only")
    rels = [link.rel for link in model.links]
    if page.links:
        for rel in page.links:
            if rel not in rels:
                add("link-not-in-spec", rel, "listed on the page")
        for rel in rels:
            if rel not in page.links:
                add("link-not-on-page", rel, "declared in the spec")
    return found


# -- one operation --------------------------------------------------------------------------


def _compare_operation(
    spec: Spec, page: DocPage, model: ModelSpec, doc: DocOperation, op: OperationSpec, group: str
) -> list[Drift]:
    name = f"{group}.{op.name}"
    found: list[Drift] = []

    def add(kind: str, subject: str, detail: str, value: str = "") -> None:
        found.append(Drift(page.file, model.name, name, kind, subject, detail, value))

    full_path = _full_path(spec, op)
    if doc.method != op.method or _doc_path(doc) != full_path:
        add(
            "path-differs",
            "path",
            f"page: {doc.method} {_doc_path(doc)}; spec: {op.method} {full_path}",
            f"{doc.method} {_doc_path(doc)}",
        )

    spec_path = [p for p in op.params if p.location == "path"]
    doc_path = [p for p in doc.params if p.location == "path"]
    for index, doc_param in enumerate(doc_path):
        if index < len(spec_path) and doc_param.name != spec_path[index].name:
            add(
                "param-name-differs",
                doc_param.name,
                f"the page's path param {doc_param.name!r} is {spec_path[index].name!r} in the spec",
            )
        if not doc_param.required:  # a path param is required by nature; the spec says so
            add(
                "param-required-differs",
                doc_param.name,
                "page: optional; spec: required (it is in the path)",
            )
    for extra in doc_path[len(spec_path) :]:
        add("param-not-in-spec", extra.name, "a path param on the page")
    for missing in spec_path[len(doc_path) :]:
        add("param-not-on-page", missing.name, "a path param in the spec")

    object_params = {
        p.name: p
        for p in op.params
        if p.location == "body" and p.type in {m.name for m in spec.models}
    }
    spec_other = {
        (p.location, p.name): p
        for p in op.params
        if p.location != "path" and p.name not in object_params
    }
    doc_other = {
        (p.location, p.name): p for p in doc.params if p.location != "path" and p.parent is None
    }
    for key, doc_param in doc_other.items():
        spec_param = spec_other.get(key)
        if spec_param is None:
            add("param-not-in-spec", doc_param.name, f"a {doc_param.location} param on the page")
            continue
        if _types_differ(doc_param.type, spec_param.type):
            add(
                "param-type-differs",
                doc_param.name,
                f"page says {doc_param.type}, spec says {spec_param.type}",
                doc_param.type,
            )
        if doc_param.required != spec_param.required:
            add(
                "param-required-differs",
                doc_param.name,
                f"page: {'required' if doc_param.required else 'optional'}; spec: {'required' if spec_param.required else 'optional'}",
            )
    for key, spec_param in spec_other.items():
        if key not in doc_other:
            add("param-not-on-page", spec_param.name, f"a {spec_param.location} param in the spec")

    # Fields of a body object (`Object: cron`) against the spec's object model.
    parents = {p.parent for p in doc.params if p.parent}
    for parent in sorted(parents):
        spec_param = object_params.get(parent)
        if spec_param is None:
            add("param-not-in-spec", parent, "a body object on the page")
            continue
        fields = {f.name for f in spec.model(spec_param.type).fields}
        listed = {p.name for p in doc.params if p.parent == parent}
        for field_name in sorted(listed - fields):
            add("param-not-in-spec", f"{parent}.{field_name}", f"listed under Object: {parent}")
        for field_name in sorted(fields - listed):
            add(
                "param-not-on-page",
                f"{parent}.{field_name}",
                f"a field of {spec_param.type} in the spec",
            )
    for object_name in sorted(set(object_params) - parents):
        add("param-not-on-page", object_name, "a body object in the spec")

    doc_statuses = {status for status, _ in doc.statuses}
    spec_statuses = {op.status} | {status for status, _ in op.errors}
    for status in sorted(doc_statuses - spec_statuses):
        add("status-not-in-spec", str(status), dict(doc.statuses)[status])
    for status in sorted(spec_statuses - doc_statuses):
        add(
            "status-not-on-page",
            str(status),
            "documented success status" if status == op.status else dict(op.errors).get(status, ""),
        )
    return found


# -- OpenAPI files -------------------------------------------------------------------------


def _compare_openapi(spec: Spec, docs: Sequence[ApiDoc]) -> tuple[list[Drift], int]:
    """Operations by their `openapi:` id, then models by their `openapi:` schema."""
    found: list[Drift] = []
    by_id: dict[str, list[tuple[ApiDoc, ApiOperation]]] = {}
    for doc in docs:
        for api_op in doc.operations:
            by_id.setdefault(api_op.operation_id, []).append((doc, api_op))
    claimed: set[str] = set()
    compared = 0
    for model in spec.models:
        for op in model.operations:
            if op.openapi is None:
                continue
            base = _base(spec.apis[op.api].base_path)
            candidates = by_id.get(op.openapi, [])
            # the same id in both files: the one of the operation's API
            match = next((c for c in candidates if c[0].base_path == base), None)
            match = match or (candidates[0] if candidates else None)
            if match is None:
                # only a file of the operation's API can say the id is gone
                owner = next((d.file for d in docs if d.base_path == base), None)
                if owner is not None:
                    found.append(
                        Drift(
                            owner,
                            model.name,
                            f"{model.group}.{op.name}",
                            "operation-not-in-openapi",
                            op.openapi,
                            f"no operationId {op.openapi!r} in {Path(owner).name}",
                        )
                    )
                continue
            claimed.add(op.openapi)
            compared += 1
            found += _compare_api_operation(spec, model, op, *match)
    owners = {model.openapi: model.name for model in spec.models if model.openapi}
    for doc in docs:
        for api_op in doc.operations:
            if api_op.operation_id not in claimed:
                found.append(
                    Drift(
                        doc.file,
                        _owner(doc, api_op, owners),
                        None,
                        "operation-not-in-spec",
                        api_op.operation_id,
                        f"{api_op.method} {doc.base_path}{api_op.path}",
                    )
                )
    for model in spec.models:
        if model.openapi is not None:
            found += _compare_model(spec, model, docs)
    return found, compared


def _owner(doc: ApiDoc, api_op: ApiOperation, owners: dict[str, str]) -> str:
    """The model an unclaimed operation is about: the one claiming the schema it answers
    with (or the schema of its list's items); "?" when none does."""
    schema = doc.schemas.get(api_op.schema or "")
    names = [api_op.schema or ""] + [item for _, item in schema.items] if schema else []
    return next((owners[name] for name in names if name in owners), "?")


def _compare_model(spec: Spec, model: ModelSpec, docs: Sequence[ApiDoc]) -> list[Drift]:
    assert model.openapi is not None
    found: list[Drift] = []
    # The files the model belongs to: those of the APIs that return it, or its `source`.
    bases = {
        _base(spec.apis[op.api].base_path)
        for other in spec.models
        for op in other.operations
        if op.returns.model == model.name
    }
    own = [d for d in docs if d.base_path in bases or Path(d.file).name == model.source]
    doc = next((d for d in own + list(docs) if model.openapi in d.schemas), None)
    if doc is None:
        if own or not (bases or model.source.endswith((".yaml", ".yml", ".json"))):
            file = (own or list(docs))[0].file
            detail = f"no schema {model.openapi!r} in {Path(file).name}"
            found.append(
                Drift(file, model.name, None, "schema-not-in-openapi", model.openapi, detail)
            )
        return found
    schema = doc.schemas[model.openapi]

    def add(kind: str, subject: str, detail: str, value: str = "") -> None:
        found.append(Drift(doc.file, model.name, None, kind, subject, detail, value))

    declared = {f.key: f for f in model.fields}  # by JSON key, as the sources name them
    for api_field in schema.fields:
        field = declared.get(api_field.name)
        if field is None:
            add("field-not-in-spec", api_field.name, f"{schema.name} has it ({api_field.type})")
            continue
        if _types_differ(api_field.type, _spec_type(field.type)):
            add(
                "field-type-differs",
                api_field.name,
                f"{schema.name} says {api_field.type}, spec says {field.type}",
                api_field.type,
            )
        _compare_enums(add, api_field.name, api_field.enum, field)
    in_schema = {f.name for f in schema.fields}
    for name in declared:
        if name not in in_schema:
            add("field-not-in-openapi", name, f"not a property of {schema.name}")
    if schema.rels is not None:  # a links schema with no properties lists nothing to compare
        rels = [link.rel for link in model.links]
        for rel in schema.rels:
            if rel not in rels:
                add("link-not-in-spec", rel, f"a property of {schema.name}'s links")
        for rel in rels:
            if rel not in schema.rels:
                add("link-not-in-openapi", rel, f"not a property of {schema.name}'s links")
    return found


def _compare_api_operation(
    spec: Spec, model: ModelSpec, op: OperationSpec, doc: ApiDoc, api: ApiOperation
) -> list[Drift]:
    found: list[Drift] = []

    def add(kind: str, subject: str, detail: str, value: str = "") -> None:
        found.append(
            Drift(doc.file, model.name, f"{model.group}.{op.name}", kind, subject, detail, value)
        )

    file_path = f"{api.method} {doc.base_path}{api.path}"
    spec_path = f"{op.method} {_base(spec.apis[op.api].base_path)}{op.path}"
    if file_path != spec_path:
        add("path-differs", "path", f"file: {file_path}; spec: {spec_path}", file_path)
    _compare_path_params(spec, op, api, add)
    _compare_query_params(spec, op, api, add)
    _compare_body(spec, op, api, add)

    file_statuses = dict(api.statuses)
    spec_statuses = {op.status: "documented success status", **dict(op.errors)}
    for status in sorted(set(file_statuses) - set(spec_statuses)):
        add("status-not-in-spec", str(status), file_statuses[status] or "listed in the file")
    for status in sorted(set(spec_statuses) - set(file_statuses)):
        add("status-not-in-openapi", str(status), spec_statuses[status])

    returned = _returned_schema(spec, op, doc, api)
    if returned is not None:
        add("returns-differs", "returns", returned[1], returned[0])
    return found


def _compare_path_params(spec: Spec, op: OperationSpec, api: ApiOperation, add: _Add) -> None:
    """Position by position in the path, as the pages are compared: a renamed segment is one
    `param-name-differs`, not a param missing on each side."""

    def ordered(names: list[str], path: str) -> list[str]:
        return sorted(names, key=lambda name: path.find("{" + name + "}"))

    spec_params = {p.name: p for p in op.params if p.location == "path"}
    file_params = {p.name: p for p in api.params if p.location == "path" and p.in_path}
    spec_names = ordered(list(spec_params), op.path)
    file_names = ordered(list(file_params), api.path)
    for index, name in enumerate(file_names):
        if index >= len(spec_names):
            add("param-not-in-spec", name, "a path param in the file")
            continue
        if name != spec_names[index]:
            add(
                "param-name-differs",
                name,
                f"the file's path param {name!r} is {spec_names[index]!r} in the spec",
            )
        _compare_param(spec_params[spec_names[index]], file_params[name], add, name)
    for name in spec_names[len(file_names) :]:
        add("param-not-in-openapi", name, "a path param in the spec")


def _compare_query_params(spec: Spec, op: OperationSpec, api: ApiOperation, add: _Add) -> None:
    # Header params are authentication, which the runtime does (and the spec does not list).
    # A param the file declares `in: path` but the path lacks is compared here: it can only be
    # sent in the query.
    spec_params = {p.name: p for p in op.params if p.location == "query"}
    file_params = {
        p.name: p
        for p in api.params
        if p.location not in ("header", "body") and not (p.location == "path" and p.in_path)
    }
    for name, param in file_params.items():
        spec_param = spec_params.get(name)
        if spec_param is None:
            add("param-not-in-spec", name, f"a {param.location} param in the file")
            continue
        if param.location != spec_param.location:
            add(
                "param-location-differs",
                name,
                f"file: in {param.location} (not in the path {api.raw_path}); spec: in query",
                param.location,
            )
        _compare_param(spec_param, param, add, name)
    for name in spec_params:
        if name not in file_params:
            add("param-not-in-openapi", name, "a query param in the spec")


def _compare_param(spec_param: ParamSpec, param: ApiParam | ApiField, add: _Add, name: str) -> None:
    if _types_differ(param.type, _spec_type(spec_param.type)):
        add(
            "param-type-differs",
            name,
            f"file says {param.type}, spec says {spec_param.type}",
            param.type,
        )
    if param.required != spec_param.required:
        add(
            "param-required-differs",
            name,
            f"file: {_required(param.required)}; spec: {_required(spec_param.required)}",
        )
    _compare_enums(add, name, param.enum, spec_param)


def _compare_body(spec: Spec, op: OperationSpec, api: ApiOperation, add: _Add) -> None:
    spec_params = {p.name: p for p in op.params if p.location == "body"}
    if api.has_body and spec_params and api.body_wrapper != op.body_wrapper:
        add(
            "body-wrapper-differs",
            "body_wrapper",
            f"file: {_wrapped(api.body_wrapper)}; spec: {_wrapped(op.body_wrapper)}",
            api.body_wrapper or "",
        )
    file_fields = {f.name: f for f in api.body}
    for name, api_field in file_fields.items():
        spec_param = spec_params.get(name)
        if spec_param is None:
            add("param-not-in-spec", name, "a body field in the file")
            continue
        _compare_param(spec_param, api_field, add, name)
        if api_field.fields and spec_param.type not in PRIMITIVES:  # an object model (cron)
            _compare_body_object(spec, spec_param, api_field, add)
    for name in spec_params:
        if name not in file_fields:
            add("param-not-in-openapi", name, "a body param in the spec")


def _compare_body_object(spec: Spec, param: ParamSpec, api_field: ApiField, add: _Add) -> None:
    fields = {f.name: f for f in spec.model(param.type).fields}
    listed = {f.name: f for f in api_field.fields}
    for name, listed_field in listed.items():
        subject = f"{param.name}.{name}"
        field = fields.get(name)
        if field is None:
            add("param-not-in-spec", subject, f"a property of the file's {param.name}")
            continue
        if _types_differ(listed_field.type, _spec_type(field.type)):
            add(
                "param-type-differs",
                subject,
                f"file says {listed_field.type}, spec says {field.type}",
                listed_field.type,
            )
        _compare_enums(add, subject, listed_field.enum, field)
    for name in fields:
        if name not in listed:
            add("param-not-in-openapi", f"{param.name}.{name}", f"a field of {param.type}")


def _returned_schema(
    spec: Spec, op: OperationSpec, doc: ApiDoc, api: ApiOperation
) -> tuple[str, str] | None:
    """(what the file returns, detail) when it is not what the spec returns. Only what both
    name is compared: a schema the spec's model claims, or a list's item schema and key."""
    kind = op.returns.kind
    if kind == "nothing":
        answered = doc.schemas.get(api.schema or "")
        if answered is not None and answered.fields:
            return answered.name, f"file: {answered.name}; spec: nothing"
        return None
    if kind not in ("resource", "collection") or api.schema is None:
        return None
    model = spec.model(op.returns.model or "")
    if kind == "resource":
        if model.openapi is not None and api.schema != model.openapi:
            return api.schema, f"file: {api.schema}; spec: {model.name} ({model.openapi})"
        return None
    collection = doc.schemas.get(api.schema)
    items = collection.items if collection is not None else ()
    if not items:  # REST collections leave their `_embedded` empty
        return None
    key, item = items[0]
    wanted = op.returns.key or model.plural
    if (model.openapi is not None and item != model.openapi) or key != wanted:
        return (
            f"{key}:{item}",
            f"file: {api.schema} lists {item} under {key!r}; "
            f"spec: {model.name} ({model.openapi or 'no schema'}) under {wanted!r}",
        )
    return None


def _compare_enums(
    add: _Add,
    subject: str,
    listed: tuple[str, ...],
    declared: FieldSpec | ParamSpec,
) -> None:
    """Only where the file lists values: the spec may take an enum from a page. Where the spec
    lists none, one drift says so (not one per value: the file lists 151 time zones); bounds
    that allow exactly the listed integers (cron's `minute`, 0..59) are the same enum."""
    if not listed:
        return
    if not declared.enum:
        low, high = declared.minimum, declared.maximum
        if (
            low is not None
            and high is not None
            and set(listed) == {str(n) for n in range(low, high + 1)}
        ):
            return
        shown = ", ".join(listed[:5]) + (", ..." if len(listed) > 5 else "")
        add(
            "enum-differs", subject, f"the file lists {len(listed)} values ({shown}); the spec none"
        )
        return
    spec_values = {enum_text(value) for value in declared.enum}
    for value in sorted(set(listed) - spec_values):
        add("enum-differs", subject, f"{value!r} is in the file, not in the spec", value)
    for value in sorted(spec_values - set(listed)):
        add("enum-differs", subject, f"{value!r} is in the spec, not in the file", value)


def _spec_type(type_: str) -> str:
    """A spec type as a source can state it: an object model (cron) is an `object`."""
    return type_ if type_ in PRIMITIVES else "object"


def _base(path: str) -> str:
    return path.rstrip("/")


def _required(required: bool) -> str:
    return "required" if required else "optional"


def _wrapped(wrapper: str | None) -> str:
    return f"{{{wrapper!r}: {{...}}}}" if wrapper else "not wrapped"


# -- known differences ----------------------------------------------------------------------


def _explain(
    spec: Spec, found: list[Drift], sources: dict[str, str]
) -> tuple[tuple[Drift, ...], tuple[tuple[Drift, str], ...]]:
    """(drift the spec does not explain, (drift, reason) it does). A known_drift entry explains
    a drift of its model (or one no model claims) from its source whose id its id matches."""
    entries = [
        (model, entry, entry.source or model.source)
        for model in spec.models
        for entry in model.known_drift
    ]
    used: set[tuple[str, str, str]] = set()
    unexplained: list[Drift] = []
    explained: list[tuple[Drift, str]] = []
    for drift in found:
        source = sources.get(drift.page, Path(drift.page).name)
        entry = next(
            (
                (model, known)
                for model, known, known_source in entries
                if known_source == source
                and drift.resource in (model.name, "?")
                and (known.id == drift.id or fnmatchcase(drift.id, known.id))
            ),
            None,
        )
        if entry is None:
            unexplained.append(drift)
        else:
            used.add((entry[0].name, entry[1].id, source))
            explained.append((drift, entry[1].reason))
    # An entry is checked only when its source was compared: one about swagger.yaml says
    # nothing about a report over the pages.
    page_of = {source: file for file, source in sources.items()}
    for model, known, source in sorted(entries, key=lambda e: (e[0].name, e[1].id)):
        if source in page_of and (model.name, known.id, source) not in used:
            unexplained.append(
                Drift(
                    page_of[source],
                    model.name,
                    None,
                    "stale-known-drift",
                    known.id,
                    f"declared in {model.file}, but {source} no longer differs",
                )
            )
    return tuple(unexplained), tuple(explained)


# -- helpers ------------------------------------------------------------------------------


def _full_path(spec: Spec, op: OperationSpec) -> str:
    return spec.apis[op.api].base_path + op.path


def _doc_path(doc: DocOperation) -> str:
    return doc.example_path or doc.header_path


def _norm(text: str) -> str:
    return " ".join(text.lower().rstrip(".").split())


def _ordered(scopes: set[str | None]) -> list[str | None]:
    return sorted(scopes, key=lambda scope: (scope is not None, scope or ""))
