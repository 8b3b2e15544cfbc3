"""The writer's hot path: statements compiled once per dialect, run on the DBAPI cursor.

Measured with ``bench/bench_store.py``: SQLAlchemy's per-execute work (execution
context, parameter processing, result set-up) made recording a stage call about 1.4x
slower on SQLite than running the same statements on the driver's cursor. The SQL is
still SQLAlchemy's, compiled for the connection's dialect with its bind processors
applied, and driver errors are re-raised as SQLAlchemy's, so the retries and messages
of govern.store.sql do not change. Everything else goes through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import UpdateBase

__all__ = ["DriverStatements"]

_REQUIRED = object()  # a bind the caller supplies (a fixed one carries its value)


@dataclass(frozen=True, slots=True)
class _Bind:
    name: str  # the caller's parameter name
    driver_name: str  # as the SQL spells it (named paramstyles)
    fixed: Any
    process: Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    binds: tuple[_Bind, ...]
    positional: bool

    def parameters(self, params: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = []
        for bind in self.binds:
            value = params[bind.name] if bind.fixed is _REQUIRED else bind.fixed
            values.append(value if bind.process is None else bind.process(value))
        if self.positional:
            return tuple(values)
        return {bind.driver_name: value for bind, value in zip(self.binds, values, strict=True)}


class DriverStatements:
    """Runs Core statements on a connection's DBAPI cursor, inside its transaction.

    Each (statement, parameter names) pair is compiled once for the dialect; an
    INSERT is compiled for the columns its rows carry.
    """

    def __init__(self, dialect: sa.Dialect) -> None:
        self._dialect = dialect
        self._compiled: dict[tuple[int, tuple[str, ...]], _Compiled] = {}
        self._keep: list[sa.ClauseElement] = []  # cache keys are ids: keep them alive

    def fetch(
        self, conn: sa.Connection, stmt: sa.Select[Any], params: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """The rows of a SELECT."""
        params = params or {}
        compiled = self._compile(stmt, params)
        with self._cursor(conn, compiled) as cursor:
            cursor.execute(compiled.sql, compiled.parameters(params))
            return [tuple(row) for row in cursor.fetchall()]

    def execute(
        self, conn: sa.Connection, stmt: sa.ClauseElement, params: Mapping[str, Any]
    ) -> None:
        """Run an INSERT, UPDATE or DELETE once."""
        compiled = self._compile(stmt, params)
        with self._cursor(conn, compiled) as cursor:
            cursor.execute(compiled.sql, compiled.parameters(params))

    def executemany(
        self, conn: sa.Connection, stmt: sa.ClauseElement, rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """Run an INSERT or UPDATE for each row (one batch per set of keys)."""
        batches: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
        for row in rows:
            batches.setdefault(tuple(row), []).append(row)
        for batch in batches.values():
            compiled = self._compile(stmt, batch[0])
            with self._cursor(conn, compiled) as cursor:
                cursor.executemany(compiled.sql, [compiled.parameters(row) for row in batch])

    def _compile(self, stmt: sa.ClauseElement, params: Mapping[str, Any]) -> _Compiled:
        key = (id(stmt), tuple(params))
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _compile(stmt, self._dialect, list(params))
            self._keep.append(stmt)
        return found

    @contextmanager
    def _cursor(self, conn: sa.Connection, compiled: _Compiled) -> Iterator[Any]:
        dbapi = self._dialect.loaded_dbapi
        cursor = conn.connection.cursor()
        try:
            yield cursor
        except dbapi.Error as err:
            # as SQLAlchemy would raise it; parameters hidden (they hold recorded data)
            raise sa.exc.DBAPIError.instance(
                compiled.sql, None, err, dbapi.Error, hide_parameters=True, dialect=self._dialect
            ) from err
        finally:
            cursor.close()


def _compile(stmt: sa.ClauseElement, dialect: sa.Dialect, keys: list[str]) -> _Compiled:
    if not isinstance(stmt, UpdateBase | sa.Select):
        raise TypeError(f"not a SELECT, INSERT, UPDATE or DELETE: {stmt!r}")
    compiled = stmt.compile(dialect=dialect, column_keys=keys)
    names = list(compiled.positiontup or ()) if dialect.positional else list(compiled.binds)
    escaped: Mapping[str, str] = compiled.escaped_bind_names or {}
    binds = []
    for name in names:
        bind = compiled.binds[name]
        fixed = _REQUIRED if bind.required or name in keys else bind.effective_value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        binds.append(_Bind(name, escaped.get(name, name), fixed, process))
    return _Compiled(compiled.string, tuple(binds), dialect.positional)
