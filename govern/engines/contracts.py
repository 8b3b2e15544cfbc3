"""Contract rules as a pandera schema, built the same way for every engine.

An engine supplies the checks pandera's built-ins do not cover (`ContractChecks`: null,
missing, invalid and duplicated values, nested sizes, required keys, multi-column
uniqueness) in its own frame library; the schema's shape is the same for all. Rules
are `govern.contracts.rules` objects (typed ``Any`` here: contracts sit above engines).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

__all__ = ["FAMILIES", "ContractChecks", "build_schema", "percent", "size_ok", "wanted_metrics"]


class ContractChecks(Protocol):
    """An engine's pandera checks for the contract rules pandera has no built-in for."""

    def not_null(self, pa: Any, name: str) -> Any:
        """Values present (``nullValues`` as a row check)."""
        ...

    def not_missing(self, pa: Any, rule: Any) -> Any:
        """Values not among the rule's ``missing_values``."""
        ...

    def valid(self, pa: Any, rule: Any) -> Any:
        """Values in ``validValues`` or matching ``pattern``; nulls are not invalid."""
        ...

    def not_duplicated(self, pa: Any, name: str) -> Any:
        """Values that occur once (nulls excepted)."""
        ...

    def bound(self, value: Any) -> Any:
        """A bound as the engine compares it."""
        ...

    def nested_sizes(self, pa: Any, column: Any) -> Any:
        """Item (array) or key (object) counts within bounds; items distinct if asked."""
        ...

    def required_keys(self, pa: Any, column: Any) -> Any:
        """Object values holding every required key."""
        ...

    def unique_together(self, pa: Any, cols: Sequence[str]) -> Any:
        """Rows unique over ``cols`` taken together."""
        ...


def size_ok(column: Any, size: int) -> bool:
    """``size`` within the column's ``min_size`` / ``max_size``."""
    low, high = column.min_size, column.max_size
    return (low is None or size >= low) and (high is None or size <= high)


def percent(count: float, rows: float, rule: Any) -> float:
    """``count`` in the rule's unit (rows, or percent of ``rows``)."""
    if rule.unit != "percent":
        return count
    return 100.0 * count / rows if rows else 0.0


def _row_checks(checks: ContractChecks, pa: Any, column: Any) -> list[Any]:
    """Pandera checks for a column's row-level rules; quality rules keep their own names."""
    out: list[Any] = []
    for bound, check in (
        (column.minimum, pa.Check.ge),
        (column.maximum, pa.Check.le),
        (column.exclusive_minimum, pa.Check.gt),
        (column.exclusive_maximum, pa.Check.lt),
    ):
        if bound is not None:
            out.append(check(checks.bound(bound)))
    if column.min_length is not None or column.max_length is not None:
        out.append(pa.Check.str_length(column.min_length, column.max_length))
    if column.pattern is not None:
        out.append(pa.Check.str_matches(column.pattern))
    if column.valid_values is not None:
        out.append(pa.Check.isin(list(column.valid_values)))
    if column.min_size is not None or column.max_size is not None or column.unique_items:
        out.append(checks.nested_sizes(pa, column))
    if column.required_keys:
        out.append(checks.required_keys(pa, column))
    for rule in column.row_checks:
        if rule.metric == "nullValues":
            out.append(checks.not_null(pa, rule.name))
        elif rule.metric == "missingValues":
            out.append(checks.not_missing(pa, rule))
        elif rule.metric == "invalidValues":
            out.append(checks.valid(pa, rule))
        elif rule.metric == "duplicateValues":
            out.append(checks.not_duplicated(pa, rule.name))
    return out


def build_schema(rules: Any, pa: Any, checks: ContractChecks) -> Any:
    """A pandera DataFrameSchema (of the API ``pa``) enforcing ``rules``' row-level part.

    Column types are not pandera dtypes here: a logical type is a family (any integer
    width, nullable or not), measured by the engine and reported as a dataset-level
    finding.
    """
    columns = {
        c.name: pa.Column(
            checks=_row_checks(checks, pa, c),
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
        checks=[checks.unique_together(pa, cols) for cols in unique[1:]]
        if len(unique) > 1
        else None,
    )


FAMILIES = ("string", "integer", "number", "boolean", "date", "timestamp", "time")
"""The logical types whose column type family an engine measures."""


def wanted_metrics(rules: Any, present: set[str]) -> list[Any]:
    """The dataset-level metric rules whose columns are all present."""
    return [
        m
        for m in rules.metrics
        if (m.column is None or m.column in present) and all(c in present for c in m.columns)
    ]
