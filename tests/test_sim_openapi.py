"""Every document the simulator serves, validated against Mode's OpenAPI definitions.

The simulator is crawled in plain ``requests`` from the account and the REST and Discovery
listings (every ``/api`` and ``/batch`` link of every document, once each); each JSON document
whose path is an operation of docs/mode-swagger/swagger.yaml or batch-swagger.yaml is checked
with ``jsonschema`` against that operation's 200 schema (Swagger 2.0 definitions, ``$ref:
'#/definitions/X'`` resolved): required properties, required ``_links`` rels, container shapes
(object vs list), enums, scalar types, and the items of each collection.

Departures are never silent: the table ``TOLERATED`` below lists each field whose type the spec
decided differently from the file, with the reason; ``UNDEFINED`` lists the schemas the file
references and never defines (those operations are skipped).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from modehal.sim import Simulator

from ._mode_http import EMBEDDED, EMBEDDED_BY_ROUTE, Mode, Walk, crawl_all

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "rest": yaml.safe_load((ROOT / "docs/mode-swagger/swagger.yaml").read_text()),
    "batch": yaml.safe_load((ROOT / "docs/mode-swagger/batch-swagger.yaml").read_text()),
}

# ---------------------------------------------------------------------------------------------
# Type decisions the spec took against the file, tolerated here and nowhere else.
# (definition, property) -> (the JSON types accepted beside the file's, the reason)
# Every reason points at the spec's known_drift entry or YAML comment that made the decision.
# ---------------------------------------------------------------------------------------------
TOLERATED: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("Account", "organization_restricted"): (
        ("boolean",),
        'spec/account.yaml known_drift field-type-differs:organization_restricted=string: The file types this flag as a string; declared boolean ("true"/"false" strings still decode).',
    ),
    ("Account", "organizations_count"): (
        ("integer",),
        "spec/account.yaml known_drift field-type-differs:organizations_count=string: The file types this count as a string; declared integer (numeric strings still decode).",
    ),
    ("Account", "scim_enabled"): (
        ("boolean",),
        'spec/account.yaml known_drift field-type-differs:scim_enabled=string: The file types this flag as a string; declared boolean ("true"/"false" strings still decode).',
    ),
    ("BatchApiRepresenters__Chart", "query_id"): (
        ("integer",),
        "spec/discovery_chart.yaml known_drift field-type-differs:query_id=string: batch-swagger.yaml types query_id as a string; it is a numeric id, declared integer (a numeric string is still accepted).",
    ),
    ("BatchApiRepresenters__Chart", "report_id"): (
        ("integer",),
        "spec/discovery_chart.yaml known_drift field-type-differs:report_id=string: batch-swagger.yaml types report_id as a string; it is a numeric id, declared integer (a numeric string is still accepted).",
    ),
    ("BatchApiRepresenters__Chart", "space_id"): (
        ("integer",),
        "spec/discovery_chart.yaml known_drift field-type-differs:space_id=string: batch-swagger.yaml types space_id as a string; it is a numeric id (discovery_report's page example has an integer), declared integer.",
    ),
    ("BatchApiRepresenters__Membership", "id"): (
        ("integer",),
        "spec/discovery_member.yaml known_drift field-type-differs:id=string: The file types this id as a string; ids are declared integer (numeric strings still decode).",
    ),
    ("BatchApiRepresenters__Membership", "total_days_engaged"): (
        ("integer",),
        "spec/discovery_member.yaml known_drift field-type-differs:total_days_engaged=string: The file types this count as a string; declared integer (numeric strings still decode).",
    ),
    ("BatchApiRepresenters__Query", "report_id"): (
        ("integer",),
        "spec/discovery_query.yaml known_drift field-type-differs:report_id=string: batch-swagger.yaml types report_id as a string; it is a numeric id, declared integer (a numeric string is still accepted).",
    ),
    ("BatchApiRepresenters__Query", "space_id"): (
        ("integer",),
        "spec/discovery_query.yaml known_drift field-type-differs:space_id=string: batch-swagger.yaml types space_id as a string; it is a numeric id (discovery_report's page example has an integer), declared integer.",
    ),
    ("BatchApiRepresenters__Report", "space_id"): (
        ("integer",),
        "spec/discovery_report.yaml known_drift field-type-differs:space_id=string: batch-swagger.yaml types space_id as a string; it is a numeric id, and the page's example has the integer 41 (a numeric string is still accepted).",
    ),
    ("DataSourceSchemaUpdate", "content_length"): (
        ("integer",),
        "spec/data_source_schema_update.yaml known_drift field-type-differs:content_length=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("DataSourceSchemaUpdate", "id"): (
        ("integer",),
        "spec/data_source_schema_update.yaml known_drift field-type-differs:id=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("DataSourceSchemaUpdate", "number_of_schemas"): (
        ("integer",),
        "spec/data_source_schema_update.yaml known_drift field-type-differs:number_of_schemas=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("DataSourceSchemaUpdate", "number_of_tables"): (
        ("integer",),
        "spec/data_source_schema_update.yaml known_drift field-type-differs:number_of_tables=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("DatasetRun", "dataset_has_failures_since_last_success"): (
        ("boolean",),
        'spec/dataset_run.yaml known_drift field-type-differs:dataset_has_failures_since_last_success=string: The file types it as a string; it is a yes/no value, so it is declared boolean ("true"/"false" strings still decode).',
    ),
    ("DatasetRun", "is_latest_dataset_run"): (
        ("boolean",),
        'spec/dataset_run.yaml known_drift field-type-differs:is_latest_dataset_run=string: The file types it as a string; it is a yes/no value, so it is declared boolean ("true"/"false" strings still decode).',
    ),
    ("DatasetRun", "is_latest_successful_dataset_run"): (
        ("boolean",),
        'spec/dataset_run.yaml known_drift field-type-differs:is_latest_successful_dataset_run=string: The file types it as a string; it is a yes/no value, so it is declared boolean ("true"/"false" strings still decode).',
    ),
    ("Definition", "data_source_id"): (
        ("integer",),
        "spec/definition.yaml known_drift field-type-differs:data_source_id=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("Definition", "id"): (
        ("integer",),
        "spec/definition.yaml known_drift field-type-differs:id=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("FormField", "options"): (
        ("array",),
        "spec/form_field.yaml known_drift field-type-differs:options=string: The file types it as a string; Mode sends a list of choices.",
    ),
    ("FormField", "source_size"): (
        ("integer",),
        "spec/form_field.yaml known_drift field-type-differs:source_size=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("Invite", "invitee_id"): (
        ("integer",),
        "spec/invite.yaml known_drift field-type-differs:invitee_id=string: The file types this id as a string; ids are declared integer (numeric strings still decode).",
    ),
    ("Invite", "inviter_id"): (
        ("integer",),
        "spec/invite.yaml known_drift field-type-differs:inviter_id=string: The file types this id as a string; ids are declared integer (numeric strings still decode).",
    ),
    ("Invite", "limited"): (
        ("boolean",),
        'spec/invite.yaml known_drift field-type-differs:limited=string: The file types this flag as a string; declared boolean ("true"/"false" strings still decode).',
    ),
    ("Invite", "organization_id"): (
        ("integer",),
        "spec/invite.yaml known_drift field-type-differs:organization_id=string: The file types this id as a string; ids are declared integer (numeric strings still decode).",
    ),
    ("Query", "data_source_id"): (
        ("integer",),
        "spec/query.yaml known_drift field-type-differs:data_source_id=string: swagger.yaml types data_source_id as a string, while its own CreateQueryRequestBody sends it as an integer; declared integer.",
    ),
    ("Query", "dbt_metric_id"): (
        ("integer",),
        "spec/query.yaml known_drift field-type-differs:dbt_metric_id=string: swagger.yaml types dbt_metric_id as a string; it is a numeric id, declared integer.",
    ),
    ("Query", "explorations_count"): (
        ("integer",),
        "spec/query.yaml known_drift field-type-differs:explorations_count=string: swagger.yaml types explorations_count as a string; it is a count, declared integer.",
    ),
    ("Query", "id"): (
        ("integer",),
        "spec/query.yaml known_drift field-type-differs:id=string: swagger.yaml types id as a string; it is a numeric id, declared integer (a numeric string is still accepted).",
    ),
    ("Query", "last_run_id"): (
        ("integer",),
        "spec/query.yaml known_drift field-type-differs:last_run_id=string: swagger.yaml types last_run_id as a string; it is a numeric id, declared integer.",
    ),
    ("Query", "mapping_id"): (
        ("integer",),
        "spec/query.yaml known_drift field-type-differs:mapping_id=string: swagger.yaml types mapping_id as a string; it is a numeric id, declared integer.",
    ),
    ("Query", "report_imports_count"): (
        ("integer",),
        "spec/query.yaml known_drift field-type-differs:report_imports_count=string: swagger.yaml types report_imports_count as a string; it is a count, declared integer.",
    ),
    ("QueryRun", "data_source_id"): (
        ("integer",),
        "spec/query_run.yaml known_drift field-type-differs:data_source_id=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("QueryRun", "dbt_metric_id"): (
        ("integer",),
        "spec/query_run.yaml known_drift field-type-differs:dbt_metric_id=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("QueryRun", "id"): (
        ("integer",),
        "spec/query_run.yaml known_drift field-type-differs:id=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("QueryRun", "limit"): (
        ("integer",),
        "spec/query_run.yaml known_drift field-type-differs:limit=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("QueryRun", "max_result_bytes"): (
        ("integer",),
        "spec/query_run.yaml known_drift field-type-differs:max_result_bytes=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("QueryRun", "parameters"): (
        ("object",),
        "spec/query_run.yaml known_drift field-type-differs:parameters=string: The file types it as a string; Mode sends a JSON object (a JSON string still decodes).",
    ),
    ("Report", "chart_count"): (
        ("integer",),
        "spec/report.yaml known_drift field-type-differs:chart_count=string: swagger.yaml types chart_count as a string; it is a count, declared integer (a numeric string is still accepted).",
    ),
    ("Report", "max_query_count"): (
        ("integer",),
        "spec/report.yaml known_drift field-type-differs:max_query_count=string: swagger.yaml types max_query_count as a string; it is a count, declared integer (a numeric string is still accepted).",
    ),
    ("Report", "query_count"): (
        ("integer",),
        "spec/report.yaml known_drift field-type-differs:query_count=string: swagger.yaml types query_count as a string; it is a count, declared integer (a numeric string is still accepted).",
    ),
    ("Report", "runs_count"): (
        ("integer",),
        "spec/report.yaml known_drift field-type-differs:runs_count=string: swagger.yaml types runs_count as a string; it is a count, declared integer (a numeric string is still accepted).",
    ),
    ("Report", "schedules_count"): (
        ("integer",),
        "spec/report.yaml known_drift field-type-differs:schedules_count=string: swagger.yaml types schedules_count as a string; it is a count, declared integer (a numeric string is still accepted).",
    ),
    ("Report", "view_count"): (
        ("integer",),
        "spec/report.yaml known_drift field-type-differs:view_count=string: swagger.yaml types view_count as a string; it is a count, declared integer (a numeric string is still accepted).",
    ),
    ("ReportFilter", "hide_select_all"): (
        ("boolean",),
        'spec/report_filter.yaml known_drift field-type-differs:hide_select_all=string: swagger.yaml types hide_select_all as a string; it is a yes/no setting like its boolean sibling show_relevant_values_only ("true"/"false" strings are still accepted).',
    ),
    ("ReportRun", "is_latest_report_run"): (
        ("boolean",),
        'spec/report_run.yaml known_drift field-type-differs:is_latest_report_run=string: The file types it as a string; it is a yes/no value, so it is declared boolean ("true"/"false" strings still decode).',
    ),
    ("ReportRun", "is_latest_successful_report_run"): (
        ("boolean",),
        'spec/report_run.yaml known_drift field-type-differs:is_latest_successful_report_run=string: The file types it as a string; it is a yes/no value, so it is declared boolean ("true"/"false" strings still decode).',
    ),
    ("ReportRun", "report_has_failures_since_last_success"): (
        ("boolean",),
        'spec/report_run.yaml known_drift field-type-differs:report_has_failures_since_last_success=string: The file types it as a string; it is a yes/no value, so it is declared boolean ("true"/"false" strings still decode).',
    ),
    ("ReportSchedule", "parameters"): (
        ("object",),
        "spec/report_schedule.yaml known_drift field-type-differs:parameters=string: The file types it as a string; Mode sends a JSON object (a JSON string still decodes).",
    ),
    ("ReportSchedule", "retry_count"): (
        ("integer",),
        "spec/report_schedule.yaml known_drift field-type-differs:retry_count=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("ReportSchedule", "retry_delay"): (
        ("integer",),
        "spec/report_schedule.yaml known_drift field-type-differs:retry_delay=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("ReportSchedule", "subscribed"): (
        ("boolean",),
        'spec/report_schedule.yaml known_drift field-type-differs:subscribed=string: The file types it as a string; it is a yes/no value, so it is declared boolean ("true"/"false" strings still decode).',
    ),
    ("ReportSchedule", "subscriber_count"): (
        ("integer",),
        "spec/report_schedule.yaml known_drift field-type-differs:subscriber_count=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("ReportSchedule", "timeout"): (
        ("integer",),
        "spec/report_schedule.yaml known_drift field-type-differs:timeout=string: The file types it as a string; it holds a number, so it is declared integer (a numeric string still decodes).",
    ),
    ("Space", "free_default"): (
        ("boolean",),
        'spec/space.yaml known_drift field-type-differs:free_default=string: The file types free_default as a string; it is a yes/no flag, declared boolean ("true"/"false" strings still decode).',
    ),
    ("Space", "viewable?"): (
        ("boolean",),
        'spec/space.yaml known_drift field-type-differs:viewable?=string: The file types `viewable?` as a string; it is a yes/no flag, declared boolean ("true"/"false" strings still decode).',
    ),
    ("Space", "viewed?"): (
        ("boolean",),
        'spec/space.yaml known_drift field-type-differs:viewed?=string: The file types `viewed?` as a string; it is a yes/no flag, declared boolean ("true"/"false" strings still decode).',
    ),
    ("SpaceMembership", "member_id"): (
        ("integer",),
        "spec/space_membership.yaml known_drift field-type-differs:member_id=string: The file types member_id as a string; it is a numeric id, declared integer (a numeric string still decodes).",
    ),
    ("UserGroup", "data_sources_count"): (
        ("integer",),
        "spec/user_group.yaml known_drift field-type-differs:data_sources_count=string: The file types this count as a string; declared integer (numeric strings still decode).",
    ),
    ("UserGroup", "managed"): (
        ("boolean",),
        'spec/user_group.yaml known_drift field-type-differs:managed=string: The file types this flag as a string; declared boolean ("true"/"false" strings still decode).',
    ),
    ("UserGroup", "member_count"): (
        ("integer",),
        "spec/user_group.yaml known_drift field-type-differs:member_count=string: The file types this count as a string; declared integer (numeric strings still decode).",
    ),
    ("UserGroup", "spaces_count"): (
        ("integer",),
        "spec/user_group.yaml known_drift field-type-differs:spaces_count=string: The file types this count as a string; declared integer (numeric strings still decode).",
    ),
}

# Swagger 2.0 cannot say a property may be null (no `nullable`, no type lists), yet Mode sends
# null for what has no value yet (a run's `completed_at`, a report's `description`): every
# scalar property accepts null. A required property must still be present.
NULL_SCALARS = True

# Where the spec recorded that an operation answers another of the file's schemas than the one
# the operation names (spec/*.yaml known_drift `returns-differs`): operationId -> (schema, reason).
RETURNS = {
    "getDatasetRun": (
        "DatasetRun",
        "spec/dataset_run.yaml known_drift returns-differs:get.returns=ReportRun: the file "
        "defines DatasetRun for the very document (runDataset answers it); a dataset run is "
        "returned",
    ),
    "listMemberships": (
        "Memberships",
        "the file's listMemberships gives its 200 answer no schema, yet defines Memberships "
        "(MembershipsLinks, pagination, the Membership items) for this collection alone",
    ),
}
# Where the spec reads an operation's answer as a collection of the file's schema (a YAML
# comment on the operation): operationId -> (`_embedded` key, item schema, reason).
COLLECTIONS = {
    "listFormFields": (
        "form_fields",
        "FormField",
        "spec/report_run.yaml form_fields: the file answers one FormField while naming it a "
        "collection response; a run has one form field per parameter",
    ),
}

# The same decision for the items of the dataset-run collection (listDatasetRuns answers the
# ReportRuns schema in the file): collection schema -> item schema, per route.
ITEMS_BY_ROUTE = {"/api/{account}/datasets/{dataset}/runs": "DatasetRun"}

# Schemas the file references but never defines: their operations cannot be checked.
UNDEFINED = {
    "ReportRunDuplicate": "referenced by getReportRunDuplicate, never defined",
    "DatasetSchedules": "referenced by listDatasetSchedules, never defined",
    "Datasets": "referenced by listDatasetsInSpace and listDatasetsUsingDataSource, never defined",
    "DatasetFields": "referenced by getDatasetFields, never defined",
    "DatasetFieldDescriptions": "referenced by getDatasetFieldDescriptions, never defined",
    "DatasetFieldDescription": "referenced by the field description operations, never defined",
}

# Documents Mode's file has no GET for, checked against the schema the file gives them
# elsewhere: the account (getCurrentUser answers it), a user (the `creator` / `executed_by`
# / `user` rels of ReportLinks, ChartLinks, ReportRunLinks, MembershipLinks point at users,
# which Mode serves as the same Account document at /api/{username}).
EXTRA_ROUTES = {"/api/{account}": ("getAccount (getCurrentUser's schema)", "Account")}

SCALARS = {"string", "integer", "number", "boolean"}


def _safe(name: str) -> str:
    return unquote(name).replace("::", "__")


def _convert(schema: Any, definition: str | None, defined: set[str]) -> Any:
    """A Swagger 2.0 schema as draft-4 JSON Schema over one shared `definitions` map:
    refs renamed, objects typed as objects, scalars nullable, tolerated types widened."""
    if isinstance(schema, list):
        return [_convert(item, definition, defined) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref":
            name = _safe(value.rsplit("/", 1)[-1])
            out["$ref"] = f"#/definitions/{name}" if name in defined else "#/definitions/_any"
        elif key == "properties":
            out["properties"] = {
                prop: _widen(_convert(sub, definition, defined), definition, prop)
                for prop, sub in value.items()
            }
        elif key in ("example", "description", "x-nullable"):
            continue
        else:
            out[key] = _convert(value, definition, defined)
    if "properties" in out and "type" not in out:
        out["type"] = "object"  # Mode's file omits it; the container shape is still checked
    return out


def _widen(schema: dict[str, Any], definition: str | None, prop: str) -> dict[str, Any]:
    kind = schema.get("type")
    extra = TOLERATED.get((definition or "", prop), ((), ""))[0]
    if isinstance(kind, str) and kind in SCALARS:
        kinds = [kind, *extra] + (["null"] if NULL_SCALARS else [])
        schema = {**schema, "type": kinds}
    if "enum" in schema and NULL_SCALARS:
        schema = {**schema, "enum": [*schema["enum"], None]}
    return schema


def _definitions(file: dict[str, Any]) -> dict[str, Any]:
    raw = file.get("definitions") or {}
    defined = {_safe(name) for name in raw}
    converted = {_safe(name): _convert(body, _safe(name), defined) for name, body in raw.items()}
    converted["_any"] = {}
    return converted


DEFINITIONS = {api: _definitions(file) for api, file in FILES.items()}


def _collection_schema(api: str, name: str, route: str) -> dict[str, Any]:
    """A REST collection with its items checked: the file leaves `_embedded` empty, so the
    item schema goes under the key Mode embeds them with (see _mode_http.EMBEDDED)."""
    schema: dict[str, Any] = copy.deepcopy(DEFINITIONS[api][name])
    key, item = EMBEDDED[name]
    key = EMBEDDED_BY_ROUTE.get(route, key)
    item = ITEMS_BY_ROUTE.get(route, item)
    schema.setdefault("properties", {})["_embedded"] = {
        "type": "object",
        "properties": {key: {"type": "array", "items": {"$ref": f"#/definitions/{item}"}}},
    }
    return schema


def _operations() -> list[tuple[str, str, str, str | None]]:
    """``(operationId, api, route, schema name)`` for every GET of both files; the route is the
    full path with `{workspace}` read as `{account}` (spec/apis.yaml), the Discovery file's
    paths already holding `/batch`."""
    found = []
    for api, file in FILES.items():
        base = "/api" if api == "rest" else ""
        for path, operations in file["paths"].items():
            operation = operations.get("get")
            if not operation:
                continue
            response = (operation.get("responses") or {}).get("200") or {}
            ref = (response.get("schema") or {}).get("$ref")
            name = _safe(ref.rsplit("/", 1)[-1]) if ref else None
            route = base + path.replace("{workspace}", "{account}")
            if path == "/api/verify":
                route = path  # spec/account.yaml: the file's `/api/verify` is a slip for /verify
            found.append((operation["operationId"], api, route, name))
    for route, (operation_id, name) in EXTRA_ROUTES.items():
        found.append((operation_id, "rest", route, name))
    return sorted(found)


OPERATIONS = _operations()


def _pattern(route: str) -> re.Pattern[str]:
    regex = ""
    for part in re.split(r"(\{[a-z_ ]+\}|content\(\.csv, \.json\))", route):
        if part.startswith("{"):
            regex += "[^/?]+"
        elif part.startswith("content("):
            regex += r"content\.(csv|json)"
        else:
            regex += re.escape(part)
    return re.compile(regex + r"\Z")


PATTERNS = [(operation, _pattern(operation[2])) for operation in OPERATIONS]


def _operation_of(path: str, account: str) -> tuple[str, str, str, str | None] | None:
    """The file's operation a path is an instance of; the most literal route wins (so
    `/api/{account}/spaces` is not read as a user `/api/{username}`)."""
    matches = [op for op, pattern in PATTERNS if pattern.match(path)]
    matches = [op for op in matches if _account_fits(op[2], path, account)]
    if not matches:
        return None
    return max(matches, key=lambda op: len(re.sub(r"\{[^}]+\}", "", op[2])))


def _account_fits(route: str, path: str, account: str) -> bool:
    if route == "/api/{account}":
        return True  # the account and every user are documents of this shape
    return "{account}" not in route or f"/{account}/" in path + "/"


@pytest.fixture(scope="module")
def mode() -> Iterator[Mode]:
    with Simulator(speed=1000, discovery_reports=60) as sim:  # small enough to crawl whole
        yield Mode(sim)


@pytest.fixture(scope="module")
def crawl(mode: Mode) -> tuple[Walk, str]:
    """The seeded world's documents, read before any test of this module writes."""
    return crawl_all(mode), mode.account


def _json_path(error: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def _message(error: Any) -> str:
    """The error without the instance's value, so one line covers every document."""
    if error.validator == "type":
        return f"{type(error.instance).__name__} where the file says {error.validator_value}"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {error.validator_value}"
    return str(error.message)[:300]


def _problems(api: str, schema: dict[str, Any], href: str, document: Any) -> list[str]:
    root = {"definitions": DEFINITIONS[api], **schema}
    validator = Draft4Validator(root)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{href} {_json_path(error)}: {_message(error)}" for error in errors]


@pytest.mark.parametrize(
    "operation_id,api,route,schema", OPERATIONS, ids=[op[0] for op in OPERATIONS]
)
def test_document_matches_mode_openapi(
    crawl: tuple[Walk, str], operation_id: str, api: str, route: str, schema: str | None
) -> None:
    found, account = crawl
    schema = RETURNS.get(operation_id, (schema, ""))[0]
    if schema is None:
        pytest.skip(f"{operation_id}: the file gives its 200 answer no schema")
    if schema in UNDEFINED:
        pytest.skip(f"{operation_id}: schema {schema} {UNDEFINED[schema]}")
    hrefs = [
        href
        for href in sorted(found.documents)
        if (op := _operation_of(href.split("?")[0], account)) and op[0] == operation_id
    ]
    if not hrefs:
        pytest.skip(f"{operation_id}: no seeded document reaches {route}")
    if operation_id in COLLECTIONS:
        key, item, _ = COLLECTIONS[operation_id]
        checked = {
            "type": "object",
            "required": ["_links"],
            "properties": {
                "_links": {"type": "object", "required": ["self"]},
                "_embedded": {
                    "type": "object",
                    "required": [key],
                    "properties": {
                        key: {"type": "array", "items": {"$ref": f"#/definitions/{item}"}}
                    },
                },
            },
        }
    elif schema in EMBEDDED:
        checked = _collection_schema(api, schema, route)
    else:
        checked = {"$ref": f"#/definitions/{schema}"}
    problems: list[str] = []
    for href in hrefs:
        problems.extend(_problems(api, checked, href, found.documents[href]))
    # One line per distinct (JSON path, message) shape, with how many documents showed it.
    shapes: dict[str, list[str]] = {}
    for problem in problems:
        href, _, rest = problem.partition(" ")
        shape = re.sub(r"\[\d+\]", "[*]", rest)
        shapes.setdefault(shape, []).append(href)
    lines = [f"{shape}  ({len(h)}x, e.g. {h[0]})" for shape, h in sorted(shapes.items())]
    assert not problems, f"{operation_id} ({route}) vs {schema}:\n" + "\n".join(lines)


def test_every_undefined_reference_is_listed() -> None:
    """UNDEFINED is exactly the set of schemas the files reference and never define, so a
    new Mode file that defines one (or drops one) shows here."""
    missing = set()
    for api, file in FILES.items():
        text = yaml.safe_dump(file)
        referenced = {_safe(name) for name in re.findall(r"#/definitions/([\w%]+)", text)}
        missing |= referenced - set(DEFINITIONS[api])
    assert missing == set(UNDEFINED)


def _writes(mode: Mode) -> list[tuple[str, str, str, Any, str]]:
    """``(operationId, method, href, body, schema)`` of writes whose answer the file defines,
    with bodies shaped as the file's own request schemas."""
    sim, account = mode.sim, mode.account
    report, dataset = sim.reports[0], sim.datasets[0]
    run = mode.get_json(f"/api/{account}/reports/{report}")["last_successful_run_token"]
    cron = {"freq": "daily", "hour": 1, "minute": 0, "time_zone": "UTC"}
    return [
        # report-runs.txt's "create a report run" shares its path with refreshDataset, whose
        # 202 answer is the file's ReportRun
        (
            "createReportRun",
            "POST",
            f"/api/{account}/reports/{report}/runs",
            {"parameters": {}},
            "ReportRun",
        ),
        ("runDataset", "POST", f"/api/{account}/datasets/{dataset}/runs", None, "DatasetRun"),
        (
            "cloneReportRun",
            "POST",
            f"/api/{account}/reports/{report}/runs/{run}/clone",
            None,
            "Report",
        ),
        (
            "createReportSchedule",
            "POST",
            f"/api/{account}/reports/{report}/schedules",
            {"report_schedule": {"cron": cron, "params": {}, "timeout": 900}},
            "ReportSchedule",
        ),
        (
            "createCollection",
            "POST",
            f"/api/{account}/spaces",
            {"space": {"name": "Herbology"}},
            "Space",
        ),
        (
            "createGroup",
            "POST",
            f"/api/{account}/groups",
            {"user_group": {"name": "seekers"}},
            "UserGroup",
        ),
    ]


def test_write_answers_match_mode_openapi(mode: Mode, crawl: tuple[Walk, str]) -> None:
    """The answers to writes are the documents the file names (a clone's is the whole
    Report, a dataset run's the DatasetRun)."""
    problems: list[str] = []
    for operation_id, method, href, body, schema in _writes(mode):
        answer = mode.session(href).request(method, mode.url(href), json=body, timeout=10)
        if answer.status_code // 100 != 2:
            problems.append(f"{operation_id} {method} {href} -> {answer.status_code}")
            continue
        checked = {"$ref": f"#/definitions/{schema}"}
        found = _problems("rest", checked, href, answer.json())
        problems += [f"{operation_id} ({schema}): {problem}" for problem in found]
    assert not problems, "\n".join(problems)
