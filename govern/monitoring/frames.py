"""The summary of a data frame of any engine: Arrow in, `DatasetSummary` out.

Asks the frame's engine (govern.engines), never its kind: an engine that computes
summaries where its data lives offers ``summarize(frame, level=..., top_k=...)`` (Spark:
each partition summarised on its executor with ``mapInArrow``, merged on the driver,
govern.monitoring.spark); any other hands over its rows as Arrow record batches
(``arrow_batches``: pandas and eager Polars convert as they do to profile; a Polars
LazyFrame runs its plan once more), summarised as one table so that distinct counts stay
countable.

Column types are the frame library's own names (as the record's schema shows them), so
a retyped column is reported in the user's terms.
"""

from __future__ import annotations

from typing import Any

from govern.engines import engine_for
from govern.monitoring.compute import SummaryLevel, summarize_table
from govern.monitoring.summary import DatasetSummary

__all__ = ["summarize_frame"]


def summarize_frame(
    frame: Any, level: SummaryLevel = "sample", *, top_k: int = 100
) -> DatasetSummary:
    """The mergeable summary of ``frame`` (see govern.monitoring.compute for the levels).

    Raises:
        TypeError: ``frame`` is not a supported data frame.
    """
    import pyarrow as pa

    engine = engine_for(frame)
    if engine is None:
        raise TypeError(f"cannot summarise {type(frame).__qualname__}: not a data frame")
    own = getattr(engine, "summarize", None)  # optional: not every engine has one
    if callable(own):
        summary: DatasetSummary = own(frame, level=level, top_k=top_k)
        return summary
    # the frame library's type names; no pass over the data for eager frames
    dtypes = [t for _, t in engine.profile(frame, "off", False).schema]
    batches = list(engine.arrow_batches(frame))
    if batches:
        table = pa.Table.from_batches(batches)
    else:
        table = pa.table({n: pa.array([], pa.null()) for n in engine.columns(frame)})
    return summarize_table(table, dtypes, level=level, top_k=top_k)
