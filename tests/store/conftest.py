"""Store fixtures: every store test runs against SQLite and a throwaway PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from govern.store import Store, open_store
from tests.store.pg_server import PostgresServer, find_bindir

REQUIRE_POSTGRES = os.environ.get("GOVERN_TEST_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session (skips, or fails when required, without it)."""
    bindir = find_bindir()
    if bindir is None:
        reason = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's "
            "postgresql package or put pg_config on PATH"
        )
        if REQUIRE_POSTGRES:
            pytest.fail(f"GOVERN_TEST_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        message = "psycopg is not installed: pip install 'govern[postgres]'"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(bindir)
    try:
        server.start()
    except Exception as err:
        server.stop()
        if REQUIRE_POSTGRES:
            raise
        pytest.skip(f"could not start a throwaway PostgreSQL server: {err}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where a fresh, empty store lives: a SQLite path or a new PostgreSQL database."""
    if backend == "sqlite":
        return str(tmp_path / "records" / "govern.db")
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url, signing_key="")
    yield opened
    opened.close()
