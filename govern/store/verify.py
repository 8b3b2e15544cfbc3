"""Recompute the hash chain and cross-check every index row against the ledger."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from govern.store.chain import GENESIS, KEYED, key_check, record_hash
from govern.store.index import KEYS, index_ops
from govern.store.report import VerifyReport
from govern.store.schema import TABLES, chain_head, ledger

__all__ = ["verify"]

_NO_SEQ = 1 << 62
_SEQ_COLUMNS = ("seq", "start_seq", "end_seq", "first_seq")


@dataclass
class _Findings:
    problems: list[tuple[int, str]] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)

    def add(self, seq: int, why: str) -> None:
        self.problems.append((seq, why))

    def first(self) -> str | None:
        if not self.problems:
            return None
        seq, why = min(self.problems, key=lambda p: p[0])
        if seq == _NO_SEQ:
            return why
        return f"record seq {seq} ({self.labels.get(seq, 'missing')}): {why}"


def verify(conn: sa.Connection, meta: dict[str, str], key: str | None) -> VerifyReport:
    """Check the whole store inside one read transaction."""
    keyed = meta.get("chain") == KEYED
    records = conn.execute(sa.select(sa.func.count()).select_from(ledger)).scalar_one()
    head = conn.execute(sa.select(ledger.c.hash).order_by(ledger.c.seq.desc()).limit(1)).scalar()
    if keyed and not key:
        return VerifyReport(
            False, records, None, head, keyed, 1,
            "the chain is keyed (HMAC-SHA256) and cannot be checked without its key; "
            "set GOVERN_SIGNING_KEY",
        )  # fmt: skip
    if not keyed and key:
        return VerifyReport(
            False, records, None, head, keyed, 1,
            "GOVERN_SIGNING_KEY is set but the store's chain is not keyed: it was created "
            "without a key, or its records were re-hashed without one; unset "
            "GOVERN_SIGNING_KEY to check an unkeyed store",
        )  # fmt: skip
    hint = ""
    if keyed and key and meta.get("key_check") not in (None, key_check(key)):
        hint = " (GOVERN_SIGNING_KEY is not the key this store was signed with)"

    found = _Findings()
    expected: dict[str, dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, int]]]] = {
        name: {} for name in TABLES
    }
    last_seq, last_hash = _chain(conn, key if keyed else None, found, expected, hint)
    _head(conn, last_seq, last_hash, found)
    for name, table in TABLES.items():
        _compare(conn, name, table, expected[name], found)

    first = found.first()
    ok = first is None
    message = (
        f"ok: {records} record(s) verified" + (" (keyed chain)" if keyed else "")
        if ok
        else f"verification failed ({len(found.problems)} problem(s)); first: {first}"
    )
    return VerifyReport(ok, records, first, last_hash, keyed, len(found.problems), message)


def _chain(
    conn: sa.Connection,
    key: str | None,
    found: _Findings,
    expected: dict[str, dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, int]]]],
    hint: str,
) -> tuple[int, str | None]:
    prev_hash = GENESIS
    last_seq = 0
    last_hash: str | None = None
    query = sa.select(ledger).order_by(ledger.c.seq)
    for row in conn.execute(query).yield_per(2000):
        seq: int = row.seq
        found.labels[seq] = f"{row.kind} {row.record_id}"
        if seq != last_seq + 1:
            missing = last_seq + 1
            found.labels.setdefault(missing, "missing")
            found.add(missing, f"records {missing}..{seq - 1} are missing from the ledger")
        if row.prev_hash != prev_hash:
            found.add(seq, "its prev_hash does not match the previous record's hash")
        if record_hash(row.prev_hash, row.body, key) != row.hash:
            found.add(seq, "its content does not match its hash" + hint)
        prev_hash, last_seq, last_hash = row.hash, seq, row.hash
        try:
            envelope = json.loads(row.body)
            data = envelope["data"]
            bad = [
                col
                for col, value in (
                    ("seq", seq),
                    ("kind", row.kind),
                    ("id", row.record_id),
                    ("run_id", row.run_id),
                )
                if envelope.get(col) != value
            ]
            if bad:
                found.add(seq, f"ledger column(s) {', '.join(bad)} differ from its content")
            ops = index_ops(row.kind, seq, data)
        except (ValueError, KeyError, TypeError) as err:
            found.add(seq, f"its content cannot be read ({type(err).__name__}: {err})")
            continue
        for op in ops:
            rows = expected[op.table]
            current = rows.get(op.key)
            if op.op == "insert_missing" and current is not None:
                continue
            if op.op == "update":
                if current is None:
                    found.add(seq, f"it updates {op.table} row {op.key} that no record created")
                    continue
                current[0].update(op.row)
                current[1].update(dict.fromkeys(op.row, seq))
                continue
            if op.op == "insert" and current is not None:
                found.add(seq, f"it repeats {op.table} row {op.key} of an earlier record")
                continue
            rows[op.key] = (dict(op.row), dict.fromkeys(op.row, seq))
    return last_seq, last_hash


def _head(conn: sa.Connection, last_seq: int, last_hash: str | None, found: _Findings) -> None:
    head = conn.execute(sa.select(chain_head.c.seq, chain_head.c.hash)).all()
    if len(head) != 1:
        found.add(last_seq + 1, f"the chain_head table holds {len(head)} rows instead of 1")
        return
    seq, hash_ = head[0]
    if seq != last_seq or (last_seq and hash_ != last_hash):
        blame = min(seq, last_seq) + 1 if seq != last_seq else last_seq
        found.labels.setdefault(blame, "missing")
        found.add(
            blame,
            f"the chain head says seq {seq} but the ledger ends at seq {last_seq}: "
            "records were removed or the head was edited",
        )


def _compare(
    conn: sa.Connection,
    name: str,
    table: sa.Table,
    expected: dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, int]]],
    found: _Findings,
) -> None:
    keys = KEYS[name]
    columns = [c.name for c in table.columns]
    seen: set[tuple[Any, ...]] = set()
    for mapping in conn.execute(sa.select(table)).mappings():
        row = dict(mapping)
        key = tuple(row[k] for k in keys)
        seen.add(key)
        want = expected.get(key)
        if want is None:
            seq = next((row[c] for c in _SEQ_COLUMNS if isinstance(row.get(c), int)), _NO_SEQ)
            found.add(seq, f"index table {name} holds a row {key} that no record explains")
            continue
        values, seqs = want
        differ = [col for col in columns if row[col] != values.get(col)]
        if not differ:
            continue
        # blame the latest record involved: the one that set an expected value, or one a
        # seq column of the stored row points at (e.g. a removed run_ended record)
        blame = max(seqs.get(col, min(seqs.values())) for col in differ)
        refs = [row[c] for c in differ if c in _SEQ_COLUMNS and isinstance(row[c], int)]
        blame = max([blame, *refs])
        col = differ[0]
        more = f" (and {len(differ) - 1} more column(s))" if len(differ) > 1 else ""
        found.add(
            blame,
            f"index table {name} row {key}: {col} is {row[col]!r} "
            f"but the record says {values.get(col)!r}{more}",
        )
    for key, (_values, seqs) in expected.items():
        if key not in seen:
            found.add(min(seqs.values()), f"index table {name} lacks its row {key}")
