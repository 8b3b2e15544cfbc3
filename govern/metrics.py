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

Where the work is done: each engine profiles its own frames (`govern.engines`:
``Engine.profile``); eager engines convert to Arrow columns and share
`govern.engines.arrow` (metrics) and `govern.engines.hashing` (fingerprints).

Deferred frames (polars LazyFrame, Spark): one aggregate query (``select`` / ``agg``);
only that one row reaches Python. The metrics are those of the eager path (same keys,
same null/NaN rules as the frame library: polars and Spark keep NaN as a value, not a
null) except ``bytes``, which a query plan does not know. Their fingerprints cannot hash
Arrow buffers without materialising the frame, so they use other schemes, marked by
their prefix: ``rowhash-polars:`` (`govern.engines.polars_profile`), ``rowhash-spark:``
and ``plan-spark:`` (`govern.engines.spark_profile`).
"""

from __future__ import annotations

from typing import Any, get_args

from govern.config import MetricsLevel
from govern.engines import engine_for
from govern.engines.base import Profile

__all__ = ["Profile", "profile"]


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
    engine = engine_for(frame)
    if engine is None:
        raise TypeError(f"cannot profile {type(frame).__qualname__}: not a data frame")
    return engine.profile(frame, level, fingerprint)
