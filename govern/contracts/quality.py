"""ODCS quality rules (``quality:`` lists): library metrics, SQL rules, their operators."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from govern.contracts.document import ContractDocument
from govern.contracts.rules import Bound, MetricRule, SqlRule, UnsupportedRule
from govern.errors import ContractError
from govern.types import Severity

__all__ = ["METRICS", "allows_no_failure", "compile_pattern", "number", "quality_rules"]

METRICS = ("nullValues", "missingValues", "invalidValues", "duplicateValues", "rowCount")
_OPERATORS = {
    "mustBe": "==",
    "mustNotBe": "!=",
    "mustBeGreaterThan": ">",
    "mustBeGreaterOrEqualTo": ">=",
    "mustBeLessThan": "<",
    "mustBeLessOrEqualTo": "<=",
    "mustBeBetween": "between",
    "mustNotBeBetween": "not_between",
}
_WARN_SEVERITIES = {"warning", "warn", "info", "low", "minor"}


def _severity(rule: Mapping[str, Any]) -> Severity:
    value = str(rule.get("severity") or "error").lower()
    return Severity.WARN if value in _WARN_SEVERITIES else Severity.ERROR


def number(value: Any, where: str, what: str) -> float:
    """``value`` as a number (whole numbers stay exact, e.g. 2**63 - 1).

    Anything else (bool, text, NaN, infinity) is a ContractError at ``where``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ContractError(f"{where}: {what} must be a number, got {value!r}")
    return value


def _bounds(rule: Mapping[str, Any], where: str) -> tuple[Bound, ...]:
    bounds = []
    for key, op in _OPERATORS.items():
        if key not in rule or rule[key] is None:
            continue
        value = rule[key]
        if op in ("between", "not_between"):
            if not isinstance(value, list | tuple) or len(value) != 2:
                raise ContractError(f"{where}: {key} takes [low, high], got {value!r}")
            low, high = (number(v, where, key) for v in value)
            bounds.append(Bound(op, (low, high)))
        else:
            bounds.append(Bound(op, number(value, where, key)))
    if not bounds:
        raise ContractError(
            f"{where}: the rule has no operator; add one of {', '.join(_OPERATORS)}"
        )
    return tuple(bounds)


def allows_no_failure(bounds: Sequence[Bound]) -> bool:
    """True when the bounds allow exactly zero failing rows (a row-level check)."""
    for b in bounds:
        if isinstance(b.value, tuple):
            continue
        if (
            (b.op == "==" and b.value == 0)
            or (b.op == "<=" and b.value < 1)
            or (b.op == "<" and b.value <= 1)
        ):
            return all(o.holds(0) for o in bounds)
    return False


def _metric_rule(
    rule: Mapping[str, Any], where: str, column: str | None, names: Sequence[str]
) -> MetricRule:
    metric = rule.get("metric") or rule.get("rule")
    if metric not in METRICS:
        raise ContractError(
            f"{where}: unknown library metric {metric!r}; the ODCS library has {', '.join(METRICS)}"
        )
    if metric == "rowCount" and column is not None:
        raise ContractError(f"{where}: rowCount is a schema-level metric, not a property's")
    if metric in ("nullValues", "missingValues", "invalidValues") and column is None:
        raise ContractError(
            f"{where}: {metric} is a property-level metric; put it under a property"
        )
    unit = str(rule.get("unit") or "rows")
    if unit not in ("rows", "percent"):
        raise ContractError(f"{where}: unit must be rows or percent, got {unit!r}")
    args = rule.get("arguments") or {}
    if not isinstance(args, Mapping):
        raise ContractError(f"{where}: arguments must be a mapping, got {args!r}")
    columns: tuple[str, ...] = ()
    if metric == "duplicateValues" and column is None:
        props = args.get("properties")
        if not isinstance(props, list) or not props or not all(isinstance(p, str) for p in props):
            raise ContractError(f"{where}: schema-level duplicateValues needs arguments.properties")
        missing = [p for p in props if p not in names]
        if missing:
            raise ContractError(f"{where}: arguments.properties names unknown properties {missing}")
        columns = tuple(props)
    valid = args.get("validValues")
    pattern = args.get("pattern")
    if metric == "invalidValues":
        if valid is None and pattern is None:
            raise ContractError(
                f"{where}: invalidValues needs arguments.validValues or arguments.pattern"
            )
        if valid is not None and not isinstance(valid, list):
            raise ContractError(f"{where}: arguments.validValues must be a list")
        if pattern is not None:
            compile_pattern(pattern, where)
    missing_values: tuple[Any, ...] = (None,)
    if metric == "missingValues":
        values = args.get("missingValues", [None, ""])
        if not isinstance(values, list):
            raise ContractError(f"{where}: arguments.missingValues must be a list")
        missing_values = tuple(values)
    name = str(rule.get("id") or rule.get("name") or f"{metric}({column or ', '.join(columns)})")
    return MetricRule(
        name=name,
        metric=str(metric),
        column=column,
        bounds=_bounds(rule, where),
        severity=_severity(rule),
        unit=unit,  # type: ignore[arg-type]
        columns=columns,
        valid_values=tuple(valid) if valid is not None else None,
        pattern=pattern,
        missing_values=missing_values,
    )


def compile_pattern(pattern: Any, where: str) -> None:
    """Refuse a pattern that is not a string or not a valid regular expression."""
    if not isinstance(pattern, str):
        raise ContractError(f"{where}: pattern must be a string, got {pattern!r}")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ContractError(
            f"{where}: pattern {pattern!r} is not a valid regular expression ({exc})"
        ) from None


def quality_rules(
    doc: ContractDocument,
    items: Any,
    path: tuple[str | int, ...],
    column: str | None,
    names: Sequence[str],
) -> tuple[list[MetricRule], list[SqlRule], list[UnsupportedRule]]:
    """The metrics, SQL rules and rules govern cannot run of one ``quality:`` list.

    Text rules are descriptions, not checks.
    """
    metrics: list[MetricRule] = []
    sql: list[SqlRule] = []
    unsupported: list[UnsupportedRule] = []
    for i, rule in enumerate(items or ()):
        where = doc.where((*path, i))
        if not isinstance(rule, Mapping):
            raise ContractError(f"{where}: a quality rule is a mapping")
        kind = rule.get("type") or ("library" if rule.get("metric") or rule.get("rule") else "text")
        if kind == "text":
            continue  # a description for people, not a check (docs/contracts.md)
        if kind == "library":
            metrics.append(_metric_rule(rule, where, column, names))
        elif kind == "sql":
            query = rule.get("query")
            if not isinstance(query, str) or not query.strip():
                raise ContractError(f"{where}: an sql rule needs a query")
            name = str(rule.get("id") or rule.get("name") or f"sql#{i + 1}")
            sql.append(SqlRule(name, query, _bounds(rule, where), _severity(rule), column))
        else:
            engine = rule.get("engine", "an unnamed engine")
            name = str(rule.get("id") or rule.get("name") or f"{kind}:{engine}#{i + 1}")
            unsupported.append(
                UnsupportedRule(
                    name,
                    column,
                    f"{where}: a {kind} rule for {engine} cannot be evaluated by govern; "
                    "express it as a library metric or an sql rule",
                )
            )
    return metrics, sql, unsupported
