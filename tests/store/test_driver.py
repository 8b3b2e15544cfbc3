"""The writer's DBAPI-cursor path gives what SQLAlchemy itself would, on both dialects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from govern.store.driver import DriverStatements
from govern.store.sql import create_engine, parse_target

metadata = sa.MetaData()
items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("flag", sa.Boolean, nullable=False),
    sa.Column("score", sa.Double),
    sa.Column("note", sa.Text),
)
BY_KIND = (
    sa.select(items.c.id, items.c.name)
    .where(items.c.kind == sa.bindparam("kind"))
    .order_by(items.c.id)
)
KIND_ONE = sa.select(items.c.id).where(items.c.kind == 1)  # a value fixed in the statement
RENAME = items.update().where(items.c.id == sa.bindparam("item")).values(name=sa.bindparam("new"))


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    target = parse_target(store_url)
    if target.sqlite_path is not None:
        target.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(target, timeout=5)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def _rows(engine: sa.Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(items).order_by(items.c.id))]


def test_inserts_match_sqlalchemy(engine: sa.Engine) -> None:
    driver = DriverStatements(engine.dialect)
    insert = items.insert()
    rows = [
        {"id": 1, "kind": 1, "name": "a", "flag": True, "score": 0.5, "note": "x"},
        {"id": 2, "kind": 1, "name": "b", "flag": False, "score": None, "note": None},
        {"id": 3, "kind": 2, "name": "c", "flag": True},  # other keys: its own batch
    ]
    with engine.begin() as conn:
        driver.executemany(conn, insert, rows)
        driver.execute(conn, insert, {"id": 4, "kind": 2, "name": "d", "flag": False})
    by_driver = _rows(engine)
    with engine.begin() as conn:
        conn.execute(items.delete())
        conn.execute(insert, rows[:2])
        conn.execute(insert, rows[2])
        conn.execute(insert, {"id": 4, "kind": 2, "name": "d", "flag": False})
    assert by_driver == _rows(engine)
    assert by_driver[0] == (1, 1, "a", True, 0.5, "x")
    assert by_driver[2] == (3, 2, "c", True, None, None)


def test_fetch_update_and_fixed_values(engine: sa.Engine) -> None:
    driver = DriverStatements(engine.dialect)
    with engine.begin() as conn:
        driver.executemany(
            conn,
            items.insert(),
            [{"id": i, "kind": i % 2, "name": f"n{i}", "flag": True} for i in range(1, 6)],
        )
        assert driver.fetch(conn, BY_KIND, {"kind": 0}) == [(2, "n2"), (4, "n4")]
        assert sorted(driver.fetch(conn, KIND_ONE)) == [(1,), (3,), (5,)]
        driver.execute(conn, RENAME, {"item": 3, "new": "renamed"})
        assert driver.fetch(conn, BY_KIND, {"kind": 1})[1] == (3, "renamed")


def test_statements_join_the_connections_transaction(engine: sa.Engine) -> None:
    driver = DriverStatements(engine.dialect)
    with engine.connect() as conn:
        with conn.begin() as tx:
            driver.execute(conn, items.insert(), {"id": 1, "kind": 1, "name": "a", "flag": True})
            tx.rollback()
        assert driver.fetch(conn, KIND_ONE) == []


def test_driver_errors_are_sqlalchemys_without_the_values(engine: sa.Engine) -> None:
    driver = DriverStatements(engine.dialect)
    row = {"id": 1, "kind": 1, "name": "secret-value", "flag": True}
    with engine.begin() as conn:
        driver.execute(conn, items.insert(), row)
    with pytest.raises(sa.exc.IntegrityError) as caught, engine.begin() as conn:
        driver.execute(conn, items.insert(), row)
    assert "secret-value" not in str(caught.value)
    assert caught.value.orig is not None


def test_ddl_is_refused(tmp_path: Path) -> None:
    engine = create_engine(parse_target(str(tmp_path / "x.db")), timeout=5)
    with engine.connect() as conn, pytest.raises(TypeError, match="not a SELECT, INSERT"):
        DriverStatements(engine.dialect).execute(conn, sa.schema.CreateTable(items), {})
