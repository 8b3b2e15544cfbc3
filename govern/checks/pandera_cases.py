"""pandera's ``failure_cases`` as govern findings: the one place its report is read.

One Finding per (schema context, column, check): failing rows as *positions* (exact on
every index, `govern.engines.pandas_index`), counted as rows; a missing column names the columns
that exist, and the checks declared on it are listed as not run; a column whose dtype
is wrong as a whole is a table-level failure (no row can be set aside to fix it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from govern.checks.base import Finding, bounded_repr
from govern.checks.pandera_schema import PRESENCE, check_label, declared_checks
from govern.engines.base import Layout
from govern.engines.pandas_index import label_text, positions_of
from govern.types import FailureCase, Severity

__all__ = ["findings", "listed"]

_NO_MATCH = "no_regex_column_match"
_COLUMNS_SHOWN = 40


def _columns_text(columns: list[str]) -> str:
    shown = ", ".join(repr(c) for c in columns[:_COLUMNS_SHOWN])
    more = len(columns) - _COLUMNS_SHOWN
    return f"[{shown}{f', ... {more} more' if more > 0 else ''}]"


def _missing(label: str, group: Any, layout: Layout) -> Iterator[Finding]:
    """Pandera reports a missing column with its name as the failure case."""
    for missing in dict.fromkeys(str(m) for m in group["failure_case"]):
        yield Finding(
            check=label,
            column=missing,
            failed_count=1,
            passed=False,
            message=(
                f"column {missing!r} not in dataframe; columns in the dataframe: "
                f"{_columns_text(layout.columns)}"
            ),
            row_level=False,
        )


def findings(
    cases: Any, layout: Layout, schema: Any, warn: frozenset[tuple[str | None, str]], size: int
) -> Iterator[Finding]:
    """One Finding per failing (context, column, check) of pandera's failure cases."""
    frame_checks = {check_label(c) for c in schema.checks}
    context = cases["schema_context"].astype("string").fillna("")
    # pandera files a whole-frame check's rows under the schema's name or the failing
    # value's column: one check, one finding
    whole = (context == "DataFrameSchema") & cases["check"].astype(str).isin(frame_checks)
    cases = cases.assign(
        _number=cases["check_number"].astype("string").fillna(""),
        _column=cases["column"].astype("string").fillna("").mask(whole, ""),
        _context=context,
    )
    for (where, column, check, _), group in cases.groupby(
        ["_context", "_column", "check", "_number"], sort=False, dropna=False
    ):
        label = str(check)
        if label == PRESENCE and where == "DataFrameSchema":
            yield from _missing(label, group, layout)
            continue
        col: str | None = str(column) or None
        severity = Severity.WARN if (col, label) in warn else None
        if label.startswith(_NO_MATCH):
            yield Finding(
                check=label,
                column=col,
                failed_count=1,
                passed=False,
                severity=severity,
                message=(
                    f"no column matches {col!r}; columns in the dataframe: "
                    f"{_columns_text(layout.columns)}"
                ),
                row_level=False,
            )
            continue
        yield _finding(label, col, group, layout, severity, size)


def _finding(
    label: str, col: str | None, group: Any, layout: Layout, severity: Severity | None, size: int
) -> Finding:
    index = group["index"]
    positions = _positions(index, layout) if bool(index.notna().all()) else None
    message = None
    if label.startswith("dtype(") and col is not None and col in layout.typed:
        positions = None  # the column's dtype is wrong, whatever rows are set aside
        message = (
            f"column {col!r} fails {label} as a whole column: a wrong dtype cannot be "
            "quarantined row by row"
        )
    elif positions is None and bool(index.notna().all()):
        message = f"{label} failed; the index does not name each row once, so rows are unknown"
    row_level = positions is not None
    texts = _labels(index.head(size).tolist(), layout) if size > 0 else []
    sample = tuple(
        FailureCase(index=text, value=_value(value, layout.text_cases))
        for text, value in zip(texts, group["failure_case"].head(size).tolist(), strict=True)
    )
    return Finding(
        check=label,
        column=col,
        failed_count=len(positions) if positions is not None else len(group),
        checked_count=layout.rows if row_level else None,
        failing_rows=positions,
        sample=sample,
        passed=False,
        severity=severity,
        message=message if message is not None or row_level else f"{label} failed",
        row_level=row_level,
    )


def _positions(index: Any, layout: Layout) -> list[int] | None:
    if layout.positional:
        return sorted({int(v) for v in index.tolist()})
    return positions_of(layout.index, index.tolist())


def _labels(values: list[Any], layout: Layout) -> list[str | None]:
    """The failing rows' labels as text: the frame's own labels, never positions."""
    out: list[str | None] = []
    for value in values:
        if _isna(value):
            out.append(None)
        elif not layout.labelled:
            out.append(str(int(value)))
        elif layout.positional:
            out.append(label_text(layout.index, [int(value)])[0])
        else:
            out.append(str(value))
    return out


def _value(value: Any, text: bool) -> str:
    if text and not _isna(value):
        rendered = str(value)  # polars reports failure cases as text already
        return rendered if len(rendered) <= 80 else rendered[:77] + "..."
    return bounded_repr(value)


def listed(
    schema: Any, failing: list[Finding], rows: int | None, warn: frozenset[tuple[str | None, str]]
) -> list[Finding]:
    """``failing`` plus every other declared check: passed, or not run (column missing)."""
    seen = {(f.column, f.check) for f in failing}
    missing = {f.column for f in failing if f.check == PRESENCE or f.check.startswith(_NO_MATCH)}
    out = list(failing)
    for column, label in dict.fromkeys(declared_checks(schema)):
        if (column, label) in seen:
            continue
        if column is not None and column in missing:
            out.append(
                Finding(
                    check=label,
                    column=column,
                    failed_count=0,
                    passed=False,
                    message=f"not run: column {column!r} is missing",
                    row_level=False,
                    ran=False,
                )
            )
            continue
        severity = Severity.WARN if (column, label) in warn else None
        out.append(
            Finding(
                check=label,
                column=column,
                failed_count=0,
                checked_count=rows,
                passed=True,
                severity=severity,
            )
        )
    return out


def _isna(value: Any) -> bool:
    try:
        return value is None or bool(value != value)  # NaN is the only value unequal to itself
    except (TypeError, ValueError):
        return False
