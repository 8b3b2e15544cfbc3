"""Contract metrics and SQL rules on Spark frames (`govern.engines.spark_contracts`).

Column type families and every dataset-level metric (rowCount, nullValues,
invalidValues, duplicateValues, missingValues) in one ``agg``; SQL rules in Spark SQL,
where the frame is.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from govern.engines.spark_contracts import col, failing_invalid, failing_missing
from govern.errors import ContractError

__all__ = ["SqlRelation", "measure", "run_sql"]

# govern.contracts.rules' plain dataclasses (contracts sit above engines in the layers)
MetricRule = Any
ObjectRules = Any
SqlRule = Any


def _family(logical: str, dtype: Any) -> bool:
    from pyspark.sql import types as T

    strings = (T.StringType, T.VarcharType, T.CharType)
    integers = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
    timestamps = tuple(
        t for t in (getattr(T, "TimestampType", None), getattr(T, "TimestampNTZType", None)) if t
    )
    time = getattr(T, "TimeType", None)
    tests: dict[str, Callable[[], bool]] = {
        "string": lambda: isinstance(dtype, strings),
        "integer": lambda: isinstance(dtype, integers),
        "number": lambda: isinstance(dtype, T.NumericType),
        "boolean": lambda: isinstance(dtype, T.BooleanType),
        "date": lambda: isinstance(dtype, (T.DateType, *timestamps)),
        "timestamp": lambda: isinstance(dtype, timestamps),
        "time": lambda: time is not None and isinstance(dtype, time),
    }
    return tests[logical]()


def _metric(rule: MetricRule) -> Any:
    from pyspark.sql import functions as F

    if rule.metric == "rowCount":
        return F.count(F.lit(1))
    if rule.metric == "duplicateValues" and rule.column is None:
        return F.count(F.lit(1)) - F.count_distinct(F.struct(*[col(c) for c in rule.columns]))
    c = col(rule.column or "")
    if rule.metric == "nullValues":
        return F.count(F.when(c.isNull(), 1))
    if rule.metric == "missingValues":
        return F.count(F.when(failing_missing(rule)(c), 1))
    if rule.metric == "invalidValues":
        return F.count(F.when(failing_invalid(rule)(c), 1))
    return F.count(c) - F.count_distinct(c)  # duplicateValues: copies beyond the first


def measure(frame: Any, rules: ObjectRules, present: set[str]) -> dict[str, float]:
    """Type families of present columns and every dataset-level metric, in one ``agg``."""
    from pyspark.sql import functions as F

    types = {f.name: f.dataType for f in frame.schema.fields}
    out: dict[str, float] = {}
    for c in rules.columns:
        if c.name in present and c.logical_type in {
            "string",
            "integer",
            "number",
            "boolean",
            "date",
            "timestamp",
            "time",
        }:
            out[f"type:{c.name}"] = float(_family(c.logical_type, types[c.name]))
    wanted = [
        m
        for m in rules.metrics
        if (m.column is None or m.column in present) and all(c in present for c in m.columns)
    ]
    row = frame.agg(
        F.count(F.lit(1)).alias("__rows"),
        *(_metric(rule).alias(f"__m{i}") for i, rule in enumerate(wanted)),
    ).first()
    rows = float(row["__rows"])
    for i, rule in enumerate(wanted):
        count = float(row[f"__m{i}"])
        out[rule.name] = 100.0 * count / rows if rule.unit == "percent" and rows else count
        if rule.unit == "percent" and not rows:
            out[rule.name] = 0.0
    return out


class SqlRelation:
    """A Spark frame as a contract's SQL rules see it: they run in Spark SQL, where it is."""

    def __init__(self, frame: Any) -> None:
        self.frame = frame

    def run_sql(self, object_name: str, rule: SqlRule) -> Any:
        """The one value the rule's query returns (`run_sql`)."""
        return run_sql(self.frame, object_name, rule)


def run_sql(frame: Any, object_name: str, rule: SqlRule) -> Any:
    """The first value a contract's SQL rule returns, run by Spark SQL over ``frame``.

    ``{object}``/``{table}`` name the frame and ``{property}``/``{column}`` the column, as
    for DuckDB; the query is Spark SQL (a frame's SQL runs where the frame is).

    Raises:
        ContractError: the query fails or does not return one value.
    """
    from pyspark.errors import PySparkException

    quoted = "`" + (rule.column or "").replace("`", "``") + "`"
    query = rule.query.replace("{", "{{").replace("}", "}}")
    for name in ("object", "table"):
        query = query.replace("{{" + name + "}}", "{__govern_object}")
    if rule.column is not None:
        for name in ("property", "column"):
            query = query.replace("{{" + name + "}}", quoted)
    try:
        rows = frame.sparkSession.sql(query, __govern_object=frame).take(2)
    except PySparkException as exc:
        raise ContractError(
            f"contract {object_name!r}, rule {rule.name!r}: the Spark SQL query failed: "
            f"{str(exc).splitlines()[0]}"
        ) from None
    if len(rows) != 1 or len(rows[0]) != 1:
        raise ContractError(
            f"contract {object_name!r}, rule {rule.name!r}: the query must return one value"
        )
    value = rows[0][0]
    return float(value) if isinstance(value, Decimal) else value
