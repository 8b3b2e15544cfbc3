"""YAML with line numbers: ``yaml.safe_load`` semantics, plus where every value came from.

Policy packs and schema files are validated after loading; a message that names the file
but not the line makes people hunt. This loader is a ``yaml.SafeLoader`` subclass (so it
constructs only plain data: no Python objects, no arbitrary tags) whose mappings and
sequences remember the line of each item. Duplicate keys, which ``safe_load`` silently
resolves to the last one, are an error here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

from govern.errors import PolicyError

__all__ = ["LineDict", "LineList", "load_yaml", "parse_yaml"]


class LineDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int
    lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of ``key`` (of the mapping itself when the key is absent)."""
        return self.lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that knows its own line and the line of each item (1-based)."""

    line: int
    lines: list[int]

    def line_of(self, index: int) -> int:
        """The line of item ``index``."""
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


class _Loader(yaml.SafeLoader):
    """SafeLoader that builds LineDict / LineList and refuses duplicate keys."""


def _mapping(loader: _Loader, node: Node) -> LineDict:
    if not isinstance(node, MappingNode):  # pragma: no cover - the tag guarantees it
        raise ConstructorError(None, None, "expected a mapping", node.start_mark)
    loader.flatten_mapping(node)  # merge keys (<<), as safe_load does
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            # policy files are keyed by names; a number or a list as key is a typo
            key = str(key)
        if key in result:
            raise ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r} (first on line {result.lines[key]})",
                key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _Loader, node: Node) -> LineList:
    if not isinstance(node, SequenceNode):  # pragma: no cover - the tag guarantees it
        raise ConstructorError(None, None, "expected a sequence", node.start_mark)
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _sequence)


def parse_yaml(text: str, origin: str) -> Any:
    """Parse one YAML document; errors name ``origin`` with line and column.

    Raises:
        PolicyError: not valid YAML, more than one document, or a duplicate key.
    """
    try:
        loader = _Loader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{origin}:{mark.line + 1}" if mark is not None else origin
        column = f", column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "not valid YAML"
        raise PolicyError(f"{where}: not valid YAML{column}: {problem}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{origin}: not valid YAML: {exc}") from None


def load_yaml(path: Path, origin: str | None = None) -> Any:
    """Read and parse a YAML (or JSON) file.

    Args:
        path: the file.
        origin: how to name the file in messages (default: the path as given).

    Raises:
        PolicyError: the file cannot be read or is not valid YAML.
    """
    name = origin or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{name}: not UTF-8 text") from None
    except OSError as exc:
        raise PolicyError(f"{name}: cannot be read ({exc.strerror})") from None
    return parse_yaml(text, name)
