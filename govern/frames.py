"""Recognise data frames without importing the libraries that define them.

A frame can only be of a library the caller has already imported, so looking in
``sys.modules`` keeps ``import govern`` free of pandas, polars and pyspark.
"""

from __future__ import annotations

import enum
import sys
from typing import Any

__all__ = ["FrameKind", "RowPredicate", "frame_kind", "row_count"]


class FrameKind(enum.StrEnum):
    """The frame libraries govern can gate."""

    PANDAS = "pandas"
    POLARS = "polars"
    POLARS_LAZY = "polars_lazy"
    SPARK = "spark"
    IBIS = "ibis"


def frame_kind(obj: Any) -> FrameKind | None:
    """The kind of ``obj``, or None when it is not a supported data frame."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(obj, pandas.DataFrame):
        return FrameKind.PANDAS
    polars = sys.modules.get("polars")
    if polars is not None:
        if isinstance(obj, polars.DataFrame):
            return FrameKind.POLARS
        if isinstance(obj, polars.LazyFrame):
            return FrameKind.POLARS_LAZY
    spark_sql = sys.modules.get("pyspark.sql")
    if spark_sql is not None and isinstance(obj, spark_sql.DataFrame):
        return FrameKind.SPARK
    return None


class RowPredicate:
    """Rows of a Spark frame that fail one check, as a boolean column expression.

    A backend that cannot list failing rows by index (Spark has no row index) hands
    quarantine this instead: ``Finding.failing_index == [RowPredicate(...)]``. ``expr`` is
    a ``pyspark.sql.Column`` that is true exactly for the failing rows and never null, so
    ``filter(expr)`` and ``filter(~expr)`` partition the frame. Compared by identity: one
    object per failing check.
    """

    __slots__ = ("expr", "label")

    def __init__(self, expr: Any, label: str) -> None:
        self.expr = expr
        self.label = label

    def __repr__(self) -> str:
        return f"RowPredicate({self.label!r})"


def row_count(obj: Any) -> int | None:
    """Rows of an eager frame; None where counting would run a query (lazy, Spark)."""
    kind = frame_kind(obj)
    if kind in (FrameKind.PANDAS, FrameKind.POLARS):
        return len(obj)
    return None
