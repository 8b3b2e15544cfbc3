"""Arrow columns: the metrics of an eager frame, computed from one conversion to Arrow.

An eager engine (pandas, polars) converts its frame to `ArrowColumn` arrays once;
everything else (``cheap`` and ``full`` metrics here, the fingerprint in
`govern.engines.hashing`) is computed from those arrays with ``pyarrow.compute``. The
metric keys and value rules are described in `govern.metrics`. Deferred engines build
the same keys from one row of aggregates (`assemble`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from govern.config import MetricsLevel
from govern.engines.base import Profile

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "QUANTILES",
    "ArrowColumn",
    "arrow_profile",
    "assemble",
    "json_scalar",
    "plain",
    "tagged",
]

QUANTILES = (0.25, 0.5, 0.75)


class ArrowColumn(NamedTuple):
    """One column of an eager frame as Arrow."""

    name: str
    dtype: str  # the frame library's type name
    array: pa.Array  # a single chunk
    opaque: bool  # values stand in as "type:repr" strings: counts and distinct only


def arrow_profile(
    rows: int,
    schema: tuple[tuple[str, str], ...],
    columns: Callable[[], Iterable[ArrowColumn]],
    level: MetricsLevel,
    fingerprint: bool,
) -> Profile:
    """The profile of an eager frame whose columns ``columns()`` converts to Arrow."""
    from govern.engines.hashing import fingerprint as content_fingerprint  # imports this

    if level == "off" and not fingerprint:
        return Profile(None, rows, schema, None)
    converted = list(columns())
    return Profile(
        fingerprint=content_fingerprint(rows, converted) if fingerprint else None,
        row_count=rows,
        schema=schema,
        metrics=None if level == "off" else _metrics(rows, converted, full=level == "full"),
    )


def plain(array: pa.Array) -> pa.Array:
    """Dictionaries decoded, views as large strings/binaries: what compute and hashing need.

    Arrow cannot ``take`` string views, so a dictionary's values are converted first.
    """
    import pyarrow as pa

    if pa.types.is_dictionary(array.type):
        values = plain(array.dictionary)
        return pa.DictionaryArray.from_arrays(array.indices, values).dictionary_decode()
    if pa.types.is_string_view(array.type):
        return array.cast(pa.large_string())
    if pa.types.is_binary_view(array.type):
        return array.cast(pa.large_binary())
    return array


def tagged(values: Sequence[Any], missing: Sequence[bool]) -> pa.Array:
    """Values Arrow cannot hold as ``type:repr`` strings (counts and distinct only)."""
    import pyarrow as pa

    return pa.array(
        [
            None if m else f"{type(v).__qualname__}:{v!r}"
            for v, m in zip(values, missing, strict=True)
        ],
        type=pa.large_string(),
    )


def _metrics(rows: int, columns: list[ArrowColumn], *, full: bool) -> dict[str, Any]:
    return {
        "rowCount": rows,
        "bytes": sum(c.array.nbytes for c in columns),
        "columnMetrics": {c.name: _column_metrics(c, full=full) for c in columns},
    }


def _column_metrics(column: ArrowColumn, *, full: bool) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    array = column.array
    nulls = array.null_count
    out: dict[str, Any] = {"nullCount": nulls, "count": len(array) - nulls}
    if not full:
        return out
    opaque = column.opaque or isinstance(array.type, pa.ExtensionType)
    if isinstance(array.type, pa.ExtensionType):  # e.g. pandas periods: distinct values only
        array = array.storage
    array = plain(array)
    kind = array.type
    if pa.types.is_null(kind):
        out["distinctCount"] = 0
        return out
    try:  # unique is about twice as fast as count_distinct; it keeps one null
        out["distinctCount"] = len(pc.unique(array)) - (1 if nulls else 0)
    except pa.ArrowNotImplementedError:  # e.g. nested types
        out["distinctCount"] = None
    if opaque:
        return out
    numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind)
    if numeric or pa.types.is_decimal(kind):
        out["sum"] = json_scalar(pc.sum(array).as_py())
    ordered = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    ordered = ordered or (pa.types.is_temporal(kind) and not pa.types.is_duration(kind))
    if numeric or pa.types.is_decimal(kind) or ordered:
        extrema = pc.min_max(array)
        out["min"] = json_scalar(extrema["min"].as_py())
        out["max"] = json_scalar(extrema["max"].as_py())
    if numeric:
        q = pc.tdigest(array, q=list(QUANTILES)).to_pylist() if len(array) else []
        q = q if len(q) == len(QUANTILES) else [None] * len(QUANTILES)
        out["quantiles"] = {str(k): json_scalar(v) for k, v in zip(QUANTILES, q, strict=True)}
    return out


def json_scalar(value: Any) -> Any:
    """A JSON scalar: non-finite numbers None, temporal values ISO, decimals float."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "isoformat"):  # date, datetime, time, pandas Timestamp
        return value.isoformat()
    try:
        number = float(value)  # Decimal
    except (TypeError, ValueError):
        return str(value)
    return number if math.isfinite(number) else None


def assemble(
    rows: int, names: Sequence[str], row: dict[str, Any], level: MetricsLevel
) -> dict[str, Any] | None:
    """Metrics from one row of aggregates named ``<column position>:<metric>``."""
    if level == "off":
        return None
    columns: dict[str, Any] = {}
    for i, name in enumerate(names):
        nulls = int(row[f"{i}:nullCount"])
        out: dict[str, Any] = {"nullCount": nulls, "count": rows - nulls}
        if level == "full":
            if f"{i}:distinctCount" in row:
                distinct = row[f"{i}:distinctCount"]
                out["distinctCount"] = None if distinct is None else int(distinct)
            for key in ("sum", "min", "max"):
                if f"{i}:{key}" in row:
                    out[key] = json_scalar(row[f"{i}:{key}"])
            if f"{i}:quantiles" in row:
                values = row[f"{i}:quantiles"]
                values = values if values is not None else [None] * len(QUANTILES)
                out["quantiles"] = {
                    str(q): json_scalar(v) for q, v in zip(QUANTILES, values, strict=True)
                }
        columns[name] = out
    return {"rowCount": rows, "columnMetrics": columns}
