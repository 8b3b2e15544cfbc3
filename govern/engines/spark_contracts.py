"""Contract rules on Spark frames: a pandera.pyspark schema (metrics: spark_contract_metrics).

The row-level rules become pandera.pyspark checks: its built-ins where it has them (bounds,
lengths, patterns, enums, nulls), else a custom check that also carries the Spark
predicate of its failing rows (``govern_failing``), so govern counts, samples and
quarantines those rows as it does for the built-ins (govern.checks.spark). Uniqueness
(pandera.pyspark has no column ``unique``; its schema-level one is a single set) is a
check of the dataset: its duplicates are counted, not pinned to rows, so a quarantining
stage fails rather than losing rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govern.errors import ContractError, GateDefinitionError

__all__ = ["OPTIONS", "build_schema", "col", "declare_types", "failing_invalid", "failing_missing"]

# govern.contracts.rules' plain dataclasses (contracts sit above engines in the layers)
ColumnRule = Any
MetricRule = Any
ObjectRules = Any
SqlRule = Any

Failing = Callable[[Any], Any]
"""A column -> the Spark expression true for the rows that break a rule."""


def col(name: str) -> Any:
    """The column ``name`` taken literally (dots and spaces are not paths)."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _custom(pa: Any, name: str, fails: Failing) -> Any:
    """A pandera.pyspark column check that fails when any row is caught by ``fails``."""
    from pyspark.sql import functions as F

    def ok(data: Any, **_: Any) -> bool:
        caught = F.coalesce(fails(col(data.column_name)), F.lit(False))
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
        cols = [col(c) for c in columns]
        known = frame if nulls else frame.where(cols[0].isNotNull())
        return bool(known.groupBy(*cols).count().where("count > 1").limit(1).count() == 0)

    return ok


def failing_missing(rule: MetricRule) -> Failing:
    """Values listed as missing (``arguments.missingValues``; null when listed)."""
    values = [v for v in rule.missing_values if v is not None]
    nulls = any(v is None for v in rule.missing_values)

    def fails(c: Any) -> Any:
        from pyspark.sql import functions as F

        caught = F.coalesce(c.isin(values), F.lit(False)) if values else F.lit(False)
        return caught | c.isNull() if nulls else caught

    return fails


def failing_invalid(rule: MetricRule) -> Failing:
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


# a built-in check's label prefix -> what it needs of its column (pandera.pyspark's names)
_NEEDS = {
    "greater_than": "bounds",
    "greater_than_or_equal_to": "bounds",
    "less_than": "bounds",
    "less_than_or_equal_to": "bounds",
    "in_range": "bounds",
    "str_length": "strings",
    "str_matches": "strings",
    "str_contains": "strings",
    "str_startswith": "strings",
    "str_endswith": "strings",
    "isin": "isin",
    "notin": "isin",
    "equal_to": "isin",
    "not_equal_to": "isin",
}
OPTIONS = "govern_contract_options"
"""Column metadata key: a contract rule's check label -> the ODCS option it enforces."""


def declare_types(schema: Any, frame: Any) -> Any:
    """``schema`` with each untyped column that has built-in checks typed as in ``frame``.

    pandera.pyspark runs a built-in check only on a column declared with the type it has
    (an untyped one fails inside pandera). A check that cannot run on the column's type at
    all is refused here, naming the column and the check (and, for a contract, the
    contract and the rule it enforces).

    Raises:
        ContractError: a contract's rule pandera.pyspark cannot run on its column's type.
        GateDefinitionError: the same for a hand-written schema.
    """
    types = {f.name: f.dataType for f in frame.schema.fields}
    updates: dict[str, dict[str, Any]] = {}
    for name, column in schema.columns.items():
        dtype = types.get(name)
        if dtype is None:
            continue  # pandera reports the missing column
        builtins = [
            (label, _NEEDS[label.split("(")[0]])
            for label in (str(c.error or c.name) for c in column.checks)
            if label.split("(")[0] in _NEEDS
        ]
        for label, needs in builtins:
            if _accepted(dtype) not in _ACCEPTS[needs]:
                raise _refusal(schema, column, name, label, needs, dtype)
        if builtins and column.dtype is None:
            updates[name] = {"dtype": dtype}
    return schema.update_columns(updates) if updates else schema


def _refusal(schema: Any, column: Any, name: str, label: str, needs: str, dtype: Any) -> Exception:
    takes = " or ".join(_ACCEPTS[needs])
    options = (column.metadata or {}).get(OPTIONS)
    if options is not None:
        return ContractError(
            f"property {name!r}: rule {options.get(label, label)} "
            f"({label}) cannot run on a Spark {dtype.simpleString()} column "
            f"(pandera.pyspark's check takes {takes} columns)"
        )
    return GateDefinitionError(
        f"column {name!r}: pandera.pyspark's {label} cannot run on a Spark "
        f"{dtype.simpleString()} column (it takes {takes} columns)"
    )


def _row_checks(pa: Any, column: ColumnRule, options: dict[str, str]) -> list[Any]:
    """The column's checks; ``options`` gets each built-in's label -> its ODCS option."""
    checks: list[Any] = []

    def builtin(check: Any, option: str) -> None:
        checks.append(check)
        options[str(check.error or check.name)] = option

    for bound, make, option in (
        (column.minimum, pa.Check.ge, "minimum"),
        (column.maximum, pa.Check.le, "maximum"),
        (column.exclusive_minimum, pa.Check.gt, "exclusiveMinimum"),
        (column.exclusive_maximum, pa.Check.lt, "exclusiveMaximum"),
    ):
        if bound is not None:
            builtin(make(bound), option)
    if column.min_length is not None or column.max_length is not None:
        builtin(pa.Check.str_length(column.min_length, column.max_length), "minLength/maxLength")
    if column.pattern is not None:
        builtin(pa.Check.str_matches(column.pattern), "pattern")
    if column.valid_values is not None:
        builtin(pa.Check.isin(list(column.valid_values)), "enum")
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
            checks.append(_custom(pa, rule.name, failing_missing(rule)))
        elif rule.metric == "invalidValues":
            checks.append(_custom(pa, rule.name, failing_invalid(rule)))
        elif rule.metric == "duplicateValues":
            checks.append(_table(pa, rule.name, _duplicated([column.name], nulls=False)))
    return checks


def build_schema(rules: ObjectRules) -> Any:
    """A pandera.pyspark DataFrameSchema enforcing ``rules``' row-level part.

    Columns are untyped (a logical type is a family, measured apart); `declare_types`
    types them as the validated frame has them, as pandera.pyspark's built-ins need.
    """
    import pandera.pyspark as pa

    columns = {}
    for c in rules.columns:
        options: dict[str, str] = {}
        checks = _row_checks(pa, c, options)
        columns[c.name] = pa.Column(
            checks=checks,
            nullable=c.not_null is None,
            required=True,
            name=c.name,
            metadata={OPTIONS: options},
        )
    checks = [
        _table(
            pa,
            "multiple_fields_uniqueness" if i == 0 else f"unique_together({', '.join(cols)})",
            _duplicated(list(cols), nulls=True),
        )
        for i, (cols, _) in enumerate(rules.unique_together)
    ]
    return pa.DataFrameSchema(columns, name=rules.label, checks=checks or None)
