"""Which checks of a schema run chunk by chunk, and which need every row of the file at once.

A row-wise check (a value in range, in a set, matching a pattern, not null) gives the same
answer on a file as the sum of its answers on the file's chunks; a whole-table check
(``unique``, compound unique, a row count, a mean, a GX ``mostly`` below 1, increasing
values, z-scores, a dtype GX infers from the values) does not. ``govern validate`` runs
the row-wise part on each chunk and the whole-table part once, by the same backend, on the
columns it needs, gathered from every chunk of the same single pass. So the answer is the
backend's own on the whole file, exact, and memory holds only those columns.

The lists below are allow-lists: a check govern does not know to be row-wise (a custom or
registered pandera check, a GX expectation not listed) runs on the whole file.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from govern.checks.base import Check

__all__ = ["Plan", "plan_for"]

# pandera built-in checks that look at one value at a time
PANDERA_ROW_WISE = frozenset(
    {
        "equal_to",
        "not_equal_to",
        "greater_than",
        "greater_than_or_equal_to",
        "less_than",
        "less_than_or_equal_to",
        "in_range",
        "isin",
        "notin",
        "str_matches",
        "str_contains",
        "str_startswith",
        "str_endswith",
        "str_length",
    }
)
# GX expectations that look at one row at a time (when their mostly is 1)
GX_ROW_WISE = frozenset(
    {
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_equal",
        "expect_column_pair_values_to_be_in_set",
        "expect_column_value_lengths_to_be_between",
        "expect_column_value_lengths_to_equal",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_dateutil_parseable",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_json_parseable",
        "expect_column_values_to_be_null",
        "expect_column_values_to_match_json_schema",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_match_regex_list",
        "expect_column_values_to_match_strftime_format",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_not_match_regex_list",
        "expect_multicolumn_sum_to_equal",
        "expect_select_column_values_to_be_unique_within_record",
    }
)
# GX expectations about the columns a table has: the same on every chunk (reported once)
GX_SCHEMA_ONLY = frozenset(
    {
        "expect_column_to_exist",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_columns_to_match_set",
        "expect_table_column_count_to_equal",
        "expect_table_column_count_to_be_between",
    }
)
_GX_COLUMN_KWARGS = ("column", "column_A", "column_B")


@dataclass(frozen=True)
class Plan:
    """How to run one schema over a file read in chunks.

    Attributes:
        full: the schema's own check (a file of one chunk runs it as it is).
        chunked: the row-wise part, run on every chunk (findings summed).
        whole: the whole-table part, run once on the file's ``columns``, or None.
        names: the columns ``whole`` needs (regular expressions for pandera regex
            columns); None means every column.
    """

    full: Check
    chunked: Check
    whole: Check | None
    names: tuple[tuple[str, bool], ...] | None = ()

    def columns(self, present: Iterable[Any]) -> list[Any]:
        """The file's columns that ``whole`` reads, given the columns the file has."""
        present = list(present)
        if self.names is None:
            return present
        keep = []
        for column in present:
            for name, regex in self.names:
                if column == name or (regex and re.match(name, str(column))):
                    keep.append(column)
                    break
        return keep


def plan_for(check: Check) -> Plan:
    """Split a PanderaCheck or GXCheck into its row-wise and whole-table parts."""
    from govern.checks.gx import GXCheck
    from govern.checks.pandera import PanderaCheck

    if isinstance(check, GXCheck):
        return _gx(check)
    if isinstance(check, PanderaCheck):
        return _pandera(check)
    return Plan(full=check, chunked=check, whole=check, names=None)


def _gx(check: Any) -> Plan:
    chunked: list[int] = []
    whole: list[int] = []
    names: dict[str, None] = {}
    every_column = False  # a row_condition may name any column
    for i, spec in enumerate(check.expectations):
        kind, kwargs = spec["type"], spec.get("kwargs", {})
        mostly = kwargs.get("mostly")
        tolerant = mostly is not None and mostly < 1
        if kind in GX_SCHEMA_ONLY or (kind in GX_ROW_WISE and not tolerant):
            chunked.append(i)
            continue
        whole.append(i)
        every_column = every_column or bool(kwargs.get("row_condition"))
        for key in _GX_COLUMN_KWARGS:
            if isinstance(kwargs.get(key), str):
                names[kwargs[key]] = None
        for column in kwargs.get("column_list") or ():
            names[str(column)] = None
    return Plan(
        full=check,
        chunked=check.subset(chunked),
        whole=check.subset(whole) if whole else None,
        names=None if every_column else tuple((n, False) for n in names),
    )


def _pandera(check: Any) -> Plan:
    import pandera.pandas as pa

    from govern.checks.pandera import PanderaCheck

    schema = check.schema
    chunk_columns: dict[Any, Any] = {}
    whole_columns: dict[Any, Any] = {}
    for name, column in schema.columns.items():
        rows, table = _split_checks(column.checks)
        part = copy.deepcopy(column)
        part.checks = rows
        part.unique = False
        chunk_columns[name] = part
        if table or column.unique:
            whole_columns[name] = pa.Column(
                checks=table,
                nullable=True,  # nulls, dtype and presence are checked chunk by chunk
                unique=column.unique,
                report_duplicates=column.report_duplicates,
                regex=column.regex,
                required=False,
                name=column.name,
            )
    rows, table = _split_checks(schema.checks)
    chunk_schema = copy.deepcopy(schema)
    chunk_schema.columns = chunk_columns
    chunk_schema.checks = rows
    chunk_schema.unique = None
    unique = list(schema.unique or ())
    if not (whole_columns or unique or table):
        return Plan(full=check, chunked=PanderaCheck(chunk_schema), whole=None)
    whole_schema = pa.DataFrameSchema(
        columns=whole_columns,
        checks=table,
        unique=unique or None,
        report_duplicates=schema.report_duplicates,
        name=schema.name,
    )
    names = None if table else _names(whole_columns, unique)
    return Plan(check, PanderaCheck(chunk_schema), PanderaCheck(whole_schema), names)


def _split_checks(checks: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    rows = [c for c in checks if c.name in PANDERA_ROW_WISE]
    return rows, [c for c in checks if c.name not in PANDERA_ROW_WISE]


def _names(columns: dict[Any, Any], unique: list[str]) -> tuple[tuple[str, bool], ...]:
    found = {(str(name), bool(column.regex)): None for name, column in columns.items()}
    found.update({(str(name), False): None for name in unique})
    return tuple(found)
