"""The schema govern validates with: the user's pandera schema, made to report everything.

Three pandera settings would hide failures from the record, so govern validates a copy
of the user's schema without them (the user's objects are never changed):

- ``drop_invalid_rows=True`` (schema or column) drops failing rows silently: govern
  records them as failed checks and handles them per ``on_fail`` instead.
- ``Check(raise_warning=True)`` only warns: govern records the check as failed with
  ``warn`` severity.
- ``Check(n_failure_cases=k)`` reports only k failing rows: govern needs them all to
  quarantine exactly (samples stay bounded by ``sample_size``).

Regex columns (``Column(regex=True)``) are expanded for each frame into one column per
match (pandera's own matching), so every matched column gets its own checks and results.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["PRESENCE", "Prepared", "check_label", "declared_checks", "expand_regex", "prepare"]

# pandera's label for "the column exists"
PRESENCE = "column_in_dataframe"
_NOT_NULL = "not_nullable"
_UNIQUE = "field_uniqueness"


@dataclass(frozen=True, slots=True)
class Prepared:
    """The schema to validate with and what govern changed in it.

    Attributes:
        schema: the copy govern validates with.
        warn: (column, check label) of the checks the user declared ``raise_warning``.
        regex: whether any column is a regex column (expanded per frame).
        coerces: whether validation can change the data (coercion, defaults, filtering).
    """

    schema: Any
    warn: frozenset[tuple[str | None, str]]
    regex: bool
    coerces: bool


def check_label(check: Any) -> str:
    """A check's name as pandera's failure cases spell it."""
    return str(check.error or check.name)


def prepare(schema: Any) -> Prepared:
    """A copy of ``schema`` that reports every failing row and drops none."""
    mine = copy.deepcopy(schema)
    warn: set[tuple[str | None, str]] = set()

    def loosen(check: Any, column: str | None) -> None:
        if getattr(check, "raise_warning", False):
            warn.add((column, check_label(check)))
            check.raise_warning = False
        if getattr(check, "n_failure_cases", None) is not None:
            check.n_failure_cases = None

    coerces = bool(getattr(mine, "coerce", False)) or getattr(mine, "strict", None) == "filter"
    coerces = coerces or bool(getattr(mine, "add_missing_columns", False))
    regex = False
    for name, column in mine.columns.items():
        if hasattr(column, "drop_invalid_rows"):
            column.drop_invalid_rows = False
        coerces = coerces or bool(getattr(column, "coerce", False))
        coerces = coerces or getattr(column, "default", None) is not None
        regex = regex or bool(getattr(column, "regex", False))
        for check in column.checks:
            loosen(check, str(name))
    for check in mine.checks:
        loosen(check, None)
    index = getattr(mine, "index", None)
    for component in getattr(index, "indexes", None) or ([index] if index is not None else []):
        coerces = coerces or bool(getattr(component, "coerce", False))
        for check in component.checks:
            loosen(check, None)
    if hasattr(mine, "drop_invalid_rows"):
        mine.drop_invalid_rows = False
    return Prepared(mine, frozenset(warn), regex, coerces)


def expand_regex(schema: Any, target: Any) -> Any:
    """``schema`` with each regex column replaced by one column per matching frame column.

    pandera's backend decides what matches (so the columns are pandera's) on ``target``,
    the frame as the engine hands it to pandera's backend (``Engine.pandera_target``). A
    regex that matches nothing stays, so pandera reports it as it would.
    """
    columns: dict[Any, Any] = {}
    for name, column in schema.columns.items():
        if not getattr(column, "regex", False):
            columns[name] = column
            continue
        try:
            matched = list(column.get_backend(target).get_regex_columns(column, target))
        except (IndexError, KeyError, TypeError, ValueError):
            matched = []
        if not matched:
            columns[name] = column
        for match in matched:
            if match in columns or match in schema.columns:
                continue  # an explicit column of that name wins, as in pandera
            one = copy.copy(column)
            one.name = match
            one.regex = False
            columns[match] = one
    expanded = copy.copy(schema)
    expanded.columns = columns
    return expanded


def declared_checks(schema: Any) -> Iterator[tuple[str | None, str]]:
    """(column, check label) for every check ``schema`` evaluates, as pandera names them."""
    for name, column in schema.columns.items():
        col = str(name)
        if getattr(column, "required", True):
            yield col, PRESENCE
        if column.dtype is not None:
            yield col, f"dtype('{column.dtype}')"
        if not column.nullable:
            yield col, _NOT_NULL
        if column.unique:
            yield col, _UNIQUE
        for check in column.checks:
            yield col, check_label(check)
    for check in schema.checks:
        yield None, check_label(check)
