"""The summary of a data frame of any engine: Arrow in, `DatasetSummary` out, parts merged.

The frame's engine (govern.engines) is asked first: an engine may compute summaries
itself (``summarize(frame, level=..., top_k=...)``, e.g. Spark on its executors), or
hand over Arrow record batches (``arrow_batches``), each summarised and the summaries
merged. Until an engine offers either, the frame is converted here the way
govern.metrics converts it to profile (pandas and eager Polars column by column; a
Polars LazyFrame collected with the streaming engine; Spark partitions summarised on the
executors with ``mapInArrow`` and merged on the driver, govern.monitoring.spark).

Column types are the frame library's own names (as the record's schema shows them), so
a retyped column is reported in the user's terms.
"""

from __future__ import annotations

from typing import Any

from govern.frames import FrameKind, frame_kind
from govern.monitoring.compute import SummaryLevel, summarize_arrays
from govern.monitoring.summary import DatasetSummary

__all__ = ["summarize_frame"]


def _engine(frame: Any) -> Any:
    try:
        from govern.engines import engine_for

        return engine_for(frame)
    except ImportError:  # an engine module not there (yet)
        return None


def summarize_frame(
    frame: Any, level: SummaryLevel = "sample", *, top_k: int = 100
) -> DatasetSummary:
    """The mergeable summary of ``frame`` (see govern.monitoring.compute for the levels).

    Raises:
        TypeError: ``frame`` is not a supported data frame.
    """
    kind = frame_kind(frame)
    if kind is None:
        raise TypeError(f"cannot summarise {type(frame).__qualname__}: not a data frame")
    engine = _engine(frame)
    own = getattr(engine, "summarize", None)
    if callable(own):
        summary: DatasetSummary = own(frame, level=level, top_k=top_k)
        return summary
    if kind is FrameKind.PANDAS:
        return _pandas(frame, level, top_k)
    if kind is FrameKind.POLARS:
        return _polars(frame, level, top_k)
    if kind is FrameKind.POLARS_LAZY:
        return _polars_lazy(frame, level, top_k)
    from govern.monitoring.spark import summarize_spark

    return summarize_spark(frame, level, top_k=top_k)


def _pandas(frame: Any, level: SummaryLevel, top_k: int) -> DatasetSummary:
    from govern.metrics import _pandas_columns  # the profile's own conversion

    columns = [(c.name, c.dtype, _opaque(c)) for c in _pandas_columns(frame)]
    return summarize_arrays(columns, len(frame), level=level, top_k=top_k)


def _polars(frame: Any, level: SummaryLevel, top_k: int) -> DatasetSummary:
    from govern.metrics import _polars_columns

    columns = [(c.name, c.dtype, _opaque(c)) for c in _polars_columns(frame)]
    return summarize_arrays(columns, frame.height, level=level, top_k=top_k)


def _opaque(column: Any) -> Any:
    """A column Arrow could not hold stands in as ``type:repr`` text: counts only."""
    if not column.opaque:
        return column.array
    import pyarrow as pa

    return pa.array([None if v is None else b"" for v in column.array.to_pylist()], pa.binary())


def _polars_lazy(frame: Any, level: SummaryLevel, top_k: int) -> DatasetSummary:
    # summarising needs the values: the plan runs (streaming engine) once more
    return _polars(frame.collect(engine="streaming"), level, top_k)
