"""The runtime's shape: no import cycles, and no imports hidden in functions or behind
``TYPE_CHECKING`` to dodge one."""

from __future__ import annotations

import ast
from pathlib import Path

RUNTIME = Path(__file__).resolve().parent.parent / "runtime"


def _module_name(path: Path) -> str:
    parts = path.relative_to(RUNTIME).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(("modehal", *parts))


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported modehal module, whether it is at module level and not under TYPE_CHECKING)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    plain = {id(node) for node in tree.body}
    for node in tree.body:  # `if TYPE_CHECKING:` blocks do not count as plain imports
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            plain.discard(id(node))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("modehal"):
                continue
            targets = (
                [target] if node.module else [f"{target}.{alias.name}" for alias in node.names]
            )
            found += [(t, id(node) in plain) for t in targets]
        elif isinstance(node, ast.Import):
            found += [
                (alias.name, id(node) in plain)
                for alias in node.names
                if alias.name.startswith("modehal")
            ]
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in RUNTIME.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {
            target for target, _ in _imports(path) if target in modules and target != name
        }
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_runtime_has_no_import_cycle() -> None:
    graph = _graph()
    assert len(graph) > 20  # the walk found the modules
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_check_can_fail() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_core_modules_import_each_other_only_at_the_top() -> None:
    # The package's own `__getattr__` loads the generated half lazily (modehal.api is not in
    # runtime/), and the CLI and simulator load it on first use; the core never needs to.
    hidden = []
    for path in sorted(p for p in RUNTIME.glob("_*.py") if p.name != "__init__.py"):
        for target, plain in _imports(path):
            if not plain:
                hidden.append(f"{path.name}: {target}")
    assert hidden == []


def test_only_the_settings_module_reads_mode_variables() -> None:
    readers = sorted(
        str(path.relative_to(RUNTIME))
        for path in RUNTIME.rglob("*.py")
        if '"MODE_' in path.read_text() and path.name != "_settings.py"
    )
    assert readers == []


def test_generated_modules_load_on_first_use() -> None:
    """A client that only runs reports never imports the other thirty-odd model modules (only
    those its operations return); the catalog of every model loads the first time a URL needs
    it."""
    import subprocess
    import sys

    code = """
import sys
import modehal
client = modehal.Client("t", "s", account="a")
loaded = lambda: sorted(m.split(".")[-1] for m in sys.modules if m.startswith("modehal.api."))
print(loaded())
client.report_runs
print(loaded())
client.catalog.route("/api/a/spaces/s1")
print(len(loaded()))
from modehal.api import Space
print(Space.resource_name)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    first, second, third, fourth = out.stdout.splitlines()
    assert first == "['_apis', 'client']"
    # report_run and what its operations return (a clone is a Report, ...), nothing else
    modules = set(ast.literal_eval(second))
    assert "report_run" in modules and len(modules) < 10
    assert not modules & {"space", "audit_log", "user_group", "data_source", "definition"}
    assert int(third) > 30  # the catalog imported every model
    assert fourth == "space"
