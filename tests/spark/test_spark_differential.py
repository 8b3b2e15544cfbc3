"""Differential on Spark: bare pandera-pyspark vs the govern gate on the same frames.

pandera-pyspark says *which* checks failed (``df.pandera.errors``) but not how many rows:
the row counts are compared with bare pandera (pandas API) on the same rows collected,
with the same checks. Also: missing columns' checks not run, quarantine partitions the
rows exactly, each call keeps its own quarantine directory with its digest.

Runs in .venv-spark (scripts/test-spark.sh); skipped where pyspark is not installed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

import pandas as pd
import pandera.pandas as ppa
import pandera.pyspark as pa
from pandera.errors import SchemaErrors
from pyspark.sql import types as T

import govern
from govern.quarantine import file_digest

ROWS = "id long, score double, grade string"
DATA = [
    [(0, 1.0, "a"), (1, 50.0, "b"), (2, 99.0, "c")],
    [(0, -1.0, "a"), (1, 150.0, "z"), (2, 5.0, None), (3, 5.0, "b")],
    [(0, None, "a"), (1, 101.0, "q"), (2, 100.0, "c"), (3, 0.0, None), (4, -0.5, "a")],
    [(i, float(i * 7 % 130), "abcz"[i % 4]) for i in range(40)],
    [],
]
CHECKS = {
    "range": (pa.Check.in_range(0, 100), ppa.Check.in_range(0, 100)),
    "ge": (pa.Check.ge(1), ppa.Check.ge(1)),
    "lt": (pa.Check.lt(99), ppa.Check.lt(99)),
}


def schemas(check: str, nullable: bool) -> tuple[Any, Any]:
    spark_check, pandas_check = CHECKS[check]
    spark = pa.DataFrameSchema(
        {
            "score": pa.Column(T.DoubleType(), spark_check, nullable=nullable),
            "grade": pa.Column(T.StringType(), pa.Check.isin(["a", "b", "c"]), nullable=True),
        }
    )
    pandas = ppa.DataFrameSchema(
        {
            "score": ppa.Column(float, pandas_check, nullable=nullable),
            "grade": ppa.Column(object, ppa.Check.isin(["a", "b", "c"]), nullable=True),
        }
    )
    return spark, pandas


def bare_counts(schema: Any, rows: list[tuple[Any, ...]]) -> dict[tuple[str | None, str], int]:
    frame = pd.DataFrame(rows, columns=["id", "score", "grade"]).astype(
        {"id": "int64", "score": "float64", "grade": object}
    )
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        return {
            (str(column), str(check)): int(group["index"].nunique())
            for (column, check), group in cases.groupby(["column", "check"])
        }
    return {}


@pytest.mark.parametrize("nullable", [True, False])
@pytest.mark.parametrize("check", list(CHECKS))
@pytest.mark.parametrize("data", range(len(DATA)))
def test_spark_gate_equals_bare_pandera(spark: Any, data: int, check: str, nullable: bool) -> None:
    rows = DATA[data]
    spark_schema, pandas_schema = schemas(check, nullable)
    frame = spark.createDataFrame(rows, ROWS)
    bare_errors = spark_schema.validate(frame).pandera.errors
    want = bare_counts(pandas_schema, rows)
    assert bool(bare_errors) == bool(want)

    @govern.stage(inputs={"df": spark_schema}, on_fail="quarantine")
    def keep(df: Any) -> Any:
        return df

    out = keep(frame)
    result = govern.last_result()
    assert result is not None
    got = {(c.column, c.check): c.failed_count for c in result.failed_checks}
    assert got == want
    flagged = pd.DataFrame(rows, columns=["id", "score", "grade"])
    bad_ids: set[int] = set()
    if want:
        bad = ~flagged["grade"].isin(["a", "b", "c"]) & flagged["grade"].notna()
        score = flagged["score"]
        passes = {
            "range": score.between(0, 100),
            "ge": score >= 1,
            "lt": score < 99,
        }[check] | score.isna()
        bad |= ~passes
        if not nullable:
            bad |= score.isna()
        bad_ids = set(flagged.loc[bad, "id"])
    assert {r["id"] for r in out.collect()} == {r[0] for r in rows} - bad_ids
    assert sum(q.rows for q in result.quarantine) == len(bad_ids)
    assert result.status == ("quarantined" if bad_ids else "passed")
    for q in result.quarantine:
        assert q.sha256 == file_digest(Path(q.path))


def test_spark_missing_column_checks_are_not_run(spark: Any) -> None:
    schema = pa.DataFrameSchema({"scor": pa.Column(T.DoubleType(), pa.Check.ge(0))})

    @govern.stage(inputs={"df": schema})
    def keep(df: Any) -> Any:  # pragma: no cover - the gate stops it
        return df

    with pytest.raises(govern.GateError):
        keep(spark.createDataFrame(DATA[1], ROWS))
    result = govern.last_result()
    assert result is not None
    assert not any(c.passed for c in result.checks if c.column == "scor")
    assert {c.outcome for c in result.checks if c.column == "scor"} >= {"failed"}


def test_spark_each_call_keeps_its_own_quarantine(spark: Any) -> None:
    schema, _ = schemas("range", True)

    @govern.stage(inputs={"df": schema}, on_fail="quarantine")
    def batch(df: Any) -> Any:
        return df

    with govern.run("spark-batches") as run:
        batch(spark.createDataFrame(DATA[1], ROWS))
        batch(spark.createDataFrame(DATA[2], ROWS))
    records = [q for s in run.stages for q in s.quarantine]
    assert len({q.path for q in records}) == 2
    for q in records:
        assert spark.read.parquet(q.path).count() == q.rows
        digest = file_digest(Path(q.path))
        assert q.sha256 == digest and len(digest) == len(hashlib.sha256().hexdigest())


def test_spark_drop_invalid_rows_and_raise_warning_are_recorded(spark: Any) -> None:
    frame = spark.createDataFrame(DATA[1], ROWS)
    dropping = pa.DataFrameSchema(
        {"score": pa.Column(T.DoubleType(), pa.Check.in_range(0, 100))}, drop_invalid_rows=True
    )

    @govern.stage(inputs={"df": dropping}, on_fail="quarantine")
    def keep(df: Any) -> Any:
        return df

    out = keep(frame)
    result = govern.last_result()
    assert result is not None and result.status == "quarantined"
    assert result.failed_checks[0].failed_count == 2 and out.count() == 2
    warning = pa.DataFrameSchema(
        {"score": pa.Column(T.DoubleType(), pa.Check.in_range(0, 100, raise_warning=True))}
    )

    @govern.stage(inputs={"df": warning}, on_fail="quarantine")
    def warn(df: Any) -> Any:
        return df

    with pytest.warns(govern.GateWarning):
        out = warn(frame)
    result = govern.last_result()
    assert result is not None and result.status == "warned" and out.count() == 4
    (failed,) = result.failed_checks
    assert failed.severity == "warn" and failed.failed_count == 2
