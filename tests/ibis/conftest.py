"""Ibis engine fixtures: an embedded DuckDB file and a throwaway PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.store.conftest import pg_server  # noqa: F401  (the session's server fixture)
from tests.store.pg_server import PostgresServer

ibis = pytest.importorskip("ibis", reason="needs govern[duckdb]: pip install 'govern[duckdb]'")
pytest.importorskip("pandera.ibis")


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def con(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """An Ibis connection: DuckDB in a file, or a fresh PostgreSQL database."""
    if request.param == "duckdb":
        connection = ibis.duckdb.connect(str(tmp_path / "govern.duckdb"))
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.create_database()
        connection = ibis.connect(url.replace("postgresql://", "postgres://"))
    yield connection
    connection.disconnect()


@pytest.fixture
def load(con: Any) -> Callable[[str, Any], Any]:
    """Create a table from a pandas frame in the connection's database."""

    def create(name: str, frame: Any) -> Any:
        return con.create_table(name, frame, overwrite=True)

    return create
