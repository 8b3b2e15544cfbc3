"""Recompute the hash chain, check signatures, cross-check every index row against the ledger.

A value an attacker may have put in any column (a BLOB body, a non-ASCII hash) is a
finding, never an exception.
"""

from __future__ import annotations

import base64
import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from govern.store.chain import ED25519, GENESIS, KEYED, UNKEYED, key_check, record_hash
from govern.store.gcpause import paused_gc
from govern.store.index import KEYS, IndexOp, index_ops
from govern.store.report import VerifyReport
from govern.store.schema import TABLES, chain_head, ledger, signatures
from govern.store.signing import SIGNING_KEY, Signer, key_id, signature_valid

__all__ = ["verify"]

_NO_SEQ = 1 << 62
_Expected = dict[str, dict[tuple[Any, ...], "_Row"]]
"""Per index table: key -> the row the records say it holds."""


@dataclass(slots=True)
class _Row:
    """An index row as the records say it is, and which record set each column."""

    values: dict[str, Any]
    seq: int  # the record that inserted it
    updated: dict[str, int] | None = None  # columns later records set, and their seq

    def seq_of(self, column: str) -> int:
        return self.seq if self.updated is None else self.updated.get(column, self.seq)


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


Visit = Callable[[str, str, Any], None]
"""Called with (kind, body, data) of each record whose content could be read."""


def verify(
    conn: sa.Connection,
    meta: dict[str, str],
    signer: Signer,
    public_keys: Sequence[bytes] | None = None,
    *,
    visit: Visit | None = None,
) -> VerifyReport:
    """Check the whole store inside one read transaction.

    ``visit`` sees every record in chain order as it is checked (a reader can take what
    it needs from the records verified instead of reading them again). It is not called
    when the chain cannot be checked at all (the report's ``message`` says why).
    """
    with paused_gc():  # the expected index rows of every record stay alive until the end
        return _verify(conn, meta, signer, public_keys, visit)


def _verify(
    conn: sa.Connection,
    meta: dict[str, str],
    signer: Signer,
    public_keys: Sequence[bytes] | None,
    visit: Visit | None,
) -> VerifyReport:
    mode = meta.get("chain", UNKEYED)
    keyed = mode == KEYED
    key = signer.hmac_key if signer.mode == KEYED else None
    records = conn.execute(sa.select(sa.func.count()).select_from(ledger)).scalar_one()
    head = conn.execute(sa.select(ledger.c.hash).order_by(ledger.c.seq.desc()).limit(1)).scalar()
    refused = _refuse(mode, key, public_keys)
    if refused:
        checked = not (mode == KEYED and not key)  # else the refusal is itself a finding
        return VerifyReport(
            False, records, None, _text(head), keyed, 1, refused, mode=mode, checked=checked
        )
    hint = ""
    if keyed and key and meta.get("key_check") not in (None, key_check(key)):
        hint = " (GOVERN_SIGNING_KEY is not the key this store was signed with)"

    found = _Findings()
    expected: _Expected = {name: {} for name in TABLES}
    keys = _Keys(None if public_keys is None else set(public_keys))
    last_seq, last_hash = _chain(conn, key, found, expected, hint, keys, visit)
    if mode == ED25519 and not keys.seen:
        found.add(_NO_SEQ, "the store says it is signed with Ed25519 but no signing_key "
                  "record is in its chain")  # fmt: skip
    _head(conn, last_seq, last_hash, found)
    for name, table in TABLES.items():
        _compare(conn, name, table, expected[name], found)

    first = found.first()
    ok = first is None
    if ok:
        how = {"hmac-sha256": " (keyed chain)", "ed25519": " (Ed25519-signed"}.get(mode, "")
        if mode == ED25519:
            pinned = "pinned public key" if public_keys is not None else "keys named in the chain"
            how += f" by {', '.join(keys.seen)}; checked against the {pinned})"
        message = f"ok: {records} record(s) verified{how}"
    else:
        message = f"verification failed ({len(found.problems)} problem(s)); first: {first}"
    return VerifyReport(
        ok,
        records,
        first,
        last_hash,
        keyed,
        len(found.problems),
        message,
        mode=mode,
        key_ids=tuple(keys.seen),
        pinned=public_keys is not None,
    )


def _refuse(mode: str, key: str | None, public_keys: Sequence[bytes] | None) -> str | None:
    if mode == KEYED and not key:
        return (
            "the chain is keyed (HMAC-SHA256) and cannot be checked without its key; "
            "set GOVERN_SIGNING_KEY"
        )
    if mode != KEYED and key:
        return (
            "GOVERN_SIGNING_KEY is set but the store's chain is not keyed: it was created "
            "without a key, or its records were re-hashed without one; unset "
            "GOVERN_SIGNING_KEY to check an unkeyed store"
        )
    if public_keys is not None and mode != ED25519:
        return (
            f"a public key was given but the store's chain is not signed with Ed25519 (it "
            f"says {mode}): it was never signed, or its signatures were stripped"
        )
    return None


@dataclass
class _Keys:
    """Signing keys met along the chain; ``trusted`` (raw public keys) when pinned."""

    trusted: set[bytes] | None
    active: tuple[str, bytes] | None = None
    seen: list[str] = field(default_factory=list)

    def start(self, seq: int, data: dict[str, Any], found: _Findings) -> None:
        try:
            raw = base64.b64decode(str(data["public_key"]), validate=True)
            named = str(data["key_id"])
        except (KeyError, ValueError) as err:
            found.add(seq, f"its signing key cannot be read ({type(err).__name__})")
            return
        if key_id(raw) != named:
            found.add(seq, f"its key id {named} is not the id of the public key it holds")
        if self.trusted is not None and raw not in self.trusted:
            found.add(seq, f"it starts signing with key {named}, not a trusted public key")
        self.active = (named, raw)
        self.seen.append(named)

    def check(self, seq: int, digest: str, sig_key: Any, signature: Any, found: _Findings) -> None:
        if self.active is None:
            return
        named, raw = self.active
        if signature is None:
            found.add(seq, f"it carries no signature (records are signed by key {named})")
        elif sig_key != named:
            found.add(seq, f"it is signed by key {sig_key!r}, not by {named}, the key in force")
        elif not isinstance(signature, str) or not signature_valid(
            raw, digest.encode(), signature, record=True
        ):
            found.add(seq, f"its signature does not verify with key {named}")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _bad_columns(row: Any) -> str | None:
    for col in ("prev_hash", "hash"):
        value = getattr(row, col)
        if not isinstance(value, str) or not value.isascii():
            return f"its {col} is not a hex hash ({type(value).__name__} {value!r:.40})"
    if not isinstance(row.body, str):
        return f"its body is stored as {type(row.body).__name__}, not text"
    return None


def _chain(
    conn: sa.Connection,
    key: str | None,
    found: _Findings,
    expected: _Expected,
    hint: str,
    keys: _Keys,
    visit: Visit | None,
) -> tuple[int, str | None]:
    prev_hash = GENESIS
    last_seq = 0
    last_hash: str | None = None
    query = (
        sa.select(ledger, signatures.c.key_id.label("sig_key"), signatures.c.signature)
        .select_from(ledger.outerjoin(signatures, signatures.c.seq == ledger.c.seq))
        .order_by(ledger.c.seq)
    )
    for row in conn.execute(query).yield_per(2000):
        seq: int = row.seq
        found.labels[seq] = f"{row.kind} {row.record_id}"
        if seq != last_seq + 1:
            missing = last_seq + 1
            found.labels.setdefault(missing, "missing")
            found.add(missing, f"records {missing}..{seq - 1} are missing from the ledger")
        bad = _bad_columns(row)
        if bad:
            found.add(seq, bad + ": the store was edited outside govern")
            prev_hash, last_seq, last_hash = str(row.hash), seq, _text(row.hash)
            continue
        if row.prev_hash != prev_hash:
            found.add(seq, "its prev_hash does not match the previous record's hash")
        if record_hash(row.prev_hash, row.body, key) != row.hash:
            found.add(seq, "its content does not match its hash" + hint)
        prev_hash, last_seq, last_hash = row.hash, seq, row.hash
        try:
            envelope = json.loads(row.body)
            data = envelope["data"]
            bad_cols = [
                col
                for col, value in (
                    ("seq", seq),
                    ("kind", row.kind),
                    ("id", row.record_id),
                    ("run_id", row.run_id),
                )
                if envelope.get(col) != value
            ]
            if bad_cols:
                found.add(seq, f"ledger column(s) {', '.join(bad_cols)} differ from its content")
            if row.kind == SIGNING_KEY:
                keys.start(seq, data, found)
            ops = index_ops(row.kind, seq, data)
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            found.add(seq, f"its content cannot be read ({type(err).__name__}: {err})")
            keys.check(seq, row.hash, row.sig_key, row.signature, found)
            continue
        keys.check(seq, row.hash, row.sig_key, row.signature, found)
        _apply(ops, seq, expected, found)
        if visit is not None:
            visit(row.kind, row.body, data)
    return last_seq, last_hash


def _apply(ops: Sequence[IndexOp], seq: int, expected: _Expected, found: _Findings) -> None:
    """Replay one record's index operations onto the expected index tables."""
    for op in ops:
        rows = expected[op.table]
        key = op.key
        current = rows.get(key)
        if op.op == "insert_missing" and current is not None:
            continue
        if op.op == "update":
            if current is None:
                found.add(seq, f"it updates {op.table} row {key} that no record created")
                continue
            current.values.update(op.row)
            if current.updated is None:
                current.updated = {}
            current.updated.update(dict.fromkeys(op.row, seq))
            continue
        if op.op == "insert" and current is not None:
            found.add(seq, f"it repeats {op.table} row {key} of an earlier record")
            continue
        # op.row is this op's own dict (index_ops builds it per call): kept, not copied
        rows[key] = _Row(op.row, seq)


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
    expected: dict[tuple[Any, ...], _Row],
    found: _Findings,
) -> None:
    columns = [c.name for c in table.columns]
    if _identical(conn, table, columns, expected):
        return
    at = [columns.index(k) for k in KEYS[name]]
    seen: set[tuple[Any, ...]] = set()
    for stored in conn.execute(sa.select(table)).yield_per(5000):
        row = dict(zip(columns, stored, strict=True))
        key = tuple([row[columns[i]] for i in at])
        seen.add(key)
        want = expected.get(key)
        if want is None:
            seq = next((row[c] for c in _SEQ_COLUMNS if isinstance(row.get(c), int)), _NO_SEQ)
            found.add(seq, f"index table {name} holds a row {key} that no record explains")
            continue
        values = want.values
        differ = [col for col in columns if row[col] != values.get(col)]
        if not differ:
            continue
        # blame the latest record involved: the one that set an expected value, or one a
        # seq column of the stored row points at (e.g. a removed run_ended record)
        blame = max(want.seq_of(col) for col in differ)
        refs = [row[c] for c in differ if c in _SEQ_COLUMNS and isinstance(row[c], int)]
        blame = max([blame, *refs])
        col = differ[0]
        more = f" (and {len(differ) - 1} more column(s))" if len(differ) > 1 else ""
        found.add(
            blame,
            f"index table {name} row {key}: {col} is {row[col]!r} "
            f"but the record says {values.get(col)!r}{more}",
        )
    for key, want in expected.items():
        if key not in seen:
            found.add(want.seq, f"index table {name} lacks its row {key}")


def _identical(
    conn: sa.Connection,
    table: sa.Table,
    columns: list[str],
    expected: dict[tuple[Any, ...], _Row],
) -> bool:
    """True when the table holds exactly the expected rows (the common case, at C speed).

    Rows are compared as whole tuples through a set: each stored row must be an expected
    row, and as many (keys are unique on both sides). Anything else -- a differing value,
    a row too many or missing, a value that cannot be hashed, a record that sets fewer
    columns -- returns False and the caller compares column by column to say what.
    """
    every = operator.itemgetter(*columns)
    try:
        wanted = set(map(every, [row.values for row in expected.values()]))
    except (KeyError, TypeError):
        return False
    if len(wanted) != len(expected):
        return False
    matched = 0
    for part in conn.execute(sa.select(table)).yield_per(5000).partitions():
        try:
            stored = set(map(tuple, part))
        except TypeError:  # an unhashable value
            return False
        if len(stored) != len(part) or not stored <= wanted:
            return False
        matched += len(stored)
    return matched == len(wanted)
