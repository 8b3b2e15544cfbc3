"""ODCS ``sql`` quality rules run with DuckDB over an in-memory frame.

DuckDB reads pandas and Polars frames in place (through Arrow), so a contract's SQL rule
runs on the frame a stage returns without copying it into a database. ``{object}`` is
the schema object (the frame) and ``{property}`` the rule's column, both quoted.
"""

from __future__ import annotations

import math
from typing import Any

from govern.contracts.rules import SqlRule
from govern.errors import ContractError, MissingDependencyError

__all__ = ["run_sql_rule"]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_sql_rule(data: Any, object_name: str, rule: SqlRule) -> float:
    """The number the rule's query returns over ``data``.

    ``data`` is what DuckDB registers for the frame: its engine's ``sql_relation``.

    Raises:
        ContractError: the query fails or does not return one number.
        MissingDependencyError: DuckDB is not installed.
    """
    try:
        import duckdb
    except ImportError:
        raise MissingDependencyError(
            f"contract rule {rule.name!r} is SQL; running it needs DuckDB: "
            "pip install 'govern[contracts]'"
        ) from None
    query = rule.query.replace("{object}", _quote(object_name)).replace(
        "{table}", _quote(object_name)
    )
    if rule.column is not None:
        query = query.replace("{property}", _quote(rule.column)).replace(
            "{column}", _quote(rule.column)
        )
    con = duckdb.connect(":memory:")
    try:
        con.register(object_name, data)
        row = con.execute(query).fetchone()
    except duckdb.Error as exc:
        raise ContractError(f"contract rule {rule.name!r}: the SQL query failed: {exc}") from None
    finally:
        con.close()
    if not row or len(row) != 1:
        raise ContractError(f"contract rule {rule.name!r}: the query must return one value")
    value = row[0]
    if isinstance(value, bool):
        return float(value)
    if not isinstance(value, int | float) or (isinstance(value, float) and math.isnan(value)):
        raise ContractError(
            f"contract rule {rule.name!r}: the query returned {value!r}, not a number"
        )
    return float(value)
