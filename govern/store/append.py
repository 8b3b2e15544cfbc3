"""Appending one record to the chain: its ledger row, signature, index rows and new head.

Everything here runs inside the caller's write transaction, with the chain head row
locked (``lock_head``), so appends serialise on every backend.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from govern.errors import StoreError
from govern.store.chain import ED25519
from govern.store.codec import canonical_json, format_datetime
from govern.store.driver import DriverStatements
from govern.store.index import KEYS, IndexOp, index_ops
from govern.store.schema import TABLES, chain_head, datasets, ledger, meta, models, signatures
from govern.store.schema import runs as runs_table
from govern.store.signing import SIGNING_KEY, Signer
from govern.store.sql import set_meta
from govern.types import StageResult

__all__ = ["Appender"]

_ENVELOPE_VERSION = 1

# Statements built once (compiled once per dialect by DriverStatements, or SQLAlchemy).
_LOCK_HEAD = (
    sa.select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1).with_for_update()
)
_MOVE_HEAD = (
    chain_head.update()
    .where(chain_head.c.id == 1)
    .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
)
_INSERT_LEDGER = ledger.insert()
_INSERT_SIGNATURE = signatures.insert()
_INSERTS = {name: table.insert() for name, table in TABLES.items()}
_DATASET_EXISTS = sa.select(datasets.c.kind).where(
    datasets.c.namespace == sa.bindparam("ns"), datasets.c.name == sa.bindparam("name")
)
_KEY_IN_FORCE = sa.select(meta.c.value).where(meta.c.key == "key_id")
_RUN_STATUS = sa.select(runs_table.c.status).where(runs_table.c.id == sa.bindparam("run_id"))


class Appender:
    """Writes records to the chain for one Store (thread-safe; state is per process)."""

    def __init__(self, dialect: sa.Dialect, signer: Signer) -> None:
        self.signer = signer
        self._driver = DriverStatements(dialect)  # the per-record statements
        self._lock = threading.Lock()
        self._known_runs: set[str] = set()
        self._known_datasets: set[tuple[str, str]] = set()

    def lock_head(self, conn: sa.Connection) -> tuple[int, str]:
        """Lock the chain head row; its seq and hash."""
        ((seq, digest),) = self._driver.fetch(conn, _LOCK_HEAD)
        return int(seq), str(digest)

    def append(
        self,
        conn: sa.Connection,
        head: tuple[int, str],
        kind: str,
        record_id: str,
        run_id: str | None,
        data: dict[str, Any],
    ) -> tuple[int, str, list[tuple[str, str]]]:
        """Append one record after ``head``: its seq, hash and the datasets it added.

        An Ed25519 writer whose key is not the one the chain names last (another writer
        rotated the key meanwhile) first appends a ``signing_key`` record for its own.
        """
        if self.signer.mode == ED25519 and kind != SIGNING_KEY:
            in_force = self._driver.fetch(conn, _KEY_IN_FORCE)
            if not in_force or in_force[0][0] != self.signer.key_id:
                head = self.introduce_key(conn, head, in_force[0][0] if in_force else None)
        return self._append(conn, head, kind, record_id, run_id, data)

    def introduce_key(
        self, conn: sa.Connection, head: tuple[int, str], replaces: str | None
    ) -> tuple[int, str]:
        """Append the ``signing_key`` record of this writer's Ed25519 key; the new head."""
        signer = self.signer
        assert signer.public_raw is not None and signer.key_id is not None
        data = {
            "algorithm": ED25519,
            "key_id": signer.key_id,
            "public_key": base64.b64encode(signer.public_raw).decode(),
            "replaces": replaces,
            "at": format_datetime(datetime.now(UTC)),
        }
        seq, digest, _ = self._append(conn, head, SIGNING_KEY, signer.key_id, None, data)
        set_meta(conn, {"chain": ED25519, "key_id": signer.key_id})
        return seq, digest

    def _append(
        self,
        conn: sa.Connection,
        head: tuple[int, str],
        kind: str,
        record_id: str,
        run_id: str | None,
        data: dict[str, Any],
    ) -> tuple[int, str, list[tuple[str, str]]]:
        seq, prev_hash = head[0] + 1, head[1]
        body = canonical_json(
            {
                "v": _ENVELOPE_VERSION,
                "seq": seq,
                "kind": kind,
                "id": record_id,
                "run_id": run_id,
                "data": data,
            }
        )
        digest = self.signer.record_hash(prev_hash, body)
        self._driver.execute(
            conn,
            _INSERT_LEDGER,
            {
                "seq": seq,
                "kind": kind,
                "record_id": record_id,
                "run_id": run_id,
                "prev_hash": prev_hash,
                "hash": digest,
                "body": body,
            },
        )
        if self.signer.mode == ED25519:
            self._driver.execute(
                conn,
                _INSERT_SIGNATURE,
                {
                    "seq": seq,
                    "key_id": self.signer.key_id,
                    "signature": self.signer.sign_record(digest),
                },
            )
        # ``data`` holds only JSON types, so it equals json.loads(body)["data"]
        new_datasets = self._apply(conn, index_ops(kind, seq, data))
        self._driver.execute(conn, _MOVE_HEAD, {"new_seq": seq, "new_hash": digest})
        return seq, digest, new_datasets

    def _apply(self, conn: sa.Connection, ops: list[IndexOp]) -> list[tuple[str, str]]:
        inserts: dict[str, list[dict[str, Any]]] = {}
        new_datasets: list[tuple[str, str]] = []
        for op in ops:
            table = TABLES[op.table]
            if op.op == "update":
                key_cols = KEYS[op.table]
                keys = [table.c[k] == op.row[k] for k in key_cols]
                values = {k: v for k, v in op.row.items() if k not in key_cols}
                conn.execute(table.update().where(*keys).values(**values))
            elif op.op == "insert_missing":
                key = (op.row["namespace"], op.row["name"])
                with self._lock:
                    known = key in self._known_datasets
                if known or key in new_datasets:
                    continue
                exists = self._driver.fetch(conn, _DATASET_EXISTS, {"ns": key[0], "name": key[1]})
                new_datasets.append(key)
                if not exists:
                    inserts.setdefault(op.table, []).append(op.row)
            else:
                inserts.setdefault(op.table, []).append(op.row)
        for name in TABLES:  # parents before children (foreign keys)
            rows = inserts.get(name)
            if rows:
                self._driver.executemany(conn, _INSERTS[name], rows)
        return new_datasets

    def run_status(self, conn: sa.Connection, run_id: str) -> str | None:
        """The indexed status of a run, None when it is not recorded."""
        return conn.execute(_RUN_STATUS, {"run_id": run_id}).scalar()

    def knows_run(self, run_id: str) -> bool:
        """True when this process recorded (or saw) the run already."""
        with self._lock:
            return run_id in self._known_runs

    def remember(self, run_id: str, new_datasets: Sequence[tuple[str, str]] = ()) -> None:
        """Note a committed run and datasets (saves a query on later records)."""
        with self._lock:
            self._known_runs.add(run_id)
            self._known_datasets.update(new_datasets)

    @staticmethod
    def with_model_version(conn: sa.Connection, result: StageResult) -> StageResult:
        """``result`` with its model's version assigned (next free) or checked (explicit)."""
        model = result.model
        if model is None:
            return result
        if model.version < 0:
            raise StoreError(f"model {model.name!r}: version must be >= 1, got {model.version}")
        if model.version == 0:
            latest = conn.execute(
                sa.select(sa.func.max(models.c.version)).where(models.c.name == model.name)
            ).scalar()
            return replace(result, model=replace(model, version=int(latest or 0) + 1))
        taken = conn.execute(
            sa.select(models.c.run_id).where(
                models.c.name == model.name, models.c.version == model.version
            )
        ).scalar()
        if taken is not None:
            raise StoreError(
                f"model {model.name}@{model.version} is already recorded (run {taken}); "
                "leave the version out to get the next one, or choose another"
            )
        return result
