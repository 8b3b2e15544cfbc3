"""The Store: appends records to the hash-chained ledger and answers queries.

Imported only when a store is opened (it imports SQLAlchemy). Appending lives in
govern.store.append, reading in govern.store.reading, keys in govern.store.signing.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from govern.errors import IntegrityError, StoreError
from govern.store.append import Appender
from govern.store.chain import ED25519, KEYED, UNKEYED
from govern.store.checkpoint import Checkpointer
from govern.store.codec import encode_run, encode_stage, format_datetime
from govern.store.index import OPENLINEAGE_EVENT, RUN_ENDED, RUN_STARTED, STAGE
from govern.store.lineage import LineageIndex
from govern.store.opening import (
    adopt_key_mode,
    inspect_meta,
    key_problem,
    migrate_meta,
    pid_alive,
    prepare_sqlite,
    start_signing,
)
from govern.store.outbox import Outbox
from govern.store.reading import Reading
from govern.store.report import LedgerRecord, VerifyReport
from govern.store.schema import CURRENT_VERSION, imported_events
from govern.store.schema import runs as runs_table
from govern.store.signing import SIGNING_KEY, Signer
from govern.store.sql import (
    Connections,
    StoreNotFoundError,
    Target,
    create_engine,
    read_meta,
    run_read,
    run_write,
    schema_version,
)
from govern.store.verify import verify as verify_store
from govern.types import RunInfo, RunStatus, StageResult

__all__ = ["Store", "connect"]

T = TypeVar("T")
_RESERVED = (RUN_STARTED, STAGE, RUN_ENDED, OPENLINEAGE_EVENT, SIGNING_KEY)


def connect(target: Target, *, signer: Signer, create: bool, timeout: float) -> Store:
    """Open (creating and migrating when allowed) the store at ``target``."""
    path = target.sqlite_path
    if path is not None:
        prepare_sqlite(target, create=create)
    read_only = path is not None and not create and not os.access(path.parent, os.W_OK)
    engine = create_engine(target, timeout=timeout, read_only=read_only)
    checkpointer = Checkpointer(engine) if path is not None and not read_only else None
    store = Store(engine, target, signer, timeout=timeout, checkpointer=checkpointer)
    try:
        store._open(create=create)
    except BaseException:
        store.close()
        raise
    return store


class Store(Reading):
    """The audit record: a hash-chained ledger plus index tables, on SQLite or PostgreSQL.

    Writes (``begin_run``, ``record_stage``, ``end_run``) each run in one transaction
    that appends one ledger record and its index rows. Reads return govern.types objects
    decoded from the ledger records. Thread-safe; open one Store per process.
    """

    def __init__(
        self,
        engine: sa.Engine,
        target: Target,
        signer: Signer,
        *,
        timeout: float,
        checkpointer: Checkpointer | None = None,
    ) -> None:
        self._engine = engine
        self._connections = Connections(engine)
        self._checkpointer = checkpointer
        self._appender = Appender(engine.dialect, signer)
        self._target = target
        self.signer = signer
        """The key material this process signs (and verifies) with; never printed."""
        self._timeout = timeout
        self._meta: dict[str, str] = {}
        self._key_problem: str | None = None
        self._closed = False
        self.lineage = LineageIndex(self._read)
        """The lineage index: which job runs read and wrote what (govern.lineage reads it)."""
        self.outbox = Outbox(self._read, self._write)
        """Lineage delivery state per transport (govern.lineage.outbox drives it)."""

    # -- opening ----------------------------------------------------------------------

    @property
    def location(self) -> str:
        """The store's path, or its URL with the password hidden."""
        return self._target.display

    @property
    def keyed(self) -> bool:
        """True when the store's hash chain is HMAC-keyed."""
        return self._meta.get("chain") == KEYED

    @property
    def mode(self) -> str:
        """How the chain is protected: ``sha256``, ``hmac-sha256`` or ``ed25519``."""
        return self._meta.get("chain", UNKEYED)

    @property
    def schema_version(self) -> int:
        """The store's schema version (after migrations on open)."""
        return int(self._meta.get("schema_version", "0"))

    def _open(self, *, create: bool) -> None:
        target, signer = self._target, self.signer
        found = self._read(lambda c: inspect_meta(c, target), "read the store's meta table")
        version = schema_version(found)
        if (found is None or version == 0) and not create:
            raise StoreNotFoundError(
                f"no govern store at {self.location}: the database holds no govern "
                "tables (run a governed pipeline, or check GOVERN_STORE)"
            )
        if version != CURRENT_VERSION or found is None or "chain" not in found:
            self._meta = self._write(
                lambda c: migrate_meta(c, target, signer), "create or migrate the store's tables"
            )
        else:
            self._meta = found
        if create and self._meta.get("chain") != self.signer.mode:
            self._meta = self._write(
                lambda c: adopt_key_mode(c, signer), "set the store's chain mode"
            )
        self._key_problem = key_problem(self._meta, signer, self.location)
        if create and self._key_problem:
            raise StoreError(self._key_problem)
        if (
            create
            and self.signer.mode == ED25519
            and self._meta.get("key_id") != self.signer.key_id
        ):
            self._meta = self._write(
                lambda c: start_signing(c, self._appender), "record the store's signing key"
            )
        self._abort_dead_runs(best_effort=not create)

    def _write(self, fn: Callable[[sa.Connection], T], action: str) -> T:
        self._check_open()
        result = run_write(
            self._connections, self._target, fn, action=action, timeout=self._timeout
        )
        if self._checkpointer is not None:
            self._checkpointer.committed()
        return result

    def _read(self, fn: Callable[[sa.Connection], T], action: str) -> T:
        self._check_open()
        return run_read(self._connections, self._target, fn, action=action, timeout=self._timeout)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"store {self.location} is closed")

    def _require_key(self) -> None:
        if self._key_problem:
            raise StoreError(self._key_problem)

    # -- appending --------------------------------------------------------------------

    def begin_run(self, run: RunInfo) -> None:
        """Record that a run started (its status, normally RUNNING, pid and host as given).

        Raises:
            StoreError: the run id is already recorded, or the store cannot be written.
        """
        self._require_key()
        ap = self._appender

        def tx(conn: sa.Connection) -> None:
            head = ap.lock_head(conn)
            if ap.run_status(conn, run.id) is not None:
                raise StoreError(f"run {run.id} is already recorded in store {self.location}")
            ap.append(conn, head, RUN_STARTED, run.id, run.id, encode_run(run))

        self._write(tx, f"record the start of run {run.id}")
        ap.remember(run.id)

    def record_stage(self, result: StageResult) -> StageResult:
        """Record one stage call -- everything in it -- in one transaction.

        When ``result.model`` has version 0, the next version for that model name is
        assigned atomically; the returned result carries it.

        Raises:
            StoreError: the run was not begun, the stage run id or an explicit model
                version is already recorded, or the store cannot be written.
        """
        self._require_key()
        ap = self._appender
        added: list[tuple[str, str]] = []

        def tx(conn: sa.Connection) -> StageResult:
            added.clear()
            head = ap.lock_head(conn)
            if not ap.knows_run(result.run_id) and ap.run_status(conn, result.run_id) is None:
                raise StoreError(
                    f"cannot record stage {result.stage!r}: run {result.run_id} was never "
                    f"begun in store {self.location} (begin_run first)"
                )
            recorded = ap.with_model_version(conn, result)
            data = encode_stage(recorded)
            _, _, new = ap.append(conn, head, STAGE, recorded.stage_run_id, recorded.run_id, data)
            added.extend(new)
            return recorded

        recorded = self._write(tx, f"record stage {result.stage!r} of run {result.run_id}")
        ap.remember(result.run_id, added)
        return recorded

    def end_run(self, run_id: str, status: RunStatus, ended_at: datetime) -> None:
        """Record that a run ended (a new record; nothing recorded is updated).

        Raises:
            StoreError: the run was never begun, or the store cannot be written.
        """
        self._require_key()
        ap = self._appender

        def tx(conn: sa.Connection) -> None:
            head = ap.lock_head(conn)
            if ap.run_status(conn, run_id) is None:
                raise StoreError(f"cannot end run {run_id}: it is not recorded in {self.location}")
            ap.append(conn, head, RUN_ENDED, run_id, run_id, _ended(run_id, status, ended_at))

        self._write(tx, f"record the end of run {run_id}")

    def append(
        self, kind: str, record_id: str, data: Mapping[str, Any], *, run_id: str | None = None
    ) -> LedgerRecord:
        """Append a record of another kind (an approval, policy verdicts...) to the chain.

        The record is hashed and verified like every other; read it back with
        ``records(kind=...)``. The kinds govern writes itself are refused here.

        Raises:
            StoreError: a reserved kind, or the store cannot be written.
        """
        if kind in _RESERVED or not kind:
            raise StoreError(f"record kind {kind!r} is reserved; choose another kind")
        self._require_key()
        payload = json.loads(json.dumps(dict(data), default=str))
        ap = self._appender

        def tx(conn: sa.Connection) -> LedgerRecord:
            head = ap.lock_head(conn)
            seq, digest, _ = ap.append(conn, head, kind, record_id, run_id, payload)
            return LedgerRecord(seq, kind, record_id, run_id, head[1], digest, payload)

        return self._write(tx, f"record {kind} {record_id}")

    def import_events(self, events: Sequence[Mapping[str, Any]]) -> int:
        """Append OpenLineage events from other producers, all in one transaction.

        Each item is ``{"id": <event id>, "event": <the event>, ...}`` (see
        govern.lineage.importer); ids already imported are skipped, so importing a file
        twice adds nothing. Returns how many events were added.

        Raises:
            StoreError: the store cannot be written (nothing is added).
        """
        self._require_key()
        items = [json.loads(json.dumps(dict(e), allow_nan=False)) for e in events]
        ap = self._appender

        def tx(conn: sa.Connection) -> int:
            head = ap.lock_head(conn)
            ids = [str(item["id"]) for item in items]
            known: set[str] = set()
            for start in range(0, len(ids), 400):
                known.update(
                    conn.execute(
                        sa.select(imported_events.c.event_id).where(
                            imported_events.c.event_id.in_(ids[start : start + 400])
                        )
                    ).scalars()
                )
            added = 0
            for item in items:
                if item["id"] in known:
                    continue
                known.add(item["id"])
                seq, digest, _ = ap.append(conn, head, OPENLINEAGE_EVENT, item["id"], None, item)
                head = (seq, digest)
                added += 1
            return added

        return int(self._write(tx, f"import {len(items)} OpenLineage event(s)"))

    def _abort_dead_runs(self, *, best_effort: bool) -> None:
        """Mark runs of this host whose process is gone as aborted (a run_ended record)."""
        host = socket.gethostname()
        ap = self._appender

        def candidates(conn: sa.Connection) -> list[tuple[str, int]]:
            rows = conn.execute(
                sa.select(runs_table.c.id, runs_table.c.pid).where(
                    runs_table.c.status == str(RunStatus.RUNNING),
                    runs_table.c.host == host,
                    runs_table.c.pid.is_not(None),
                )
            )
            return [(str(i), int(p)) for i, p in rows]

        try:
            dead = [
                i for i, pid in self._read(candidates, "find unfinished runs") if not pid_alive(pid)
            ]
            if not dead:
                return
            self._require_key()

            def tx(conn: sa.Connection) -> None:
                for run_id in dead:
                    head = ap.lock_head(conn)
                    if ap.run_status(conn, run_id) == str(RunStatus.RUNNING):
                        ended = _ended(run_id, RunStatus.ABORTED, datetime.now(UTC))
                        ended["reason"] = "process gone"
                        ap.append(conn, head, RUN_ENDED, run_id, run_id, ended)

            self._write(tx, "mark runs whose process is gone as aborted")
        except StoreError:
            if not best_effort:
                raise

    # -- integrity --------------------------------------------------------------------

    def verify(
        self, *, strict: bool = False, public_keys: Sequence[bytes] | None = None
    ) -> VerifyReport:
        """Recompute the chain and cross-check every index row against its record.

        Args:
            strict: raise IntegrityError instead of returning a failed report.
            public_keys: trusted Ed25519 public keys (raw bytes). Given, every signed
                record must carry a valid signature by one of them, and a store with no
                signatures fails; None checks signatures against the keys the chain names.
        """
        report = self._read(
            lambda c: verify_store(c, read_meta(c) or {}, self.signer, public_keys),
            "verify the store",
        )
        if strict and not report.ok:
            raise IntegrityError(f"store {self.location}: {report.message}")
        return report

    def close(self) -> None:
        """Release connections. The Store cannot be used afterwards."""
        if not self._closed:
            self._closed = True
            if self._checkpointer is not None:
                self._checkpointer.close()
            self._connections.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.location!r})"


def _ended(run_id: str, status: RunStatus, ended_at: datetime) -> dict[str, Any]:
    return {"run_id": run_id, "status": str(status), "ended_at": format_datetime(ended_at)}
