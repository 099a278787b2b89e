"""`drift`: what a saved docs page documents that the spec does not say, and the reverse.

Each page is matched to the spec file whose ``source`` names it; its operations are matched
to the spec's by title (the spec's ``summary``), then by method and path. Every difference is
a ``Drift`` with a stable ``id`` (``field-type-differs:retry_count``); the spec declares the
differences it takes on purpose under ``known_drift``, each with its reason, and those are not
reported again. A declaration that matches nothing any more is reported, so they cannot rot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeGuard

from ._pages import DocOperation, DocPage
from ._spec import ModelSpec, OperationSpec, Spec


@dataclass(frozen=True)
class Drift:
    page: str
    resource: str  # the spec model the page describes
    operation: str | None  # "report_runs.get", or None for the resource itself
    kind: str  # e.g. "param-not-in-spec"; see KINDS
    subject: str  # the field, param, link, status or operation concerned
    detail: str  # what the page says against what the spec says
    value: str = (
        ""  # what the page says, where it matters: a declared type change covers that type only
    )

    @property
    def id(self) -> str:
        scope = f"{self.operation.split('.', 1)[1]}." if self.operation else ""
        return f"{self.kind}:{scope}{self.subject}" + (f"={self.value}" if self.value else "")


KINDS = {
    "page-not-in-spec": "no spec file has this page as its source",
    "operation-not-in-spec": "an operation the page documents and the spec lacks",
    "operation-not-on-page": "a spec operation the page does not document",
    "path-differs": "method or path differ",
    "param-not-in-spec": "a param on the page, not in the spec",
    "param-not-on-page": "a param in the spec, not on the page",
    "param-name-differs": "a path param named differently",
    "param-required-differs": "required on one side only",
    "param-type-differs": "types differ",
    "field-not-in-spec": "a field in the property table, not in the spec",
    "field-not-on-page": "a spec field the property table lacks",
    "field-only-in-example": "a spec field the property table lacks, though the example has it",
    "field-type-differs": "types differ",
    "enum-differs": "enum values differ",
    "example-only-field": "in the example payload, but neither in the table nor in the spec",
    "link-not-in-spec": "a rel listed on the page, not in the spec",
    "link-not-on-page": "a spec rel the page does not list",
    "status-not-in-spec": "a response status on the page, not in the spec",
    "status-not-on-page": "a spec status the page does not list",
    "stale-known-drift": "a known_drift entry that matches no difference any more",
}
_COMPATIBLE_TYPES = {("string", "datetime")}  # timestamps are strings in JSON


def _types_differ(page: str | None, spec: str) -> TypeGuard[str]:
    """Whether a type the page states (if any) contradicts the spec's."""
    return bool(page) and page != spec and (page, spec) not in _COMPATIBLE_TYPES


@dataclass(frozen=True)
class Report:
    """The result of comparing some pages with the spec."""

    drifts: tuple[Drift, ...]  # not explained by the spec
    explained: tuple[tuple[Drift, str], ...]  # (drift, the spec's reason)
    pages: tuple[str, ...]
    operations: int

    @property
    def clean(self) -> bool:
        return not self.drifts

    def as_json(self) -> str:
        return json.dumps(
            {
                "clean": self.clean,
                "pages": list(self.pages),
                "operations": self.operations,
                "drift": [{**asdict(d), "id": d.id} for d in self.drifts],
                "known": [
                    {**asdict(d), "id": d.id, "reason": reason} for d, reason in self.explained
                ],
            },
            indent=2,
        )

    def as_text(self) -> str:
        lines: list[str] = []
        for page in self.pages:
            drifts = [d for d in self.drifts if d.page == page]
            if not drifts:
                continue
            lines.append(f"{page} ({drifts[0].resource})")
            for scope in _ordered({d.operation for d in drifts}):
                lines.append(f"  {scope or 'resource'}:")
                for drift in (d for d in drifts if d.operation == scope):
                    lines.append(f"    {drift.kind:<24} {drift.subject}: {drift.detail}")
        summary = (
            f"{len(self.pages)} page(s), {self.operations} operation(s) compared; "
            f"{len(self.explained)} known difference(s) explained by the spec"
        )
        lines.append(
            ("no drift: " if self.clean else f"{len(self.drifts)} difference(s) to look at; ")
            + summary
        )
        return "\n".join(lines)

    def as_changelog(self, date: str) -> str:
        """A CHANGELOG.md entry: what the docs changed, grouped as the report is."""
        lines = [f"## {date}: regenerated from the saved docs", ""]
        if self.clean:
            lines.append("- No drift between the docs pages and the spec.")
        for drift in self.drifts:
            where = f"`{drift.operation}`" if drift.operation else f"`{drift.resource}`"
            lines.append(f"- {where}: {KINDS[drift.kind]}: `{drift.subject}` ({drift.detail})")
        return "\n".join(lines) + "\n"


def compare(spec: Spec, pages: Sequence[DocPage]) -> Report:
    found: list[Drift] = []
    compared = 0
    for page in pages:
        model = _model_for(spec, page)
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
        matched = _match_operations(page.operations, model.operations)
        for doc, spec_op in matched:
            if doc is None and spec_op is not None:
                op = f"{model.group}.{spec_op.name}"
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
                found += _compare_operation(spec, page, model, doc, spec_op)
    return _explain(spec, found, [page.file for page in pages], compared)


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
    declared = {f.name: f for f in model.fields}
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
    spec: Spec, page: DocPage, model: ModelSpec, doc: DocOperation, op: OperationSpec
) -> list[Drift]:
    name = f"{model.group}.{op.name}"
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


# -- known differences ----------------------------------------------------------------------


def _explain(spec: Spec, found: list[Drift], pages: list[str], operations: int) -> Report:
    known = {
        (model.name, drift_id): (reason, model)
        for model in spec.models
        for drift_id, reason, _ in model.known_drift
    }
    used: set[tuple[str, str]] = set()
    unexplained: list[Drift] = []
    explained: list[tuple[Drift, str]] = []
    for drift in found:
        entry = known.get((drift.resource, drift.id))
        if entry is None:
            unexplained.append(drift)
        else:
            used.add((drift.resource, drift.id))
            explained.append((drift, entry[0]))
    compared_models = {d.resource for d in found if d.kind != "page-not-in-spec"}
    compared_models |= {m.name for m in spec.models if m.source in {Path(p).name for p in pages}}
    page_of = {Path(page).name: page for page in pages}
    for (model_name, drift_id), (_, model) in sorted(known.items()):
        if model_name in compared_models and (model_name, drift_id) not in used:
            page = page_of.get(model.source, model.source)
            unexplained.append(
                Drift(
                    page,
                    model_name,
                    None,
                    "stale-known-drift",
                    drift_id,
                    f"declared in {model.file}, but the page no longer differs",
                )
            )
    return Report(tuple(unexplained), tuple(explained), tuple(pages), operations)


# -- helpers ------------------------------------------------------------------------------


def _full_path(spec: Spec, op: OperationSpec) -> str:
    return spec.apis[op.api].base_path + op.path


def _doc_path(doc: DocOperation) -> str:
    return doc.example_path or doc.header_path


def _norm(text: str) -> str:
    return " ".join(text.lower().rstrip(".").split())


def _ordered(scopes: set[str | None]) -> list[str | None]:
    return sorted(scopes, key=lambda scope: (scope is not None, scope or ""))
