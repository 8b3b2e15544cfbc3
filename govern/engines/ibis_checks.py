"""pandera.ibis schemas as SQL: every check of a gate in one aggregate query.

Bare ``pandera.ibis`` runs one query per check (``check_output.all()``) and, for each
failing check, pulls the failure cases *and the whole check-output column* into pandas.
govern asks pandera for the same things -- its column info, presence, strictness and
dtype rules (pure Python, no query), and each check's boolean expression built by
pandera's own check functions -- and then evaluates all of them at once::

    SELECT count(*), sum(fails_0), sum(fails_1), ... FROM (SELECT *, <not ok_i> ...)

so a gate is one scan of the table whatever the number of checks. A failing check then
costs one ``LIMIT sample_size`` query for its samples. Nothing else reaches Python.

Semantics follow pandera.ibis exactly (the differential tests compare verdicts):

- a check's output is null for a null input unless ``ignore_na`` ORs ``isnull`` in;
  pandera's ``all()`` skips nulls and its failure cases are ``filter(~ok)``, so a row
  fails only where the output is *false*: ``coalesce(not ok, false)``;
- ``not_nullable`` counts NaN as null for floating columns, as pandera does;
- ``Column(unique=True)`` is not checked by pandera.ibis: govern lists it as not run.

A check govern cannot express over the table (its expression is built on a relation
that is not a plain projection of it) is run through pandera's own backend instead and
reported as a table-level finding (counted, not quarantinable).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from govern.engines.base import RowFailure
from govern.engines.ibis_plan import expand_regex, plan, table_level
from govern.jsonable import bounded_repr

__all__ = ["IbisPredicate", "IbisValidation", "validate_table"]

_FLAG = "__govern_fail_"
_ROWS = "__govern_rows"


class IbisPredicate:
    """The rows of an Ibis table that one check fails, as a flag column.

    ``table`` is the gated table plus one boolean ``__govern_fail_<i>`` column per check
    (never null); ``flag`` names this check's. Every predicate of one validation shares
    ``table``, so ``filter(any flag)`` and ``filter(not any flag)`` partition the rows.
    Compared by identity: one object per failing check.
    """

    __slots__ = ("columns", "flag", "label", "table")

    def __init__(self, table: Any, flag: str, label: str, columns: Sequence[str]) -> None:
        self.table = table
        self.flag = flag
        self.label = label
        self.columns = tuple(columns)

    def __repr__(self) -> str:
        return f"IbisPredicate({self.label!r})"


@dataclass(slots=True)
class IbisValidation:
    """What one validation found: the table to pass on, findings, rows counted."""

    table: Any
    schema: Any
    failures: list[RowFailure]
    rows: int | None
    queries: int = 0  # queries sent to the database (the bench states them)


def _register() -> None:
    from pandera.backends.ibis.register import register_ibis_backends
    from pandera.config import CONFIG

    register_ibis_backends(use_narwhals_backend=CONFIG.use_narwhals_backend)


def validate_table(
    schema: Any, table: Any, *, want_index: bool, sample_size: int
) -> IbisValidation:
    """Validate an Ibis table with a pandera.ibis schema; failures counted by SQL.

    ``schema`` is the copy govern validates with (`govern.checks.pandera_schema.prepare`:
    no warnings-only checks, no capped failure cases). Returns only what failed; the
    caller lists the checks that passed.
    """
    _register()
    schema = expand_regex(schema, table)
    found = plan(schema, table)
    base = found.table
    flagged = base.mutate(**{f"{_FLAG}{i}": r.fails for i, r in enumerate(found.rules)})
    aggregates: dict[str, Any] = {_ROWS: flagged.count()}
    for i, _ in enumerate(found.rules):
        aggregates[f"{_FLAG}{i}"] = _count_true(flagged[f"{_FLAG}{i}"])
    for i, (_, _, scalar) in enumerate(found.scalars):
        aggregates[f"__govern_scalar_{i}"] = scalar
    row = flagged.aggregate(**aggregates).to_pyarrow().to_pylist()[0]
    queries = 1
    rows = int(row[_ROWS])
    failing: list[RowFailure] = list(found.static)
    for i, rule in enumerate(found.rules):
        count = int(row[f"{_FLAG}{i}"])
        if not count:
            continue
        sample: tuple[str, ...] = ()
        if sample_size > 0:
            sample = _sample(flagged, f"{_FLAG}{i}", rule.column, base.columns, sample_size)
            queries += 1
        predicate = IbisPredicate(flagged, f"{_FLAG}{i}", rule.label, base.columns)
        failing.append(
            RowFailure(
                check=rule.label,
                column=rule.column,
                failed_count=count,
                rows=rows,
                predicate=predicate if rule.row_level and want_index else None,
                sample=sample,
                row_level=rule.row_level,
                message=None
                if rule.row_level
                else f"{rule.label} failed; which duplicate is kept depends on row order, "
                "so rows are not set aside",
            )
        )
    for i, (column, label, _) in enumerate(found.scalars):
        if not row[f"__govern_scalar_{i}"]:  # None too: pandera's all() of no rows
            failing.append(table_level(column, label, f"{label} failed"))
    for column, label, check in found.fallback:
        failing.extend(_through_pandera(schema, base, column, label, check))
        queries += 1
    return IbisValidation(base, schema, failing, rows, queries)


def _count_true(flag: Any) -> Any:
    """Rows where ``flag`` is true (PostgreSQL cannot cast a boolean to a number)."""
    import ibis

    return ibis.ifelse(flag, 1, 0).sum().fill_null(0)


def _sample(
    flagged: Any, flag: str, column: str | None, columns: Sequence[str], size: int
) -> tuple[str, ...]:
    """A few failing values: ``LIMIT size`` rows of the check's column reach Python."""
    rows = flagged.filter(flagged[flag]).select(*([column] if column else columns)).limit(size)
    out = []
    for record in rows.to_pyarrow().to_pylist():
        value = record[column] if column else record
        out.append(bounded_repr(value))
    return tuple(out)


def _through_pandera(
    schema: Any, table: Any, column: str | None, label: str, check: Any
) -> list[RowFailure]:
    """Run one check with pandera's own backend (a check govern cannot fold into SQL)."""
    from pandera.errors import SchemaWarning

    target = table[column] if column is not None else table
    component = schema.columns[column] if column is not None else schema
    backend = component.get_backend(table)
    args = (component.selector,) if column is not None else ()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaWarning)
        result = backend.run_check(target, component, check, 0, *args)
    if result.passed:
        return []
    cases = result.failure_cases
    count = len(cases) if hasattr(cases, "__len__") and not isinstance(cases, str) else 1
    message = (
        f"{label} failed ({count} failure case(s)); it is not expressed as SQL over the "
        "table, so its rows are not set aside"
    )
    return [
        RowFailure(check=label, column=column, failed_count=count, message=message, row_level=False)
    ]
