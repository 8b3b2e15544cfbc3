"""OpenLineage names of Ibis tables: the spec's naming per backend, no credentials."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from govern.engines import engine_for
from govern.engines.ibis_naming import ol_name
from govern.types import DatasetKind

FRAME = pd.DataFrame({"a": [1, 2]})


@pytest.mark.parametrize(
    ("backend", "kwargs", "expected"),
    [
        (
            "postgres",
            {"host": "db.example", "port": 5433, "catalog": "shop", "schema": "public"},
            ("postgres://db.example:5433", "shop.public.orders"),
        ),
        (
            "snowflake",
            {"account": "acme-xy123", "catalog": "DB", "schema": "S"},
            ("snowflake://acme-xy123", "DB.S.orders"),
        ),
        (
            "bigquery",
            {"catalog": "my-project", "schema": "sales"},
            ("bigquery", "my-project.sales.orders"),
        ),
        (
            "duckdb",
            {"path": "/data/w.duckdb", "catalog": "w", "schema": "main"},
            ("duckdb:///data/w.duckdb", "w.main.orders"),
        ),
        (
            "duckdb",
            {"path": ":memory:", "catalog": "memory", "schema": "main"},
            ("duckdb://memory", "memory.main.orders"),
        ),
    ],
)
def test_names_follow_the_spec(backend: str, kwargs: dict[str, Any], expected: Any) -> None:
    assert ol_name(backend, "orders", **kwargs) == expected


def test_credentials_never_reach_a_namespace() -> None:
    namespace, _ = ol_name("trino", "t", host="user:secret@h", port=8080)
    assert "secret" not in namespace


def test_live_tables_are_named_from_their_connection(con: Any, load: Any) -> None:
    table = load("orders", FRAME)
    ref = engine_for(table).location_ref(table, None)
    assert ref.kind is DatasetKind.SOURCE
    if con.name == "duckdb":
        assert ref.namespace.startswith("duckdb:///") and ref.namespace.endswith("govern.duckdb")
        assert ref.name == "govern.main.orders"
    else:
        info = con.con.info
        assert ref.namespace == f"postgres://127.0.0.1:{info.port}"
        assert ref.name == f"{info.dbname}.public.orders"
        assert "@" not in ref.namespace
    derived = table.filter(table.a > 1)
    assert engine_for(derived).derived_from(derived) == {ref}
    assert engine_for(table).derived_from(table) == frozenset()
