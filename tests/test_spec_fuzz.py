"""Mutated specs (hypothesis): loading gives a Spec or a SpecError, never anything else."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modehal.codegen import SpecError, load_spec, render
from modehal.codegen._render import RenderError

from .conftest import fuzz_examples

SPEC = Path(__file__).resolve().parent.parent / "spec"
FILES = sorted(path.name for path in SPEC.glob("*.yaml"))
TEXTS = {name: (SPEC / name).read_text() for name in FILES}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 2000),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        ["", "rest", "report_run", "GET", "/{account}/x/{y}", "nothing", "Client", "self", "class"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, prefix + (index,))
    return found


@st.composite
def mutated_file(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(FILES))
    text = TEXTS[name]
    kind = draw(st.sampled_from(["replace", "delete", "add", "text"]))
    if kind == "text":
        lines = text.splitlines(keepends=True)
        index = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["drop", "double", "insert"]))
        if edit == "drop":
            del lines[index]
        elif edit == "double":
            lines.insert(index, lines[index])
        else:
            lines.insert(index, draw(st.text(max_size=20)) + "\n")
        return name, "".join(lines)
    document = yaml.safe_load(text)
    path = draw(st.sampled_from(paths(document)))
    parent: Any = document
    for key in path[:-1]:
        parent = parent[key]
    if not path:
        return name, yaml.safe_dump(draw(values))
    last = path[-1]
    if kind == "replace":
        parent[last] = draw(values)
    elif kind == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
    else:
        parent.insert(last, draw(values))
    return name, yaml.safe_dump(document, sort_keys=False)


def load_mutated(name: str, text: str) -> Any:
    root = Path(tempfile.mkdtemp())
    try:
        shutil.copytree(SPEC, root / "spec")
        (root / "spec" / name).write_text(text)
        return load_spec(root / "spec")
    finally:
        shutil.rmtree(root)


# 60 mutations (each loads a whole spec, ~0.1 s); 1200 with MODEHAL_FUZZ=full (see conftest).
@settings(
    max_examples=fuzz_examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated_file())
def test_mutated_spec_loads_or_raises_spec_error(mutation: tuple[str, str]) -> None:
    try:
        load_mutated(*mutation)
    except SpecError as error:
        assert str(error).startswith("spec/")  # names the file


# Rendering runs black, ~0.6 s a spec: 15 mutations; 300 with MODEHAL_FUZZ=full.
@settings(
    max_examples=fuzz_examples(15), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated_file())
def test_a_mutated_spec_that_loads_also_renders(mutation: tuple[str, str]) -> None:
    try:
        spec = load_mutated(*mutation)
    except SpecError:
        return
    try:
        files = render(spec)
    except RenderError as error:  # pragma: no cover - would be a codegen bug
        raise AssertionError(f"a spec that passed validation did not render: {error}") from None
    for name, source in files.items():
        compile(source, name, "exec")
