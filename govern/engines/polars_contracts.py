"""Contract rules on polars frames (eager or lazy), as polars expressions.

The pandera checks pandera lacks, and the dataset-level metrics in one ``select``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from govern.engines.contracts import FAMILIES, build_schema, percent, wanted_metrics

__all__ = ["PolarsContractChecks", "contract_schema", "measure"]


class PolarsContractChecks:
    """`govern.engines.contracts.ContractChecks` as pandera-polars expressions."""

    def not_null(self, pa: Any, name: str) -> Any:
        import polars as pl

        return pa.Check(
            lambda d: d.lazyframe.select(pl.col(d.key).is_not_null()), name=name, ignore_na=False
        )

    def not_missing(self, pa: Any, rule: Any) -> Any:
        import polars as pl

        values = [v for v in rule.missing_values if v is not None]
        nulls_missing = any(v is None for v in rule.missing_values)

        def ok(d: Any) -> Any:
            col = pl.col(d.key)
            expr = ~col.is_in(values).fill_null(False) if values else pl.lit(True)
            return d.lazyframe.select(expr & col.is_not_null() if nulls_missing else expr)

        return pa.Check(ok, name=rule.name, ignore_na=False)

    def valid(self, pa: Any, rule: Any) -> Any:
        import polars as pl

        values = list(rule.valid_values) if rule.valid_values is not None else None
        pattern = rule.pattern or ""

        def ok(d: Any) -> Any:
            col = pl.col(d.key)
            if values is not None:
                return d.lazyframe.select(col.is_in(values))
            return d.lazyframe.select(col.cast(pl.String).str.contains(f"^(?:{pattern})"))

        return pa.Check(ok, name=rule.name)

    def not_duplicated(self, pa: Any, name: str) -> Any:
        import polars as pl

        return pa.Check(
            lambda d: d.lazyframe.select(
                ~(pl.col(d.key).is_duplicated() & pl.col(d.key).is_not_null())
            ),
            name=name,
            ignore_na=False,
        )

    def bound(self, value: Any) -> Any:
        return value

    def nested_sizes(self, pa: Any, column: Any) -> Any:
        import polars as pl

        unique = ", unique" if column.unique_items else ""
        name = f"size({column.min_size}, {column.max_size}{unique})"

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

    def required_keys(self, pa: Any, column: Any) -> Any:
        import polars as pl

        keys = list(column.required_keys)
        name = f"required_keys({', '.join(keys)})"

        def ok(d: Any) -> Any:
            col = pl.col(d.key)
            fields = {f.name for f in d.lazyframe.collect_schema()[d.key].fields}
            present = [
                col.struct.field(k).is_not_null() if k in fields else pl.lit(False) for k in keys
            ]
            return d.lazyframe.select(pl.all_horizontal(present) | col.is_null())

        return pa.Check(ok, name=name)

    def unique_together(self, pa: Any, cols: Sequence[str]) -> Any:
        import polars as pl

        name = f"unique_together({', '.join(cols)})"
        return pa.Check(
            lambda d: d.lazyframe.select(~pl.struct(list(cols)).is_duplicated()), name=name
        )


def contract_schema(rules: Any) -> Any:
    """A ``pandera.polars`` schema enforcing the contract's row-level rules."""
    import pandera.polars

    return build_schema(rules, pandera.polars, PolarsContractChecks())


def _family(logical: str, dtype: Any) -> bool:
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


def measure(frame: Any, lazy: Any, rules: Any, present: set[str]) -> dict[str, float]:
    """Type families of present columns and every dataset-level metric, in one ``select``.

    ``lazy`` is the frame as a LazyFrame (the frame itself when it is one).
    """
    import polars as pl

    schema = lazy.collect_schema() if lazy is frame else frame.schema
    out: dict[str, float] = {}
    for c in rules.columns:
        if c.name in present and c.logical_type in FAMILIES:
            out[f"type:{c.name}"] = float(_family(c.logical_type, schema[c.name]))
    wanted = wanted_metrics(rules, present)
    exprs = [pl.len().alias("__rows")]
    for i, rule in enumerate(wanted):
        alias = f"__m{i}"
        if rule.metric == "rowCount":
            exprs.append(pl.len().alias(alias))
        elif rule.metric == "duplicateValues" and rule.column is None:
            exprs.append((pl.len() - pl.struct(list(rule.columns)).n_unique()).alias(alias))
        else:
            exprs.append(_metric(pl.col(rule.column or ""), rule).alias(alias))
    row = lazy.select(exprs).collect().row(0, named=True)
    rows = float(row["__rows"])
    for i, rule in enumerate(wanted):
        out[rule.name] = percent(float(row[f"__m{i}"]), rows, rule)
    return out


def _metric(col: Any, rule: Any) -> Any:
    import polars as pl

    if rule.metric == "nullValues":
        return col.is_null().sum()
    if rule.metric == "missingValues":
        values = [v for v in rule.missing_values if v is not None]
        missing = col.is_in(values).fill_null(False) if values else pl.lit(False)
        if any(v is None for v in rule.missing_values):
            missing = missing | col.is_null()
        return missing.sum()
    if rule.metric == "invalidValues":
        valid = (
            col.is_in(list(rule.valid_values))
            if rule.valid_values is not None
            else col.cast(pl.String).str.contains(f"^(?:{rule.pattern})")
        )
        return (col.is_not_null() & ~valid.fill_null(True)).sum()
    return col.drop_nulls().len() - col.drop_nulls().n_unique()
