"""Data-quality metrics and content fingerprints of a data frame, from one Arrow pass.

``profile(frame, level)`` converts a pandas or eager polars frame to Arrow once, column by
column, and computes everything from those arrays with ``pyarrow.compute``. A polars
LazyFrame or a Spark DataFrame is never materialised: one aggregate query computes the
same metrics (see "deferred frames" below). pandas, pyarrow, polars, pyspark, numpy and
xxhash are imported inside functions: ``import govern`` must stay light.

Levels (budget: on 1M rows x 6 columns, ``cheap`` plus the fingerprint must stay within
~15 ms, a tenth of a bare pandera ``validate``; bench/bench_metrics.py measures ~9 ms):

- ``off``: no metrics; row count, schema and (if asked) the fingerprint.
- ``cheap``: ``rowCount``, ``bytes`` and per column ``nullCount`` and ``count``, read from
  Arrow metadata once converted (O(1) per column). min/max/sum are *not* cheap: Arrow's
  floating-point min_max alone costs 5-8 ms per 1M-row column; on the bench frame
  min/max/sum of the four numeric columns add ~15 ms, past the budget.
- ``full``: adds per column ``distinctCount`` (exact), ``min``/``max`` for numbers,
  strings and dates/times, ``sum`` and ``quantiles`` (``"0.25"``, ``"0.5"``, ``"0.75"``)
  for numbers. Quantiles are approximate (Arrow's t-digest, delta 100). About 1 s on the
  bench frame, mostly the exact distinct counts: for investigation, not every run.

Values are JSON scalars; NaN, infinities and undefined statistics (the min of an empty
column) are None; dates and times are ISO strings. Keys follow OpenLineage's
DataQualityMetricsInputDatasetFacet, which types min/max/quantiles as numbers: a facet
built from these metrics must drop None and string values.

Conversion: a pandas column goes through ``pa.array(col, from_pandas=True)`` (NaN, NaT and
None become null), as ``Table.from_pandas(df, preserve_index=False)`` does, minus its
metadata; numpy float columns build their validity bitmap with numpy (from_pandas spends
~3 ms per 1M floats on it; numpy ~0.4 ms). The index is not content, as with
``preserve_index=False``: keep keys in columns. Columns Arrow cannot hold (mixed Python
objects, polars Object) stand in as ``type:repr`` strings: counts and distinct only.
polars columns export with the newest compat level (strings as zero-copy views) and are
cast to large strings only to hash or for ``full``; ``bytes`` counts polars strings as views.

Fingerprint: ``"xxh3-128:" + hex`` of xxh3_128 over the row count and, per column in order,
its name, frame dtype, Arrow type and the logical content of its buffers. Chunks are
combined and slices (offset != 0) compacted with ``pa.concat_arrays``, so only the
array's own rows count; only bytes inside the array's length are read, unused bitmap bits
are masked and values under nulls zeroed, so equal content hashes equally whatever its
physical layout. Dictionary (categorical) columns are hashed by value, lists as lengths
plus flattened values, structs field by field; maps and unions through Arrow IPC, as
stored. The frame dtype is hashed, so equal data in pandas and polars hash differently.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, get_args

from govern.config import MetricsLevel
from govern.frames import FrameKind, frame_kind

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Profile", "profile"]

_FINGERPRINT_PREFIX = "xxh3-128:"
_QUANTILES = (0.25, 0.5, 0.75)
_POLARS_SEED = 0x676F7665726E  # "govern"


@dataclass(frozen=True, slots=True)
class Profile:
    """What govern records about one dataset version.

    Attributes:
        fingerprint: ``xxh3-128:<hex>`` content hash, None when not computed.
        row_count: rows, None where counting would run a query (lazy, Spark).
        schema: ``(column name, type name)`` in column order, type names as the frame
            library prints them.
        metrics: shaped like OpenLineage's dataQualityMetrics facet; None at level off.
    """

    fingerprint: str | None
    row_count: int | None
    schema: tuple[tuple[str, str], ...]
    metrics: dict[str, Any] | None


class _Column(NamedTuple):
    name: str
    dtype: str  # the frame library's type name
    array: pa.Array  # a single chunk
    opaque: bool  # values stand in as "type:repr" strings: counts and distinct only


def profile(frame: Any, level: MetricsLevel = "cheap", *, fingerprint: bool = True) -> Profile:
    """Row count, schema, fingerprint and metrics of a data frame.

    Args:
        frame: a pandas or polars DataFrame, a polars LazyFrame (one ``select`` query)
            or a Spark DataFrame (``count`` and a plan-based version; ``full``: one
            ``agg`` job; nothing is collected but one row).
        level: ``off``, ``cheap`` or ``full`` (see the module docstring).
        fingerprint: compute the content hash.

    Raises:
        TypeError: ``frame`` is not a supported data frame.
        ValueError: an unknown level.
    """
    if level not in get_args(MetricsLevel):
        raise ValueError(f"level must be one of off, cheap, full; got {level!r}")
    kind = frame_kind(frame)
    if kind is None:
        raise TypeError(f"cannot profile {type(frame).__qualname__}: not a data frame")
    if kind is FrameKind.PANDAS:
        schema = tuple((_name(n), str(t)) for n, t in frame.dtypes.items())
    elif kind is FrameKind.POLARS:
        schema = tuple((n, str(t)) for n, t in frame.schema.items())
    elif kind is FrameKind.POLARS_LAZY:
        return _lazy_profile(frame, level, fingerprint)
    else:
        return _spark_profile(frame, level, fingerprint)
    rows = len(frame)
    if level == "off" and not fingerprint:
        return Profile(None, rows, schema, None)
    columns = list(_pandas_columns(frame) if kind is FrameKind.PANDAS else _polars_columns(frame))
    return Profile(
        fingerprint=_fingerprint(rows, columns) if fingerprint else None,
        row_count=rows,
        schema=schema,
        metrics=None if level == "off" else _metrics(rows, columns, full=level == "full"),
    )


def _name(label: Any) -> str:
    return label if isinstance(label, str) else str(label)


# --- conversion to Arrow --------------------------------------------------------------


def _pandas_columns(frame: Any) -> Iterator[_Column]:
    import numpy as np
    import pyarrow as pa

    for label, series in frame.items():  # by position: duplicate names survive
        name, dtype = _name(label), str(series.dtype)
        if isinstance(series.dtype, np.dtype) and series.dtype.kind == "f":
            yield _Column(name, dtype, _numpy_floats(series.to_numpy()), False)
            continue
        try:
            array = pa.array(series, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            array = _tagged(series.tolist(), series.isna().tolist())
            yield _Column(name, dtype, array, True)
            continue
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        yield _Column(name, dtype, array, False)


def _numpy_floats(values: Any) -> pa.Array:
    """NaN as null, like ``from_pandas=True``, with the bitmap built by numpy (faster)."""
    import numpy as np
    import pyarrow as pa

    values = np.ascontiguousarray(values)
    missing = np.isnan(values)
    nulls = int(np.count_nonzero(missing))
    if not nulls:
        return pa.array(values)
    bitmap = np.packbits(~missing, bitorder="little")
    return pa.Array.from_buffers(
        pa.from_numpy_dtype(values.dtype),
        len(values),
        [pa.py_buffer(bitmap), pa.py_buffer(values)],
        null_count=nulls,
    )


def _polars_columns(frame: Any) -> Iterator[_Column]:
    import polars as pl

    for series in frame.iter_columns():
        dtype = str(series.dtype)
        if series.dtype == pl.Object:  # to_arrow would export raw pointers
            array = _tagged(series.to_list(), series.is_null().to_list())
            yield _Column(series.name, dtype, array, True)
            continue
        # newest: strings stay views (zero copy); _plain converts them only when needed
        array = series.to_arrow(compat_level=pl.CompatLevel.newest())
        yield _Column(series.name, dtype, array, False)


def _plain(array: pa.Array) -> pa.Array:
    """Dictionaries decoded, views as large strings/binaries: what compute and hashing need.

    Arrow cannot ``take`` string views, so a dictionary's values are converted first.
    """
    import pyarrow as pa

    if pa.types.is_dictionary(array.type):
        values = _plain(array.dictionary)
        return pa.DictionaryArray.from_arrays(array.indices, values).dictionary_decode()
    if pa.types.is_string_view(array.type):
        return array.cast(pa.large_string())
    if pa.types.is_binary_view(array.type):
        return array.cast(pa.large_binary())
    return array


def _tagged(values: Sequence[Any], missing: Sequence[bool]) -> pa.Array:
    import pyarrow as pa

    return pa.array(
        [
            None if m else f"{type(v).__qualname__}:{v!r}"
            for v, m in zip(values, missing, strict=True)
        ],
        type=pa.large_string(),
    )


# --- metrics -------------------------------------------------------------------------


def _metrics(rows: int, columns: list[_Column], *, full: bool) -> dict[str, Any]:
    return {
        "rowCount": rows,
        "bytes": sum(c.array.nbytes for c in columns),
        "columnMetrics": {c.name: _column_metrics(c, full=full) for c in columns},
    }


def _column_metrics(column: _Column, *, full: bool) -> dict[str, Any]:
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
    array = _plain(array)
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
        out["sum"] = _json(pc.sum(array).as_py())
    ordered = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    ordered = ordered or (pa.types.is_temporal(kind) and not pa.types.is_duration(kind))
    if numeric or pa.types.is_decimal(kind) or ordered:
        extrema = pc.min_max(array)
        out["min"] = _json(extrema["min"].as_py())
        out["max"] = _json(extrema["max"].as_py())
    if numeric:
        q = pc.tdigest(array, q=list(_QUANTILES)).to_pylist() if len(array) else []
        q = q if len(q) == len(_QUANTILES) else [None] * len(_QUANTILES)
        out["quantiles"] = {str(k): _json(v) for k, v in zip(_QUANTILES, q, strict=True)}
    return out


def _json(value: Any) -> Any:
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


# --- fingerprint ---------------------------------------------------------------------


def _fingerprint(rows: int, columns: list[_Column]) -> str:
    import xxhash

    digest = xxhash.xxh3_128()
    _feed_int(digest, rows)
    _feed_int(digest, len(columns))
    for column in columns:
        for text in (column.name, column.dtype, str(column.array.type)):
            data = text.encode(errors="surrogatepass")
            _feed_int(digest, len(data))  # length-prefixed: no ambiguous concatenation
            digest.update(data)
        _feed_array(digest, column.array)
    return _FINGERPRINT_PREFIX + digest.hexdigest()


def _feed_int(digest: Any, value: int) -> None:
    digest.update(value.to_bytes(8, "little", signed=True))


def _feed_array(digest: Any, array: pa.Array) -> None:
    """Feed the logical content of ``array``, independent of its physical layout."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if array.offset:  # a slice: a compact copy so only its own rows are read
        array = pa.concat_arrays([array])
    if isinstance(array.type, pa.ExtensionType):
        array = array.storage
    kind, length, nulls = array.type, len(array), array.null_count
    _feed_int(digest, length)
    _feed_int(digest, nulls)
    if pa.types.is_null(kind):
        return
    if pa.types.is_dictionary(kind):  # by value: a dictionary may hold unused entries
        _feed_array(digest, _plain(array))
        return
    array = _plain(array)
    kind = array.type
    if nulls:
        _feed_bits(digest, array.buffers()[0], length)
    if pa.types.is_boolean(kind):
        values = pc.fill_null(array, False) if nulls else array  # zero the bits under nulls
        _feed_bits(digest, values.buffers()[1], length)
    elif _byte_width(kind):
        width = _byte_width(kind)
        if nulls:
            array = _zero_nulls(array, width)
        _feed_buffer(digest, array.buffers()[1], 0, length * width)
    elif _is_binary_like(kind):
        _feed_binary(digest, array)
    elif _is_list_like(kind):  # lengths, then the referenced values (flatten skips nulls)
        _feed_array(digest, pc.fill_null(pc.list_value_length(array), 0))
        _feed_array(digest, array.flatten())
    elif pa.types.is_struct(kind):  # flatten applies the slice and the parent's nulls
        for child in array.flatten():
            _feed_array(digest, child)
    else:  # maps, unions, ...: Arrow IPC writes the referenced buffer ranges as stored
        digest.update(pa.RecordBatch.from_arrays([array], ["_"]).serialize())


def _byte_width(kind: pa.DataType) -> int:
    try:
        bits: int = kind.bit_width
    except ValueError:  # not fixed width
        return 0
    return bits // 8


def _is_binary_like(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def _is_list_like(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_list(kind)
        or pa.types.is_large_list(kind)
        or pa.types.is_fixed_size_list(kind)
        or pa.types.is_list_view(kind)
        or pa.types.is_large_list_view(kind)
    )


def _zero_nulls(array: pa.Array, width: int) -> pa.Array:
    """The same bytes with zeros under nulls (they may hold anything, e.g. NaN payloads)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    plain = {1: pa.uint8(), 2: pa.uint16(), 4: pa.uint32(), 8: pa.uint64()}.get(width)
    view_type = plain or pa.binary(width)
    view = pa.Array.from_buffers(
        view_type, len(array), array.buffers()[:2], null_count=array.null_count
    )
    zero = pa.scalar(0 if plain else bytes(width), type=view_type)
    return pc.fill_null(view, zero)


def _feed_binary(digest: Any, array: pa.Array) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    length = len(array)
    if not length:
        return
    large = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
    width = 8 if large else 4
    if array.null_count:
        first, last = _offsets(array, width)
        valid_bytes = pc.sum(pc.binary_length(array)).as_py() or 0
        if last - first != valid_bytes:  # bytes under nulls: rebuild with empty nulls
            array = pc.fill_null(array, pa.scalar(b"", type=array.type))
    first, last = _offsets(array, width)
    offsets = array.buffers()[1]
    if first:  # rebase so the offsets are relative to the first value
        index_type = pa.int64() if large else pa.int32()
        relative = pc.subtract(
            pa.Array.from_buffers(index_type, length + 1, [None, offsets]), first
        )
        offsets = relative.buffers()[1]
    _feed_buffer(digest, offsets, 0, (length + 1) * width)
    _feed_buffer(digest, array.buffers()[2], first, last)


def _offsets(array: pa.Array, width: int) -> tuple[int, int]:
    """First and last value offsets of a binary-like array at offset 0."""
    view = memoryview(array.buffers()[1])
    start = int.from_bytes(view[:width], "little", signed=True)
    end_at = len(array) * width
    end = int.from_bytes(view[end_at : end_at + width], "little", signed=True)
    return start, end


def _feed_buffer(digest: Any, buffer: pa.Buffer | None, start: int, stop: int) -> None:
    if buffer is not None and stop > start:
        digest.update(memoryview(buffer)[start:stop])


def _feed_bits(digest: Any, buffer: pa.Buffer, length: int) -> None:
    """A bitmap's first ``length`` bits; the padding bits of the last byte masked."""
    whole, rest = divmod(length, 8)
    view = memoryview(buffer)
    digest.update(view[:whole])
    if rest:
        digest.update(bytes([view[whole] & ((1 << rest) - 1)]))


# --- deferred frames: one aggregate query ---------------------------------------------
#
# A polars LazyFrame is profiled with one ``select`` of aggregates and a Spark DataFrame
# with one ``agg`` job; only that one row reaches Python. The metrics are those of the
# eager path (same keys, same null/NaN rules as the frame library: polars and Spark keep
# NaN as a value, not a null) except ``bytes``, which a query plan does not know.
# Quantiles are polars' exact ``quantile(..., "linear")`` and Spark's
# ``percentile_approx`` (accuracy 10000). Fingerprints cannot hash Arrow buffers without
# materialising the frame, so they use another scheme, marked by their prefix:
#
# - ``rowhash-polars:`` xxh3-128 of the row count, schema and the XOR over rows of the
#   seeded 64-bit ``pl.struct(row position, *columns).hash()``: order-sensitive like the
#   eager one, stable for a given polars version (polars does not promise stable hashes
#   across versions). Object columns are left out.
# - ``rowhash-spark:`` xxh3-128 of the row count, schema, and the ``bit_xor`` and the
#   sums of the two 32-bit halves of ``xxhash64`` over each row's null pattern and
#   columns. Order-insensitive, since a Spark DataFrame has no row order. Map columns are
#   hashed as JSON. Spark level ``full`` only (and the fallback below).
# - ``plan-spark:`` (Spark levels ``off``/``cheap``): no pass over the columns, since after
#   pandera-pyspark's checks one more ``agg`` cost ~55% of a bare validation (10M rows x
#   6 columns, bench/bench_spark.py). xxh3-128 of ``df.count()``, the schema, the
#   optimised plan's text without expression ids and each input file's path, size and
#   modification time: equal plan over equal files, equal version; any file changed, a
#   new one. Plans whose leaves are not file scans or ``range`` (local data, RDDs, cached
#   or non-file relations) or that call UDFs fall back to ``rowhash-spark:``. ``cheap``
#   metrics on Spark are ``rowCount`` only; null counts are ``full``.


def _deferred_digest(prefix: str, rows: int, schema: Sequence[tuple[str, str]], parts: Any) -> str:
    import xxhash

    digest = xxhash.xxh3_128()
    for text in (prefix, str(rows), *(f"{n}\x00{t}" for n, t in schema), *map(str, parts)):
        data = text.encode(errors="surrogatepass")
        _feed_int(digest, len(data))
        digest.update(data)
    return f"{prefix}:{digest.hexdigest()}"


def _assemble(
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
                    out[key] = _json(row[f"{i}:{key}"])
            if f"{i}:quantiles" in row:
                values = row[f"{i}:quantiles"]
                values = values if values is not None else [None] * len(_QUANTILES)
                out["quantiles"] = {
                    str(q): _json(v) for q, v in zip(_QUANTILES, values, strict=True)
                }
        columns[name] = out
    return {"rowCount": rows, "columnMetrics": columns}


def _lazy_profile(frame: Any, level: MetricsLevel, fingerprint: bool) -> Profile:
    import polars as pl

    types = frame.collect_schema()
    names, dtypes = list(types.names()), list(types.dtypes())
    schema = tuple((n, str(t)) for n, t in zip(names, dtypes, strict=True))
    exprs: list[Any] = [pl.len().alias("rows")]
    for i, (name, dtype) in enumerate(zip(names, dtypes, strict=True)):
        if level != "off":
            exprs.append(pl.col(name).null_count().alias(f"{i}:nullCount"))
        if level == "full":
            exprs.extend(_polars_full(pl.col(name), dtype, i))
    if fingerprint:
        hashable = [pl.col(n) for n, t in zip(names, dtypes, strict=True) if t != pl.Object]
        position = pl.int_range(pl.len(), dtype=pl.Int64).alias("__govern_position")
        # one seed: a second hash (or a sum beside the XOR) is not shared by polars' CSE
        # and costs 4x as much on 10M rows (bench/bench_polars.py)
        row_hash = pl.struct(position, *hashable).hash(_POLARS_SEED)
        exprs.append(row_hash.bitwise_xor().alias("fp"))
    row = frame.select(exprs).collect().row(0, named=True)
    rows = int(row["rows"])
    digest = _deferred_digest("rowhash-polars", rows, schema, (row["fp"],)) if fingerprint else None
    return Profile(digest, rows, schema, _assemble(rows, names, row, level))


def _polars_full(column: Any, dtype: Any, i: int) -> Iterator[Any]:
    """The ``full`` aggregates of one column, chosen as the eager (Arrow) path chooses."""
    import polars as pl

    if dtype == pl.Null:
        yield pl.lit(0).alias(f"{i}:distinctCount")
        return
    if dtype == pl.Object or dtype.is_nested():  # Arrow's unique has no kernel for these
        yield pl.lit(None).alias(f"{i}:distinctCount")
        return
    # n_unique counts null as a value; Arrow's unique keeps one null and the eager path
    # subtracts it, so do the same
    has_null = (column.null_count() > 0).cast(pl.Int64)
    yield (column.n_unique().cast(pl.Int64) - has_null).alias(f"{i}:distinctCount")
    if isinstance(dtype, pl.Categorical | pl.Enum):
        column, dtype = column.cast(pl.String), pl.String  # the eager path decodes them
    numeric = dtype.is_integer() or dtype.is_float()
    if numeric or dtype.is_decimal():
        yield column.sum().alias(f"{i}:sum")
    if numeric or dtype.is_decimal() or dtype == pl.String or _polars_ordered_time(dtype):
        yield column.min().alias(f"{i}:min")
        yield column.max().alias(f"{i}:max")
    if numeric:
        yield pl.concat_list(
            [column.quantile(q, "linear").cast(pl.Float64) for q in _QUANTILES]
        ).alias(f"{i}:quantiles")


def _polars_ordered_time(dtype: Any) -> bool:
    import polars as pl

    return bool(dtype.is_temporal() and not isinstance(dtype, pl.Duration))


def _spark_profile(frame: Any, level: MetricsLevel, fingerprint: bool) -> Profile:
    fields = list(frame.schema.fields)
    schema = tuple((f.name, f.dataType.simpleString()) for f in fields)
    if level == "full":
        return _spark_aggregate(frame, fields, schema, level, fingerprint)
    # off/cheap: no pass over the columns. count() of a file scan is answered from
    # footers (Parquet) or a scan of no columns; the version comes from the plan.
    parts = _spark_plan_parts(frame) if fingerprint else None
    if fingerprint and parts is None:  # the plan does not pin the content
        return _spark_aggregate(frame, fields, schema, level, fingerprint)
    rows = int(frame.count())
    version = None if parts is None else _deferred_digest("plan-spark", rows, schema, parts)
    metrics = None if level == "off" else {"rowCount": rows, "columnMetrics": {}}
    return Profile(version, rows, schema, metrics)


def _spark_aggregate(
    frame: Any,
    fields: list[Any],
    schema: tuple[tuple[str, str], ...],
    level: MetricsLevel,
    fingerprint: bool,
) -> Profile:
    """One ``agg`` job: row count, the level's metrics, the content fingerprint."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    names = [f.name for f in fields]
    exprs: list[Any] = [F.count(F.lit(1)).alias("rows")]
    for i, field_ in enumerate(fields):
        column = _spark_column(field_.name)
        if level == "full":
            exprs.append(F.count(F.when(column.isNull(), 1)).alias(f"{i}:nullCount"))
            exprs.extend(_spark_full(column, field_.dataType, i))
    if fingerprint and fields:
        hashed = [
            F.to_json(_spark_column(f.name))
            if isinstance(f.dataType, T.MapType)
            else _spark_column(f.name)
            for f in fields
        ]
        # xxhash64 skips nulls, so (1, null) and (null, 1) would agree: hash the null
        # pattern too, as integers (building a string per row costs as much as the hash)
        flags = [F.shiftleft(c.isNull().cast("long"), i % 63) for i, c in enumerate(hashed)]
        nulls = [
            functools.reduce(lambda a, b: a.bitwiseOR(b), flags[i : i + 63])
            for i in range(0, len(flags), 63)
        ]
        row_hash = F.xxhash64(*nulls, *hashed)
        # XOR alone would let two equal rows cancel out; the sums (of 32-bit halves, so a
        # long never overflows) count them. Decimal sums would be exact but cost a scan.
        exprs += [
            F.bit_xor(row_hash).alias("fp1"),
            F.sum(F.shiftrightunsigned(row_hash, 32)).alias("fp2"),
            F.sum(row_hash.bitwiseAND(0xFFFFFFFF)).alias("fp3"),
        ]
    row = frame.agg(*exprs).first().asDict()
    rows = int(row["rows"])
    digest = None
    if fingerprint:
        parts = tuple(row.get(k) for k in ("fp1", "fp2", "fp3"))
        digest = _deferred_digest("rowhash-spark", rows, schema, parts)
    if level == "full":
        metrics = _assemble(rows, names, row, level)
    else:
        metrics = None if level == "off" else {"rowCount": rows, "columnMetrics": {}}
    return Profile(digest, rows, schema, metrics)


# Leaves whose output the plan text and the input files pin down: file scans (the files'
# path, size and modification time are hashed), ``spark.range`` and ``SELECT`` of
# literals. Anything else (an RDD or local data, a cached relation that may be stale,
# a JDBC or v2 source, a UDF whose code the plan does not show) falls back to the content
# fingerprint.
_PLAN_LEAVES = frozenset(
    {
        "org.apache.spark.sql.catalyst.plans.logical.Range",
        "org.apache.spark.sql.catalyst.plans.logical.OneRowRelation",
        "org.apache.spark.sql.execution.datasources.HadoopFsRelation",
    }
)
_PLAN_UDF = re.compile(r'"class"\s*:\s*"[\w.$]*(?:UDF|UDAF|UDTF)\b')
# expression ids (``#123``, ``#123L``) and other per-session numbering
_PLAN_IDS = re.compile(r"#\d+L?\b|\bplan_id=\d+|\bplanId=\d+")


def _spark_plan_parts(frame: Any) -> tuple[str, ...] | None:
    """What the ``plan-spark:`` version hashes (with the row count and schema).

    The normalised optimised plan, each file relation's read options, and each input
    file's path, size and modification time (through the JVM's Hadoop FileSystem, so
    local and remote stores alike). None when the plan does not determine the rows
    (see ``_PLAN_LEAVES``).
    """
    plan = frame._jdf.queryExecution().optimizedPlan()
    leaves = plan.collectLeaves().iterator()
    options: list[str] = []
    while leaves.hasNext():
        leaf = leaves.next()
        name = leaf.getClass().getName()
        if name.endswith(".LogicalRelation"):
            relation = leaf.relation()
            name = relation.getClass().getName()
            if name in _PLAN_LEAVES:  # CSV's header, nullValue...: not in the plan text
                options.append(f"{relation.fileFormat()}\x00{relation.options()}")
        if name not in _PLAN_LEAVES:
            return None
    try:
        if _PLAN_UDF.search(plan.toJSON()):
            return None
    except Exception:  # a node that cannot be written as JSON: do not guess
        return None
    text = _plan_text(plan)
    if text is None:
        return None
    spark = frame.sparkSession
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    files: list[str] = []
    for location in sorted(frame.inputFiles()):
        path = jvm.org.apache.hadoop.fs.Path(location)
        status = path.getFileSystem(conf).getFileStatus(path)
        files.append(f"{location}\x00{status.getLen()}\x00{status.getModificationTime()}")
    return (text, *options, *files)


def _plan_text(plan: Any) -> str | None:
    """The plan as ``toString`` prints it, with every field and no expression ids.

    ``toString`` stops at spark.sql.debug.maxToStringFields (25) fields, so two projections
    differing past the 25th would print alike. None when no known signature works.
    """
    whole = 2**31 - 1
    text = None
    for extra in ((False,), ()):  # Spark 4 has a fifth flag, Spark 3.5 not
        with contextlib.suppress(Exception):  # py4j: no such method in this Spark version
            text = str(plan.treeString(True, False, whole, False, *extra))
            break
    return None if text is None else _PLAN_IDS.sub("#", text)


def _spark_column(name: str) -> Any:
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _spark_full(column: Any, dtype: Any, i: int) -> Iterator[Any]:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if isinstance(dtype, T.NullType):
        yield F.lit(0).alias(f"{i}:distinctCount")
        return
    if isinstance(dtype, T.ArrayType | T.MapType | T.StructType):
        yield F.lit(None).alias(f"{i}:distinctCount")
        return
    yield F.count_distinct(column).alias(f"{i}:distinctCount")
    numeric = isinstance(dtype, T.IntegralType | T.FloatType | T.DoubleType)
    decimal = isinstance(dtype, T.DecimalType)
    ordered = isinstance(dtype, T.StringType | T.DateType | T.TimestampType | T.TimestampNTZType)
    if numeric or decimal:
        yield F.sum(column).alias(f"{i}:sum")
    if numeric or decimal or ordered:
        yield F.min(column).alias(f"{i}:min")
        yield F.max(column).alias(f"{i}:max")
    if numeric:
        yield F.percentile_approx(column.cast("double"), list(_QUANTILES), 10000).alias(
            f"{i}:quantiles"
        )
