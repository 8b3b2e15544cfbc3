"""Contract rules on Spark frames: a pandera.pyspark schema, and the metrics in one ``agg``.

The row-level rules become pandera.pyspark checks: its built-ins where it has them (bounds,
lengths, patterns, enums, nulls), else a custom check that also carries the Spark
predicate of its failing rows (``govern_failing``), so govern counts, samples and
quarantines those rows as it does for the built-ins (govern.checks.spark). Uniqueness
(pandera.pyspark has no column ``unique``; its schema-level one is a single set) is a
check of the dataset: its duplicates are counted, not pinned to rows, so a quarantining
stage fails rather than losing rows. Metrics (rowCount, nullValues, invalidValues,
duplicateValues, missingValues) and column type families are measured in one pass.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from govern.errors import ContractError

__all__ = ["build_schema", "measure", "run_sql"]

# govern.contracts.rules' plain dataclasses (contracts sit above engines in the layers)
ColumnRule = Any
MetricRule = Any
ObjectRules = Any
SqlRule = Any

Failing = Callable[[Any], Any]
"""A column -> the Spark expression true for the rows that break a rule."""


def _col(name: str) -> Any:
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _custom(pa: Any, name: str, fails: Failing) -> Any:
    """A pandera.pyspark column check that fails when any row is caught by ``fails``."""
    from pyspark.sql import functions as F

    def ok(data: Any, **_: Any) -> bool:
        caught = F.coalesce(fails(_col(data.column_name)), F.lit(False))
        return bool(data.dataframe.filter(caught).limit(1).count() == 0)

    check = pa.Check(ok, name=name, error=name, column=True)
    check.govern_failing = fails
    return check


def _table(pa: Any, name: str, ok: Callable[[Any], bool]) -> Any:
    """A pandera.pyspark dataframe check (a verdict on the dataset, no rows pinned)."""
    return pa.Check(lambda data, **_: ok(getattr(data, "dataframe", data)), name=name, error=name)


def _duplicated(columns: list[str], *, nulls: bool) -> Callable[[Any], bool]:
    """No value (row of ``columns``) twice; ``nulls``: a null is a value like any other."""

    def ok(frame: Any) -> bool:
        cols = [_col(c) for c in columns]
        known = frame if nulls else frame.where(cols[0].isNotNull())
        return bool(known.groupBy(*cols).count().where("count > 1").limit(1).count() == 0)

    return ok


def _missing(rule: MetricRule) -> Failing:
    values = [v for v in rule.missing_values if v is not None]
    nulls = any(v is None for v in rule.missing_values)

    def fails(c: Any) -> Any:
        from pyspark.sql import functions as F

        caught = F.coalesce(c.isin(values), F.lit(False)) if values else F.lit(False)
        return caught | c.isNull() if nulls else caught

    return fails


def _invalid(rule: MetricRule) -> Failing:
    """Non-null values outside ``validValues`` or not matching ``pattern`` (anchored)."""

    def fails(c: Any) -> Any:
        if rule.valid_values is not None:
            valid = c.isin(list(rule.valid_values))
        else:
            valid = c.cast("string").rlike(f"^(?:{rule.pattern or ''})")
        return c.isNotNull() & ~valid

    return fails


def _keys_present(c: Any) -> Any:
    """A struct's keys holding a value (``to_json`` leaves null fields out)."""
    from pyspark.sql import functions as F

    return F.json_object_keys(F.to_json(c))


def _sizes(column: ColumnRule) -> Failing:
    """Item (array) or key (struct: fields holding a value) counts out of bounds."""

    def fails(c: Any) -> Any:
        from pyspark.sql import functions as F

        size = F.size(c) if column.logical_type == "array" else F.size(_keys_present(c))
        bad = F.lit(False)
        if column.min_size is not None:
            bad = bad | (size < column.min_size)
        if column.max_size is not None:
            bad = bad | (size > column.max_size)
        if column.unique_items:
            bad = bad | (F.size(F.array_distinct(c)) != F.size(c))
        return c.isNotNull() & bad

    return fails


def _keys(column: ColumnRule) -> Failing:
    def fails(c: Any) -> Any:
        from pyspark.sql import functions as F

        keys = _keys_present(c)
        held = F.lit(True)
        for k in column.required_keys:
            held = held & F.coalesce(F.array_contains(keys, k), F.lit(False))
        return c.isNotNull() & ~held

    return fails


# the column types pandera.pyspark's built-in checks accept (its register_input_datatypes)
_ACCEPTS: dict[str, tuple[str, ...]] = {
    "bounds": ("numeric", "date"),
    "strings": ("string",),
    "isin": ("numeric", "date", "string", "binary"),
}


def _accepted(dtype: Any) -> str | None:
    from pyspark.sql import types as T

    for family, types in (
        ("numeric", (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType)),
        ("numeric", (T.DoubleType, T.DecimalType)),
        ("date", (T.DateType, T.TimestampType)),
        ("string", (T.StringType,)),
        ("binary", (T.BinaryType,)),
    ):
        if type(dtype) in types:
            return family
    return None


def _builtin(label: str, column: ColumnRule, dtype: Any, needs: str, rule: str) -> None:
    """Refuse a rule pandera.pyspark's built-in check cannot run on this column's type."""
    if dtype is not None and _accepted(dtype) not in _ACCEPTS[needs]:
        raise ContractError(
            f"contract {label}, property {column.name!r}: rule {rule} cannot run on a Spark "
            f"{dtype.simpleString()} column (pandera.pyspark's check takes "
            f"{' or '.join(_ACCEPTS[needs])} columns)"
        )


def _row_checks(pa: Any, column: ColumnRule, dtype: Any, label: str) -> list[Any]:
    checks: list[Any] = []
    for bound, check, option in (
        (column.minimum, pa.Check.ge, "minimum"),
        (column.maximum, pa.Check.le, "maximum"),
        (column.exclusive_minimum, pa.Check.gt, "exclusiveMinimum"),
        (column.exclusive_maximum, pa.Check.lt, "exclusiveMaximum"),
    ):
        if bound is not None:
            _builtin(label, column, dtype, "bounds", option)
            checks.append(check(bound))
    if column.min_length is not None or column.max_length is not None:
        _builtin(label, column, dtype, "strings", "minLength/maxLength")
        checks.append(pa.Check.str_length(column.min_length, column.max_length))
    if column.pattern is not None:
        _builtin(label, column, dtype, "strings", "pattern")
        checks.append(pa.Check.str_matches(column.pattern))
    if column.valid_values is not None:
        _builtin(label, column, dtype, "isin", "enum")
        checks.append(pa.Check.isin(list(column.valid_values)))
    if column.min_size is not None or column.max_size is not None or column.unique_items:
        bounds = f"{column.min_size}, {column.max_size}{', unique' if column.unique_items else ''}"
        checks.append(_custom(pa, f"size({bounds})", _sizes(column)))
    if column.required_keys:
        name = f"required_keys({', '.join(column.required_keys)})"
        checks.append(_custom(pa, name, _keys(column)))
    if column.unique is not None:
        checks.append(_table(pa, "field_uniqueness", _duplicated([column.name], nulls=True)))
    for rule in column.row_checks:
        if rule.metric == "nullValues":
            checks.append(_custom(pa, rule.name, lambda c: c.isNull()))
        elif rule.metric == "missingValues":
            checks.append(_custom(pa, rule.name, _missing(rule)))
        elif rule.metric == "invalidValues":
            checks.append(_custom(pa, rule.name, _invalid(rule)))
        elif rule.metric == "duplicateValues":
            checks.append(_table(pa, rule.name, _duplicated([column.name], nulls=False)))
    return checks


def build_schema(rules: ObjectRules, types: dict[str, Any]) -> Any:
    """A pandera.pyspark DataFrameSchema enforcing ``rules``' row-level part.

    ``types`` are the frame's column types: pandera.pyspark runs its built-in checks only
    on a column declared with the type it has (the type family is checked apart).

    Raises:
        ContractError: a rule pandera.pyspark cannot run on its column's type (naming
            the contract, the property and the rule).
    """
    import pandera.pyspark as pa

    columns = {
        c.name: pa.Column(
            dtype=types.get(c.name) if _accepted(types.get(c.name)) else None,
            checks=_row_checks(pa, c, types.get(c.name), rules.label),
            nullable=c.not_null is None,
            required=True,
            name=c.name,
        )
        for c in rules.columns
    }
    checks = [
        _table(
            pa,
            "multiple_fields_uniqueness" if i == 0 else f"unique_together({', '.join(cols)})",
            _duplicated(list(cols), nulls=True),
        )
        for i, (cols, _) in enumerate(rules.unique_together)
    ]
    return pa.DataFrameSchema(columns, name=rules.label, checks=checks or None)


def _family(logical: str, dtype: Any) -> bool:
    from pyspark.sql import types as T

    strings = (T.StringType, T.VarcharType, T.CharType)
    integers = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
    timestamps = tuple(
        t for t in (getattr(T, "TimestampType", None), getattr(T, "TimestampNTZType", None)) if t
    )
    time = getattr(T, "TimeType", None)
    tests: dict[str, Callable[[], bool]] = {
        "string": lambda: isinstance(dtype, strings),
        "integer": lambda: isinstance(dtype, integers),
        "number": lambda: isinstance(dtype, T.NumericType),
        "boolean": lambda: isinstance(dtype, T.BooleanType),
        "date": lambda: isinstance(dtype, (T.DateType, *timestamps)),
        "timestamp": lambda: isinstance(dtype, timestamps),
        "time": lambda: time is not None and isinstance(dtype, time),
    }
    return tests[logical]()


def _metric(rule: MetricRule) -> Any:
    from pyspark.sql import functions as F

    if rule.metric == "rowCount":
        return F.count(F.lit(1))
    if rule.metric == "duplicateValues" and rule.column is None:
        return F.count(F.lit(1)) - F.count_distinct(F.struct(*[_col(c) for c in rule.columns]))
    c = _col(rule.column or "")
    if rule.metric == "nullValues":
        return F.count(F.when(c.isNull(), 1))
    if rule.metric == "missingValues":
        return F.count(F.when(_missing(rule)(c), 1))
    if rule.metric == "invalidValues":
        return F.count(F.when(_invalid(rule)(c), 1))
    return F.count(c) - F.count_distinct(c)  # duplicateValues: copies beyond the first


def measure(frame: Any, rules: ObjectRules, present: set[str]) -> dict[str, float]:
    """Type families of present columns and every dataset-level metric, in one ``agg``."""
    from pyspark.sql import functions as F

    types = {f.name: f.dataType for f in frame.schema.fields}
    out: dict[str, float] = {}
    for c in rules.columns:
        if c.name in present and c.logical_type in {
            "string",
            "integer",
            "number",
            "boolean",
            "date",
            "timestamp",
            "time",
        }:
            out[f"type:{c.name}"] = float(_family(c.logical_type, types[c.name]))
    wanted = [
        m
        for m in rules.metrics
        if (m.column is None or m.column in present) and all(c in present for c in m.columns)
    ]
    row = frame.agg(
        F.count(F.lit(1)).alias("__rows"),
        *(_metric(rule).alias(f"__m{i}") for i, rule in enumerate(wanted)),
    ).first()
    rows = float(row["__rows"])
    for i, rule in enumerate(wanted):
        count = float(row[f"__m{i}"])
        out[rule.name] = 100.0 * count / rows if rule.unit == "percent" and rows else count
        if rule.unit == "percent" and not rows:
            out[rule.name] = 0.0
    return out


def run_sql(frame: Any, object_name: str, rule: SqlRule) -> Any:
    """The first value a contract's SQL rule returns, run by Spark SQL over ``frame``.

    ``{object}``/``{table}`` name the frame and ``{property}``/``{column}`` the column, as
    for DuckDB; the query is Spark SQL (a frame's SQL runs where the frame is).

    Raises:
        ContractError: the query fails or does not return one value.
    """
    from pyspark.errors import PySparkException

    quoted = "`" + (rule.column or "").replace("`", "``") + "`"
    query = rule.query.replace("{", "{{").replace("}", "}}")
    for name in ("object", "table"):
        query = query.replace("{{" + name + "}}", "{__govern_object}")
    if rule.column is not None:
        for name in ("property", "column"):
            query = query.replace("{{" + name + "}}", quoted)
    try:
        rows = frame.sparkSession.sql(query, __govern_object=frame).take(2)
    except PySparkException as exc:
        raise ContractError(
            f"contract {object_name!r}, rule {rule.name!r}: the Spark SQL query failed: "
            f"{str(exc).splitlines()[0]}"
        ) from None
    if len(rows) != 1 or len(rows[0]) != 1:
        raise ContractError(
            f"contract {object_name!r}, rule {rule.name!r}: the query must return one value"
        )
    value = rows[0][0]
    return float(value) if isinstance(value, Decimal) else value
