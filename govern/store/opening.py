"""Opening a store: refusing foreign databases, the chain mode, keys and process liveness.

Each function runs inside a transaction the Store opens (``conn``) or needs none.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from govern.errors import StoreError, StoreLocationError
from govern.store.append import Appender
from govern.store.chain import ED25519, KEYED, UNKEYED
from govern.store.codec import format_datetime
from govern.store.schema import chain_head, meta
from govern.store.signing import Signer
from govern.store.sql import StoreNotFoundError, Target, migrate, read_meta, set_meta

__all__ = [
    "adopt_key_mode",
    "check_writable",
    "inspect_meta",
    "key_problem",
    "make_parent",
    "migrate_meta",
    "pid_alive",
    "prepare_sqlite",
    "start_signing",
]


def prepare_sqlite(target: Target, *, create: bool) -> None:
    """Check a SQLite store's file (and create its directory when ``create``).

    Raises:
        StoreNotFoundError: no store there and ``create`` is False.
        StoreLocationError: the path cannot be used (too long, a directory...).
        StoreError: the file or directory is read-only.
    """
    path = target.sqlite_path
    assert path is not None
    try:
        missing = not path.exists() or (path.stat().st_size == 0 and not create)
    except OSError as err:
        raise StoreLocationError(
            f"cannot use {str(path)[:120]} as a store ({err.strerror or err}); set "
            "GOVERN_STORE or --store to a file path"
        ) from None
    if missing:
        if not create:
            raise StoreNotFoundError(
                f"no govern store at {path}: nothing has been recorded there yet "
                "(run a governed pipeline, or set GOVERN_STORE to the store's path)"
            )
        make_parent(path)
    if create:
        check_writable(target)


def make_parent(path: Path) -> None:
    """Create a SQLite store's directory (a StoreError that says what to do if not)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(
            f"cannot create the store's directory {path.parent} ({err.strerror}); "
            "set GOVERN_STORE to a writable path or on_store_error = 'warn'"
        ) from None


def pid_alive(pid: int) -> bool:
    """True when a process with this id exists on this host (zombies count as gone)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def inspect_meta(conn: sa.Connection, target: Target) -> dict[str, str] | None:
    """The store's meta values; None for an empty database.

    Raises:
        StoreError: a SQLite database that holds other tables but no govern store
            (govern never adds its tables to someone else's database).
    """
    found = read_meta(conn)
    if found is None and target.is_sqlite:
        others = sorted(sa.inspect(conn).get_table_names())
        if others:
            shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
            raise StoreError(
                f"{target.display} is a SQLite database but not a govern store (it holds "
                f"other tables: {shown}); govern will not add its tables to it. Point "
                "GOVERN_STORE at a new file or an existing govern store"
            )
    return found


def _chain_meta(signer: Signer) -> dict[str, str]:
    values: dict[str, str] = {"chain": signer.mode}
    if signer.key_check:
        values["key_check"] = signer.key_check
    return values


def migrate_meta(conn: sa.Connection, target: Target, signer: Signer) -> dict[str, str]:
    """Create or migrate the tables; a new store takes the signer's chain mode."""
    now = format_datetime(datetime.now(UTC))
    migrate(conn, target, {"created_at": now})
    values = read_meta(conn) or {}
    if "chain" not in values:
        values.update(_chain_meta(signer))
        set_meta(conn, _chain_meta(signer))
    return values


def adopt_key_mode(conn: sa.Connection, signer: Signer) -> dict[str, str]:
    """A store with no records yet takes the chain mode of its first writer."""
    values = read_meta(conn) or {}
    empty = conn.execute(sa.select(chain_head.c.seq)).scalar() == 0
    if empty and values.get("chain") != signer.mode:
        conn.execute(meta.delete().where(meta.c.key.in_(["key_check", "key_id"])))
        values.pop("key_check", None)
        values.pop("key_id", None)
        values.update(_chain_meta(signer))
        set_meta(conn, _chain_meta(signer))
    return values


def start_signing(conn: sa.Connection, appender: Appender) -> dict[str, str]:
    """Record the Ed25519 key that signs from here on (a first key, or a rotation).

    The ``signing_key`` record is itself signed by the new key; it names the key it
    replaces. An unkeyed store becomes a signed one from this record on (its signature
    covers the hash of every earlier record).
    """
    values = read_meta(conn) or {}
    if values.get("key_id") != appender.signer.key_id:
        appender.introduce_key(conn, appender.lock_head(conn), values.get("key_id"))
    return read_meta(conn) or {}


def key_problem(values: dict[str, str], signer: Signer, location: str) -> str | None:
    """Why this signer may not add records to a store with these meta values, or None."""
    mode = values.get("chain", UNKEYED)
    where = f"store {location}"
    if mode == KEYED and signer.mode != KEYED:
        return (
            f"{where} has a keyed (HMAC) hash chain but GOVERN_SIGNING_KEY is not set; "
            "set it to the store's signing key"
            + (" (an Ed25519 key cannot take over an HMAC chain)" if signer.mode == ED25519 else "")
        )
    if mode == KEYED and values.get("key_check") != signer.key_check:
        return (
            f"{where} was signed with a different key than GOVERN_SIGNING_KEY; "
            "set GOVERN_SIGNING_KEY to the store's signing key"
        )
    if mode == UNKEYED and signer.mode == KEYED:
        return (
            f"{where} already holds records with an unkeyed hash chain, but "
            "GOVERN_SIGNING_KEY is set; unset it, or point GOVERN_STORE at a new store "
            "to start a keyed one (or sign it from now on with GOVERN_SIGNING_KEY_FILE)"
        )
    if mode == ED25519 and signer.mode != ED25519:
        return (
            f"{where} is signed with Ed25519 but GOVERN_SIGNING_KEY_FILE is not set; "
            "set it to the signing key's PEM file to add records"
        )
    return None


def check_writable(target: Target) -> None:
    """Fail early, with a clear message, when a SQLite store's file or directory is read-only.

    Only a hint (root ignores permissions); the database's own error is translated too.
    """
    path = target.sqlite_path
    if path is None:
        return
    fix = "set GOVERN_STORE to a writable path or on_store_error = 'warn'"
    if path.exists() and not os.access(path, os.W_OK):
        raise StoreError(f"store {path} is read-only: the file is not writable; {fix}")
    if path.parent.exists() and not os.access(path.parent, os.W_OK):
        raise StoreError(
            f"store {path} is read-only: its directory {path.parent} is not writable "
            f"(SQLite needs to create journal files there); {fix}"
        )
