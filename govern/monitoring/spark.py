"""Spark: each partition summarised on its executor (``mapInArrow``), merged on the driver.

Only one small JSON row per partition travels to the driver, never the data. The
executors import govern (in local mode they share the driver's environment; on a
cluster govern must be installed there, as pandera's pyspark backend must be).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from govern.monitoring.compute import SummaryLevel, summarize_table
from govern.monitoring.summary import DatasetSummary

__all__ = ["summarize_spark"]


def summarize_spark(frame: Any, level: SummaryLevel, *, top_k: int = 100) -> DatasetSummary:
    """The merged summary of a Spark DataFrame's partitions (one job)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    dtypes = [f.dataType.simpleString() for f in frame.schema.fields]

    def per_partition(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        parts = list(batches)
        table = pa.Table.from_batches(parts) if parts else None
        if (
            table is not None and table.num_rows
        ):  # one summary per partition: distinct values stay countable
            summary = summarize_table(table, dtypes, level=level, top_k=top_k)
            yield pa.RecordBatch.from_pydict({"summary": [json.dumps(summary.to_dict())]})

    rows = frame.mapInArrow(per_partition, "summary string").collect()
    parts = [DatasetSummary.from_dict(json.loads(r["summary"])) for r in rows]
    if not parts:  # no rows anywhere: the summary of the empty frame
        return summarize_table(to_arrow_schema(frame.schema).empty_table(), dtypes, level=level)
    return DatasetSummary.merge_all(parts)
