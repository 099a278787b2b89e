"""Reading YAML while remembering the line of every key, so errors can point at it."""

from __future__ import annotations

from typing import Any

import yaml

from ._errors import SpecError

# libyaml's composer, where PyYAML was built with it, reads the spec several times faster; its
# nodes carry the same line marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Located(dict):  # type: ignore[type-arg]
    """A YAML mapping that knows its own line and the line of each of its keys."""

    line: int
    key_lines: dict[str, int]


class LocatedList(list):  # type: ignore[type-arg]
    """A YAML sequence that knows its own line and the line of each item."""

    line: int
    item_lines: list[int]


def load_yaml(text: str, file: str) -> Any:
    """Parse ``text``; mappings become ``Located`` and sequences ``LocatedList``."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(file, line, "", f"not valid YAML: {problem}") from None
    if node is None:
        raise SpecError(file, 1, "", "the file is empty")
    try:
        return _convert(node, file, yaml.SafeLoader(""), "", set())
    except RecursionError:
        raise SpecError(file, None, "", "nested too deeply") from None


def _convert(
    node: yaml.Node, file: str, loader: yaml.SafeLoader, path: str, above: set[int]
) -> Any:
    if id(node) in above:  # an alias to one of its own ancestors: `&a [*a]`
        raise SpecError(file, node.start_mark.line + 1, path, "a YAML alias refers to itself")
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        above = above | {id(node)}
    try:
        return _construct(node, file, loader, path, above)
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError) as exc:
        # A tag PyYAML cannot construct (`!custom`, a bad `!!timestamp`, `<<: 5`, ...).
        problem = getattr(exc, "problem", None) or exc
        raise SpecError(
            file, node.start_mark.line + 1, path, f"cannot read this value: {problem}"
        ) from None


def _construct(
    node: yaml.Node, file: str, loader: yaml.SafeLoader, path: str, above: set[int]
) -> Any:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # applies `<<:` merge keys
        result = Located()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            key_path = f"{path}.{key}" if path else str(key)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise SpecError(file, line, key_path, "keys must be strings")
            if key in result:
                raise SpecError(
                    file,
                    line,
                    key_path,
                    f"duplicate key (first at line {result.key_lines[str(key)]})",
                )
            result[key] = _convert(value_node, file, loader, key_path, above)
            result.key_lines[str(key)] = line
        return result
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList(
            _convert(item, file, loader, f"{path}[{index}]", above)
            for index, item in enumerate(node.value)
        )
        items.line = node.start_mark.line + 1
        items.item_lines = [item.start_mark.line + 1 for item in node.value]
        return items
    return loader.construct_object(node, deep=True)
