"""pandera's pyspark backend: failures counted by Spark, never collected.

pandera-pyspark does not raise: it attaches what failed to ``df.pandera.errors`` and
says only *that* a check failed (each check is a ``filter(~cond).limit(1).count()``).
govern rebuilds each failing built-in check as a Spark column expression that is true
exactly for the failing rows, counts them all with one ``agg`` pass, fetches a few failure
cases per check (``limit(sample_size)``), and hands the expressions to quarantine as
`RowPredicate` objects. A failure that cannot be written as an expression (a custom
check, a wrong dtype, a missing column) is a table-level failure: it cannot be
quarantined, so a quarantining stage fails instead of losing rows. The failures are
`RowFailure` records; `govern.checks.pandera` makes them findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from govern.engines.base import Layout, PanderaRun, RowFailure
from govern.engines.spark_profile import spark_column
from govern.frames import RowPredicate
from govern.jsonable import bounded_repr

__all__ = ["failing_predicate", "run_pandera"]

# reason codes pandera-pyspark files under "SCHEMA" or "DATA" that are row-level
_NULLS = "SERIES_CONTAINS_NULLS"
_CHECK = "DATAFRAME_CHECK"


def _conditions() -> Mapping[str, Callable[[Any, Mapping[str, Any]], Any]]:
    """What each pandera built-in check requires of a value, as pyspark's builtins do."""
    from pyspark.sql import functions as F

    def in_range(c: Any, s: Mapping[str, Any]) -> Any:
        low = c >= s["min_value"] if s.get("include_min", True) else c > s["min_value"]
        high = c <= s["max_value"] if s.get("include_max", True) else c < s["max_value"]
        return low & high

    def str_length(c: Any, s: Mapping[str, Any]) -> Any:
        length = F.length(c)
        if s.get("exact_value") is not None:
            return length == s["exact_value"]
        cond = F.lit(True)
        if s.get("min_value") is not None:
            cond = cond & (length >= s["min_value"])
        if s.get("max_value") is not None:
            cond = cond & (length <= s["max_value"])
        return cond

    def str_matches(c: Any, s: Mapping[str, Any]) -> Any:
        pattern = s["pattern"].pattern if isinstance(s["pattern"], re.Pattern) else s["pattern"]
        return c.rlike(pattern if pattern.startswith("^") else f"^{pattern}")

    def str_contains(c: Any, s: Mapping[str, Any]) -> Any:
        pattern = s["pattern"].pattern if isinstance(s["pattern"], re.Pattern) else s["pattern"]
        return c.rlike(pattern)

    return {
        "equal_to": lambda c, s: c == s["value"],
        "not_equal_to": lambda c, s: c != s["value"],
        "greater_than": lambda c, s: c > s["min_value"],
        "greater_than_or_equal_to": lambda c, s: c >= s["min_value"],
        "less_than": lambda c, s: c < s["max_value"],
        "less_than_or_equal_to": lambda c, s: c <= s["max_value"],
        "in_range": in_range,
        "isin": lambda c, s: c.isin(list(s["allowed_values"])),
        "notin": lambda c, s: ~c.isin(list(s["forbidden_values"])),
        "str_matches": str_matches,
        "str_contains": str_contains,
        "str_startswith": lambda c, s: c.startswith(s["string"]),
        "str_endswith": lambda c, s: c.endswith(s["string"]),
        "str_length": str_length,
    }


def failing_predicate(check: Any, column: str) -> Any | None:
    """A never-null Spark column, true for the rows ``check`` rejects; None if unknown.

    pandera-pyspark filters on ``~cond``, which is null (so not a failure) where the value
    is null; ``coalesce(~cond, false)`` keeps that and makes the predicate two-valued, so
    ``filter(p)`` and ``filter(~p)`` partition the frame.
    """
    from pyspark.sql import functions as F

    build = _conditions().get(str(getattr(check, "name", "")))
    if build is None:
        return None
    return F.coalesce(~build(spark_column(column), check.statistics or {}), F.lit(False))


def _column_check(schema: Any, column: str | None, label: str) -> Any | None:
    spec = schema.columns.get(column) if column is not None else None
    if spec is None:
        return None
    return next((c for c in spec.checks if str(c.error or c.name) == label), None)


def _errors(report: Any) -> Iterator[tuple[str, str, str | None, str, str]]:
    """(category, reason, column, check label, pandera's message) of each failure."""
    for category, reasons in (report or {}).items():
        for reason, items in reasons.items():
            for item in items:
                column = item.get("column")
                yield (
                    str(category),
                    str(reason),
                    None if column is None else str(column),
                    str(item.get("check") or reason.lower()),
                    str(item.get("error") or ""),
                )


def run_pandera(schema: Any, frame: Any, *, sample_size: int, columns: list[str]) -> PanderaRun:
    """Validate a Spark frame: the frame to pass on and the failures, counted.

    Rows are counted only when something failed (one ``agg`` over the frame); a passing
    gate costs exactly what pandera-pyspark's own ``validate`` costs.
    """
    from pandera.config import ValidationDepth, config_context
    from pyspark.sql import functions as F

    with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        validated = schema.validate(frame)
    failures = list(_errors(validated.pandera.errors))
    if not failures:
        return PanderaRun(validated, _layout(None, columns), failures=[])
    predicates: list[Any | None] = []
    for _, reason, column, label, _ in failures:
        if reason == _NULLS and column is not None:
            predicates.append(spark_column(column).isNull())
        elif reason == _CHECK and column is not None:
            check = _column_check(schema, column, label)
            predicates.append(None if check is None else failing_predicate(check, column))
        else:
            predicates.append(None)
    counted = [p for p in predicates if p is not None]
    row = validated.agg(
        F.count(F.lit(1)).alias("rows"),
        *(F.count(F.when(p, 1)).alias(f"f{i}") for i, p in enumerate(counted)),
    ).first()
    rows = int(row["rows"])
    counts = iter(int(row[f"f{i}"]) for i in range(len(counted)))
    found: list[RowFailure] = []
    for (category, reason, column, label, message), predicate in zip(
        failures, predicates, strict=True
    ):
        if predicate is None:
            found.append(_table_level(category, reason, column, label, message))
            continue
        failed = next(counts)
        found.append(
            RowFailure(
                check=label,
                column=column,
                failed_count=failed,
                rows=rows,
                predicate=RowPredicate(predicate, label) if failed else None,
                sample=_sample(validated, predicate, column, sample_size) if failed else (),
            )
        )
    return PanderaRun(validated, _layout(rows, columns), failures=found)


def _layout(rows: int | None, columns: list[str]) -> Layout:
    return Layout(engine="spark", index=None, positional=False, rows=rows, columns=columns)


def _table_level(
    category: str, reason: str, column: str | None, label: str, message: str
) -> RowFailure:
    if reason == "COLUMN_NOT_IN_DATAFRAME":
        text = f"column {column!r} is missing"  # pandera's own message prints a data row
    elif reason == _CHECK:
        text = (
            f"{label} failed; it is not a pandera built-in check govern can express as a "
            "Spark predicate, so failing rows are not counted and cannot be quarantined"
        )
    else:
        text = message or f"{label} failed ({category.lower()}: {reason.lower()})"
        if category == "DATA":
            text += " (not pinned to rows, so they cannot be quarantined)"
    return RowFailure(check=label, column=column, failed_count=1, message=text, row_level=False)


def _sample(frame: Any, predicate: Any, column: str | None, size: int) -> tuple[str, ...]:
    """A few failing values: ``limit(size)`` rows of one column reach the driver, no more."""
    if size <= 0 or column is None:
        return ()
    values = frame.filter(predicate).select(spark_column(column)).limit(size).collect()
    return tuple(bounded_repr(r[0]) for r in values)
