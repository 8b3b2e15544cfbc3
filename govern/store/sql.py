"""Engines, transactions, error translation and migrations for SQLite and PostgreSQL.

SQLite: WAL journal, ``synchronous=NORMAL``, a busy timeout, foreign keys on, and
``BEGIN IMMEDIATE`` for write transactions (so appends to the hash chain serialise;
reads use a plain ``BEGIN``). PostgreSQL (``postgresql://`` URLs, psycopg 3): writers
serialise on ``SELECT ... FOR UPDATE`` of the one-row chain_head table; migrations take
a transaction-scoped advisory lock.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event, exc

from govern.errors import StoreError, StoreLocationError, StoreLockedError
from govern.store.schema import CURRENT_VERSION, MIGRATIONS, meta

__all__ = [
    "Connections",
    "StoreNotFoundError",
    "Target",
    "create_engine",
    "migrate",
    "parse_target",
    "read_meta",
    "run_read",
    "run_write",
    "set_meta",
    "translate",
]

T = TypeVar("T")

_WRITE_OPTION = "govern_write"
_MIGRATION_LOCK = 0x676F7665726E  # "govern", the PostgreSQL advisory lock id
_RETRIES = 5
_CHECKPOINT_PAGES = 4000


class StoreNotFoundError(StoreError):
    """No store exists where one was to be read (nothing is created by reading)."""


@dataclass(frozen=True)
class Target:
    """Where a store lives: a SQLite file or a PostgreSQL database."""

    url: sa.URL
    display: str
    sqlite_path: Path | None

    @property
    def is_sqlite(self) -> bool:
        """True for a SQLite file store."""
        return self.sqlite_path is not None


def parse_target(location: str) -> Target:
    """A filesystem path, ``sqlite:///path`` or ``postgresql://...`` URL as a Target.

    Raises:
        StoreError: an empty location, an in-memory SQLite database or an unsupported
            URL scheme.
    """
    text = location.strip()
    if not text:
        raise StoreLocationError(
            "no store location: set GOVERN_STORE or store = '...' in [tool.govern]"
        )
    if "\x00" in text:
        raise StoreLocationError("the store location holds a NUL character")
    if "://" not in text:
        return _sqlite_target(Path(text))
    try:
        url = sa.make_url(text)
        port = url.port  # parsed lazily by some URLs: a bad port fails here
    except (exc.ArgumentError, ValueError) as err:
        secret = text.rpartition("@")[0].rpartition(":")[2] if "@" in text else ""
        why = str(err).replace(secret, "***") if secret else str(err)
        port = -1
    if port is not None and not 0 <= port < 65536:
        raise StoreLocationError(
            f"store URL {text.split('://', 1)[0]}://... is not valid "
            f"({why if port == -1 else f'port {port}'}); give a file path or "
            "postgresql://user:password@host:port/database"
        )
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        driver = url.get_driver_name()
        if url.drivername in ("postgresql", "postgres") or driver == "psycopg":
            url = url.set(drivername="postgresql+psycopg")
        return Target(url, url.render_as_string(hide_password=True), None)
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise StoreLocationError("an in-memory SQLite store keeps nothing; give a file path")
        return _sqlite_target(Path(url.database))
    raise StoreLocationError(
        f"unsupported store URL scheme {url.drivername!r}: use a file path (SQLite) "
        "or a postgresql:// URL"
    )


def _sqlite_target(path: Path) -> Target:
    try:
        path = path.expanduser().absolute()
    except RuntimeError:  # ~name of a user this machine does not know
        raise StoreLocationError(
            f"store location {str(path)!r}: no home directory for {path.parts[0]!r}; "
            "give a path without ~user or an existing user's"
        ) from None
    return Target(sa.URL.create("sqlite+pysqlite", database=str(path)), str(path), path)


def create_engine(target: Target, *, timeout: float, read_only: bool = False) -> sa.Engine:
    """An engine configured for the store (pragmas, begin mode, timeouts).

    ``read_only`` (SQLite): open the file read-only -- for readers that cannot write its
    directory (a read-only mount, another user's store); ``immutable`` too when no
    writer is active (no -wal file), since SQLite then cannot create its shared memory.
    """
    if target.sqlite_path is None:
        connect_args: dict[str, Any] = {"connect_timeout": max(1, int(timeout))}
        if "options" not in target.url.query:
            connect_args["options"] = f"-c lock_timeout={int(timeout * 1000)}"
        return sa.create_engine(target.url, connect_args=connect_args)

    url = target.url
    if read_only:
        query = {"mode": "ro", "uri": "true"}
        if not Path(f"{target.sqlite_path}-wal").exists():
            query["immutable"] = "1"
        url = url.set(database=f"file:{target.sqlite_path}", query=query)
    engine = sa.create_engine(url, connect_args={"timeout": timeout})
    busy_ms = int(timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if read_only:
                return
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {_CHECKPOINT_PAGES}")
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


# -- errors ---------------------------------------------------------------------------


def _message(err: BaseException) -> str:
    orig = getattr(err, "orig", None)
    return str(orig if orig is not None else err).strip().splitlines()[0]


def is_locked(err: BaseException) -> bool:
    """True for SQLite "database is locked"/busy and PostgreSQL lock timeouts."""
    text = _message(err).lower()
    return (
        "database is locked" in text
        or "database table is locked" in text
        or "lock timeout" in text
        or "could not obtain lock" in text
        or "deadlock detected" in text
    )


def translate(err: BaseException, target: Target, action: str, timeout: float) -> StoreError:
    """A StoreError saying what went wrong with the store and what to do about it."""
    text = _message(err)
    low = text.lower()
    where = f"store {target.display}"
    fix = "set GOVERN_STORE to a writable location or on_store_error = 'warn'"
    if is_locked(err):
        return StoreLockedError(
            f"{where} stayed locked by another writer for more than {timeout:g}s while "
            f"trying to {action} ({text}); retry, look for a stuck process holding it, "
            "or set on_store_error = 'warn'"
        )
    if "readonly" in low or "read-only" in low or "read only" in low:
        return StoreError(f"{where} is read-only: cannot {action} ({text}); {fix}")
    if "disk is full" in low or "no space left" in low or "could not extend" in low:
        return StoreError(
            f"{where}: the disk is full, cannot {action} ({text}); free space or {fix}"
        )
    if "unable to open database" in low:
        return StoreError(
            f"{where} cannot be opened ({text}): the file or its directory is missing, "
            f"not readable or not writable; {fix}"
        )
    if "not a database" in low or "malformed" in low:
        return StoreError(
            f"{where} is not a govern store or is damaged ({text}); point GOVERN_STORE "
            "at a govern store or restore it from a backup"
        )
    if isinstance(err, exc.IntegrityError):
        return StoreError(
            f"{where} refused to {action}: a record with the same id is already stored "
            f"({text}); ids must be unique"
        )
    if target.sqlite_path is None and isinstance(err, exc.OperationalError):
        return StoreError(
            f"{where}: cannot {action} ({text}); check that the PostgreSQL server is "
            "reachable and the URL in GOVERN_STORE is right"
        )
    return StoreError(f"{where}: cannot {action} ({type(err).__name__}: {text})")


class Connections:
    """One open connection per thread, reused across transactions (cheaper than the pool).

    A process that forked gets fresh connections (a SQLite or PostgreSQL connection must
    not be shared across processes).
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._pid = os.getpid()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[sa.Connection] = []

    @contextmanager
    def connection(self) -> Iterator[sa.Connection]:
        """This thread's connection; dropped (and reopened next time) after an error."""
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            self._local = threading.local()
            with self._lock:
                self._open = []
            self.engine.dispose(close=False)
        conn: sa.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self.engine.connect()
            self._local.conn = conn
            with self._lock:
                self._open.append(conn)
        try:
            yield conn
        except BaseException:
            self._local.conn = None
            with self._lock:
                if conn in self._open:
                    self._open.remove(conn)
            _quietly_close(conn)
            raise

    def close(self) -> None:
        """Close every connection and the engine."""
        with self._lock:
            opened, self._open = self._open, []
        for conn in opened:
            _quietly_close(conn)
        self._local = threading.local()
        self.engine.dispose()


def _quietly_close(conn: sa.Connection) -> None:
    with suppress(Exception):  # a broken connection, or one of another thread
        conn.close()


def _with_retries(
    connections: Connections,
    target: Target,
    fn: Callable[[sa.Connection], T],
    *,
    write: bool,
    action: str,
    timeout: float,
) -> T:
    attempt = 0
    deadline = time.monotonic() + timeout
    while True:
        try:
            with connections.connection() as conn:
                conn.execution_options(**{_WRITE_OPTION: write})
                if target.sqlite_path is None:
                    # writers see the latest commits once they hold the chain head lock;
                    # readers (verify above all) get one snapshot for all their queries
                    level = "READ COMMITTED" if write else "REPEATABLE READ"
                    conn.execution_options(isolation_level=level)
                with conn.begin():
                    return fn(conn)
        except exc.DBAPIError as err:
            # SQLite can report "locked" at once (e.g. while another connection recovers
            # the WAL) despite its busy timeout: retry a few times, within the timeout
            if is_locked(err) and attempt < _RETRIES and time.monotonic() < deadline:
                attempt += 1
                time.sleep(min(0.05 * 2**attempt, 1.0) * (0.5 + random.random()))
                continue
            raise translate(err, target, action, timeout) from err
        except exc.SQLAlchemyError as err:
            raise translate(err, target, action, timeout) from err


def run_write(
    connections: Connections,
    target: Target,
    fn: Callable[[sa.Connection], T],
    *,
    action: str,
    timeout: float,
) -> T:
    """Run ``fn`` in one write transaction, retrying a bounded number of times when locked.

    ``fn`` may run more than once (each attempt in a fresh transaction that was rolled
    back), so it must not have side effects outside the connection.
    """
    return _with_retries(connections, target, fn, write=True, action=action, timeout=timeout)


def run_read(
    connections: Connections,
    target: Target,
    fn: Callable[[sa.Connection], T],
    *,
    action: str,
    timeout: float,
) -> T:
    """Run ``fn`` in one read transaction (a consistent snapshot)."""
    return _with_retries(connections, target, fn, write=False, action=action, timeout=timeout)


# -- meta and migrations --------------------------------------------------------------


def read_meta(conn: sa.Connection) -> dict[str, str] | None:
    """The meta table as a dict, or None when the database holds no govern store."""
    if not sa.inspect(conn).has_table("meta"):
        return None
    return {k: v for k, v in conn.execute(sa.select(meta.c.key, meta.c.value))}


def set_meta(conn: sa.Connection, values: dict[str, str]) -> None:
    """Insert or replace meta entries."""
    for key, value in values.items():
        done = conn.execute(meta.update().where(meta.c.key == key).values(value=value))
        if done.rowcount == 0:
            conn.execute(meta.insert().values(key=key, value=value))


def schema_version(values: dict[str, str] | None) -> int:
    """The schema version recorded in meta (0 for an empty database)."""
    if values is None:
        return 0
    try:
        return int(values.get("schema_version", "0"))
    except ValueError:
        raise StoreError(
            f"the store's meta table holds a bad schema_version {values['schema_version']!r}"
        ) from None


def migrate(conn: sa.Connection, target: Target, initial: dict[str, str]) -> int:
    """Bring the schema to CURRENT_VERSION inside the caller's write transaction.

    ``initial`` holds the meta values a new store starts with. Returns the version found
    before migrating (0 for a new store).
    """
    if target.sqlite_path is None:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
    found = schema_version(read_meta(conn))
    if found > CURRENT_VERSION:
        raise StoreError(
            f"store {target.display} has schema version {found}, newer than this govern "
            f"understands ({CURRENT_VERSION}); upgrade govern"
        )
    for version in range(found + 1, CURRENT_VERSION + 1):
        MIGRATIONS[version](conn)
        if version == 1:
            set_meta(conn, initial)
        set_meta(conn, {"schema_version": str(version)})
    return found
