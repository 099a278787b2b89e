"""The README's table of operations: each one's name, Python call, and HTTP method and path.

``python -m modehal.codegen table`` prints it from the spec, so the README's copy can be
checked against the spec (``tests/test_codegen.py`` does) rather than kept by hand.
"""

from __future__ import annotations

from ._spec import Spec


def operations_table(spec: Spec) -> str:
    """A Markdown table, one row per operation, grouped as the client groups them."""
    apis = spec.apis
    rows = ["| operation | Python | HTTP |", "|---|---|---|"]
    operations = [
        (model.group, op) for model in spec.models if model.group for op in model.operations
    ]
    # by group, then in the order the spec file declares them (get, list, create...)
    for group, op in sorted(operations, key=lambda pair: pair[0]):
        positional = [
            p.name
            for p in op.params
            if p.location == "path" and p.client_default is None and p.default is None
        ]
        positional += [f"{p.name}=..." for p in op.params if p.required and p.location != "path"]
        path = apis[op.api].base_path + op.path
        rows.append(
            f"| `{group}.{op.name}` | `client.{group}.{op.name}({', '.join(positional)})` "
            f"| `{op.method} {path}` |"
        )
    return "\n".join(rows)
