"""The schema file of ``govern validate``: a pandera schema (YAML/JSON) or a GX suite (JSON).

pandera schemas are read with pandera's own io format (``pandera.io``: what
``schema.to_yaml()`` writes); GX suites with govern's GX backend. Both are parsed first
with govern's line-keeping safe YAML loader (JSON is YAML), so a broken file is named
with its line, and each check's verdict points at the line that declared it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govern.checks.base import Check
from govern.errors import GateDefinitionError, PolicyError
from govern.policies.loader import display_path
from govern.validate.schema_types import check_types
from govern.yamlfile import LineDict, LineList, parse_yaml

__all__ = ["LoadedSchema", "load_schema"]

# pandera's failure labels for checks declared under another key
_ALIASES = {"not_nullable": "nullable", "field_uniqueness": "unique"}


@dataclass(frozen=True)
class LoadedSchema:
    """A schema file ready to run: the check, its name, and where each check is declared.

    ``lines`` maps ``(column, key)`` to a line: for pandera, ``key`` is a check's name
    (``isin``, ``in_range``, ``dtype``, ``nullable``...) or None for the column itself;
    for GX, the expectation type.
    """

    check: Check
    kind: str
    name: str
    file: str
    lines: Mapping[tuple[str | None, str | None], int] = field(default_factory=dict)
    first_line: int = 1
    dtypes: Mapping[str, str] = field(default_factory=dict)

    def harmonise(self, chunk: Any) -> Any:
        """Give a chunk the dtypes the whole file would have had.

        pandas infers dtypes per chunk: a column of whole numbers is ``int64`` in a chunk
        without gaps but ``float64`` in the whole file once any row lacks a value, and a
        text column is ``float64`` in a chunk where it is all empty. Where the schema
        declares the dtype, such a chunk column is converted to it (lossless: whole
        numbers to floats, an all-null column to anything); a real mismatch is kept and
        fails the dtype check as it should.
        """
        if not self.dtypes:
            return chunk
        import pandas as pd

        for column, dtype in self.dtypes.items():
            if column not in chunk.columns or str(chunk[column].dtype) == dtype:
                continue
            values = chunk[column]
            widening = pd.api.types.is_integer_dtype(values.dtype) and dtype.startswith("float")
            if widening or values.isna().all():
                try:
                    chunk[column] = values.astype(dtype)
                except (TypeError, ValueError):
                    continue
        return chunk

    def line_of(self, column: str | None, check: str) -> int:
        """The line declaring ``check`` on ``column`` (else the column's, else line 1)."""
        best: tuple[int, int] | None = None  # (length of the key matched, line)
        for (col, key), line in self.lines.items():
            if col != column or key is None:
                continue
            matched = check == key or check.startswith(key)
            if matched and (best is None or len(key) > best[0]):
                best = (len(key), line)
        if best is not None:
            return best[1]
        alias = _ALIASES.get(check)
        if alias is not None and (column, alias) in self.lines:
            return self.lines[(column, alias)]
        return self.lines.get((column, None), self.first_line)


def load_schema(path: Path) -> LoadedSchema:
    """Read a schema file.

    Raises:
        PolicyError: the file is missing, not valid YAML/JSON, or neither a pandera
            schema nor a GX suite (names the file and line).
        GateDefinitionError: a GX suite whose expectations are malformed.
    """
    name = display_path(path)
    if not path.is_file():
        raise PolicyError(f"{name}: no such schema file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"{name}: not UTF-8 text") from None
    try:
        if path.suffix.lower() == ".json":
            json.loads(text)  # JSON's own errors name line and column precisely
        data = parse_yaml(text, name)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"{name}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise PolicyError(f"{name}: nested too deeply to be a schema") from None
    except (ValueError, OverflowError) as exc:  # a YAML value that cannot be built
        raise PolicyError(f"{name}: not valid YAML: {exc}") from None
    _bounded(name, data)
    if not isinstance(data, LineDict):
        raise PolicyError(f"{name}:1: a schema file must hold a mapping")
    if isinstance(data.get("expectations"), list):
        return _gx(path, name, data)
    if "columns" in data or "schema_type" in data:
        return _pandera(name, data)
    raise PolicyError(
        f"{name}:{data.line}: neither a pandera schema (it has no 'columns') nor a Great "
        "Expectations suite (it has no 'expectations' list)"
    )


_MAX_VALUES = 100_000  # a schema is small; more means a YAML alias bomb


def _bounded(name: str, data: Any) -> None:
    """Refuse a document that expands (through YAML aliases) past ``_MAX_VALUES`` values.

    The walk stops at the bound, so a "billion laughs" document costs at most that.
    """
    seen, stack = 0, [data]
    while stack:
        value = stack.pop()
        seen += 1
        if seen > _MAX_VALUES:
            raise PolicyError(
                f"{name}: more than {_MAX_VALUES:,} values once YAML aliases are expanded; "
                "not a schema"
            )
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _pandera(name: str, data: LineDict) -> LoadedSchema:
    from pandera.io import pandas_io as pandera_io

    from govern.checks.pandera import PanderaCheck

    lines: dict[tuple[str | None, str | None], int] = {}
    _known_keys(name, data)
    check_types(name, data)
    columns = data.get("columns")
    if columns is not None and not isinstance(columns, LineDict):
        raise PolicyError(f"{name}:{data.line_of('columns')}: 'columns' must be a mapping")
    for column, spec in (columns or {}).items():
        lines[(column, None)] = columns.line_of(column)  # type: ignore[union-attr]
        if isinstance(spec, LineDict):
            for key in spec:
                lines[(column, key)] = spec.line_of(key)
            checks = spec.get("checks")
            if isinstance(checks, LineDict):
                for key in checks:
                    lines[(column, key)] = checks.line_of(key)
    table_checks = data.get("checks")
    if isinstance(table_checks, LineDict):
        for key in table_checks:
            lines[(None, key)] = table_checks.line_of(key)
    elif isinstance(table_checks, LineList):
        lines[(None, None)] = data.line_of("checks")
    try:
        io: Any = pandera_io  # untyped module
        schema = io.deserialize_schema(_plain(data))
    except Exception as exc:  # pandera raises many kinds for a malformed schema
        raise PolicyError(
            f"{name}:{_guess_line(exc, lines, data.line)}: not a valid pandera schema: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    if schema.name is None:
        schema.name = Path(name).stem
    dtypes = {
        str(column): str(spec.dtype)
        for column, spec in schema.columns.items()
        if spec.dtype is not None
    }
    return LoadedSchema(
        check=PanderaCheck(schema),
        kind="pandera",
        name=str(schema.name),
        file=name,
        lines=lines,
        first_line=data.line,
        dtypes=dtypes,
    )


def _known_keys(name: str, data: LineDict) -> None:
    """Refuse keys pandera would silently ignore (a misspelt check passes nothing)."""
    import inspect

    from pandera.api.checks import Check
    from pandera.io._flat_checks import COMPONENT_RESERVED_KEYS
    from pandera.pandas import Column, DataFrameSchema

    schema_keys = {"schema_type", "api", "version"} | set(
        inspect.signature(DataFrameSchema.__init__).parameters
    )
    for key in data:
        if key not in schema_keys or key == "self":
            raise PolicyError(
                f"{name}:{data.line_of(key)}: unknown key {key!r} in the pandera schema; "
                f"known keys: {', '.join(sorted(schema_keys - {'self'}))}"
            )
    column_keys = set(COMPONENT_RESERVED_KEYS) | set(inspect.signature(Column.__init__).parameters)
    columns = data.get("columns")
    if not isinstance(columns, LineDict):
        return
    for column, spec in columns.items():
        if not isinstance(spec, LineDict):
            continue
        for key in spec:
            if key in column_keys - {"self"} or callable(getattr(Check, key, None)):
                continue
            raise PolicyError(
                f"{name}:{spec.line_of(key)}: column {column!r}: unknown key {key!r}: neither "
                "a pandera check (Check.isin, Check.in_range, ...) nor a column option "
                "(dtype, nullable, unique, ...)"
            )


def _plain(value: Any) -> Any:
    """LineDict/LineList back to plain dicts and lists (pandera copies and compares them)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _guess_line(
    exc: Exception, lines: Mapping[tuple[str | None, str | None], int], default: int
) -> int:
    text = str(exc)
    for (column, key), line in lines.items():
        if column is not None and key is None and repr(column) in text:
            return line
    for (_, key), line in lines.items():
        if key and key in text:
            return line
    return default


def _gx(path: Path, name: str, data: LineDict) -> LoadedSchema:
    from govern.checks.gx import GXCheck

    try:
        check = GXCheck.from_path(path)
    except GateDefinitionError as exc:
        raise PolicyError(f"{name}:{data.line_of('expectations')}: {exc}") from None
    lines: dict[tuple[str | None, str | None], int] = {}
    expectations = data["expectations"]
    for index, item in enumerate(expectations):
        if not isinstance(item, LineDict):
            continue
        kind = item.get("type") or item.get("expectation_type")
        kwargs = item.get("kwargs")
        column = kwargs.get("column") if isinstance(kwargs, Mapping) else None
        if isinstance(kind, str):
            lines.setdefault((column, kind), expectations.line_of(index))
        try:  # GX's own checks of each expectation, before any data is read
            check.check_expectation(index)
        except GateDefinitionError as exc:
            raise PolicyError(f"{name}:{expectations.line_of(index)}: {exc}") from None
    return LoadedSchema(
        check=check, kind="gx", name=check.name, file=name, lines=lines, first_line=data.line
    )
