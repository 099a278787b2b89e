"""IPython and Jupyter: completing what IPython alone completes wrongly.

``import modehal`` inside IPython registers two matchers with IPython's completer:

- **Rels**, inside ``follow("``, ``download("`` and ``links["``. IPython's default completer
  evaluates nothing that might run code (its ``limited`` policy will not read a property such
  as ``run.links``), and jedi does not offer ``Literal`` values inside a call's quotes, so these
  would offer magics and file names. ``follow("`` offers the rels ``follow()`` can fetch (not
  the downloads, not the web pages, which it refuses), ``download("`` the downloads the spec
  knows, ``links["`` every rel.
- **Chained attributes**, after a call: ``run.follow("report_schedule").``,
  ``client.report_runs.list(r).first().``, ``(await run.follow("report")).``. Neither of
  IPython's own completers gets these right. jedi picks no single overload of ``follow()``
  for a ``Literal`` rel and offers the union of every overload's model (a schedule's
  completion offered a run's and a collection's attributes), and knows no item model of a
  live ``Collection`` (whose ``M`` is erased at run time). IPython's guarded evaluation calls
  no method in its ``limited`` policy: it reads the implementation's return annotation
  (``Resource[Any]``, a string it cannot resolve in the user's namespace) and gives up. So
  this matcher works the type out as a type checker would, from the spec's tables (the
  client's ``Catalog``: which model each rel and operation leads to), and offers that model's
  attributes only, suppressing the others' wrong ones. It calls nothing: the start of the
  chain (``run``, ``client.report_runs``) is read with IPython's own guarded evaluation, the
  rest is worked out.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, replace
from typing import Any

from ._core import ClientCore
from ._hal import Document
from ._navigation import SYNC
from ._pagination import CollectionDocument

# `<expression>.follow("re`, `.download('re`, `.links["re`: the expression and the typed prefix
_REL_PLACES = re.compile(
    r"(?P<expression>[A-Za-z_][\w.]*?)"
    r"\.(?:(?P<method>follow|download)\(\s*|links\[\s*)"
    r"(?P<quote>[\"'])(?P<prefix>[^\"']*)\Z"
)

# `<expression>.<attribute prefix>` at the end of the text typed
_ATTRIBUTE = re.compile(r"\.(?P<attribute>\w*)\Z")

_IDENTIFIER = "modehal.rels"
_CHAINS = "modehal.chains"


def register_in_ipython() -> None:
    """Add the matchers to the running IPython, if any; idempotent."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    completer = getattr(shell, "Completer", None)
    if completer is None:
        return
    matchers = completer.custom_matchers
    present = {getattr(m, "matcher_identifier", None) for m in matchers}
    try:
        if _IDENTIFIER not in present:
            matchers.append(_rel_matcher(shell))
        if _CHAINS not in present:
            matchers.append(_chain_matcher(shell))
    except ImportError:  # an IPython older than 8.6, without context matchers
        pass


def _rel_matcher(shell: Any) -> Any:
    from IPython.core.completer import SimpleCompletion, context_matcher

    @context_matcher(priority=100, identifier=_IDENTIFIER, api_version=2)  # type: ignore[untyped-decorator]
    def rels(context: Any) -> dict[str, Any]:
        found = _REL_PLACES.search(context.text_until_cursor)
        resource = _evaluate(shell, found.group("expression")) if found else None
        if found is None or not isinstance(resource, Document):  # either client's
            return {"completions": [], "suppress": False}
        prefix = found.group("prefix")
        names = [rel for rel in rels_for(resource, found.group("method")) if rel.startswith(prefix)]
        return {
            "completions": [SimpleCompletion(rel, type="rel") for rel in names],
            "matched_fragment": prefix,
            "suppress": bool(names),  # rels only: not magics, not file names
        }

    return rels


def rels_for(resource: Document[Any], method: str | None) -> list[str]:
    """The rels to offer inside ``follow("``, ``download("`` or (``None``) ``links["``."""
    if method == "follow":
        return resource._followable_rels()
    if method == "download":
        return resource._downloadable_rels()
    return sorted(resource.links)


def _chain_matcher(shell: Any) -> Any:
    from IPython.core.completer import SimpleCompletion, context_matcher

    @context_matcher(priority=100, identifier=_CHAINS, api_version=2)  # type: ignore[untyped-decorator]
    def chains(context: Any) -> dict[str, Any]:
        text = context.text_until_cursor
        found = _ATTRIBUTE.search(text)
        node = _last_expression(text[: found.start()]) if found else None
        typed = _infer(shell, node) if node is not None and _has_call(node) else None
        if found is None or typed is None or typed.awaitable:
            return {"completions": [], "suppress": False}
        prefix = found.group("attribute")
        names = [
            name
            for name in dir(typed.cls)
            if name.startswith(prefix) and (prefix.startswith("_") or not name.startswith("_"))
        ]
        return {
            "completions": [SimpleCompletion(n, type=_kind(typed.cls, n)) for n in names],
            "matched_fragment": prefix,
            "suppress": bool(names),  # not jedi's union of every overload's attributes
        }

    return chains


def _kind(cls: type, name: str) -> str:
    attribute = getattr(cls, name, None)
    if isinstance(attribute, property):
        return "property"
    return "function" if callable(attribute) else "statement"


_CHAIN = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Await)


def _last_expression(code: str) -> ast.expr | None:
    """The longest chain of names, attributes, calls, subscripts and awaits ``code`` ends
    with: ``x = run.follow("a")``, ``n in runs.take(3)[0]``, ``f(a, run.first()`` all end
    with the chain after the operator or the parenthesis."""
    for start in range(len(code)):
        if code[start].isspace():
            continue
        try:
            tree = ast.parse(code[start:].strip(), mode="eval")
        except SyntaxError:
            continue
        if isinstance(tree.body, _CHAIN):
            return tree.body
    return None


def _has_call(node: ast.AST) -> bool:
    """Whether a value is made by a call (or an await): what IPython's completers miss."""
    return any(isinstance(child, (ast.Call, ast.Await)) for child in ast.walk(node))


@dataclass(frozen=True)
class _Typed:
    """What an expression's value will be, worked out without evaluating it."""

    cls: type  # the class of the value: a model, a collection class, or list
    client: Any  # the client it came from (for its catalog and its flavour)
    item: type | None = None  # the model of a collection's or a list's items
    group: str | None = None  # for a group of operations (``client.report_runs``), its name
    awaitable: bool = False  # a coroutine (or unfetched collection) of that


def _infer(shell: Any, node: ast.expr) -> _Typed | None:
    """The type of ``node``: its start read with IPython's guarded evaluation, each call
    after it worked out from the catalog. None when it is not modehal's or not known."""
    try:
        return _infer_node(shell, node)
    except Exception:  # noqa: BLE001 - completion never raises: no completions instead
        return None


def _infer_node(shell: Any, node: ast.expr) -> _Typed | None:
    if isinstance(node, ast.Await):
        inner = _infer_node(shell, node.value)
        if inner is not None and issubclass(inner.cls, CollectionDocument):
            return inner  # `await collection` fetches its first page and is the collection
        return None if inner is None or not inner.awaitable else replace(inner, awaitable=False)
    if isinstance(node, ast.Subscript):  # `runs.take(3)[0]`
        inner = _infer_node(shell, node.value)
        if inner is None or inner.cls is not list or inner.item is None:
            return None
        return _Typed(inner.item, inner.client)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = _infer_node(shell, node.func.value)
        return None if owner is None or owner.awaitable else _call(owner, node.func.attr, node)
    if _has_call(node):
        return None
    if isinstance(node, ast.Attribute):  # `client.report_runs`, read from the catalog
        owner = _infer_node(shell, node.value)
        if owner is not None and _is_client(owner.cls) and _is_group(owner.client, node.attr):
            return _Typed(object, owner.client, group=node.attr)
    return _live(_evaluate(shell, ast.unparse(node)))


def _live(value: object) -> _Typed | None:
    """What a value IPython evaluated is, when it is modehal's."""
    if isinstance(value, CollectionDocument):
        return _Typed(type(value), value._client, item=value.model)
    if isinstance(value, Document):
        return _Typed(type(value), value._client)
    if _is_client(type(value)):
        return _Typed(type(value), value)
    return None


def _is_client(cls: type) -> bool:
    return isinstance(cls, type) and issubclass(cls, ClientCore)


def _is_group(client: Any, name: str) -> bool:
    return any(operation.startswith(f"{name}.") for operation in client.catalog.operations)


def _call(owner: _Typed, method: str, node: ast.Call) -> _Typed | None:
    """What ``<owner>.<method>(...)`` returns, from the catalog; None when not known."""
    client = owner.client
    asynchronous = _is_async(client)
    first = _first_string(node)
    if owner.group is not None:  # client.report_runs.list(...)
        return _answer(client, f"{owner.group}.{method}", awaitable=asynchronous)
    if _is_client(owner.cls):  # client.call("report_runs.get", ...)
        return (
            _answer(client, first, awaitable=asynchronous) if method == "call" and first else None
        )
    if not issubclass(owner.cls, Document):
        return None
    if issubclass(owner.cls, CollectionDocument) and owner.item is not None:
        if method == "first":
            return _Typed(owner.item, client, awaitable=asynchronous)
        if method in ("take", "to_list"):
            return _Typed(list, client, item=owner.item, awaitable=asynchronous)
    if method in ("refresh", "wait") and hasattr(owner.cls, method):
        return replace(owner, awaitable=asynchronous)
    if method == "follow" and first is not None and client is not None:
        flavor = client.flavor
        target = client.catalog.link_target(flavor.sync_model(owner.cls), first)
        if target is None:
            return None
        model, many = target
        if many:
            return _Typed(
                _collection_class(client),
                client,
                item=flavor.model(model),
                awaitable=asynchronous,
            )
        return _Typed(flavor.model(model), client, awaitable=asynchronous)
    return None


def _answer(client: Any, name: str, *, awaitable: bool) -> _Typed | None:
    """What operation ``name`` answers with: its model, or a collection of it."""
    endpoint = client.catalog.operations.get(name)
    model = getattr(endpoint, "model", None)
    if model is None:
        return None
    if endpoint.collection:
        # an AsyncClient's list() is a collection already, fetched when first iterated
        return _Typed(_collection_class(client), client, item=client.flavor.model(model))
    return _Typed(client.flavor.model(model), client, awaitable=awaitable)


def _collection_class(client: Any) -> type:
    """``Collection``, or ``AsyncCollection`` for an ``AsyncClient``."""
    cls: type = client.flavor.collection
    return cls


def _is_async(client: Any) -> bool:
    return getattr(client, "flavor", SYNC) is not SYNC


def _first_string(node: ast.Call) -> str | None:
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def _evaluate(shell: Any, expression: str) -> object:
    """``expression`` as IPython's own completer would evaluate it (its ``evaluation``
    setting, ``limited`` by default), or None."""
    try:
        from IPython.core.guarded_eval import EvaluationContext, guarded_eval

        context = EvaluationContext(
            globals=shell.user_global_ns,
            locals=shell.user_ns,
            evaluation=getattr(shell.Completer, "evaluation", "limited"),
        )
        return guarded_eval(expression, context)
    except Exception:  # anything it refuses or that fails: no completions, never an error
        return None
