"""Spark source identities in openlineage-spark's naming (pure: runs without pyspark too)."""

from __future__ import annotations

import pytest

from govern.engines.naming import root_of as _root_of
from govern.engines.naming import spark_dataset_ref


@pytest.mark.parametrize(
    ("location", "namespace", "name"),
    [
        ("file:/data/orders", "file", "/data/orders"),
        ("file:///data/orders/", "file", "/data/orders"),
        ("/data/orders.parquet", "file", "/data/orders.parquet"),
        ("s3a://bucket/warehouse/orders/", "s3://bucket", "warehouse/orders"),
        ("s3://bucket/key.parquet", "s3://bucket", "key.parquet"),
        ("s3n://user:secret@bucket/k", "s3://bucket", "k"),
        ("gs://bucket/a/b", "gs://bucket", "a/b"),
        ("hdfs://namenode:8020/warehouse/t/", "hdfs://namenode:8020", "/warehouse/t"),
        ("abfss://box@acct.dfs.core.windows.net/t", "abfss://box@acct.dfs.core.windows.net", "/t"),
        ("dbfs:/warehouse/location", "dbfs", "/warehouse/location"),
    ],
)
def test_openlineage_spark_naming(location: str, namespace: str, name: str) -> None:
    ref = spark_dataset_ref(location)
    assert (ref.namespace, ref.name) == (namespace, name)


def test_root_of_input_files() -> None:
    parts = [
        "file:///data/t/date=2024-01-01/part-00000-a.snappy.parquet",
        "file:///data/t/date=2024-01-02/part-00001-b.snappy.parquet",
    ]
    assert _root_of(parts) == "file:/data/t"  # as Hadoop writes it; the same identity
    assert _root_of(["hdfs://nn:8020/w/t/part-00000-x.parquet"]) == "hdfs://nn:8020/w/t"
    assert _root_of(["file:///data/penguins.csv"]) == "file:/data/penguins.csv"
    assert spark_dataset_ref(_root_of(parts)).name == "/data/t"
