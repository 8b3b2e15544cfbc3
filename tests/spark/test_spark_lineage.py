"""Events of Spark-gated stages conform to the OpenLineage spec."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pyspark")

import pandera.pyspark as pa
from pyspark.sql import types as T

from tests.lineage.engine_events import conforming_events

SCHEMA = pa.DataFrameSchema(
    {"id": pa.Column(T.LongType()), "score": pa.Column(T.DoubleType(), pa.Check.ge(0))}
)


def test_spark_events_conform(spark: Any) -> None:
    def frame(scores: list[float]) -> Any:
        return spark.createDataFrame(list(enumerate(scores)), "id long, score double")

    events = conforming_events(SCHEMA, lambda: frame([1.0, 2.0]), lambda: frame([1.0, -2.0]))
    assert events
