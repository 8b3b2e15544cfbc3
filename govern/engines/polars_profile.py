"""Profiling a polars LazyFrame with one ``select`` of aggregates; one row reaches Python.

The metrics are those of the eager (Arrow) path, same keys and null/NaN rules as polars
(NaN is a value, not a null), except ``bytes``, which a plan does not know. Quantiles
are polars' exact ``quantile(..., "linear")``. The version is ``rowhash-polars:``:
xxh3-128 of the row count, schema and the XOR over rows of the seeded 64-bit
``pl.struct(row position, *columns).hash()``: order-sensitive like the eager one, stable
for a given polars version (polars does not promise stable hashes across versions).
Object columns are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from govern.config import MetricsLevel
from govern.engines.arrow import QUANTILES, assemble
from govern.engines.base import Profile
from govern.engines.hashing import deferred_digest

__all__ = ["lazy_profile"]

_POLARS_SEED = 0x676F7665726E  # "govern"


def lazy_profile(frame: Any, level: MetricsLevel, fingerprint: bool) -> Profile:
    """Row count, schema, version and metrics of a LazyFrame in one query."""
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
    digest = deferred_digest("rowhash-polars", rows, schema, (row["fp"],)) if fingerprint else None
    return Profile(digest, rows, schema, assemble(rows, names, row, level))


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
            [column.quantile(q, "linear").cast(pl.Float64) for q in QUANTILES]
        ).alias(f"{i}:quantiles")


def _polars_ordered_time(dtype: Any) -> bool:
    import polars as pl

    return bool(dtype.is_temporal() and not isinstance(dtype, pl.Duration))
