"""Contract rules on each kind of frame: pandera for row-level rules, metrics in one pass.

A pandera schema enforces the row-level rules; column types and dataset-level metrics are
measured in one pass per engine.

This is the only module of govern.contracts that knows frame kinds; when govern's engines
move behind one Protocol (govern/engines/), what is here per engine moves there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from govern.contracts.rules import ColumnRule, MetricRule, ObjectRules
from govern.errors import ContractError
from govern.frames import FrameKind

__all__ = ["Measured", "build_schema", "columns_of", "measure", "schema_key"]

Measured = dict[str, float]
"""Metric values by rule name, plus ``type:<column>`` -> 1.0 (family matches) or 0.0."""


def _pandera(kind: FrameKind) -> Any:
    if kind is FrameKind.PANDAS:
        import pandera.pandas

        return pandera.pandas
    if kind in (FrameKind.POLARS, FrameKind.POLARS_LAZY):
        import pandera.polars

        return pandera.polars
    raise ContractError(f"contract gates do not run on {kind.value} frames")


def _not_null_pandas(name: str, pa: Any) -> Any:
    return pa.Check(lambda s: s.notna(), name=name, ignore_na=False)


def _not_null_polars(name: str, pa: Any) -> Any:
    import polars as pl

    return pa.Check(
        lambda d: d.lazyframe.select(pl.col(d.key).is_not_null()), name=name, ignore_na=False
    )


def _not_missing(kind: FrameKind, pa: Any, rule: MetricRule) -> Any:
    values = [v for v in rule.missing_values if v is not None]
    nulls_missing = any(v is None for v in rule.missing_values)
    if kind is FrameKind.PANDAS:
        return pa.Check(
            lambda s: ~s.isin(values) & (s.notna() if nulls_missing else True),
            name=rule.name,
            ignore_na=False,
        )
    import polars as pl

    def ok(d: Any) -> Any:
        col = pl.col(d.key)
        expr = ~col.is_in(values).fill_null(False) if values else pl.lit(True)
        return d.lazyframe.select(expr & col.is_not_null() if nulls_missing else expr)

    return pa.Check(ok, name=rule.name, ignore_na=False)


def _valid(kind: FrameKind, pa: Any, rule: MetricRule) -> Any:
    """Values in ``validValues`` or matching ``pattern``; nulls are not invalid values.

    A pattern is anchored at the start, as pandera's str_matches; nulls count as
    nullValues, not invalidValues.
    """
    values = list(rule.valid_values) if rule.valid_values is not None else None
    pattern = rule.pattern or ""
    if kind is FrameKind.PANDAS:
        if values is not None:
            return pa.Check(lambda s: s.isin(values), name=rule.name)
        return pa.Check(lambda s: s.astype(str).str.match(pattern), name=rule.name)
    import polars as pl

    def ok(d: Any) -> Any:
        col = pl.col(d.key)
        if values is not None:
            return d.lazyframe.select(col.is_in(values))
        return d.lazyframe.select(col.cast(pl.String).str.contains(f"^(?:{pattern})"))

    return pa.Check(ok, name=rule.name)


def _not_duplicated(kind: FrameKind, pa: Any, name: str) -> Any:
    if kind is FrameKind.PANDAS:
        return pa.Check(
            lambda s: ~(s.duplicated(keep=False) & s.notna()), name=name, ignore_na=False
        )
    import polars as pl

    return pa.Check(
        lambda d: d.lazyframe.select(
            ~(pl.col(d.key).is_duplicated() & pl.col(d.key).is_not_null())
        ),
        name=name,
        ignore_na=False,
    )


def _bound_value(kind: FrameKind, value: Any) -> Any:
    """A bound as the engine compares it: pandas wants Timestamps, not date objects."""
    if kind is FrameKind.PANDAS and isinstance(value, dt.date):
        import pandas as pd

        return pd.Timestamp(value)
    return value


def _size_ok(column: ColumnRule, size: int) -> bool:
    low, high = column.min_size, column.max_size
    return (low is None or size >= low) and (high is None or size <= high)


def _nested_sizes(kind: FrameKind, pa: Any, column: ColumnRule) -> Any:
    """Item (array) or key (object) counts within bounds; array items distinct if asked."""
    name = f"size({column.min_size}, {column.max_size}{', unique' if column.unique_items else ''})"
    if kind is FrameKind.PANDAS:

        def ok_value(value: Any) -> bool:
            if value is None or (isinstance(value, float) and value != value):
                return True
            items = list(value)
            distinct = not column.unique_items or len({repr(i) for i in items}) == len(items)
            return _size_ok(column, len(items)) and distinct

        return pa.Check(lambda s: s.map(ok_value).astype(bool), name=name)
    import polars as pl

    def ok(d: Any) -> Any:
        col = pl.col(d.key)
        if column.logical_type == "array":
            size = col.list.len()
        else:  # a struct's keys are its fields: count those holding a value
            fields = [f.name for f in d.lazyframe.collect_schema()[d.key].fields]
            size = pl.sum_horizontal([col.struct.field(f).is_not_null() for f in fields])
        expr = pl.lit(True)
        if column.min_size is not None:
            expr = expr & (size >= column.min_size)
        if column.max_size is not None:
            expr = expr & (size <= column.max_size)
        if column.unique_items:
            expr = expr & (col.list.n_unique() == col.list.len())
        return d.lazyframe.select(expr.fill_null(True))

    return pa.Check(ok, name=name)


def _required_keys(kind: FrameKind, pa: Any, column: ColumnRule) -> Any:
    keys = list(column.required_keys)
    name = f"required_keys({', '.join(keys)})"
    if kind is FrameKind.PANDAS:

        def ok_value(value: Any) -> bool:
            if value is None or (isinstance(value, float) and value != value):
                return True
            return isinstance(value, dict) and all(value.get(k) is not None for k in keys)

        return pa.Check(lambda s: s.map(ok_value).astype(bool), name=name)
    import polars as pl

    def ok(d: Any) -> Any:
        col = pl.col(d.key)
        fields = {f.name for f in d.lazyframe.collect_schema()[d.key].fields}
        present = [
            col.struct.field(k).is_not_null() if k in fields else pl.lit(False) for k in keys
        ]
        return d.lazyframe.select(pl.all_horizontal(present) | col.is_null())

    return pa.Check(ok, name=name)


def _row_checks(kind: FrameKind, pa: Any, column: ColumnRule) -> list[Any]:
    """Pandera checks for a column's row-level rules; quality rules keep their own names."""
    checks: list[Any] = []
    for bound, check in (
        (column.minimum, pa.Check.ge),
        (column.maximum, pa.Check.le),
        (column.exclusive_minimum, pa.Check.gt),
        (column.exclusive_maximum, pa.Check.lt),
    ):
        if bound is not None:
            checks.append(check(_bound_value(kind, bound)))
    if column.min_length is not None or column.max_length is not None:
        checks.append(pa.Check.str_length(column.min_length, column.max_length))
    if column.pattern is not None:
        checks.append(pa.Check.str_matches(column.pattern))
    if column.valid_values is not None:
        checks.append(pa.Check.isin(list(column.valid_values)))
    if column.min_size is not None or column.max_size is not None or column.unique_items:
        checks.append(_nested_sizes(kind, pa, column))
    if column.required_keys:
        checks.append(_required_keys(kind, pa, column))
    not_null = _not_null_pandas if kind is FrameKind.PANDAS else _not_null_polars
    for rule in column.row_checks:
        if rule.metric == "nullValues":
            checks.append(not_null(rule.name, pa))
        elif rule.metric == "missingValues":
            checks.append(_not_missing(kind, pa, rule))
        elif rule.metric == "invalidValues":
            checks.append(_valid(kind, pa, rule))
        elif rule.metric == "duplicateValues":
            checks.append(_not_duplicated(kind, pa, rule.name))
    return checks


def schema_key(frame: Any, kind: FrameKind) -> Hashable:
    """What a contract's pandera schema for ``frame`` depends on.

    The kind, and on Spark the column types too: pandera.pyspark's built-in checks must
    be declared with the type the column has.
    """
    if kind is FrameKind.SPARK:
        return (kind, tuple((f.name, f.dataType.simpleString()) for f in frame.schema.fields))
    return kind


def build_schema(rules: ObjectRules, kind: FrameKind, frame: Any = None) -> Any:
    """A pandera DataFrameSchema enforcing ``rules``' row-level part on ``kind`` frames.

    Column types are not pandera dtypes here: a logical type is a family (any integer
    width, nullable or not), measured by `measure` and reported as a dataset-level finding.
    """
    if kind is FrameKind.SPARK:
        from govern.engines import spark_contracts

        types = {f.name: f.dataType for f in frame.schema.fields} if frame is not None else {}
        return spark_contracts.build_schema(rules, types)
    pa = _pandera(kind)
    columns = {
        c.name: pa.Column(
            checks=_row_checks(kind, pa, c),
            nullable=c.not_null is None,
            unique=c.unique is not None,
            required=True,
            name=c.name,
        )
        for c in rules.columns
    }
    unique = [list(cols) for cols, _ in rules.unique_together]
    return pa.DataFrameSchema(
        columns,
        unique=unique[0] if len(unique) == 1 else None,
        name=rules.label,
        checks=[_unique_together(kind, pa, cols) for cols in unique[1:]]
        if len(unique) > 1
        else None,
    )


def _unique_together(kind: FrameKind, pa: Any, cols: Sequence[str]) -> Any:
    name = f"unique_together({', '.join(cols)})"
    if kind is FrameKind.PANDAS:
        return pa.Check(lambda df: ~df.duplicated(subset=list(cols), keep=False), name=name)
    import polars as pl

    return pa.Check(lambda d: d.lazyframe.select(~pl.struct(list(cols)).is_duplicated()), name=name)


def columns_of(frame: Any, kind: FrameKind) -> list[str]:
    """The frame's column names (a LazyFrame's from its schema, without collecting)."""
    if kind is FrameKind.POLARS_LAZY:
        return list(frame.collect_schema().names())
    return [str(c) for c in frame.columns]


_PANDAS_FAMILY: dict[str, Callable[[Any, Any], bool]] = {
    "string": lambda t, api: api.is_string_dtype(t) or api.is_object_dtype(t),
    "integer": lambda t, api: api.is_integer_dtype(t),
    "number": lambda t, api: api.is_numeric_dtype(t) and not api.is_bool_dtype(t),
    "boolean": lambda t, api: api.is_bool_dtype(t),
    "date": lambda t, api: api.is_datetime64_any_dtype(t) or api.is_object_dtype(t),
    "timestamp": lambda t, api: api.is_datetime64_any_dtype(t),
    "time": lambda t, api: api.is_object_dtype(t) or api.is_timedelta64_dtype(t),
}


def _polars_family(logical: str, dtype: Any) -> bool:
    import polars as pl

    tests: dict[str, Callable[[], Any]] = {
        "string": lambda: (
            dtype in (pl.String, pl.Categorical, pl.Enum)
            or isinstance(dtype, pl.Categorical | pl.Enum)
        ),
        "integer": lambda: dtype.is_integer(),
        "number": lambda: dtype.is_numeric(),
        "boolean": lambda: dtype == pl.Boolean,
        "date": lambda: dtype == pl.Date or isinstance(dtype, pl.Datetime),
        "timestamp": lambda: isinstance(dtype, pl.Datetime),
        "time": lambda: dtype == pl.Time,
    }
    return bool(tests[logical]())


def measure(frame: Any, kind: FrameKind, rules: ObjectRules, present: set[str]) -> Measured:
    """Type families of present columns and every dataset-level metric, in one pass."""
    wanted = [
        m
        for m in rules.metrics
        if (m.column is None or m.column in present) and all(c in present for c in m.columns)
    ]
    if kind is FrameKind.SPARK:
        from govern.engines import spark_contracts

        return spark_contracts.measure(frame, rules, present)
    if kind is FrameKind.PANDAS:
        return _measure_pandas(frame, rules, present, wanted)
    return _measure_polars(frame, kind, rules, present, wanted)


def _percent(count: float, rows: float, rule: MetricRule) -> float:
    if rule.unit != "percent":
        return count
    return 100.0 * count / rows if rows else 0.0


def _measure_pandas(
    frame: Any, rules: ObjectRules, present: set[str], wanted: list[MetricRule]
) -> Measured:
    import pandas as pd
    from pandas.api import types as api

    out: Measured = {}
    for c in rules.columns:
        if c.name in present and c.logical_type in _PANDAS_FAMILY:
            out[f"type:{c.name}"] = float(_PANDAS_FAMILY[c.logical_type](frame[c.name].dtype, api))
    rows = float(len(frame))
    for rule in wanted:
        if rule.metric == "rowCount":
            out[rule.name] = rows
            continue
        if rule.metric == "duplicateValues" and rule.column is None:
            count = float(frame.duplicated(subset=list(rule.columns), keep="first").sum())
            out[rule.name] = _percent(count, rows, rule)
            continue
        s: pd.Series = frame[rule.column]
        if rule.metric == "nullValues":
            count = float(s.isna().sum())
        elif rule.metric == "missingValues":
            values = [v for v in rule.missing_values if v is not None]
            missing = s.isin(values)
            if any(v is None for v in rule.missing_values):
                missing = missing | s.isna()
            count = float(missing.sum())
        elif rule.metric == "invalidValues":
            known = s.dropna()
            if rule.valid_values is not None:
                count = float((~known.isin(list(rule.valid_values))).sum())
            else:
                count = float((~known.astype(str).str.match(rule.pattern or "")).sum())
        else:  # duplicateValues of one column: copies beyond the first of each value
            known = s.dropna()
            count = float(len(known) - known.nunique())
        out[rule.name] = _percent(count, rows, rule)
    return out


def _measure_polars(
    frame: Any, kind: FrameKind, rules: ObjectRules, present: set[str], wanted: list[MetricRule]
) -> Measured:
    import polars as pl

    schema = frame.collect_schema() if kind is FrameKind.POLARS_LAZY else frame.schema
    out: Measured = {}
    for c in rules.columns:
        if c.name in present and c.logical_type in _PANDAS_FAMILY:
            out[f"type:{c.name}"] = float(_polars_family(c.logical_type, schema[c.name]))
    exprs = [pl.len().alias("__rows")]
    for i, rule in enumerate(wanted):
        alias = f"__m{i}"
        if rule.metric == "rowCount":
            exprs.append(pl.len().alias(alias))
        elif rule.metric == "duplicateValues" and rule.column is None:
            exprs.append((pl.len() - pl.struct(list(rule.columns)).n_unique()).alias(alias))
        else:
            col = pl.col(rule.column or "")
            if rule.metric == "nullValues":
                exprs.append(col.is_null().sum().alias(alias))
            elif rule.metric == "missingValues":
                values = [v for v in rule.missing_values if v is not None]
                missing = col.is_in(values).fill_null(False) if values else pl.lit(False)
                if any(v is None for v in rule.missing_values):
                    missing = missing | col.is_null()
                exprs.append(missing.sum().alias(alias))
            elif rule.metric == "invalidValues":
                valid = (
                    col.is_in(list(rule.valid_values))
                    if rule.valid_values is not None
                    else col.cast(pl.String).str.contains(f"^(?:{rule.pattern})")
                )
                exprs.append((col.is_not_null() & ~valid.fill_null(True)).sum().alias(alias))
            else:
                exprs.append((col.drop_nulls().len() - col.drop_nulls().n_unique()).alias(alias))
    lazy = frame if kind is FrameKind.POLARS_LAZY else frame.lazy()
    row = lazy.select(exprs).collect().row(0, named=True)
    rows = float(row["__rows"])
    for i, rule in enumerate(wanted):
        out[rule.name] = _percent(float(row[f"__m{i}"]), rows, rule)
    return out
