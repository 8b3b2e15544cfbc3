"""The Store: appends records to the hash-chained ledger and answers queries.

Imported only when a store is opened (it imports SQLAlchemy).
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from govern.errors import IntegrityError, StoreError
from govern.store import query
from govern.store.chain import KEYED, UNKEYED, key_check, mode_for, record_hash
from govern.store.checkpoint import Checkpointer
from govern.store.codec import canonical_json, encode_run, encode_stage, format_datetime
from govern.store.driver import DriverStatements
from govern.store.index import (
    KEYS,
    OPENLINEAGE_EVENT,
    RUN_ENDED,
    RUN_STARTED,
    STAGE,
    IndexOp,
    index_ops,
)
from govern.store.lineage import LineageIndex
from govern.store.outbox import Outbox
from govern.store.report import LedgerRecord, VerifyReport
from govern.store.schema import (
    CURRENT_VERSION,
    TABLES,
    chain_head,
    datasets,
    imported_events,
    ledger,
    meta,
    models,
)
from govern.store.schema import runs as runs_table
from govern.store.sql import (
    Connections,
    StoreNotFoundError,
    Target,
    check_writable,
    create_engine,
    migrate,
    read_meta,
    run_read,
    run_write,
    schema_version,
    set_meta,
)
from govern.store.verify import verify as verify_store
from govern.types import DatasetRef, ModelVersion, RunInfo, RunStatus, StageResult

__all__ = ["Store", "connect"]

T = TypeVar("T")
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
_INSERTS = {name: table.insert() for name, table in TABLES.items()}
_DATASET_EXISTS = sa.select(datasets.c.kind).where(
    datasets.c.namespace == sa.bindparam("ns"), datasets.c.name == sa.bindparam("name")
)
_RUN_STATUS = sa.select(runs_table.c.status).where(runs_table.c.id == sa.bindparam("run_id"))


def connect(target: Target, *, key: str | None, create: bool, timeout: float) -> Store:
    """Open (creating and migrating when allowed) the store at ``target``."""
    path = target.sqlite_path
    if path is not None:
        if not path.exists() or (path.stat().st_size == 0 and not create):
            if not create:
                raise StoreNotFoundError(
                    f"no govern store at {path}: nothing has been recorded there yet "
                    "(run a governed pipeline, or set GOVERN_STORE to the store's path)"
                )
            _make_parent(path)
        if create:
            check_writable(target)
    read_only = path is not None and not create and not os.access(path.parent, os.W_OK)
    engine = create_engine(target, timeout=timeout, read_only=read_only)
    checkpointer = Checkpointer(engine) if path is not None and not read_only else None
    store = Store(engine, target, key, timeout=timeout, checkpointer=checkpointer)
    try:
        store._open(create=create)
    except BaseException:
        store.close()
        raise
    return store


def _make_parent(path: Path) -> None:
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


class Store:
    """The audit record: a hash-chained ledger plus index tables, on SQLite or PostgreSQL.

    Writes (``begin_run``, ``record_stage``, ``end_run``) each run in one transaction
    that appends one ledger record and its index rows. Reads return govern.types objects
    decoded from the ledger records. Thread-safe; open one Store per process.
    """

    def __init__(
        self,
        engine: sa.Engine,
        target: Target,
        key: str | None,
        *,
        timeout: float,
        checkpointer: Checkpointer | None = None,
    ) -> None:
        self._engine = engine
        self._connections = Connections(engine)
        self._checkpointer = checkpointer
        self._driver = DriverStatements(engine.dialect)  # the per-record statements
        self._target = target
        self._key = key or None
        self._timeout = timeout
        self._meta: dict[str, str] = {}
        self._key_problem: str | None = None
        self._lock = threading.Lock()
        self._known_runs: set[str] = set()
        self._known_datasets: set[tuple[str, str]] = set()
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
    def schema_version(self) -> int:
        """The store's schema version (after migrations on open)."""
        return int(self._meta.get("schema_version", "0"))

    def _open(self, *, create: bool) -> None:
        found = self._read(read_meta, "read the store's meta table")
        version = schema_version(found)
        if (found is None or version == 0) and not create:
            raise StoreNotFoundError(
                f"no govern store at {self.location}: the database holds no govern "
                "tables (run a governed pipeline, or check GOVERN_STORE)"
            )
        if version != CURRENT_VERSION or found is None or "chain" not in found:
            self._meta = self._write(self._migrate, "create or migrate the store's tables")
        else:
            self._meta = found
        if create and self._meta.get("chain") != mode_for(self._key):
            self._meta = self._write(self._adopt_key_mode, "set the store's chain mode")
        self._key_problem = self._check_key()
        if create and self._key_problem:
            raise StoreError(self._key_problem)
        self._abort_dead_runs(best_effort=not create)

    def _migrate(self, conn: sa.Connection) -> dict[str, str]:
        now = format_datetime(datetime.now(UTC))
        migrate(conn, self._target, {"created_at": now})
        values = read_meta(conn) or {}
        if "chain" not in values:
            values.update(self._chain_meta())
            set_meta(conn, self._chain_meta())
        return values

    def _chain_meta(self) -> dict[str, str]:
        values: dict[str, str] = {"chain": mode_for(self._key)}
        if self._key:
            values["key_check"] = key_check(self._key)
        return values

    def _adopt_key_mode(self, conn: sa.Connection) -> dict[str, str]:
        """A store with no records yet takes the chain mode of its first writer."""
        values = read_meta(conn) or {}
        empty = conn.execute(sa.select(chain_head.c.seq)).scalar() == 0
        if empty and values.get("chain") != mode_for(self._key):
            conn.execute(meta.delete().where(meta.c.key == "key_check"))
            values.pop("key_check", None)
            values.update(self._chain_meta())
            set_meta(conn, self._chain_meta())
        return values

    def _check_key(self) -> str | None:
        mode = self._meta.get("chain", UNKEYED)
        where = f"store {self.location}"
        if mode == KEYED and not self._key:
            return (
                f"{where} has a keyed (HMAC) hash chain but GOVERN_SIGNING_KEY is not set; "
                "set it to the store's signing key"
            )
        if mode == KEYED and self._key and self._meta.get("key_check") != key_check(self._key):
            return (
                f"{where} was signed with a different key than GOVERN_SIGNING_KEY; "
                "set GOVERN_SIGNING_KEY to the store's signing key"
            )
        if mode == UNKEYED and self._key:
            return (
                f"{where} already holds records with an unkeyed hash chain, but "
                "GOVERN_SIGNING_KEY is set; unset it, or point GOVERN_STORE at a new store "
                "to start a keyed one"
            )
        return None

    # -- transactions -----------------------------------------------------------------

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

    def _lock_head(self, conn: sa.Connection) -> tuple[int, str]:
        ((seq, digest),) = self._driver.fetch(conn, _LOCK_HEAD)
        return int(seq), str(digest)

    def _append(
        self,
        conn: sa.Connection,
        head: tuple[int, str],
        kind: str,
        record_id: str,
        run_id: str | None,
        data: dict[str, Any],
    ) -> tuple[int, list[tuple[str, str]]]:
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
        digest = record_hash(prev_hash, body, self._key)
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
        # ``data`` holds only JSON types, so it equals json.loads(body)["data"]
        new_datasets = self._apply(conn, index_ops(kind, seq, data))
        self._driver.execute(conn, _MOVE_HEAD, {"new_seq": seq, "new_hash": digest})
        return seq, new_datasets

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

    def _run_status(self, conn: sa.Connection, run_id: str) -> str | None:
        return conn.execute(_RUN_STATUS, {"run_id": run_id}).scalar()

    def begin_run(self, run: RunInfo) -> None:
        """Record that a run started (its status, normally RUNNING, pid and host as given).

        Raises:
            StoreError: the run id is already recorded, or the store cannot be written.
        """
        self._require_key()

        def tx(conn: sa.Connection) -> None:
            head = self._lock_head(conn)
            if self._run_status(conn, run.id) is not None:
                raise StoreError(f"run {run.id} is already recorded in store {self.location}")
            self._append(conn, head, RUN_STARTED, run.id, run.id, encode_run(run))

        self._write(tx, f"record the start of run {run.id}")
        with self._lock:
            self._known_runs.add(run.id)

    def record_stage(self, result: StageResult) -> StageResult:
        """Record one stage call -- everything in it -- in one transaction.

        When ``result.model`` has version 0, the next version for that model name is
        assigned atomically; the returned result carries it.

        Raises:
            StoreError: the run was not begun, the stage run id or an explicit model
                version is already recorded, or the store cannot be written.
        """
        self._require_key()
        outcome: list[tuple[StageResult, list[tuple[str, str]]]] = []

        def tx(conn: sa.Connection) -> StageResult:
            outcome.clear()
            head = self._lock_head(conn)
            with self._lock:
                known = result.run_id in self._known_runs
            if not known and self._run_status(conn, result.run_id) is None:
                raise StoreError(
                    f"cannot record stage {result.stage!r}: run {result.run_id} was never "
                    f"begun in store {self.location} (begin_run first)"
                )
            recorded = self._with_model_version(conn, result)
            _, new = self._append(
                conn, head, STAGE, recorded.stage_run_id, recorded.run_id, encode_stage(recorded)
            )
            outcome.append((recorded, new))
            return recorded

        recorded = self._write(tx, f"record stage {result.stage!r} of run {result.run_id}")
        with self._lock:
            self._known_runs.add(result.run_id)
            self._known_datasets.update(outcome[0][1])
        return recorded

    def _with_model_version(self, conn: sa.Connection, result: StageResult) -> StageResult:
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

    def end_run(self, run_id: str, status: RunStatus, ended_at: datetime) -> None:
        """Record that a run ended (a new record; nothing recorded is updated).

        Raises:
            StoreError: the run was never begun, or the store cannot be written.
        """
        self._require_key()

        def tx(conn: sa.Connection) -> None:
            head = self._lock_head(conn)
            if self._run_status(conn, run_id) is None:
                raise StoreError(f"cannot end run {run_id}: it is not recorded in {self.location}")
            self._append(conn, head, RUN_ENDED, run_id, run_id, _ended(run_id, status, ended_at))

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
        if kind in (RUN_STARTED, STAGE, RUN_ENDED, OPENLINEAGE_EVENT) or not kind:
            raise StoreError(f"record kind {kind!r} is reserved; choose another kind")
        self._require_key()
        payload = json.loads(json.dumps(dict(data), default=str))

        def tx(conn: sa.Connection) -> LedgerRecord:
            head = self._lock_head(conn)
            seq, _ = self._append(conn, head, kind, record_id, run_id, payload)
            digest = conn.execute(sa.select(ledger.c.hash).where(ledger.c.seq == seq)).scalar()
            return LedgerRecord(seq, kind, record_id, run_id, head[1], str(digest), payload)

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

        def tx(conn: sa.Connection) -> int:
            head = self._lock_head(conn)
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
                self._append(conn, head, OPENLINEAGE_EVENT, item["id"], None, item)
                head = self._lock_head(conn)
                added += 1
            return added

        return int(self._write(tx, f"import {len(items)} OpenLineage event(s)"))

    def records_after(
        self, seq: int, *, kinds: Sequence[str] | None = None, limit: int = 1000
    ) -> list[LedgerRecord]:
        """Up to ``limit`` records after ``seq`` in chain order (to page through the ledger)."""

        def fn(conn: sa.Connection) -> list[LedgerRecord]:
            q = sa.select(ledger).where(ledger.c.seq > seq).order_by(ledger.c.seq).limit(limit)
            if kinds is not None:
                q = q.where(ledger.c.kind.in_(list(kinds)))
            return [
                LedgerRecord(
                    r.seq, r.kind, r.record_id, r.run_id, r.prev_hash, r.hash, _data(r.body)
                )
                for r in conn.execute(q)
            ]

        return self._read(fn, "read records")

    def _abort_dead_runs(self, *, best_effort: bool) -> None:
        """Mark runs of this host whose process is gone as aborted (a run_ended record)."""
        host = socket.gethostname()

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
                    head = self._lock_head(conn)
                    if self._run_status(conn, run_id) == str(RunStatus.RUNNING):
                        ended = _ended(run_id, RunStatus.ABORTED, datetime.now(UTC))
                        ended["reason"] = "process gone"
                        self._append(conn, head, RUN_ENDED, run_id, run_id, ended)

            self._write(tx, "mark runs whose process is gone as aborted")
        except StoreError:
            if not best_effort:
                raise

    # -- reading ----------------------------------------------------------------------

    def runs(
        self,
        *,
        limit: int | None = None,
        pipeline: str | None = None,
        since: datetime | None = None,
    ) -> list[RunInfo]:
        """Recorded runs, newest first, optionally of one pipeline or since a time."""
        return self._read(
            lambda c: query.runs_list(c, limit=limit, pipeline=pipeline, since=since),
            "list runs",
        )

    def run(self, run_id: str) -> RunInfo:
        """One run by id, unique id prefix, or ``latest``.

        Raises:
            StoreError: no such run (a RunNotFoundError).
        """

        def fn(conn: sa.Connection) -> RunInfo:
            found = query.find_run_id(conn, run_id, self.location)
            return query.runs_list(conn, run_id=found)[0]

        return self._read(fn, f"read run {run_id}")

    def stage_runs(self, run_id: str) -> list[StageResult]:
        """A run's stage calls in call order, fully rebuilt from the record."""

        def fn(conn: sa.Connection) -> list[StageResult]:
            return query.stage_runs_of(conn, query.find_run_id(conn, run_id, self.location))

        return self._read(fn, f"read the stages of run {run_id}")

    def models(self) -> list[ModelVersion]:
        """Every recorded model version, by name then version."""
        return self._read(query.models_all, "list models")

    def model(self, name: str, version: int | None = None) -> ModelVersion:
        """One model version; the latest of that name when ``version`` is None.

        Raises:
            StoreError: no such model or version (a ModelNotFoundError).
        """
        return self._read(
            lambda c: query.model(c, name, version, self.location), f"read model {name}"
        )

    def model_usages(self, name: str, version: int) -> list[StageResult]:
        """Stage calls that used this model version as an input, in call order."""
        return self._read(
            lambda c: query.model_usages_of(c, name, version), f"read usages of {name}"
        )

    def datasets(self) -> list[DatasetRef]:
        """Every dataset a stage saw."""
        return self._read(query.datasets, "list datasets")

    def dataset_usages(self, name: str, namespace: str | None = None) -> list[StageResult]:
        """Stage calls that read or produced a dataset, in call order."""
        return self._read(
            lambda c: query.dataset_usages(c, name, namespace), f"read usages of {name}"
        )

    def records(self, *, kind: str | None = None, run_id: str | None = None) -> list[LedgerRecord]:
        """Raw ledger records in chain order (for consumers of record kinds not typed here)."""

        def fn(conn: sa.Connection) -> list[LedgerRecord]:
            q = sa.select(ledger).order_by(ledger.c.seq)
            if kind is not None:
                q = q.where(ledger.c.kind == kind)
            if run_id is not None:
                q = q.where(ledger.c.run_id == run_id)
            return [
                LedgerRecord(
                    r.seq,
                    r.kind,
                    r.record_id,
                    r.run_id,
                    r.prev_hash,
                    r.hash,
                    json.loads(r.body)["data"],
                )
                for r in conn.execute(q)
            ]

        return self._read(fn, "read records")

    def head_hash(self) -> str | None:
        """Hash of the last record, None when nothing is recorded."""
        return self._read(
            lambda c: c.execute(
                sa.select(ledger.c.hash).order_by(ledger.c.seq.desc()).limit(1)
            ).scalar(),
            "read the chain head",
        )

    def verify(self, *, strict: bool = False) -> VerifyReport:
        """Recompute the chain and cross-check every index row against its record.

        Args:
            strict: raise IntegrityError instead of returning a failed report.
        """
        report = self._read(
            lambda c: verify_store(c, read_meta(c) or {}, self._key), "verify the store"
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


def _data(body: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(body)["data"]
    return data


def _ended(run_id: str, status: RunStatus, ended_at: datetime) -> dict[str, Any]:
    return {"run_id": run_id, "status": str(status), "ended_at": format_datetime(ended_at)}
