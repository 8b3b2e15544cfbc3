"""Contract rules, engine-neutral: what one schema object of an ODCS contract demands.

`govern.contracts.translate` builds them from a contract; each engine (`govern.engines`:
``contract_schema``, ``measure``) enforces them on its frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from govern.types import Severity

__all__ = ["Bound", "ColumnRule", "MetricRule", "ObjectRules", "SqlRule", "UnsupportedRule"]


@dataclass(frozen=True)
class Bound:
    """One operator of a rule: the metric must satisfy ``value <op> bound``."""

    op: str
    value: float | tuple[float, float]

    def holds(self, metric: float) -> bool:
        """Whether ``metric`` satisfies this operator (between is exclusive, per ODCS)."""
        if isinstance(self.value, tuple):
            low, high = self.value
            inside = low < metric < high
            return inside if self.op == "between" else not inside
        bound = self.value
        return {
            "==": metric == bound,
            "!=": metric != bound,
            ">": metric > bound,
            ">=": metric >= bound,
            "<": metric < bound,
            "<=": metric <= bound,
        }[self.op]

    def __str__(self) -> str:
        if isinstance(self.value, tuple):
            return f"{self.op} {self.value[0]:g} and {self.value[1]:g}"
        return f"{self.op} {self.value:g}"


@dataclass(frozen=True)
class MetricRule:
    """A library metric computed over the dataset and compared with its bounds."""

    name: str
    metric: str
    column: str | None
    bounds: tuple[Bound, ...]
    severity: Severity
    unit: Literal["rows", "percent"] = "rows"
    columns: tuple[str, ...] = ()
    valid_values: tuple[Any, ...] | None = None
    pattern: str | None = None
    missing_values: tuple[Any, ...] = (None,)

    @property
    def expected(self) -> str:
        """The rule in words, for the record."""
        unit = "%" if self.unit == "percent" else " rows"
        return f"{self.metric} " + " and ".join(f"{b}{unit}" for b in self.bounds)


@dataclass(frozen=True)
class SqlRule:
    """An ODCS ``sql`` rule: a query returning one number, compared with its bounds."""

    name: str
    query: str
    bounds: tuple[Bound, ...]
    severity: Severity
    column: str | None = None


@dataclass(frozen=True)
class UnsupportedRule:
    """A rule govern cannot evaluate (a ``custom`` rule for Soda, dbt...): where and why."""

    name: str
    column: str | None
    reason: str


@dataclass(frozen=True)
class ColumnRule:
    """What a property demands of its column, row by row."""

    name: str
    logical_type: str | None = None
    not_null: Severity | None = None
    unique: Severity | None = None
    minimum: Any = None
    maximum: Any = None
    exclusive_minimum: Any = None
    exclusive_maximum: Any = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    valid_values: tuple[Any, ...] | None = None
    min_size: int | None = None
    max_size: int | None = None
    unique_items: bool = False
    required_keys: tuple[str, ...] = ()
    row_checks: tuple[MetricRule, ...] = ()


@dataclass(frozen=True)
class ObjectRules:
    """One schema object of a contract, ready to become a gate on any engine."""

    contract_id: str
    contract_version: str
    name: str
    columns: tuple[ColumnRule, ...]
    unique_together: tuple[tuple[tuple[str, ...], Severity], ...] = ()
    metrics: tuple[MetricRule, ...] = ()
    sql: tuple[SqlRule, ...] = ()
    unsupported: tuple[UnsupportedRule, ...] = ()
    description: str | None = None
    owners: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        """``odcs:<id>@<version>/<object>``: the name this gate is recorded under."""
        return f"odcs:{self.contract_id}@{self.contract_version}/{self.name}"
