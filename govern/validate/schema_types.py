"""Type checks of a pandera schema file's values, before pandera reads it.

pandera's io format accepts loose values and gives them a meaning nobody wrote:
``nullable: sometimes`` is truthy, ``greater_than: abc`` on a number column fails every
row with a comparison error (or compares text), ``unique: [missing_column]`` raises while
validating. Each of these is a mistake in the schema file, so each is refused here with
the file and line, before any data is read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, NoReturn

from govern.errors import PolicyError
from govern.yamlfile import LineDict, LineList

__all__ = ["check_types"]

_SCHEMA_BOOLS = (
    "coerce",
    "ordered",
    "unique_column_names",
    "add_missing_columns",
    "drop_invalid_rows",
)
_COLUMN_BOOLS = ("nullable", "unique", "coerce", "required", "regex", "drop_invalid_rows")
_DUPLICATES = ("exclude_first", "exclude_last", "all")
_COMPARISONS = frozenset(
    {
        "equal_to",
        "not_equal_to",
        "greater_than",
        "greater_than_or_equal_to",
        "less_than",
        "less_than_or_equal_to",
    }
)
_SETS = frozenset({"isin", "notin", "unique_values_eq"})
_PATTERNS = frozenset({"str_matches", "str_contains"})
_TEXTS = frozenset({"str_startswith", "str_endswith"})


def check_types(name: str, data: LineDict) -> None:
    """Refuse values of the wrong type in a pandera schema mapping.

    Raises:
        PolicyError: names the file, the line, the key and what it must be.
    """
    for key in _SCHEMA_BOOLS:
        _bool(name, data, key, "schema")
    strict = data.get("strict")
    if strict is not None and not isinstance(strict, bool) and strict != "filter":
        _fail(name, data, "strict", "schema", "true, false or filter", strict)
    _duplicates(name, data, "schema")
    columns = data.get("columns")
    declared: set[str] = set()
    patterns = False
    if isinstance(columns, LineDict):
        for column, spec in columns.items():
            if not isinstance(spec, LineDict):
                if spec is not None:
                    line = columns.line_of(column)
                    raise PolicyError(
                        f"{name}:{line}: column {column!r}: expected a mapping of options "
                        f"and checks, got {_shown(spec)}"
                    )
                continue
            _column(name, str(column), spec)
            declared.add(str(column))
            patterns = patterns or spec.get("regex") is True
    _unique(name, data, declared, patterns)


def _column(name: str, column: str, spec: LineDict) -> None:
    where = f"column {column!r}"
    for key in _COLUMN_BOOLS:
        _bool(name, spec, key, where)
    _duplicates(name, spec, where)
    if spec.get("regex") is True:
        try:
            re.compile(column)
        except re.error as exc:
            raise PolicyError(
                f"{name}:{spec.line}: {where}: regex: true, but the name is not a valid "
                f"regular expression: {exc}"
            ) from None
    dtype = spec.get("dtype")
    if dtype is not None and not isinstance(dtype, str):
        _fail(name, spec, "dtype", where, "a dtype name such as int64 or str", dtype)
    kind = _kind(dtype)
    checks = spec.get("checks")
    if isinstance(checks, LineDict):
        for check, value in checks.items():
            _check(name, checks, str(check), value, where, kind)
    elif checks is not None and not isinstance(checks, LineList):
        _fail(name, spec, "checks", where, "a mapping of checks", checks)
    for key, value in spec.items():
        if key in _COMPARISONS | _SETS | _PATTERNS | _TEXTS | {"in_range", "str_length"}:
            _check(name, spec, str(key), value, where, kind)


def _check(name: str, owner: LineDict, check: str, value: Any, where: str, kind: str) -> None:
    if check in _COMPARISONS:
        _bound(name, owner, check, value, where, kind)
    elif check == "in_range":
        if not isinstance(value, LineDict):
            _fail(name, owner, check, where, "a mapping with min_value and max_value", value)
        for bound in ("min_value", "max_value"):
            if bound not in value:
                _fail(name, owner, check, where, f"a mapping with {bound}", dict(value))
            _bound(name, value, bound, value[bound], f"{where}: in_range", kind)
        for flag in ("include_min", "include_max"):
            _bool(name, value, flag, f"{where}: in_range")
    elif check in _SETS:
        if not isinstance(value, list | dict):  # a list, or pandera's {values: [...]} form
            _fail(name, owner, check, where, "a list of values", value)
    elif check in _PATTERNS | _TEXTS:
        if not isinstance(value, str):
            _fail(name, owner, check, where, "a string", value)
        if check in _PATTERNS:
            try:
                re.compile(value)
            except re.error as exc:
                _fail(name, owner, check, where, f"a valid regular expression ({exc})", value)
    elif check == "str_length":
        bounds = value if isinstance(value, LineDict) else {"exact_value": value}
        for key, length in bounds.items():
            if length is not None and (
                isinstance(length, bool) or not isinstance(length, int) or length < 0
            ):
                _fail(name, owner, check, where, f"{key} a whole number >= 0", length)


def _bound(name: str, owner: LineDict, key: str, value: Any, where: str, kind: str) -> None:
    """A comparison's value: a finite number on a number column, text on a text column."""
    if value is None or isinstance(value, list | dict):
        _fail(name, owner, key, where, "a single value", value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            _fail(name, owner, key, where, "a number (the column's dtype is numeric)", value)
        if isinstance(value, float) and math.isnan(value):
            _fail(name, owner, key, where, "a number, not NaN (it compares false)", value)
    elif kind == "text" and not isinstance(value, str):
        _fail(name, owner, key, where, "a string (the column's dtype is text)", value)


def _unique(name: str, data: LineDict, declared: set[str], patterns: bool) -> None:
    unique = data.get("unique")
    if unique is None:
        return
    names = [unique] if isinstance(unique, str) else unique
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        _fail(name, data, "unique", "schema", "a column name or a list of column names", unique)
    missing = [n for n in names if n not in declared]
    if missing and not patterns:  # a regex column may stand for the name
        raise PolicyError(
            f"{name}:{data.line_of('unique')}: schema: unique names "
            f"{', '.join(map(repr, missing))}, not a column of the schema (columns: "
            f"{', '.join(map(repr, sorted(declared))) or 'none'})"
        )


def _bool(name: str, owner: LineDict, key: str, where: str) -> None:
    value = owner.get(key)
    if value is not None and not isinstance(value, bool):
        _fail(name, owner, key, where, "true or false", value)


def _duplicates(name: str, owner: LineDict, where: str) -> None:
    value = owner.get("report_duplicates")
    if value is not None and value not in _DUPLICATES:
        _fail(name, owner, "report_duplicates", where, " or ".join(_DUPLICATES), value)


def _kind(dtype: str | None) -> str:
    text = (dtype or "").lower()
    if text.startswith(("int", "uint", "float")) or text in ("int", "float"):
        return "number"
    if text.startswith("str") or text == "string":
        return "text"
    return "other"


def _fail(
    name: str, owner: Mapping[Any, Any], key: str, where: str, wanted: str, got: Any
) -> NoReturn:
    line = owner.line_of(key) if isinstance(owner, LineDict) else 1
    raise PolicyError(f"{name}:{line}: {where}: {key}: expected {wanted}, got {_shown(got)}")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
