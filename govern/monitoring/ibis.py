"""Monitoring summaries of an Ibis table, computed in its database.

No table is brought into Python: one aggregate query counts the rows and, per column, the
non-missing values and (numeric columns) their minimum, maximum, mean and variance, plus an
approximate distinct count; the sketches and frequent values are computed from a random
sample of at most `govern.monitoring.compute.SAMPLE` rows drawn by the database
(``Table.sample``), as the ``sample`` level does for an in-memory frame. Counts, extremes
and moments of numeric columns are therefore exact; frequencies are the sample's, scaled
by ``step``; a temporal column's extremes and mean come from the sample too (its epoch
values, as in memory). ``full`` reads every row into the sketches (the whole table
crosses the wire, in Arrow batches).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from govern.monitoring.compute import SAMPLE, SummaryLevel, summarize_table
from govern.monitoring.summary import ColumnSummary, DatasetSummary

__all__ = ["summarize_ibis"]

_SEED = 0x676F76  # the same table gets the same sample where the backend can repeat one


def summarize_ibis(table: Any, level: SummaryLevel, *, top_k: int = 100) -> DatasetSummary:
    """The summary of an Ibis table (see the module docstring)."""
    names = list(table.columns)
    schema = table.schema()
    dtypes = [str(t) for t in schema.types]
    aggs: dict[str, Any] = {"rows": table.count()}
    for i, name in enumerate(names):
        column = table[name]
        kind = schema[name]
        aggs[f"{i}:n"] = column.count()
        aggs[f"{i}:d"] = column.approx_nunique()
        if kind.is_numeric() and not kind.is_boolean():
            value = column.cast("float64")
            aggs[f"{i}:min"], aggs[f"{i}:max"] = value.min(), value.max()
            aggs[f"{i}:mean"], aggs[f"{i}:var"] = value.mean(), value.var(how="pop")
    row = table.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    rows = int(row["rows"])
    step = 1
    if level == "sample":
        while rows > SAMPLE * step:
            step *= 2
    part = table if step == 1 else table.sample(1 / step, seed=_SEED)
    drawn = summarize_table(part.to_pyarrow(), dtypes, level="full", top_k=top_k)
    columns = tuple(_column(drawn.columns[i], row, i, rows, step) for i in range(len(names)))
    return DatasetSummary(rows=rows, columns=columns, top_k=top_k)


def _column(
    drawn: ColumnSummary, row: dict[str, Any], i: int, rows: int, step: int
) -> ColumnSummary:
    """A column's sample summary with the database's exact counts and moments."""
    present = int(row[f"{i}:n"])
    out = replace(drawn, rows=rows, nulls=rows - present, step=step)
    if row.get(f"{i}:mean") is not None:
        variance = row[f"{i}:var"]
        out = replace(
            out,
            count=present,
            min=float(row[f"{i}:min"]),
            max=float(row[f"{i}:max"]),
            mean=float(row[f"{i}:mean"]),
            m2=0.0 if variance is None else float(variance) * present,
        )
    elif f"{i}:mean" in row:  # a numeric column with no value
        out = replace(out, count=0, min=None, max=None, mean=None, m2=None)
    if step == 1:
        return out
    distinct = row[f"{i}:d"]
    top = tuple((value, count * step) for value, count in drawn.top)
    every = drawn.other == 0 and drawn.top != ()
    other = 0 if every else max(0, present - sum(c for _, c in top))
    return replace(
        out,
        distinct=None if distinct is None else float(min(int(distinct), present)),
        top=top,
        other=other if drawn.kind == "categorical" else 0,
    )
