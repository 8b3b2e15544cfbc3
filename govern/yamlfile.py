"""YAML with line numbers: ``yaml.safe_load`` semantics, plus where every value came from.

Policy packs, schema files and data contracts are validated after loading; a message that
names the file but not the line makes people hunt. This loader is a ``yaml.SafeLoader``
subclass (so it constructs only plain data: no Python objects, no arbitrary tags) whose
mappings and sequences remember the line of each item. Duplicate keys, which ``safe_load`` silently
resolves to the last one, are an error here.

Hostile or careless files load in bounded time and memory: nesting deeper than
``MAX_DEPTH`` is refused while composing (PyYAML's composer recurses, so 3,000 levels
would be a RecursionError), as is a recursive alias, and aliases may not expand the
document past ``MAX_ALIAS_RATIO`` times its own size (nor past ``MAX_VALUES`` values):
a "billion laughs" file is refused after composing a few dozen nodes instead of being
walked 9^9 times by whatever reads or prints it next. A scalar that Python cannot hold
(``2026-02-30``, an integer of 5,000 digits) is an error at its line.
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any

import yaml
import yaml.reader
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

from govern.errors import PolicyError

__all__ = [
    "MAX_ALIAS_RATIO",
    "MAX_DEPTH",
    "MAX_VALUES",
    "LineDict",
    "LineList",
    "load_yaml",
    "parse_yaml",
    "show",
]

MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences accepted (policy files use under ten)."""
MAX_VALUES = 100_000
"""Aliases may expand a document to at most this many values ..."""
MAX_ALIAS_RATIO = 10
"""... or to at most this many times the values it spells out, whichever is larger."""


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


class _ShortRepr(reprlib.Repr):
    """reprlib for messages; LineDict/LineList are shown (and cut) as dict/list."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxdict = self.maxlist = 6
        self.maxstring = self.maxother = 80
        self.maxlong = 40

    def repr_LineDict(self, x: LineDict, level: int) -> str:  # reprlib finds it by type name
        return self.repr_dict(x, level)

    def repr_LineList(self, x: LineList, level: int) -> str:
        return self.repr_list(x, level)


_SHORT = _ShortRepr()


def show(value: Any) -> str:
    """``repr(value)`` cut to a readable length (a value may be huge or deeply nested)."""
    return _SHORT.repr(value)


class _Loader(yaml.SafeLoader):
    """SafeLoader that builds LineDict / LineList, refuses duplicate keys, bounds work."""

    def __init__(self, stream: str, max_depth: int, max_values: int) -> None:
        super().__init__(stream)
        self._max_depth = max_depth
        self._max_values = max_values
        self._depth = 0
        self._open: set[str] = set()  # anchors whose node is still being composed
        self._sizes: dict[int, int] = {}  # id(node) -> values it stands for, aliases expanded
        self._spelled = 0  # values written out in the text (each alias counts one)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        """Compose one node, bounding depth, recursive aliases and alias expansion."""
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        self._spelled += 1
        mark: Any = event.start_mark
        if isinstance(event, AliasEvent):
            if event.anchor in self._open:
                raise ComposerError(
                    None, None, f"recursive alias *{event.anchor} (refers to itself)", mark
                )
            alias: Node | None = super().compose_node(parent, index)
            assert alias is not None  # an alias event always composes to its node
            return alias
        if self._depth >= self._max_depth:
            raise ComposerError(None, None, f"nested deeper than {self._max_depth} levels", mark)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open.add(anchor)
        self._depth += 1
        try:
            composed: Node | None = super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open.discard(anchor)
        assert composed is not None  # a node event always composes to a node
        self._count(composed)
        return composed

    def _count(self, node: Node) -> None:
        size = 1
        if isinstance(node, SequenceNode):
            size += sum(self._sizes.get(id(child), 1) for child in node.value)
        elif isinstance(node, MappingNode):
            size += sum(
                self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value
            )
        self._sizes[id(node)] = size
        limit = max(self._max_values, MAX_ALIAS_RATIO * self._spelled)
        if size > limit:
            raise ComposerError(
                None,
                None,
                f"aliases expand this value to {size:,} values, more than the {limit:,} "
                "allowed (an alias bomb?); write the values out instead",
                node.start_mark,
            )

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        """Construct a value; one Python cannot hold is an error at its line."""
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            raise ConstructorError(
                None,
                None,
                f"{show(node.value)} is not a valid {node.tag.rpartition(':')[2]} ({exc})"
                if isinstance(node.value, str)
                else str(exc),
                node.start_mark,
            ) from None


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
            key = show(key)
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


class _TextDatesLoader(_Loader):
    """The same loader, with unquoted dates and times kept as text.

    ODCS contracts need it: the standard's JSON Schema types dates as strings.
    """


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}


def _character(exc: yaml.reader.ReaderError) -> str:
    value = exc.character
    code = ord(value) if isinstance(value, str) else value
    return f"byte 0x{code:02X}" if exc.encoding != "unicode" else f"character U+{code:04X}"


def parse_yaml(
    text: str,
    origin: str,
    *,
    max_depth: int = MAX_DEPTH,
    max_values: int = MAX_VALUES,
    dates_as_text: bool = False,
) -> Any:
    """Parse one YAML document; errors name ``origin`` with line and column.

    Args:
        text: the document.
        origin: how to name it in messages.
        max_depth: the deepest nesting accepted.
        max_values: how many values aliases may expand the document to (at least; up to
            ``MAX_ALIAS_RATIO`` times the values written out is always accepted).
        dates_as_text: keep unquoted dates and timestamps as the text written.

    Raises:
        PolicyError: not valid YAML, more than one document, a duplicate key, a value
            Python cannot hold, nesting too deep or aliases expanding too far.
    """
    try:
        loader = (_TextDatesLoader if dates_as_text else _Loader)(text, max_depth, max_values)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        where = f"{origin}:{line}" if line is not None else origin
        column = f", column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "not valid YAML"
        raise PolicyError(
            f"{where}: not valid YAML{column}: {problem}", file=origin, line=line
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL...)
        line = text.count("\n", 0, exc.position) + 1
        raise PolicyError(
            f"{origin}:{line}: not valid YAML: {_character(exc)} is not allowed "
            f"(at character {exc.position + 1})",
            file=origin,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{origin}: not valid YAML: {exc}", file=origin) from None
    except RecursionError:  # a safety net: MAX_DEPTH keeps the composer well inside
        raise PolicyError(f"{origin}: not valid YAML: nested too deeply", file=origin) from None


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
        raise PolicyError(f"{name}: no such file", file=name) from None
    except UnicodeDecodeError:
        raise PolicyError(f"{name}: not UTF-8 text", file=name) from None
    except OSError as exc:
        raise PolicyError(f"{name}: cannot be read ({exc.strerror})", file=name) from None
    return parse_yaml(text, name)
