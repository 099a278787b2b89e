"""`drift` against Mode's OpenAPI files: each kind of drift, found in a doctored copy of a real file.

The spec here is a small one written for the test (``SPEC_FILES``), claiming a few operations
and schemas of the real files, so that the real files give a known report (every operation it
does not claim is `operation-not-in-spec`, and nothing else) while the team extends spec/.
Each test edits a copy of a real file and checks what the edit adds to that report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from modehal.codegen import load_spec
from modehal.codegen._drift import compare
from modehal.codegen._openapi import OpenApiError, parse_openapi
from modehal.codegen._spec import Spec

REPO = Path(__file__).resolve().parent.parent
SWAGGER = REPO / "docs" / "mode-swagger"
PAGES = REPO / "docs" / "mode-docs"
REST = (SWAGGER / "swagger.yaml").read_text()
BATCH = (SWAGGER / "batch-swagger.yaml").read_text()


# -- a spec claiming part of the files ----------------------------------------------------


def _fields(names: str, **types: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "type": types.get(name, "string"), "doc": f"The {name}."}
        for name in names.split()
    ]


def _path(*names: str) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": "account", "in": "path", "client_default": "account", "doc": "Account."}
    ]
    return params + [{"name": name, "in": "path", "doc": f"The {name}."} for name in names]


def _op(name: str, openapi: str, method: str, api: str, path: str, **rest: Any) -> dict[str, Any]:
    return {
        "name": name,
        "summary": f"{name.capitalize()}.",
        "doc": f"{name.capitalize()}.",
        "method": method,
        "api": api,
        "path": path,
        "openapi": openapi,
        "status": 200,
        "errors": {401: "Unauthorized.", 404: "Not found."},
        **rest,
    }


_RUN = "/{account}/reports/{report}/runs/{run}/query_runs"
SPEC_FILES: dict[str, dict[str, Any]] = {
    "apis": {
        "apis": {
            "rest": {"doc": "REST.", "base_path": "/api", "auth": "basic", "accept": "a/b"},
            "discovery": {"doc": "D.", "base_path": "/batch", "auth": "bearer", "accept": "a/b"},
        }
    },
    "query_run": {
        "model": "query_run",
        "kind": "resource",
        "class": "QueryRun",
        "title": "Query Run",
        "plural": "query_runs",
        "source": "swagger.yaml",
        "openapi": "QueryRun",
        "doc": "A query run.",
        "fields": _fields(
            "id token raw_source statement_annotation created_at completed_at data_source_id"
            " data_source_token limit query_token query_name query_created_at dbt_metric_id"
            " dbt_metric_token parameters rendered_source max_result_bytes help_url error_code"
            " error_type error_message",
            created_at="datetime",
        )
        + [
            {
                "name": "state",
                "type": "string",
                "enum": ["pending", "running", "succeeded", "failed"],
                "doc": "The state.",
            }
        ],
        "links": [
            {"rel": rel, "doc": f"The {rel}."}
            for rel in "self query view result result_web query_web report_run report_run_web"
            " executed_by".split()
        ],
        "group": "query_runs",
        "group_doc": "Query runs.",
        "operations": [
            _op(
                "list",
                "listQueryRunsForReportRun",
                "GET",
                "rest",
                _RUN,
                params=_path("report", "run"),
                returns={"collection": "query_run"},
            ),
            _op(
                "get",
                "getQueryRunForReportRun",
                "GET",
                "rest",
                _RUN + "/{query_run}",
                params=_path("report", "run", "query_run"),
                returns="query_run",
            ),
            _op(
                "results",
                "getQueryRunContent",
                "GET",
                "rest",
                _RUN + "/{query_run}/results/content.{format}",
                params=_path("report", "run", "query_run")
                + [{"name": "format", "in": "path", "enum": ["csv", "json"], "doc": "Format."}],
                returns="results",
            ),
            _op(
                "create",
                "createQueryInReport",
                "POST",
                "rest",
                "/{account}/reports/{report}/queries",
                params=_path("report")
                + [
                    {
                        "name": "data_source_id",
                        "in": "body",
                        "type": "integer",
                        "doc": "D.",
                        "required": True,
                    },
                    {"name": "raw_query", "in": "body", "doc": "SQL.", "required": True},
                    {"name": "name", "in": "body", "doc": "Name."},
                ],
                body_wrapper="query",
                errors={400: "Bad.", 401: "Unauthorized.", 404: "Not found."},
                returns="nothing",
            ),
        ],
        "known_drift": [
            {"id": "returns-differs:create.returns=Query", "reason": "a test model"},
        ],
    },
    "discovery_report": {
        "model": "discovery_report",
        "kind": "resource",
        "class": "DiscoveryReport",
        "title": "Discovery Report",
        "plural": "reports",
        "source": "reports-discovery.txt",
        "openapi": "BatchApiRepresenters::Report",
        "doc": "A report.",
        "fields": _fields(
            "id token name description created_at edited_at updated_at"
            " last_successfully_run_at last_viewed_at last_run_at last_run_token last_run_state"
            " creator_email space_id space_token report_url",
            id="integer",
        ),
        "group": "reports",
        "group_doc": "Reports.",
        "operations": [
            _op(
                "list",
                "listReportsForAccount",
                "GET",
                "discovery",
                "/{account}/reports",
                params=_path()
                + [
                    {"name": "include_spaces", "in": "query", "doc": "All."},
                    {"name": "per_page", "in": "query", "type": "integer", "doc": "Per page."},
                ],
                returns={"collection": "discovery_report", "key": "reports"},
            ),
        ],
    },
}


def write_spec(directory: Path, **changes: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in {**SPEC_FILES, **changes}.items():
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(content, sort_keys=False))
    return directory


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    return load_spec(write_spec(tmp_path_factory.mktemp("spec")))


def ids(spec: Spec, rest: str = REST, batch: str = BATCH) -> set[str]:
    docs = [parse_openapi(rest, "swagger.yaml"), parse_openapi(batch, "batch-swagger.yaml")]
    return {drift.id for drift in compare(spec, [], docs).drifts}


def edit(text: str, old: str, new: str, *, after: str = "") -> str:
    """Replace the one ``old`` that follows ``after``."""
    start = text.index(after) if after else 0
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old) :]


def unclaimed() -> set[str]:
    claimed = {op["openapi"] for model in SPEC_FILES.values() for op in model.get("operations", [])}
    every = [
        node["operationId"]
        for text in (REST, BATCH)
        for item in yaml.safe_load(text)["paths"].values()
        for method, node in item.items()
        if method != "x-summary"
    ]
    return {f"operation-not-in-spec:{op}" for op in every if op not in claimed}


def test_the_real_files_report_only_what_the_spec_does_not_claim(spec: Spec) -> None:
    assert ids(spec) == unclaimed()
    assert len(unclaimed()) == 102 - 5


@pytest.mark.parametrize(
    "file, old, new, after, added, removed",
    [
        pytest.param(
            "batch",
            '  "/batch/{workspace}/spaces":',
            '  "/batch/{workspace}/things":\n    get:\n      operationId: listThings\n'
            "      responses: {'200': {description: ok}}\n"
            '  "/batch/{workspace}/spaces":',
            "",
            {"operation-not-in-spec:listThings"},
            set(),
            id="new-operation",
        ),
        pytest.param(
            "rest",
            "      error_type:\n        type: string\n",
            "",
            "  QueryRun:",
            {"field-not-in-openapi:error_type"},
            set(),
            id="field-removed",
        ),
        pytest.param(
            "rest",
            "      state:\n        type: string\n",
            "      state:\n        type: string\n        enum: [pending, running, succeeded,"
            " cancelled]\n",
            "  QueryRun:",
            {"enum-differs:state=cancelled", "enum-differs:state=failed"},
            set(),
            id="enum-value-changed",
        ),
        pytest.param(
            "rest",
            "      token:\n        type: string\n",
            "      token:\n        type: string\n        enum: [a, b]\n",
            "  QueryRun:",
            {"enum-differs:token"},  # one drift, not one per value, when the spec lists none
            set(),
            id="enum-where-the-spec-has-none",
        ),
        pytest.param(
            "rest",
            "content(.csv, .json)",
            "content(.csv, .tsv)",
            "query_runs/{query_run}/results/",
            {"enum-differs:results.format=tsv", "enum-differs:results.format=json"},
            set(),
            id="format-suffix-changed",
        ),
        pytest.param(
            "rest",
            "'200':",
            "'201':",
            "operationId: getQueryRunForReportRun",
            {"status-not-in-spec:get.201", "status-not-in-openapi:get.200"},
            set(),
            id="status-changed",
        ),
        pytest.param(
            "rest",
            "      executed_by:\n",
            '      owner:\n        "$ref": "#/definitions/Link"\n      executed_by:\n',
            "  QueryRunLinks:",
            {"link-not-in-spec:owner"},
            set(),
            id="rel-added",
        ),
        pytest.param(
            "batch",
            "name: per_page\n",
            "name: per_page\n        required: true\n",
            "operationId: listReportsForAccount",
            {"param-required-differs:list.per_page"},
            set(),
            id="param-made-required",
        ),
        pytest.param(
            "batch",
            'less than `1000`."\n        type: integer',
            'less than `1000`."\n        type: string',
            "operationId: listReportsForAccount",
            {"param-type-differs:list.per_page=string"},
            set(),
            id="param-type-changed",
        ),
        pytest.param(
            "rest",
            "required:\n        - raw_query\n        - data_source_id\n",
            "required:\n        - raw_query\n        - data_source_id\n        - name\n",
            "  CreateQueryRequestBody:",
            {"param-required-differs:create.name"},
            set(),
            id="body-field-made-required",
        ),
        pytest.param(
            "rest",
            "    properties:\n      query:\n",
            "    properties:\n      new_query:\n",
            "  CreateQueryRequestBody:",
            {"body-wrapper-differs:create.body_wrapper=new_query"},
            set(),
            id="body-wrapper-renamed",
        ),
        pytest.param(
            "rest",
            '"/{account}/reports/{report}/runs/{run}/query_runs":',
            '"/{account}/reports/{report}/runs/{run}/query-runs":',
            "",
            {"path-differs:list.path=GET /api/{account}/reports/{report}/runs/{run}/query-runs"},
            set(),
            id="path-changed",
        ),
        pytest.param(
            "rest",
            "operationId: getQueryRunForReportRun",
            "operationId: getQueryRun",
            "",
            {
                "operation-not-in-spec:getQueryRun",
                "operation-not-in-openapi:get.getQueryRunForReportRun",
            },
            set(),
            id="operation-renamed",
        ),
    ],
)
def test_one_edit_gives_its_drift(
    spec: Spec, file: str, old: str, new: str, after: str, added: set[str], removed: set[str]
) -> None:
    rest, batch = (
        (edit(REST, old, new, after=after), BATCH)
        if file == "rest"
        else (
            REST,
            edit(BATCH, old, new, after=after),
        )
    )
    found = ids(spec, rest, batch)
    assert found - unclaimed() == added
    assert unclaimed() - found == removed


def test_an_undefined_schema_is_a_note_not_a_crash(spec: Spec) -> None:
    doc = parse_openapi(REST, "swagger.yaml")
    assert any("ReportRunDuplicate is referenced but not defined" in n for n in doc.notes)
    report = compare(spec, [], [doc])
    assert any(n.startswith("swagger.yaml: #/definitions/ReportRunDuplicate") for n in report.notes)


def test_a_schema_the_files_lack_is_drift(tmp_path: Path) -> None:
    model = {**SPEC_FILES["query_run"], "openapi": "QueryRunz"}
    spec = load_spec(write_spec(tmp_path / "spec", query_run=model))
    # and what get answers with is no longer the model's schema
    assert ids(spec) - unclaimed() == {
        "schema-not-in-openapi:QueryRunz",
        "returns-differs:get.returns=QueryRun",
    }


def test_a_renamed_path_param(spec: Spec) -> None:
    rest = edit(REST, '{report}/runs/{run}/query_runs":', '{report_token}/runs/{run}/query_runs":')
    rest = edit(rest, "name: report\n", "name: report_token\n", after="listQueryRunsForReportRun")
    path = "GET /api/{account}/reports/{report_token}/runs/{run}/query_runs"
    assert ids(spec, rest) - unclaimed() == {
        f"path-differs:list.path={path}",
        "param-name-differs:list.report_token",
    }
    # declared but not in the path: a param the file sends elsewhere, not a renamed one
    rest = edit(REST, "name: report\n", "name: report_token\n", after="listQueryRunsForReportRun")
    assert ids(spec, rest) - unclaimed() == {
        "param-not-in-spec:list.report_token",
        "param-name-differs:list.run",
        "param-not-in-openapi:list.run",
    }


@pytest.mark.parametrize("text", [REST, BATCH], ids=["rest", "batch"])
def test_reformatted_files_read_the_same(spec: Spec, text: str) -> None:
    document = yaml.safe_load(text)

    def shuffled(node: Any) -> Any:  # every mapping's keys in reverse order
        if isinstance(node, dict):
            return {key: shuffled(node[key]) for key in reversed(list(node))}
        if isinstance(node, list):
            return [shuffled(item) for item in node]
        return node

    flow = yaml.safe_dump(shuffled(document), default_flow_style=True, width=60)
    as_json = json.dumps(document, indent=1)  # JSON is YAML
    name = "swagger.yaml" if text is REST else "batch-swagger.yaml"
    reports = [
        compare(spec, [], [parse_openapi(variant, name)]) for variant in (text, flow, as_json)
    ]
    assert reports[0].drifts and (reports[0].notes or text is BATCH)
    assert reports[1] == reports[0] and reports[2] == reports[0]
    assert reports[1].as_text() == reports[0].as_text()


# -- malformed files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("swagger: '2.0'\npaths:\n  /x: [\n", "swagger.yaml:4: not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("swagger: '2.0'\ninfo: {}\n", "no `paths`"),
        ("swagger: '2.0'\npaths: {/x: {get: {responses: {}}}}\n", "no operationId"),
        (
            "swagger: '2.0'\npaths: {/x: {get: {operationId: a, parameters: 5}}}\n",
            "expected a list",
        ),
        (
            "swagger: '2.0'\npaths: {/x: {get: {operationId: a, parameters: [{in: path}]}}}\n",
            "a parameter needs",
        ),
        ("swagger: '2.0'\npaths: {/x: 3}\n", "expected a mapping"),
        ("swagger: '2.0'\npaths: {}\ndefinitions: {A: {properties: 4}}\n", "expected a mapping"),
        (
            "swagger: '2.0'\npaths: {}\ndefinitions: {A: {$ref: '#/definitions/A'}}\n",
            "refers to itself",
        ),
        ("", "expected a mapping"),
    ],
)
def test_a_malformed_file_is_an_error_naming_it(text: str, message: str) -> None:
    with pytest.raises(OpenApiError) as caught:
        parse_openapi(text, "swagger.yaml")
    assert str(caught.value).startswith("swagger.yaml") and message in str(caught.value)


def run_drift(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modehal.codegen", "drift", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_cli_malformed_file_exits_2_without_traceback(tmp_path: Path) -> None:
    spec_dir = write_spec(tmp_path / "spec")
    broken = tmp_path / "swagger.yaml"
    broken.write_text(REST[: REST.index("  QueryRun:")] + "  QueryRun: {properties: [\n")
    result = run_drift(str(broken), "--spec", str(spec_dir))
    assert result.returncode == 2, result.stdout
    assert "openapi error" in result.stderr and f"{broken}:" in result.stderr
    assert "Traceback" not in result.stderr
    (tmp_path / "list.yaml").write_text("- a\n")
    result = run_drift(str(tmp_path / "list.yaml"), "--spec", str(spec_dir))
    assert result.returncode == 2 and "Traceback" not in result.stderr


# -- the command line ---------------------------------------------------------------------


def doctored(tmp_path: Path) -> tuple[Path, Path]:
    """A spec and REST file differing by one field, beside the real Discovery file."""
    spec_dir = write_spec(tmp_path / "spec")
    rest = tmp_path / "swagger.yaml"
    rest.write_text(
        edit(REST, "      error_type:\n        type: string\n", "", after="  QueryRun:")
    )
    return spec_dir, rest


def test_cli_json(tmp_path: Path) -> None:
    spec_dir, rest = doctored(tmp_path)
    result = run_drift(
        str(rest), str(SWAGGER / "batch-swagger.yaml"), "--spec", str(spec_dir), "--json"
    )
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["openapi"] == [str(rest), str(SWAGGER / "batch-swagger.yaml")]
    removed = [d for d in report["drift"] if d["id"] == "field-not-in-openapi:error_type"]
    assert removed and removed[0]["resource"] == "query_run" and removed[0]["page"] == str(rest)
    assert {d["id"] for d in report["drift"]} - unclaimed() == {"field-not-in-openapi:error_type"}
    assert [k["id"] for k in report["known"]] == ["returns-differs:create.returns=Query"]
    assert any("ReportRunDuplicate" in note for note in report["notes"])


def test_cli_text_and_changelog(tmp_path: Path) -> None:
    spec_dir, rest = doctored(tmp_path)
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## earlier\n")
    result = run_drift(str(rest), "--spec", str(spec_dir), "--changelog", str(changelog))
    assert result.returncode == 1
    assert f"{rest} (query_run)\n  resource:\n    field-not-in-openapi" in result.stdout
    assert "1 OpenAPI file(s)" in result.stdout
    text = changelog.read_text()
    assert "regenerated from the saved docs and OpenAPI files" in text
    assert "- `query_run`: a spec field the OpenAPI schema lacks: `error_type`" in text
    assert text.index("OpenAPI files") < text.index("## earlier")


# -- known_drift: source and patterns -------------------------------------------------------


REQUIRED_PER_PAGE = edit(
    BATCH,
    "name: per_page\n",
    "name: per_page\n        required: true\n",
    after="operationId: listReportsForAccount",
)


def with_known(tmp_path: Path, *entries: dict[str, str]) -> Path:
    model = {**SPEC_FILES["discovery_report"], "known_drift": list(entries)}
    return write_spec(tmp_path / "spec", discovery_report=model)


def known_run(spec_dir: Path, *files: Path) -> dict[str, Any]:
    result = run_drift(*map(str, files), "--spec", str(spec_dir), "--json")
    assert result.returncode in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_known_drift_pattern_explains_matching_ids(tmp_path: Path) -> None:
    batch = tmp_path / "batch-swagger.yaml"
    batch.write_text(
        BATCH.replace(
            "operationId: listReportsForAccount", "operationId: listReportsForAccount"
        ).replace("name: per_page\n", "name: per_page\n        required: true\n")
    )
    spec_dir = with_known(
        tmp_path,
        {"id": "param-required-differs:*.per_page", "reason": "r", "source": "batch-swagger.yaml"},
        {
            "id": "operation-not-in-spec:list*ForAccount",
            "reason": "r",
            "source": "batch-swagger.yaml",
        },
    )
    report = known_run(spec_dir, batch)
    drift = {d["id"] for d in report["drift"]}
    known = {k["id"] for k in report["known"]}
    assert "param-required-differs:list.per_page" in known
    # the pattern explains the unclaimed Discovery lists (their schemas are no model's, so no
    # model is theirs: any model's entry for that file may explain them)
    assert {
        "operation-not-in-spec:listChartsForAccount",
        "operation-not-in-spec:listSpacesForAccount",
    } <= known
    assert drift == {
        "operation-not-in-spec:createBatchSignatureToken",
        "operation-not-in-spec:deleteBatchSignatureToken",
    }


def test_known_drift_source_decides_where_it_applies_and_when_it_is_stale(tmp_path: Path) -> None:
    spec_dir = with_known(
        tmp_path,
        # about the OpenAPI file, which does not differ: stale only when that file is compared
        {"id": "field-not-in-spec:nothing", "reason": "r", "source": "batch-swagger.yaml"},
    )
    batch = SWAGGER / "batch-swagger.yaml"
    with_file = known_run(spec_dir, batch)
    stale = [d for d in with_file["drift"] if d["kind"] == "stale-known-drift"]
    assert [(d["subject"], d["page"]) for d in stale] == [("field-not-in-spec:nothing", str(batch))]
    pages_only = known_run(spec_dir, PAGES / "report-runs.txt")
    assert not [d for d in pages_only["drift"] if d["kind"] == "stale-known-drift"]


def test_known_drift_without_source_is_about_the_models_source(tmp_path: Path) -> None:
    # discovery_report's source is a page: an entry without `source:` does not explain drift
    # from the OpenAPI file, and is checked only when the page is compared.
    batch = tmp_path / "batch-swagger.yaml"
    batch.write_text(REQUIRED_PER_PAGE)
    spec_dir = with_known(tmp_path, {"id": "param-required-differs:list.per_page", "reason": "r"})
    report = known_run(spec_dir, batch)
    assert "param-required-differs:list.per_page" in {d["id"] for d in report["drift"]}
    assert not [d for d in report["drift"] if d["kind"] == "stale-known-drift"]
