"""Turning a checked ``Spec`` into the source files of ``generated/``.

The templates in ``templates/`` (one per kind of file) lay the code out; this module works
out what goes in them: Python types, decoders, signatures and docstrings. Output is formatted
with black and depends on nothing but the spec, so the same spec always gives the same bytes.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import textwrap
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import black
from black.mode import Mode, TargetVersion
import jinja2

from ._spec import FieldSpec, MethodSpec, ModelSpec, OperationSpec, ParamSpec, ReturnSpec, Spec

T = TypeVar("T")

_TEMPLATES = Path(__file__).parent / "templates"
_PY_TYPES = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "datetime": "datetime",
    "object": "dict[str, Any]",
    "array": "list[Any]",
}
_PARAM_TYPES = {**_PY_TYPES, "object": "Mapping[str, Any]", "array": "Sequence[Any]"}
_DECODERS = {
    "string": "as_string",
    "integer": "as_integer",
    "number": "as_number",
    "boolean": "as_boolean",
    "datetime": "as_datetime",
    "object": "as_object",
    "array": "as_array",
}
_ERROR_CLASSES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    429: "RateLimited",
}
_WIDTH = 100


def _template_line(exc: BaseException, template: str) -> str:
    frame = exc.__traceback__
    line = None
    while frame is not None:
        if frame.tb_frame.f_code.co_filename.endswith(template):
            line = frame.tb_lineno
        frame = frame.tb_next
    return f":{line}" if line is not None else ""


class RenderError(Exception):
    """A template produced code black cannot parse: a bug in codegen, not in the spec."""


# -- what the templates see ---------------------------------------------------------------


@dataclass
class Imports:
    """The import block of one module, kept sorted so output never depends on order of use."""

    modules: dict[str, set[str]] = field(default_factory=dict)
    type_only: dict[str, set[str]] = field(default_factory=dict)

    def add(self, module: str, *names: str) -> None:
        self.modules.setdefault(module, set()).update(names)

    def add_type_only(self, module: str, *names: str) -> None:
        """Imported under ``TYPE_CHECKING``: models that refer to each other would cycle."""
        self.type_only.setdefault(module, set()).update(names)

    def lines(self) -> list[str]:
        return [
            f"from {module} import {', '.join(sorted(names))}"
            for module, names in sorted(self.modules.items())
        ]


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _literal(values: tuple[Any, ...]) -> str:
    return "Literal[" + ", ".join(repr(value) for value in values) + "]"


def _sentence(text: str) -> str:
    """One line of prose ending in a full stop, with Markdown `code` made reST ``code``."""
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", " ".join(text.split()))
    return text if not text or text.endswith((".", "!", "?", ":")) else text + "."


def _field_view(model: ModelSpec, spec: FieldSpec, imports: Imports) -> dict[str, Any]:
    base = _PY_TYPES[spec.type]
    decoder = _DECODERS[spec.type]
    imports.add("modehal._fields", decoder)
    if spec.type == "datetime":
        imports.add("datetime", "datetime")
    if spec.type in ("object", "array"):
        imports.add("typing", "Any")
    alias = None
    if spec.enum:
        alias = f"{model.class_name}{_camel(spec.name)}"
        imports.add("typing", "Literal", "cast")
    required = spec.required and not spec.nullable
    annotation = alias or base
    if not required:
        annotation += " | None"
    read = f'self.{"_required" if required else "_optional"}({json.dumps(spec.key)}, {decoder})'
    if alias:
        read = f"cast({alias if required else repr(annotation)}, {read})"
    notes = []
    if spec.enum:
        notes.append(
            "One of "
            + ", ".join(f"``{value}``" for value in spec.enum)
            + "; a value Mode adds later is returned as is."
        )
    if required:
        notes.append("Always present: reading it raises ``DecodeError`` if Mode sent none.")
    return {
        "name": spec.name,
        "key": spec.key,
        "type": spec.type,
        "annotation": annotation,
        "read": read,
        "doc": _sentence(spec.doc),
        "notes": notes,
        "alias": alias,
        "enum": _literal(spec.enum) if spec.enum else None,
    }


def _param_view(spec: ParamSpec, models: dict[str, ModelSpec], imports: Imports) -> dict[str, Any]:
    object_model = models.get(spec.type)
    if object_model is not None:
        base = f"{object_model.class_name} | Mapping[str, Any]"
        imports.add(f".{object_model.name}", object_model.class_name)
        imports.add("collections.abc", "Mapping")
        imports.add("typing", "Any")
    else:
        base = _PARAM_TYPES[spec.type]
        if spec.type in ("object", "array"):
            imports.add("collections.abc", "Mapping" if spec.type == "object" else "Sequence")
            imports.add("typing", "Any")
        if spec.type == "datetime":
            imports.add("datetime", "datetime")
    if spec.enum:
        base = _literal(spec.enum)
        imports.add("typing", "Literal")
    # a path param with a default (`content.{format}`) is a keyword, like a query param
    positional = spec.location == "path" and spec.client_default is None and spec.default is None
    if positional:
        annotation, default = base, None
    elif spec.client_default is not None:
        annotation, default = f"{base} | None", "None"
    elif spec.default is not None:
        annotation, default = base, repr(spec.default)
    elif spec.required:
        annotation, default = base, None
    else:
        annotation, default = f"{base} | None", "None"

    doc = _sentence(spec.doc)
    if spec.enum:
        doc += " One of " + ", ".join(f"``{value!r}``" for value in spec.enum) + "."
    if spec.minimum is not None and spec.maximum is not None:
        doc += f" From {spec.minimum} to {spec.maximum}."
    elif spec.minimum is not None:
        doc += f" At least {spec.minimum}."
    elif spec.maximum is not None:
        doc += f" At most {spec.maximum}."
    if spec.client_default is not None:
        doc += " Defaults to the client's account."
    return {
        "name": spec.name,
        "location": spec.location,
        "positional": positional,
        "annotation": annotation,
        "default": default,
        "declaration": _param_declaration(spec, object_model),
        "doc": doc,
    }


def _param_declaration(spec: ParamSpec, object_model: ModelSpec | None) -> str:
    """``Param(...)`` for one param, naming only what differs from the defaults."""
    args = [repr(spec.name)]
    if spec.location != "path":
        args.append(repr(spec.location))
    kind = "object" if object_model is not None else spec.type
    if kind != "string":
        args.append(f"type={kind!r}")
    if spec.required and spec.location != "path":
        args.append("required=True")
    if spec.enum:
        args.append(f"enum={tuple(spec.enum)!r}")
    if spec.minimum is not None:
        args.append(f"minimum={spec.minimum!r}")
    if spec.maximum is not None:
        args.append(f"maximum={spec.maximum!r}")
    if spec.pattern is not None:
        args.append(f"pattern={spec.pattern!r}")
        args.append(f"pattern_text={spec.pattern_text!r}")
    if spec.default is not None:
        args.append(f"default={spec.default!r}")
    if object_model is not None:
        args.append(f"model={object_model.class_name}")
    if spec.client_default is not None:
        args.append(f"client_default={spec.client_default!r}")
    if spec.aliases:
        args.append(f"aliases={spec.aliases!r}")
    return f"Param({', '.join(args)})"


def _implied_declaration(param: dict[str, Any]) -> str | None:
    if param["location"] != "path":
        return None
    name = param["name"]
    return f"Param({name!r}, client_default='account')" if name == "account" else f"Param({name!r})"


def _alias_views(view: dict[str, Any], spec: OperationSpec) -> list[dict[str, Any]]:
    """The keyword arguments that name a param another way (``parameters=`` for ``params=``),
    each placed after the param, typed as it is, passed through for the runtime to resolve."""
    declared = next(p for p in spec.params if p.name == view["name"])
    return [
        {
            **view,
            "name": alias,
            "declaration": None,
            "doc": f"The same as ``{declared.name}`` (give one or the other).",
        }
        for alias in declared.aliases
    ]


def _operation_view(
    model: ModelSpec, spec: OperationSpec, spec_all: Spec, imports: Imports
) -> dict[str, Any]:
    op_id = f"{model.group}.{spec.name}"
    models = {m.name: m for m in spec_all.models if m.kind == "object"}
    params = [_param_view(p, models, imports) for p in spec.params]
    # Order: the path's own params as positionals, then keyword-only, then account= last.
    positional = [p for p in params if p["positional"]]
    keywords = [p for p in params if not p["positional"] and p["name"] != "account"]
    keywords += [p for p in params if not p["positional"] and p["name"] == "account"]
    keywords = [view for p in keywords for view in (p, *_alias_views(p, spec))]
    constant = f"{model.group.upper()}_{spec.name.upper()}" if model.group else spec.name.upper()
    returns = spec.returns
    api = spec_all.apis[spec.api]
    imports.add("modehal._api", "Endpoint")
    imports.add("._apis", api.name.upper())
    annotation = _returned(model, returns, spec_all, imports, type_only=False)
    result_class = None
    if returns.kind in _STREAMED:
        result_class = annotation
    elif returns.model is not None:
        result_class = spec_all.model(returns.model).class_name
    key = None
    if returns.kind == "collection":
        plural = spec_all.model(returns.model or "").plural
        key = returns.key if returns.key and returns.key != plural else None
    raises = []
    for status, text in sorted(spec.errors):
        name = _ERROR_CLASSES.get(status, "ServerError" if status >= 500 else "APIError")
        raises.append((name, f"{status} {_sentence(text)}"))
    declared = [p for p in params if p["declaration"] != _implied_declaration(p)]
    if declared:
        imports.add("modehal._api", "Param")
    return {
        "name": spec.name,
        "op_id": op_id,
        "constant": constant,
        "method": spec.method,
        "api_constant": api.name.upper(),
        "path": spec.path,
        "full_path": api.base_path + spec.path,
        "status": spec.status,
        "summary": _sentence(spec.summary),
        "doc": _sentence(spec.doc),
        "errors": dict(sorted(spec.errors)),
        # path params the runtime derives from the path (`{account}` from the client) are
        # left out of the declaration
        "declared_params": declared,
        "arguments": [p["name"] for p in positional + keywords],
        "positional": positional,
        "keywords": keywords,
        "body_wrapper": spec.body_wrapper,
        "kind": returns.kind,
        "result_class": result_class,
        "annotation": annotation,
        "key": key,
        "raises": raises,
    }


def _model_view(model: ModelSpec, spec: Spec) -> dict[str, Any]:
    imports = Imports()
    fields = [_field_view(model, f, imports) for f in model.fields]
    operations = [_operation_view(model, op, spec, imports) for op in model.operations]
    object_checks: list[str] = []
    if model.poll is not None:
        imports.add("modehal._polling", "Pollable", "PollableDocument")
        imports.add("modehal._async_hal", "AsyncPollable")
    elif model.kind == "resource":
        imports.add("modehal._hal", "Document")
        imports.add("modehal._async_hal", "AsyncResource")
    if model.kind == "resource":
        imports.add("modehal._hal", "Resource")
        imports.add("typing", "Any", "ClassVar", "Literal")
        imports.add("collections.abc", "Mapping")
    else:
        imports.modules.pop("modehal._fields", None)  # values are built in Python, not decoded
        imports.add("dataclasses", "dataclass")
        for spec_field, view in zip(model.fields, fields):
            view["plain_annotation"] = (view["alias"] or _PY_TYPES[spec_field.type]) + " | None"
            if spec_field.minimum is not None or spec_field.maximum is not None:
                imports.add("modehal._checks", "in_range")
                object_checks.append(
                    f'in_range("{model.class_name}", "{spec_field.name}", self.{spec_field.name}, '
                    f"{spec_field.minimum!r}, {spec_field.maximum!r})"
                )
            if spec_field.enum:
                imports.add("modehal._checks", "one_of")
                object_checks.append(
                    f'one_of("{model.class_name}", "{spec_field.name}", self.{spec_field.name}, {spec_field.enum!r})'
                )
        if model.check is not None:  # after each field's own checks: the rule reads them
            module, function = model.check
            imports.add(f"modehal.{module}", function)
            object_checks.append(f"{function}(self)")
    # The blocking group may inherit hand-written methods (group_base); the async group
    # always derives from AsyncOperations: the jobs behind those methods are blocking only.
    group_base = "Operations"
    if model.group_base is not None:
        group_base = _group_base(model, spec, imports)
    elif operations:
        imports.add("modehal._operations", "Operations")
    if operations:
        imports.add("modehal._operations", "AsyncOperations")
        imports.add("typing", "cast")
    exports = [model.class_name] + [f["alias"] for f in fields if f["alias"]]
    if model.kind == "resource":
        exports += [f"{model.class_name}Rel", f"Async{model.class_name}"]
    if operations:
        exports += [_camel(model.group or ""), "Async" + _camel(model.group or "")]
    exports += [op["constant"] for op in operations]
    typed_follows = _typed_follows(model, spec, imports) if model.kind == "resource" else []
    methods = [_method_view(model, method, spec, imports) for method in model.methods]
    names = {m.class_name for m in spec.models if m.kind == "resource"}
    for item in operations + methods + typed_follows:
        key = "returns" if "returns" in item else "annotation"
        item["async_" + key] = _async_annotation(item[key], names, model, spec, imports)
    if imports.type_only:
        imports.add("typing", "TYPE_CHECKING")
    lines = imports.lines()
    return {
        "model": model,
        "base": "Pollable" if model.poll is not None else "Resource",
        "fields_base": "PollableDocument" if model.poll is not None else "Document",
        "async_base": "AsyncPollable" if model.poll is not None else "AsyncResource",
        "async_awaited": ", ".join(
            f"``{name}()``"
            for name in ["follow", "refresh"]
            + (["wait"] if model.poll is not None else [])
            + [method.name for method in model.methods]
        ),
        "poll": model.poll,
        "poll_doc": _poll_doc(model),
        "doc": _sentence(model.doc),
        "group_doc": _sentence(model.group_doc or ""),
        "fields": fields,
        "enums": [
            {"key": field.key, "choices": [str(value) for value in field.enum]}
            for field in model.fields
            if field.enum
        ],
        "attributes": [field for field in fields if field["key"] != field["name"]],
        "links": [
            {
                "rel": link.rel,
                "doc": _sentence(link.doc),
                "target": link.target,
                "collection": link.collection,
            }
            for link in model.links
        ],
        "downloads": [link.rel for link in model.links if link.download],
        "targets": [
            {
                "rel": link.rel,
                "target_class": spec.model(link.target).class_name,
                "collection": link.collection,
            }
            for link in model.links
            if link.target
        ],
        "typed_follows": typed_follows,
        "methods": methods,
        "operations": operations,
        "group_class": _camel(model.group) if model.group else None,
        "group_base": group_base,
        "async_group_class": "Async" + _camel(model.group) if model.group else None,
        "stdlib_imports": [
            line for line in lines if not line.startswith(("from modehal", "from ."))
        ],
        "package_imports": [line for line in lines if line.startswith("from modehal")],
        "local_imports": [line for line in lines if line.startswith("from .")],
        "type_only_imports": [
            f"from {module} import {', '.join(sorted(names - imports.modules.get(module, set())))}"
            for module, names in sorted(imports.type_only.items())
            if names - imports.modules.get(module, set())
        ],
        "exports": sorted(exports),
        "object_checks": object_checks,
    }


def _group_base(model: ModelSpec, spec: Spec, imports: Imports) -> str:
    """The base class of a group with hand-written methods, typed by a model when it says so
    (quoted: the model is imported for type checking only, as models refer to each other)."""
    base = model.group_base
    assert base is not None
    imports.add(base.module, base.class_name)
    if base.of is None:
        return base.class_name
    target = spec.model(base.of)
    if target.name != model.name:
        imports.add_type_only(f".{target.name}", target.class_name)
    return f'{base.class_name}["{target.class_name}"]'


_ASYNC_RUNTIME = {
    "AsyncResults": "modehal._async_download",
    "AsyncDownload": "modehal._async_download",
    "AsyncCollection": "modehal._async_pagination",
}


def _async_annotation(
    annotation: str, models: set[str], model: ModelSpec, spec: Spec, imports: Imports
) -> str:
    """The annotation an ``AsyncClient`` method has where the blocking one has
    ``annotation``: each model its ``Async`` twin, a ``Collection`` an ``AsyncCollection``, a
    ``Download`` or ``Results`` their async kinds. Imported for the type checker only."""

    def twin(match: re.Match[str]) -> str:
        name = match[1]
        if "Async" + name in _ASYNC_RUNTIME:
            imports.add_type_only(_ASYNC_RUNTIME["Async" + name], "Async" + name)
            return "Async" + name
        if name not in models:
            return name
        if name != model.class_name:
            target = next(m for m in spec.models if m.class_name == name)
            imports.add_type_only(f".{target.name}", "Async" + name)
        return "Async" + name

    return re.sub(r"\b([A-Z]\w*)\b", twin, annotation)


def _async_call(call: str) -> str:
    """``call`` (``self._call(...)`` and its chained ``.wait(...)``, ``.download(...)``) with
    each step awaited."""
    first, *rest = call.split(").")
    awaited = f"await {first})" if rest else f"await {first}"
    for step in rest:
        step = step if step.endswith(")") else step + ")"
        awaited = f"await ({awaited}).{step}"
    return awaited


_STREAMED = {
    "results": ("modehal._results", "Results"),
    "download": ("modehal._download", "Download"),
}


def _returned(
    model: ModelSpec, returns: ReturnSpec, spec: Spec, imports: Imports, *, type_only: bool
) -> str:
    """The annotation of what an operation returns, importing what it names."""
    if returns.kind in _STREAMED:
        module, name = _STREAMED[returns.kind]
        imports.add(module, name)
        return name
    if returns.model is None:
        return "None"
    target = spec.model(returns.model)
    if target.name != model.name:
        if type_only:  # methods call by name: their models need no import at run time
            imports.add_type_only(f".{target.name}", target.class_name)
        else:
            imports.add(f".{target.name}", target.class_name)
    if returns.kind == "collection":
        imports.add("modehal._pagination", "Collection")
        return f"Collection[{target.class_name}]"
    return target.class_name


def _own_path_params(model: ModelSpec, spec: Spec) -> list[str]:
    """The path params a resource's own URL holds: those of the GET that returns it."""
    for owner in spec.models:
        for op in owner.operations:
            if (
                op.method == "GET"
                and op.returns.kind == "resource"
                and op.returns.model == model.name
            ):
                return re.findall(r"\{([^}]+)\}", op.path)
    return re.findall(r"\{([^}]+)\}", model.location or "")


def _method_view(
    model: ModelSpec, method: MethodSpec, spec: Spec, imports: Imports
) -> dict[str, Any]:
    group, name = method.operation.split(".")
    owner = next(m for m in spec.models if m.group == group)
    op = next(o for o in owner.operations if o.name == name)
    own = _own_path_params(model, spec)
    objects = {m.name: m for m in spec.models if m.kind == "object"}
    params = [
        _param_view(p, objects, imports)
        for p in op.params
        if p.name not in own and p.name != "account"
    ]
    positional = [p for p in params if p["positional"]]
    keywords = [p for p in params if not p["positional"]]
    annotation = _returned(model, op.returns, spec, imports, type_only=True)
    call = f"self._call({method.operation!r}" + "".join(
        f", {p['name']}={p['name']}" for p in positional + keywords
    )
    call += ")"
    if method.wait:
        keywords.append(
            {
                "name": "timeout",
                "annotation": "float | None",
                "default": "600.0",
                "doc": "Seconds to wait at most (``modehal.Timeout`` after that); None waits "
                "as long as it takes.",
            }
        )
        call += ".wait(timeout=timeout)"
    if method.download:
        imports.add("modehal._download", "Download")
        annotation = "Download"
        call += f".download({method.download!r})"
    imports.add("typing", "cast")
    signature = ["self"] + [f"{p['name']}: {p['annotation']}" for p in positional]
    if keywords:
        signature += ["*"] + [f"{p['name']}: {p['annotation']} = {p['default']}" for p in keywords]
    tokens = [f"``{name}``" for name in own if name != "account"]
    tokens = [", ".join(tokens[:-1]), tokens[-1]] if len(tokens) > 2 else tokens
    return {
        "name": method.name,
        "async_call": _async_call(call),
        "signature": ", ".join(signature),
        "positional": positional,
        "keywords": keywords,
        "annotation": annotation,
        "call": call,
        "summary": _sentence(op.summary) if not method.doc else _sentence(method.doc),
        "doc": _sentence(op.doc) if not method.doc else "",
        "calls": f"Calls ``client.{method.operation}`` with this {model.title.lower()}'s "
        + " and ".join(tokens)
        + ".",
    }


def _typed_follows(model: ModelSpec, spec: Spec, imports: Imports) -> list[dict[str, str]]:
    """One ``follow()`` overload per rel whose target the spec knows."""
    follows = []
    for link in model.links:
        if link.target is None:
            continue
        target = spec.model(link.target)
        if target.name != model.name:
            imports.add_type_only(f".{target.name}", target.class_name)
        returns = target.class_name
        if link.collection:
            imports.add("modehal._pagination", "Collection")
            returns = f"Collection[{target.class_name}]"
        follows.append({"rel": link.rel, "returns": returns})
    if len(follows) == 1 and len(model.links) == 1:
        imports.add("typing", "cast")
    elif follows:
        imports.add("typing", "Any", "overload")
        imports.add("modehal._hal", "Resource")
        imports.add("modehal._async_hal", "AsyncResource")
    return follows


def _poll_doc(model: ModelSpec) -> str:
    if model.poll is None:
        return ""
    success = " or ".join(f"``{state}``" for state in model.poll.success)
    failure = " or ".join(f"``{state}``" for state in model.poll.failure)
    return (
        f"``wait()`` polls it until ``{model.poll.field}`` is final: {success}, or {failure} "
        "(which raises ``RunFailed``)."
    )


# -- text helpers for the templates -------------------------------------------------------


def _wrap(text: str, indent: int, lead: str = "", hanging: int = 0) -> str:
    """``lead`` + ``text`` wrapped to the line width, continuation lines indented ``indent``
    (+ ``hanging``) spaces. The first line's own indent is left to the template."""
    lines = textwrap.wrap(
        _escape_docstring(text),
        width=_WIDTH,
        initial_indent=" " * indent + lead,
        subsequent_indent=" " * (indent + hanging),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(lines)[indent:] if lines else lead


def _escape_docstring(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return (
        text[:-1] + '\\"' if text.endswith('"') else text
    )  # a closing quote would end the docstring


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["wrap"] = _wrap
    env.filters["docstring_text"] = _escape_docstring
    env.filters["str_literal"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env


# -- the files ----------------------------------------------------------------------------


def render(
    spec: Spec, *, jobs: int = 1, current: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Every file of ``generated/``: relative path → formatted source.

    Black is most of the time this takes. ``jobs`` > 1 runs it in that many forked worker
    processes, and ``current`` (the files as they are now) spares its second pass on a file
    that has not changed (see ``_format``); the output is the same either way.
    """
    env = _environment()
    files: dict[str, tuple[str, str]] = {}  # path → (template, source before black)
    views = [_model_view(model, spec) for model in spec.models]
    for model, view in zip(spec.models, views):
        template = "resource.py.jinja" if model.kind == "resource" else "object.py.jinja"
        files[f"{model.name}.py"] = _render(env, template, view=view, source=model.file)
    apis = [spec.apis[name] for name in sorted(spec.apis)]
    files["_apis.py"] = _render(
        env, "apis.py.jinja", apis=apis, source=f"{spec.source_dir}/apis.yaml"
    )
    groups = [
        {
            "name": m.group,
            "class": _camel(m.group),
            "module": m.name,
            "doc": _sentence(m.group_doc or ""),
        }
        for m in spec.models
        if m.group
    ]
    groups.sort(key=lambda group: group["name"])
    every_file = f"{spec.source_dir}/*.yaml"
    files["client.py"] = _render(
        env, "client.py.jinja", groups=groups, apis=apis, source=every_file
    )
    files["async_client.py"] = _render(
        env, "async_client.py.jinja", groups=groups, apis=apis, source=every_file
    )
    files["_catalog.py"] = _render(env, "catalog.py.jinja", views=views, source=every_file)
    files["__init__.py"] = _render(
        env, "init.py.jinja", views=views, groups=groups, source=every_file
    )
    before = current or {}
    jobs_ = [(template, source, before.get(path)) for path, (template, source) in files.items()]
    return dict(zip(files, _map(_format, jobs_, jobs)))


def _render(env: jinja2.Environment, template: str, **context: Any) -> tuple[str, str]:
    try:
        return template, env.get_template(template).render(**context)
    except Exception as exc:  # a template bug: report it as codegen's, with the template's line
        raise RenderError(
            f"{template}{_template_line(exc, template)}: {type(exc).__name__}: {exc}"
        ) from None


def _map(function: Callable[[T], str], items: list[T], jobs: int) -> list[str]:
    if jobs <= 1 or len(items) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [function(item) for item in items]
    # Forked workers start with black already imported; a RenderError pickles back as raised.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return list(pool.map(function, items, chunksize=max(1, len(items) // (jobs * 4))))


# black.format_str runs this twice whenever the first pass changes anything (so that trailing
# commas it adds settle); a private name, so a black without it gets format_str.
_FORMAT_ONCE: Callable[..., str] | None = getattr(black, "_format_str_once", None)


def _format(job: tuple[str, str, str | None]) -> str:
    """``format_str(source)``, in one pass of black where one is enough: when the first pass
    already gives the current file (which black left unchanged when it wrote it), the second
    pass would give it too."""
    template, source, current = job
    mode = Mode(target_versions={TargetVersion.PY310}, line_length=_WIDTH)
    try:
        if _FORMAT_ONCE is None:
            return black.format_str(source, mode=mode)
        once = _FORMAT_ONCE(source, mode=mode)
        if once in (source, current):
            return once
        return _FORMAT_ONCE(once, mode=mode)
    except Exception as exc:  # black raises several types; all mean the template is broken
        raise RenderError(f"{template} rendered code black cannot parse: {exc}") from None
