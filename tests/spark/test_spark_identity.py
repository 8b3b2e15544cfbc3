"""In-process identity through Spark code: a derived frame's plan extends the identified one's.

The table in docs/lineage.md ("Identity"): each between-stage pattern, and whether the
edge survives it (all do: a derived Spark frame's analyzed plan holds its parents').
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("pyspark")

import pandera.pyspark as pa
from pyspark.sql import functions as F

import govern
from govern.types import DatasetKind, StageResult

Anything = pa.DataFrameSchema({})


@govern.stage(outputs=Anything)
def one(df: Any) -> Any:
    return df.withColumn("a", F.col("k") - 2)


@govern.stage(outputs=Anything)
def other(df: Any) -> Any:
    return df.withColumn("b", F.col("k") * 10)


@govern.stage(inputs={"df": Anything})
def two(df: Any) -> int:
    return int(df.count())


def parents(result: StageResult) -> set[str]:
    return {d.ref.name for d in result.datasets if d.parameter == "df (derived from)"}


SPARK: dict[str, tuple[Callable[[Any, Any], Any], set[str]]] = {
    "filter": (lambda x, y: x.filter(F.col("a") > 0), {"x"}),
    "withColumn": (lambda x, y: x.withColumn("z", F.lit(1)), {"x"}),
    "select": (lambda x, y: x.select("k", "a"), {"x"}),
    "join of two governed frames": (lambda x, y: x.join(y.drop("c"), "k"), {"x", "y"}),
    "groupBy-agg": (lambda x, y: x.groupBy("c").agg(F.sum("a").alias("a")), {"x"}),
    "union of two governed frames": (
        lambda x, y: x.unionByName(y, allowMissingColumns=True),
        {"x", "y"},
    ),
    "orderBy, limit": (lambda x, y: x.orderBy("a").limit(2), {"x"}),
    "sample, dropna": (lambda x, y: x.sample(fraction=0.5, seed=1).dropna(), {"x"}),
}


@pytest.fixture
def frames(spark: Any) -> Any:
    return spark.createDataFrame([(1, 1.0), (2, None), (3, 3.0), (4, 4.0)], "k long, c double")


@pytest.mark.parametrize("pattern", list(SPARK))
def test_spark_between_stage_patterns(frames: Any, pattern: str) -> None:
    derive, expected = SPARK[pattern]
    source = govern.source(frames, "/data/k.parquet")
    with govern.run("identity") as run:
        x = one(source)
        y = other(source)
        two(derive(x, y))
    names = {
        key: next(d.ref.name for d in r.datasets if d.role == "output")
        for key, r in (("x", run.stages[0]), ("y", run.stages[1]))
    }
    called = run.stages[2]
    assert parents(called) == {names[k] for k in expected}
    (seen,) = [d for d in called.datasets if d.parameter == "df"]
    assert seen.ref.kind is DatasetKind.DERIVED


def test_spark_equal_content_built_apart_links_nothing(spark: Any, frames: Any) -> None:
    """Another in-memory frame with the same rows and the same plan is not derived."""
    source = govern.source(frames, "/data/k.parquet")
    with govern.run("identity") as run:
        x = one(source)
        apart = spark.createDataFrame(
            [(1, 1.0), (2, None), (3, 3.0), (4, 4.0)], "k long, c double"
        ).withColumn("a", F.col("k") - 2)
        two(apart.filter(F.col("a") > 0))
        two(x)  # the output itself: its own identity, no implicit step
    assert parents(run.stages[1]) == set()
    (used,) = [d for d in run.stages[1].datasets if d.role == "input"]
    assert used.ref.kind is DatasetKind.ANONYMOUS
    assert parents(run.stages[2]) == set()
    assert [d.ref.kind for d in run.stages[2].datasets] == [DatasetKind.STAGE_OUTPUT]


def test_spark_a_declared_parquet_source_links_its_reads(spark: Any, tmp_path: Any) -> None:
    path = tmp_path / "k"
    spark.range(5).withColumnRenamed("id", "k").write.parquet(str(path))
    source = govern.read_spark_parquet(spark, path)
    with govern.run("identity") as run:
        two(source.filter(F.col("k") > 1))
    assert parents(run.stages[0]) == {str(path)}
