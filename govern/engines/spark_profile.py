"""Profiling a Spark DataFrame: one ``agg`` job or none; one row reaches the driver.

Levels ``off``/``cheap`` make no pass over the columns (after pandera-pyspark's checks
one more ``agg`` cost ~55% of a bare validation, 10M rows x 6 columns,
bench/bench_spark.py): ``df.count()`` and a ``plan-spark:`` version, xxh3-128 of the
count, the schema, the optimised plan's text without expression ids and each input
file's path, size and modification time: equal plan over equal files, equal version;
any file changed, a new one. Plans whose leaves are not file scans or ``range`` (local
data, RDDs, cached or non-file relations) or that call UDFs fall back to
``rowhash-spark:``. ``cheap`` metrics on Spark are ``rowCount`` only.

Level ``full`` (and the fallback): one ``agg`` job with the eager path's metrics
(quantiles by ``percentile_approx``, accuracy 10000) and ``rowhash-spark:``, xxh3-128
of the count, schema, and the ``bit_xor`` and the sums of the two 32-bit halves of
``xxhash64`` over each row's null pattern and columns: order-insensitive, since a Spark
DataFrame has no row order. Map columns are hashed as JSON.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from typing import Any

from govern.config import MetricsLevel
from govern.engines.arrow import QUANTILES, assemble
from govern.engines.base import Profile
from govern.engines.hashing import deferred_digest

__all__ = ["spark_column", "spark_profile"]


def spark_profile(frame: Any, level: MetricsLevel, fingerprint: bool) -> Profile:
    """Row count, schema, version and metrics of a Spark DataFrame."""
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
    version = None if parts is None else deferred_digest("plan-spark", rows, schema, parts)
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
        column = spark_column(field_.name)
        if level == "full":
            exprs.append(F.count(F.when(column.isNull(), 1)).alias(f"{i}:nullCount"))
            exprs.extend(_spark_full(column, field_.dataType, i))
    if fingerprint and fields:
        hashed = [
            F.to_json(spark_column(f.name))
            if isinstance(f.dataType, T.MapType)
            else spark_column(f.name)
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
        digest = deferred_digest("rowhash-spark", rows, schema, parts)
    if level == "full":
        metrics = assemble(rows, names, row, level)
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


def spark_column(name: str) -> Any:
    """``F.col`` of a column name taken literally (dots and spaces are not paths)."""
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
        yield F.percentile_approx(column.cast("double"), list(QUANTILES), 10000).alias(
            f"{i}:quantiles"
        )
