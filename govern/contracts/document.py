"""Reading an ODCS v3 contract: YAML with line numbers, the standard's JSON Schema, versions.

The contract is parsed with the Bitol project's own Pydantic model
(``open-data-contract-standard``) and validated against the JSON Schema that package
ships, so "valid" means what the standard says. Every problem is a `ContractError` naming
the file and the line of the offending key, like policy files.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from govern.errors import ContractError, MissingDependencyError, PolicyError
from govern.yamlfile import LineDict, LineList, parse_yaml

__all__ = ["SUPPORTED_VERSIONS", "ContractDocument", "load_document", "parse_document"]

SUPPORTED_VERSIONS = ("v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0", "v3.2.0")
_MAX_BYTES = 16 * 1024 * 1024
_MAX_DEPTH = 64


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


def _lines(value: Any, path: tuple[str | int, ...], out: dict[tuple[str | int, ...], int]) -> Any:
    """Plain data from the loader's LineDict/LineList, recording each path's line."""
    if isinstance(value, LineDict):
        plain: dict[str, Any] = {}
        for key, item in value.items():
            out[(*path, key)] = value.line_of(key)
            plain[key] = _lines(item, (*path, key), out)
        return plain
    if isinstance(value, LineList):
        for i in range(len(value)):
            out[(*path, i)] = value.line_of(i)
        return [_lines(item, (*path, i), out) for i, item in enumerate(value)]
    return value


def _load_yaml(text: str, source: str) -> ContractDocument:
    """Parse with the project's YAML loader, dates kept as text as the standard types them.

    The loader bounds depth and alias expansion, refuses duplicate keys and keeps lines.
    """
    try:
        loaded = parse_yaml(text, source, max_depth=_MAX_DEPTH, dates_as_text=True)
    except PolicyError as exc:
        raise ContractError(str(exc)) from None
    if loaded is None:
        raise ContractError(f"{source}: empty file; a contract needs apiVersion, kind, id, version")
    if not isinstance(loaded, LineDict):
        raise ContractError(
            f"{source}: a contract is a mapping (apiVersion, kind, id, ...), "
            f"got {type(loaded).__name__.replace('Line', '').lower()}"
        )
    lines: dict[tuple[str | int, ...], int] = {(): loaded.line}
    return ContractDocument(data=_lines(loaded, (), lines), source=source, lines=lines)


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
