"""Great Expectations results as govern Findings: the one place GX's report becomes rows.

GX runs on a positional view of the frame (an unnamed ``RangeIndex``), so its
``unexpected_index_list`` is a list of row positions whatever the user's index is
(named, MultiIndex, non-unique, NaN-labelled, datetime, string): positions are exact
where labels are not (GX returns a named index's rows as dicts, and a non-unique label
names several rows). ``failing_rows`` carries those positions; failure samples show the
row's own label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govern.checks.base import Finding, bounded_repr
from govern.types import FailureCase, Severity

__all__ = ["cut", "finding", "fmt", "positional"]

_SEVERITIES = {"critical": Severity.ERROR, "warning": Severity.WARN, "info": Severity.WARN}
# Kwargs left out of a check's name: the column has its own field, the rest is plumbing.
_UNNAMED_KWARGS = frozenset(
    {"column", "batch_id", "catch_exceptions", "result_format", "include_config"}
)
_MAX_KWARG_CHARS = 40
_MAX_MESSAGE_CHARS = 200
_MAX_EXPECTED_CHARS = 80


def positional(frame: Any) -> Any:
    """``frame`` with an unnamed 0..n-1 RangeIndex (the same frame when it has one).

    A shallow copy shares the data (pandas 2 and 3), so this costs no copy of the data.
    """
    import pandas as pd

    index = frame.index
    ranged = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    if ranged and index.name is None:
        return frame
    view = frame.copy(deep=False)
    view.index = pd.RangeIndex(len(frame))
    return view


def finding(result: Any, want_index: bool, sample_size: int, labels: Any = None) -> Finding:
    """One GX ExpectationValidationResult as a Finding.

    Args:
        result: the GX result of one expectation.
        want_index: fill ``failing_rows`` with row positions (for quarantine).
        sample_size: bound on the sample.
        labels: the user's index (to show samples' labels), or None for Spark.
    """
    config = result.expectation_config
    kwargs: dict[str, Any] = dict(config.kwargs)
    severity_name = str(getattr(config.severity, "value", config.severity)).lower()
    base: dict[str, Any] = {
        "check": check_name(config.type, kwargs),
        "column": kwargs.get("column"),
        "severity": _SEVERITIES.get(severity_name, Severity.ERROR),
        "expected": expected(config.type, kwargs),
    }
    error = raised(result.exception_info)
    if error is not None:
        return Finding(failed_count=1, passed=False, message=error, row_level=False, **base)
    outcome: dict[str, Any] = result.result or {}
    success = bool(result.success)
    if "unexpected_count" not in outcome:  # table-level: row count, column exists, a mean
        observed = outcome.get("observed_value")
        message = None if success or observed is None else f"observed {fmt(observed)}"
        return Finding(
            failed_count=0 if success else 1,
            passed=success,
            message=message,
            row_level=False,
            **base,
        )
    values = [plain(v) for v in outcome.get("partial_unexpected_list") or []]
    where = outcome.get("partial_unexpected_index_list") or []
    sample = tuple(
        FailureCase(
            index=_label(labels, where[i]) if i < len(where) else None, value=bounded_repr(v)
        )
        for i, v in enumerate(values[:sample_size])
    )
    return Finding(
        failed_count=int(outcome["unexpected_count"]),
        checked_count=outcome.get("element_count"),
        failing_rows=_positions(outcome.get("unexpected_index_list")) if want_index else None,
        sample=sample,
        passed=success,
        row_level="unexpected_index_list" in outcome or not want_index,
        **base,
    )


def _positions(found: Any) -> list[int] | None:
    # Absent for set-level expectations (distinct values in set): no rows to point at.
    return None if found is None else [int(p) for p in found]


def _label(labels: Any, position: Any) -> str:
    """The user's label of the row at ``position`` (a tuple for a MultiIndex)."""
    if labels is None:
        return str(position)
    return str(plain(labels[int(position)]))


def raised(info: Any) -> str | None:
    """The message of an exception an expectation raised, or None.

    GX nests the flag either directly or one level down, keyed by the failing metric.
    """
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        if not info.get("raised_exception"):
            return None
        lines = str(info.get("exception_message") or "").strip().splitlines()
        text = lines[0].removeprefix("Error: ") if lines else "the expectation raised an error"
        return cut(text, _MAX_MESSAGE_CHARS)
    return next((m for m in map(raised, info.values()) if m is not None), None)


def check_name(kind: str, kwargs: Mapping[str, Any]) -> str:
    """``expect_x(k=v, ...)``: the expectation and the kwargs that tell it apart."""
    args = ", ".join(
        f"{k}={fmt(v)}" for k, v in kwargs.items() if k not in _UNNAMED_KWARGS and v is not None
    )
    return f"{kind}({args})"


def expected(kind: str, kwargs: Mapping[str, Any]) -> str | None:
    """What the expectation wants, in words, for the common kinds; else None."""
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    strict = kwargs.get("strict_min") or kwargs.get("strict_max")
    if low is not None and high is not None and not strict:
        return f"between {fmt(low)} and {fmt(high)}"
    bounds = [
        f"{'>' if kwargs.get(flag) else op} {fmt(value)}"
        for value, op, flag in ((low, ">=", "strict_min"), (high, "<=", "strict_max"))
        if value is not None
    ]
    if bounds:
        return " and ".join(bounds)
    if isinstance(kwargs.get("value_set"), list | tuple | set | frozenset):
        members = ", ".join(fmt(v) for v in kwargs["value_set"])
        return cut(f"in {{{members}}}", _MAX_EXPECTED_CHARS)
    for key, words in (("regex", "matching"), ("type_", "of type"), ("type_list", "of type in")):
        if key in kwargs:
            return f"{words} {fmt(kwargs[key])}"
    for suffix, words in (
        ("to_not_be_null", "not null"),
        ("to_be_null", "null"),
        ("to_be_unique", "unique"),
        ("to_exist", "column exists"),
    ):
        if kind.endswith(suffix):
            return words
    return None


def plain(value: Any) -> Any:
    """Numpy scalars (also inside a row tuple or dict) as Python values, for short reprs."""
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()  # a scalar's tolist() is its Python value; an array's, a list
    return value


def fmt(value: Any) -> str:
    """A short repr of a kwarg or observed value."""
    value = plain(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # GX stores min_value=0 as 0.0; show what the user wrote
    return bounded_repr(value, _MAX_KWARG_CHARS)


def cut(text: str, limit: int = _MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, marked with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
