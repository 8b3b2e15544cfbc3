"""Keep PII and secrets out of monitoring summaries before anything records or judges them.

A summary keeps values: a categorical column's frequent values, a numeric column's
extremes, quantile and distinct-count sketches (hashes of values, open to a dictionary
attack). For a column named in ``pii_columns`` or whose name looks like a secret
(``api_token``, ``password``...) only counts stay: rows, missing values and the distinct
estimate, as kind ``other``; so `govern.Stable` watches its volume and null rate but not
its values. Every other column's frequent values go through the text redaction rules
(a token pasted into a note is masked), counts of values that mask alike added together.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from govern.monitoring.summary import ColumnSummary, DatasetSummary
from govern.redaction import is_secret_name, redact_text

__all__ = ["scrub"]


def scrub(summary: DatasetSummary, pii_columns: Collection[str]) -> DatasetSummary:
    """``summary`` with no value of a PII or secret column and no secret in any value."""
    columns = tuple(_scrub_column(c, pii_columns) for c in summary.columns)
    if columns == summary.columns:
        return summary
    return DatasetSummary(rows=summary.rows, columns=columns, top_k=summary.top_k)


def _scrub_column(column: ColumnSummary, pii_columns: Collection[str]) -> ColumnSummary:
    if column.name in pii_columns or is_secret_name(column.name):
        return ColumnSummary(
            name=column.name,
            dtype=column.dtype,
            kind="other",
            rows=column.rows,
            nulls=column.nulls,
            step=column.step,
            distinct=column.distinct,
        )
    if not column.top:
        return column
    merged: dict[str, int] = {}
    for value, count in column.top:
        masked = redact_text(value)
        merged[masked] = merged.get(masked, 0) + count
    if len(merged) == len(column.top) and all(v in merged for v, _ in column.top):
        return column
    top = tuple(sorted(merged.items(), key=lambda item: (-item[1], item[0])))
    return replace(column, top=top)
