"""What someone who can write the store's database (but holds no key) can do to it.

Each edit leaves a store whose chain and index agree with each other -- ``verify``
alone finds nothing wrong after ``truncate`` or ``rollback`` -- so only a checkpoint
kept elsewhere (or a pinned public key) can tell.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import sqlalchemy as sa

from govern.store.chain import record_hash
from govern.store.codec import canonical_json
from govern.store.index import KEYS, index_ops
from govern.store.schema import TABLES
from govern.store.sql import parse_target


def engine(url: str) -> sa.Engine:
    return sa.create_engine(parse_target(url).url)


def truncate(url: str, keep: int) -> None:
    """Cut the ledger after record ``keep``; rebuild the index and head to match it."""
    db = engine(url)
    try:
        with db.begin() as conn:
            conn.execute(sa.text("DELETE FROM ledger WHERE seq > :k"), {"k": keep})
            conn.execute(sa.text("DELETE FROM signatures WHERE seq > :k"), {"k": keep})
            _reindex(conn)
    finally:
        db.dispose()


def _reindex(conn: sa.Connection) -> None:
    for name in reversed(list(TABLES)):
        conn.execute(sa.text(f"DELETE FROM {name}"))
    rows = conn.execute(sa.text("SELECT seq, kind, hash, body FROM ledger ORDER BY seq")).all()
    expected: dict[str, dict[tuple[object, ...], dict[str, object]]] = {n: {} for n in TABLES}
    for seq, kind, _, body in rows:
        for op in index_ops(kind, seq, json.loads(body)["data"]):
            table = expected[op.table]
            key = tuple(op.row[k] for k in KEYS[op.table])
            if op.op == "update":
                table[key].update(op.row)
            elif op.op == "insert" or key not in table:
                table[key] = dict(op.row)
    for name in TABLES:
        if expected[name]:
            conn.execute(TABLES[name].insert(), list(expected[name].values()))
    last = rows[-1] if rows else None
    conn.execute(
        sa.text("UPDATE chain_head SET seq = :s, hash = :h"),
        {"s": last[0] if last else 0, "h": last[2] if last else "0" * 64},
    )


def forge_append(url: str, kind: str = "approval") -> int:
    """Append a record hashed with plain SHA-256 (no key, no signature); its seq."""
    db = engine(url)
    try:
        with db.begin() as conn:
            seq, prev = conn.execute(sa.text("SELECT seq, hash FROM chain_head")).one()
            seq += 1
            body = canonical_json(
                {"v": 1, "seq": seq, "kind": kind, "id": "forged", "run_id": None,
                 "data": {"approved_by": "mallory"}}
            )  # fmt: skip
            digest = record_hash(prev, body, None)
            conn.execute(
                sa.text(
                    "INSERT INTO ledger (seq, kind, record_id, run_id, prev_hash, hash, body) "
                    "VALUES (:s, :k, 'forged', NULL, :p, :h, :b)"
                ),
                {"s": seq, "k": kind, "p": prev, "h": digest, "b": body},
            )
            conn.execute(
                sa.text("UPDATE chain_head SET seq = :s, hash = :h"), {"s": seq, "h": digest}
            )
    finally:
        db.dispose()
    return int(seq)


def snapshot(url: str, tmp_path: Path) -> str:
    """A copy of the store as it is now (the 'older copy' of a rollback); its location."""
    target = parse_target(url)
    if target.sqlite_path is not None:
        copy = tmp_path / f"copy-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(target.sqlite_path, copy)
        wal = Path(f"{target.sqlite_path}-wal")
        if wal.exists():
            shutil.copyfile(wal, Path(f"{copy}-wal"))
        return str(copy)
    import psycopg

    url_obj = target.url
    name = "c_" + uuid.uuid4().hex[:16]
    with psycopg.connect(
        f"host={url_obj.host} port={url_obj.port} user={url_obj.username} dbname=postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url_obj.database}"')
    return url.rsplit("/", 1)[0] + "/" + name
