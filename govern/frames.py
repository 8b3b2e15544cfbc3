"""The frame kinds govern's engines handle, and Spark's row predicates.

Which engine a frame belongs to is `govern.engines.engine_for`'s answer; callers ask the
engine and never branch on the kind. `FrameKind` names the engines.
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["FrameKind", "RowPredicate"]


class FrameKind(enum.StrEnum):
    """The frame libraries govern can gate (each an engine's ``kind``)."""

    PANDAS = "pandas"
    POLARS = "polars"
    POLARS_LAZY = "polars_lazy"
    SPARK = "spark"


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
