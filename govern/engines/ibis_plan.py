"""A pandera.ibis schema as expressions over the table (what `ibis_checks` evaluates).

Schema-level results (strictness, presence, dtype) come from pandera's own backend
methods, which run no query; each data check becomes a boolean expression built by
pandera's check functions and rewritten over the gated table (`inline`), so that all of
them fit in one ``SELECT``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govern.engines.base import RowFailure

__all__ = ["PRESENCE", "Plan", "Rule", "check_label", "expand_regex", "plan", "table_level"]

PRESENCE = "column_in_dataframe"  # pandera's label for "the column exists"
_UNIQUE_COLUMN = "field_uniqueness"
_UNIQUE_FRAME = "multiple_fields_uniqueness"


class NotInlinable(Exception):
    """A check's expression is built on a relation govern cannot fold into the table."""


@dataclass(slots=True)
class Rule:
    """One data check as an expression true exactly for its failing rows."""

    column: str | None
    label: str
    fails: Any  # a boolean expression over the table, true exactly for failing rows
    row_level: bool = True  # False: rows cannot be set aside (nondeterministic order)


@dataclass(slots=True)
class Plan:
    """What a schema asks of one table: results known now, and rules for the query."""

    table: Any
    static: list[RowFailure] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    scalars: list[tuple[str | None, str, Any]] = field(default_factory=list)
    fallback: list[tuple[str | None, str, Any]] = field(default_factory=list)


def check_label(check: Any) -> str:
    """A check's name as pandera's failure cases spell it."""
    return str(check.error or check.name)


def expand_regex(schema: Any, table: Any) -> Any:
    """``schema`` with each regex column replaced by the table columns it matches."""
    import copy

    if not any(getattr(c, "regex", False) for c in schema.columns.values()):
        return schema
    columns: dict[Any, Any] = {}
    for name, column in schema.columns.items():
        if not getattr(column, "regex", False):
            columns[name] = column
            continue
        matched = list(column.get_backend(table).get_regex_columns(column, table))
        if not matched:
            columns[name] = column
        for match in matched:
            if match in columns or match in schema.columns:
                continue
            one = copy.copy(column)
            one.name = match
            one.regex = False
            columns[match] = one
    expanded = copy.copy(schema)
    expanded.columns = columns
    return expanded


def table_level(column: str | None, label: str, message: str) -> RowFailure:
    """A failure of the table as a whole (no row can be set aside for it)."""
    return RowFailure(check=label, column=column, failed_count=1, message=message, row_level=False)


def plan(schema: Any, table: Any) -> Plan:
    """Schema-level results now (Python only); data rules as expressions for one query."""
    from pandera.errors import SchemaError

    backend = schema.get_backend(table)
    info = backend.collect_column_info(table, schema)
    found = Plan(table)
    try:
        found.table = backend.strict_filter_columns(table, schema, info)
    except SchemaError as exc:
        found.static.append(table_level(None, str(exc.check), str(exc)))
    for result in backend.check_column_presence(table, schema, info) or []:
        name = str(result.failure_cases)
        found.static.append(
            table_level(name, PRESENCE, f"column {name!r} not in table; columns: {table.columns}")
        )
    components = backend.collect_schema_components(found.table, schema, info)
    for component in components:
        _plan_column(found, component)
    for check in schema.checks:
        _plan_check(found, None, check)
    if schema.unique:
        _plan_unique(found, schema)
    return found


def _plan_column(found: Plan, component: Any) -> None:
    import ibis.expr.operations as ops

    name = str(component.name)
    if name not in found.table.columns:
        return
    column = found.table[name]
    if component.dtype is not None:
        result = component.get_backend(found.table).check_dtype(column, component)
        if not result.passed:
            found.static.append(table_level(name, str(result.check), str(result.message)))
    if not component.nullable:
        isna = column.isnull()
        if column.type().is_floating() and column.get_backend().has_operation(ops.IsNan):
            isna |= column.isnan()
        found.rules.append(Rule(name, "not_nullable", isna))
    if component.unique:
        # pandera.ibis skips Column(unique=True); govern checks it rather than record a
        # check nobody ran as passed: every row of a repeated non-null value fails
        import ibis

        repeated = (ibis._.count().over(group_by=[name]) > 1).resolve(found.table)
        found.rules.append(
            Rule(name, _UNIQUE_COLUMN, (repeated & column.notnull()).fill_null(False))
        )
    for check in component.checks:
        _plan_check(found, name, check)


def _plan_check(found: Plan, key: str | None, check: Any) -> None:
    """One pandera check as a failing-rows expression, a scalar, or a fallback."""
    label = check_label(check)
    try:
        ok = _check_output(found.table, key, check)
    except NotInlinable:
        found.fallback.append((key, label, check))
        return
    except Exception as exc:  # the check could not even be built: pandera's CHECK_ERROR
        found.static.append(
            table_level(key, label, f"{label} could not run: {type(exc).__name__}: {exc}")
        )
        return
    if ok.type().is_boolean() and _is_scalar(ok):
        found.scalars.append((key, label, ok))
        return
    if check.ignore_na and key is not None:
        ok = ok | found.table[key].isnull()
    found.rules.append(Rule(key, label, (~ok).fill_null(False)))


def _is_scalar(expr: Any) -> bool:
    import ibis.expr.types as ir

    return isinstance(expr, ir.Scalar)


def _check_output(table: Any, key: str | None, check: Any) -> Any:
    """The check's boolean output, per row of ``table`` (or one scalar), via pandera."""
    import ibis
    import ibis.expr.types as ir
    from pandera.api.ibis.types import IbisData
    from pandera.backends.ibis.checks import IbisCheckBackend

    backend = IbisCheckBackend(_with_ibis_dispatch(check))
    if check.element_wise:
        columns = [key] if key is not None else list(table.columns)
        outputs = [backend.check_fn(table[c]) for c in columns]
        return _all(outputs)
    data = table.select(key) if key is not None else table  # pandera's preprocess
    out = backend.check_fn(IbisData(data, key))
    if isinstance(out, bool):
        return ibis.literal(out)
    if isinstance(out, dict):
        out = _all(list(out.values()))
    elif isinstance(out, ibis.Table):
        out = _all([out[c] for c in out.columns])
    if not isinstance(out, ir.BooleanValue):
        raise TypeError(f"output type of check_fn not recognized: {type(out).__name__}")
    return _inline(out, table)


def _with_ibis_dispatch(check: Any) -> Any:
    """The check, its built-in function able to take Ibis data.

    A schema copied (``copy.deepcopy``) before pandera registered its Ibis built-ins
    carries a copy of the built-in's dispatcher without them; the shared one has them.
    """
    import copy

    from pandera.api.base.checks import BaseCheck
    from pandera.api.function_dispatch import Dispatcher
    from pandera.api.ibis.types import IbisData

    fn = check._check_fn
    if not isinstance(fn, Dispatcher) or IbisData in fn._function_registry:
        return check
    shared = BaseCheck.CHECK_FUNCTION_REGISTRY.get(str(fn._name))
    if shared is None or IbisData not in shared._function_registry:
        return check
    mine = copy.copy(check)
    mine._check_fn = shared
    return mine


def _all(outputs: list[Any]) -> Any:
    result = outputs[0]
    for other in outputs[1:]:
        result = result & other
    return result


def _inline(value: Any, table: Any) -> Any:
    """``value`` rewritten over ``table``.

    Fields of projections of ``table`` are replaced by the projected expressions
    (pandera builds checks on ``table.select(...)``).
    """
    import ibis.expr.operations as ops

    base = table.op()

    def peel(node: Any, kwargs: Any) -> Any:
        if kwargs:
            node = node.__recreate__(kwargs)
        if isinstance(node, ops.Field) and node.rel != base:
            if isinstance(node.rel, ops.Project):
                return node.rel.values[node.name]
            raise NotInlinable(type(node.rel).__name__)
        return node

    op = value.op()
    for _ in range(8):  # projections of projections
        fields = [f for f in op.find(ops.Field) if f.rel != base]
        if not fields:
            return op.to_expr()
        op = op.replace(peel, filter=ops.Value)
    raise NotInlinable("too deep")


def _plan_unique(found: Plan, schema: Any) -> None:
    """The schema's ``unique``: pandera's window expressions, counted in the same query."""
    import ibis
    from ibis import _
    from pandera.backends.utils import convert_uniquesettings

    keep = convert_uniquesettings(schema.report_duplicates)
    groups = [schema.unique] if all(isinstance(x, str) for x in schema.unique) else schema.unique
    for group in groups:
        subset = [c for c in group if c in found.table.columns]
        if keep == "first":
            duplicated = ibis.row_number().over(group_by=subset) > 0
        elif keep == "last":
            duplicated = (_.count() - ibis.row_number()).over(group_by=subset) > 1
        else:
            duplicated = _.count().over(group_by=subset) > 1
        duplicated = (
            duplicated.resolve(found.table) if hasattr(duplicated, "resolve") else duplicated
        )
        # which duplicate is "first" depends on row order, which SQL does not fix
        found.rules.append(
            Rule(None, _UNIQUE_FRAME, duplicated.fill_null(False), row_level=keep is False)
        )
