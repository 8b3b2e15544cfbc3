"""The plan-based Spark dataset version (levels off/cheap) and its content fallback.

Runs in .venv-spark (scripts/test-spark.sh); skipped where pyspark is not installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

from pyspark.sql import functions as F

from govern.metrics import profile


def write(spark: Any, path: Path, rows: int) -> str:
    spark.range(rows, numPartitions=2).select(
        F.col("id"), (F.col("id") % 3).alias("k"), F.col("id").cast("string").alias("s")
    ).write.mode("overwrite").parquet(str(path))
    return str(path)


def version(frame: Any, level: str = "cheap") -> str:
    out = profile(frame, level).fingerprint  # type: ignore[arg-type]
    assert out is not None
    return out


def test_equal_plan_over_equal_files_is_an_equal_version(spark: Any, tmp_path: Path) -> None:
    path = write(spark, tmp_path / "t", 100)
    first = version(spark.read.parquet(path).filter(F.col("k") == 1))
    assert first.startswith("plan-spark:")
    # another DataFrame object (new expression ids) in the same session
    assert version(spark.read.parquet(path).filter(F.col("k") == 1)) == first
    # another session of the same context: its own ids, the same version
    other = spark.newSession()
    assert version(other.read.parquet(path).filter(F.col("k") == 1)) == first
    assert version(spark.read.parquet(path).filter(F.col("k") == 1), "off") == first


def test_the_version_changes_with_the_query_or_the_files(spark: Any, tmp_path: Path) -> None:
    path = write(spark, tmp_path / "t", 100)
    first = version(spark.read.parquet(path).filter(F.col("k") == 1))
    assert version(spark.read.parquet(path).filter(F.col("k") == 2)) != first
    assert version(spark.read.parquet(path).select("id", "k")) != first
    write(spark, tmp_path / "t", 101)  # the files rewritten
    assert version(spark.read.parquet(path).filter(F.col("k") == 1)) != first


def test_full_keeps_the_content_fingerprint(spark: Any, tmp_path: Path) -> None:
    path = write(spark, tmp_path / "t", 100)
    full = profile(spark.read.parquet(path), "full")
    assert full.fingerprint is not None and full.fingerprint.startswith("rowhash-spark:")
    assert full.metrics is not None and full.metrics["columnMetrics"]["k"]["distinctCount"] == 3
    # rewritten with equal content: the plan version changes, the content fingerprint not
    write(spark, tmp_path / "t", 100)
    assert profile(spark.read.parquet(path), "full").fingerprint == full.fingerprint


def test_cheap_profile_of_a_file_scan(spark: Any, tmp_path: Path) -> None:
    path = write(spark, tmp_path / "t", 100)
    cheap = profile(spark.read.parquet(path), "cheap")
    assert cheap.row_count == 100
    assert cheap.metrics == {"rowCount": 100, "columnMetrics": {}}


def test_plans_that_do_not_pin_the_rows_hash_the_content(spark: Any, tmp_path: Path) -> None:
    path = write(spark, tmp_path / "t", 10)
    plus = F.udf(lambda x: x + 1, "long")  # a UDF's code is not in the plan
    assert version(spark.read.parquet(path).select(plus("id"))).startswith("rowhash-spark:")
    cached = spark.read.parquet(path).cache()  # a cache can be stale against the files
    try:
        assert version(cached).startswith("rowhash-spark:")
    finally:
        cached.unpersist()
    assert version(spark.range(5)).startswith("plan-spark:")
