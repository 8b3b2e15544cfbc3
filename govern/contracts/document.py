"""Reading an ODCS v3 contract: YAML with line numbers, the standard's JSON Schema, versions.

The contract is parsed with the Bitol project's own Pydantic model
(``open-data-contract-standard``) and validated against the JSON Schema that package
ships, so "valid" means what the standard says. Every problem is a `ContractError` naming
the file and the line of the offending key, like policy files.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from govern.errors import ContractError, MissingDependencyError

__all__ = ["SUPPORTED_VERSIONS", "ContractDocument", "load_document", "parse_document"]

SUPPORTED_VERSIONS = ("v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0", "v3.2.0")
_MAX_BYTES = 16 * 1024 * 1024
_MAX_DEPTH = 64
_MAX_NODES = 1_000_000


@dataclass(frozen=True)
class ContractDocument:
    """A contract as read: the raw mapping, where each key is, and where it came from.

    Attributes:
        data: the contract as plain data (YAML loaded safely).
        source: the file path, or ``<contract>`` for an in-memory contract.
        lines: JSON-pointer-like paths (``("schema", 0, "properties", 2)``) to 1-based lines.
    """

    data: Mapping[str, Any]
    source: str
    lines: Mapping[tuple[str | int, ...], int]

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """The line of ``path`` or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def where(self, path: tuple[str | int, ...] = ()) -> str:
        """``file:line`` of ``path`` (``file`` alone when no line is known)."""
        line = self.line_of(path)
        return f"{self.source}:{line}" if line else self.source

    @property
    def api_version(self) -> str:
        """The ``apiVersion`` the contract declares."""
        return str(self.data.get("apiVersion", ""))


def _walk(
    node: Any, path: tuple[str | int, ...], depth: int = 0
) -> Iterator[tuple[tuple[str | int, ...], int]]:
    """(path, line) of every mapping key and sequence item below ``node``."""
    import yaml

    if depth > _MAX_DEPTH:
        line = node.start_mark.line + 1
        raise ContractError(f"line {line}: nested deeper than {_MAX_DEPTH} levels")
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark.line)
            yield (*path, name), key.start_mark.line + 1
            yield from _walk(value, (*path, name), depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield (*path, i), item.start_mark.line + 1
            yield from _walk(item, (*path, i), depth + 1)


@functools.cache
def _loader() -> Any:
    """yaml.SafeLoader that keeps dates as text: ODCS fields are strings (JSON Schema)."""
    import yaml

    class ContractLoader(yaml.SafeLoader):
        pass

    ContractLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return ContractLoader


def _load_yaml(text: str, source: str) -> ContractDocument:
    import yaml

    try:
        try:
            node = yaml.compose(text, Loader=_loader())
        except RecursionError:
            raise ContractError(f"{source}: nested too deeply to be a contract") from None
        if node is None:
            raise ContractError(
                f"{source}: empty file; a contract needs apiVersion, kind, id, version"
            )
        if _expanded_size(node) > _MAX_NODES:
            raise ContractError(
                f"{source}: YAML aliases expand to more than {_MAX_NODES} values; "
                "write the contract out instead"
            )
        lines = {(): node.start_mark.line + 1, **dict(_walk(node, ()))}
        data = yaml.load(text, Loader=_loader())  # noqa: S506  (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContractError(f"{source}{at}: not valid YAML: {problem}") from None
    except ContractError as exc:
        if str(exc).startswith("line "):
            raise ContractError(f"{source}:{str(exc)[5:]}") from None
        raise
    if not isinstance(data, dict):
        raise ContractError(
            f"{source}: a contract is a mapping (apiVersion, kind, id, ...), "
            f"got {type(data).__name__}"
        )
    return ContractDocument(data=data, source=source, lines=lines)


def _expanded_size(node: Any) -> int:
    """Values the document would hold with every alias expanded (linear, memoised).

    The composer shares the node an alias points to, so a "billion laughs" document is
    small as nodes and huge as data; counting with a memo finds it without expanding it.
    """
    import yaml

    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        key = id(current)
        children: list[Any] = []
        if isinstance(current, yaml.MappingNode):
            children = [part for pair in current.value for part in pair]
        elif isinstance(current, yaml.SequenceNode):
            children = list(current.value)
        if done:
            visiting.discard(key)
            sizes[key] = min(_MAX_NODES + 1, 1 + sum(sizes[id(c)] for c in children))
            continue
        if key in sizes:
            continue
        if key in visiting:
            return _MAX_NODES + 1  # an alias to its own ancestor: infinite when expanded
        visiting.add(key)
        stack.append((current, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(node)]


def load_document(path: str | Path) -> ContractDocument:
    """Read a contract file.

    Raises:
        ContractError: unreadable, too large, not YAML, or not a mapping.
    """
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > _MAX_BYTES:
            raise ContractError(f"{file}: {size} bytes; a contract file is at most {_MAX_BYTES}")
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContractError(f"{file}: no such contract file") from None
    except UnicodeDecodeError:
        raise ContractError(f"{file}: not UTF-8 text") from None
    except OSError as exc:
        raise ContractError(f"{file}: cannot be read ({exc.strerror})") from None
    return _load_yaml(text, str(file))


def parse_document(contract: Any) -> ContractDocument:
    """A `ContractDocument` from a path, a YAML string, a mapping or a parsed ODCS model."""
    if isinstance(contract, ContractDocument):
        return contract
    if isinstance(contract, Path):
        return load_document(contract)
    if isinstance(contract, str):
        if "\n" not in contract and (
            contract.endswith((".yaml", ".yml")) or Path(contract).is_file()
        ):
            return load_document(contract)
        return _load_yaml(contract, "<contract>")
    if isinstance(contract, Mapping):
        return ContractDocument(data=dict(contract), source="<contract>", lines={})
    dump = getattr(contract, "model_dump", None)
    if callable(dump):
        data = dump(exclude_defaults=True, exclude_none=True, by_alias=True)
        return ContractDocument(data=data, source="<contract>", lines={})
    raise ContractError(
        f"a contract is a path, a YAML string, a mapping or an OpenDataContractStandard object; "
        f"got {type(contract).__qualname__}"
    )


@functools.cache
def json_schema() -> dict[str, Any]:
    """The ODCS JSON Schema shipped by the ``open-data-contract-standard`` package."""
    try:
        import open_data_contract_standard  # noqa: F401  (is the package there?)
    except ImportError:
        raise MissingDependencyError(
            "ODCS contracts need the standard's model: pip install 'govern[contracts]'"
        ) from None
    # the file the model's json_schema() reads (that method uses a deprecated API)
    text = resources.files("open_data_contract_standard").joinpath("schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
