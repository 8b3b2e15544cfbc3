"""Contract rules on Ibis tables, as SQL expressions.

The pandera checks pandera lacks (as ``pandera.ibis`` custom checks, which the Ibis
engine folds into its one validation query), and the dataset-level metrics in one
aggregate query. Object (struct) sizes and required keys are not expressed here: a
contract using them on an Ibis table is refused with a `ContractError` naming the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govern.engines.contracts import FAMILIES, build_schema, percent, wanted_metrics
from govern.errors import ContractError

__all__ = ["IbisContractChecks", "contract_schema", "measure", "sql_relation"]


def _repeated(table: Any, columns: Sequence[str]) -> Any:
    """True for rows whose values over ``columns`` occur more than once."""
    import ibis

    return (ibis._.count().over(group_by=list(columns)) > 1).resolve(table)


class IbisContractChecks:
    """`govern.engines.contracts.ContractChecks` as pandera.ibis checks over SQL."""

    def not_null(self, pa: Any, name: str) -> Any:
        """Values present."""
        return pa.Check(lambda d: d.table[d.key].notnull(), name=name, ignore_na=False)

    def not_missing(self, pa: Any, rule: Any) -> Any:
        """Values not among the rule's missing values (None: null counts as missing)."""
        import ibis

        values = [v for v in rule.missing_values if v is not None]
        nulls_missing = any(v is None for v in rule.missing_values)

        def ok(d: Any) -> Any:
            col = d.table[d.key]
            expr = (~col.isin(values)).fill_null(True) if values else ibis.literal(True)
            return expr & col.notnull() if nulls_missing else expr

        return pa.Check(ok, name=rule.name, ignore_na=False)

    def valid(self, pa: Any, rule: Any) -> Any:
        """Values in the valid set or matching the pattern; nulls are not invalid."""
        values = list(rule.valid_values) if rule.valid_values is not None else None
        pattern = rule.pattern or ""

        def ok(d: Any) -> Any:
            col = d.table[d.key]
            if values is not None:
                return col.isin(values)
            return col.cast("string").re_search(f"^(?:{pattern})")

        return pa.Check(ok, name=rule.name)

    def not_duplicated(self, pa: Any, name: str) -> Any:
        """Values that occur once (nulls excepted)."""
        return pa.Check(
            lambda d: ~(_repeated(d.table, [d.key]) & d.table[d.key].notnull()),
            name=name,
            ignore_na=False,
        )

    def bound(self, value: Any) -> Any:
        """Bounds compare as they are."""
        return value

    def nested_sizes(self, pa: Any, column: Any) -> Any:
        """Array item counts within bounds (objects: refused)."""
        if column.logical_type != "array":
            raise ContractError(
                f"column {column.name!r}: object key counts are not checked on Ibis tables"
            )
        unique = ", unique" if column.unique_items else ""
        name = f"size({column.min_size}, {column.max_size}{unique})"

        def ok(d: Any) -> Any:
            import ibis

            col = d.table[d.key]
            size = col.length()
            expr = ibis.literal(True)
            if column.min_size is not None:
                expr = expr & (size >= column.min_size)
            if column.max_size is not None:
                expr = expr & (size <= column.max_size)
            if column.unique_items:
                expr = expr & (col.unique().length() == size)
            return expr.fill_null(True)

        return pa.Check(ok, name=name)

    def required_keys(self, pa: Any, column: Any) -> Any:
        """Refused: object keys are not checked on Ibis tables."""
        raise ContractError(
            f"column {column.name!r}: required object keys are not checked on Ibis tables"
        )

    def unique_together(self, pa: Any, cols: Sequence[str]) -> Any:
        """Rows unique over ``cols`` taken together."""
        name = f"unique_together({', '.join(cols)})"
        return pa.Check(lambda d: ~_repeated(d.table, cols), name=name)


def contract_schema(rules: Any) -> Any:
    """A ``pandera.ibis`` schema enforcing the contract's row-level rules."""
    import pandera.ibis

    return build_schema(rules, pandera.ibis, IbisContractChecks())


def _family(logical: str, dtype: Any) -> bool:
    tests = {
        "string": dtype.is_string(),
        "integer": dtype.is_integer(),
        "number": dtype.is_numeric(),
        "boolean": dtype.is_boolean(),
        "date": dtype.is_date() or dtype.is_timestamp(),
        "timestamp": dtype.is_timestamp(),
        "time": dtype.is_time(),
    }
    return bool(tests[logical])


def _metric(table: Any, rule: Any) -> Any:
    import ibis

    col = table[rule.column]
    if rule.metric == "nullValues":
        return ibis.ifelse(col.isnull(), 1, 0).sum()
    if rule.metric == "missingValues":
        values = [v for v in rule.missing_values if v is not None]
        missing = col.isin(values).fill_null(False) if values else ibis.literal(False)
        if any(v is None for v in rule.missing_values):
            missing = missing | col.isnull()
        return ibis.ifelse(missing, 1, 0).sum()
    if rule.metric == "invalidValues":
        valid = (
            col.isin(list(rule.valid_values))
            if rule.valid_values is not None
            else col.cast("string").re_search(f"^(?:{rule.pattern})")
        )
        return ibis.ifelse(col.notnull() & ~valid.fill_null(True), 1, 0).sum()
    return col.count() - col.nunique()  # duplicateValues of one column: nulls excepted


def measure(table: Any, rules: Any, present: set[str]) -> dict[str, float]:
    """Type families of present columns and the dataset-level metrics: one query.

    A multi-column ``duplicateValues`` rule counts distinct rows in a second query.
    """
    schema = table.schema()
    out: dict[str, float] = {}
    for c in rules.columns:
        if c.name in present and c.logical_type in FAMILIES:
            out[f"type:{c.name}"] = float(_family(c.logical_type, schema[c.name]))
    wanted = wanted_metrics(rules, present)
    aggs: dict[str, Any] = {"__rows": table.count()}
    together: dict[int, Any] = {}
    for i, rule in enumerate(wanted):
        if rule.metric == "rowCount":
            aggs[f"__m{i}"] = table.count()
        elif rule.metric == "duplicateValues" and rule.column is None:
            together[i] = table.select(*rule.columns).distinct().count()
        else:
            aggs[f"__m{i}"] = _metric(table, rule)
    row = table.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    rows = float(row["__rows"])
    for i, distinct in together.items():
        row[f"__m{i}"] = rows - float(distinct.to_pyarrow().as_py())
    for i, rule in enumerate(wanted):
        out[rule.name] = percent(float(row[f"__m{i}"] or 0), rows, rule)
    return out


def sql_relation(table: Any) -> Any:
    """The table's rows as an Arrow stream for DuckDB's SQL rules (batches, never whole)."""
    return table.to_pyarrow_batches()
