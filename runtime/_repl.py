"""IPython and Jupyter: completing a resource's rels where IPython alone cannot.

IPython's default completer evaluates nothing that might run code (its ``limited`` policy
will not read a property such as ``run.links``), and jedi does not offer ``Literal`` values
inside a call's quotes. So ``run.links["`` and ``run.follow("`` would offer magics and file
names. ``import modehal`` inside IPython registers one matcher that offers the rels there
(``follow``, ``download``, ``links[...]``), reading the resource through IPython's own
guarded evaluation, so that it runs no more of the user's code than IPython would.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from ._hal import Document

# `<expression>.follow("re`, `.download('re`, `.links["re`: the expression and the typed prefix
_REL_PLACES = re.compile(
    r"(?P<expression>[A-Za-z_][\w.]*?)"
    r"(?:\.(?:follow|download)\(\s*|\.links\[\s*)"
    r"(?P<quote>[\"'])(?P<prefix>[^\"']*)\Z"
)


def register_in_ipython() -> None:
    """Add the rel matcher to the running IPython, if any; idempotent."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    completer = getattr(shell, "Completer", None)
    if completer is None:
        return
    matchers = completer.custom_matchers
    if any(getattr(m, "matcher_identifier", None) == _IDENTIFIER for m in matchers):
        return
    try:
        matchers.append(_matcher(shell))
    except ImportError:  # an IPython older than 8.6, without context matchers: no rels
        pass


_IDENTIFIER = "modehal.rels"


def _matcher(shell: Any) -> Any:
    from IPython.core.completer import SimpleCompletion, context_matcher

    @context_matcher(priority=100, identifier=_IDENTIFIER, api_version=2)  # type: ignore[untyped-decorator]
    def rels(context: Any) -> dict[str, Any]:
        found = _REL_PLACES.search(context.text_until_cursor)
        resource = _evaluate(shell, found.group("expression")) if found else None
        if found is None or not isinstance(resource, Document):  # either client's
            return {"completions": [], "suppress": False}
        prefix = found.group("prefix")
        names = [rel for rel in resource.links if rel.startswith(prefix)]
        return {
            "completions": [SimpleCompletion(rel, type="rel") for rel in sorted(names)],
            "matched_fragment": prefix,
            "suppress": bool(names),  # rels only: not magics, not file names
        }

    return rels


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
