"""The Spark engine through the Engine Protocol: found by type, rows, Arrow batches."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pyspark")

from govern.engines import Engine, engine_for
from govern.frames import FrameKind


def test_spark_frames_have_the_spark_engine(spark: Any) -> None:
    frame = spark.createDataFrame([(1, "a"), (2, None), (3, "c")], "id long, name string")
    engine = engine_for(frame)
    assert engine is not None and isinstance(engine, Engine)
    assert engine.kind is FrameKind.SPARK and engine.deferred
    assert engine.row_count(frame) is None  # counting would run a job
    assert engine.count_rows(frame) == 3
    assert engine.columns(frame) == ["id", "name"]


def test_arrow_batches_equal_the_collected_rows(spark: Any) -> None:
    import pyarrow as pa

    frame = spark.createDataFrame(
        [(1, "a", 0.5), (2, None, None)], "id long, name string, x double"
    )
    engine = engine_for(frame)
    assert engine is not None
    table = pa.Table.from_batches(list(engine.arrow_batches(frame, ["x", "id"])))
    assert table.column_names == ["x", "id"]
    rows = sorted(zip(table.column("id").to_pylist(), table.column("x").to_pylist(), strict=True))
    assert rows == sorted((r["id"], r["x"]) for r in frame.collect())
