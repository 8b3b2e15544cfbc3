"""The lineage delivery outbox: which events each transport is still owed.

The ledger is the source of every event (``govern.lineage.events`` rebuilds them from
the records), so the outbox only tracks delivery: one row per (transport, record seq,
part), where a stage record gives two events (START, then COMPLETE or FAIL) and a run's
start and end one each. A transport registered with the store is owed every later
record: ``enqueue`` adds the rows of records written since it last looked
(``scanned_seq``), whichever process wrote them, so a process that died between its
record and its delivery loses nothing.

Claims are leases: a worker marks rows ``inflight`` until ``lease_until`` in the same
transaction that picks them, so two processes never deliver one event at once, and a
lease that runs out (its process died) makes the row claimable again. A run's events
are claimed in order, and never past one of its events that is not delivered yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from govern.store.codec import format_datetime
from govern.store.index import LINEAGE_KINDS
from govern.store.report import LedgerRecord, OutboxItem, TransportStatus
from govern.store.schema import chain_head, ledger, outbox, outbox_transports, runs

__all__ = ["DELIVERED", "FAILED", "INFLIGHT", "PENDING", "Outbox"]

PENDING = "pending"
INFLIGHT = "inflight"
DELIVERED = "delivered"
FAILED = "failed"

Access = Callable[[Callable[[sa.Connection], Any], str], Any]

_WINDOW = 5000  # undelivered rows looked at per claim, oldest first
_MULTI = [k for k, n in LINEAGE_KINDS.items() if n > 1]
_OPEN = (PENDING, INFLIGHT, FAILED)  # not delivered: the ix_outbox_open index finds them


def _now_text() -> str:
    return format_datetime(datetime.now(UTC))


def _head(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(chain_head.c.seq).where(chain_head.c.id == 1)).scalar() or 0)


class Outbox:
    """Delivery state per transport (``store.outbox``); every method is one transaction."""

    def __init__(self, read: Access, write: Access) -> None:
        self._read = read
        self._write = write

    def register(
        self,
        transports: Iterable[tuple[str, str]],
        *,
        after_seq: int | None = None,
        from_run: str | None = None,
    ) -> None:
        """Make the store owe events to transports it does not know yet.

        Args:
            transports: (name, kind) pairs, e.g. ``("marquez", "http")``.
            after_seq: owe records after this seq.
            from_run: owe the records of this run (from its start) and every later one.
                With neither, records after the current head. Known transports are
                left as they are.
        """
        wanted = dict(transports)

        def tx(conn: sa.Connection) -> None:
            known = set(
                conn.execute(
                    sa.select(outbox_transports.c.name).where(
                        outbox_transports.c.name.in_(list(wanted))
                    )
                ).scalars()
            )
            start = after_seq
            if start is None and from_run is not None:
                first = conn.execute(
                    sa.select(runs.c.start_seq).where(runs.c.id == from_run)
                ).scalar()
                start = None if first is None else int(first) - 1
            if start is None:
                start = _head(conn)
            rows = [
                {"name": n, "kind": k, "scanned_seq": start, "registered_at": _now_text()}
                for n, k in wanted.items()
                if n not in known
            ]
            if rows:
                conn.execute(outbox_transports.insert(), rows)

        if wanted:
            self._write(tx, "register lineage transports")

    def enqueue(self, names: Sequence[str], *, now: float) -> int:
        """Add the rows of records written since each transport last looked; returns how many."""

        def tx(conn: sa.Connection) -> int:
            added = 0
            head = _head(conn)
            for name in names:
                scanned = conn.execute(
                    sa.select(outbox_transports.c.scanned_seq)
                    .where(outbox_transports.c.name == name)
                    .with_for_update()
                ).scalar()
                if scanned is None or scanned >= head:
                    continue
                added += _insert_rows(conn, name, now, _after(scanned))
                conn.execute(
                    outbox_transports.update()
                    .where(outbox_transports.c.name == name)
                    .values(scanned_seq=head)
                )
            return added

        return int(self._write(tx, "queue lineage events"))

    def backfill(self, name: str, *, now: float) -> int:
        """Owe a transport the records from before it was registered; returns rows added."""

        def tx(conn: sa.Connection) -> int:
            scanned = conn.execute(
                sa.select(outbox_transports.c.scanned_seq).where(outbox_transports.c.name == name)
            ).scalar()
            if scanned is None:
                return 0

            def owed(part: int) -> sa.ColumnElement[bool]:
                missing = ~sa.exists().where(
                    outbox.c.transport == name,
                    outbox.c.seq == ledger.c.seq,
                    outbox.c.part == part,
                )
                return sa.and_(ledger.c.seq <= scanned, missing)

            return _insert_rows(conn, name, now, owed)

        return int(self._write(tx, f"backfill lineage events for {name}"))

    def claim(
        self, name: str, *, now: float, lease: float, limit: int, ignore_backoff: bool = False
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` due events of one transport, in order within each run.

        ``ignore_backoff`` (a replay) takes pending events before their retry time; an
        event another worker holds a live lease on is never taken.
        """

        def tx(conn: sa.Connection) -> list[OutboxItem]:
            rows = conn.execute(
                sa.select(
                    outbox.c.seq,
                    outbox.c.part,
                    outbox.c.run_id,
                    outbox.c.state,
                    outbox.c.attempts,
                    outbox.c.next_at,
                    outbox.c.lease_until,
                )
                .where(outbox.c.transport == name, outbox.c.state.in_(_OPEN))
                .order_by(outbox.c.seq, outbox.c.part)
                .limit(_WINDOW)
            ).all()
            picked: list[OutboxItem] = []
            blocked: set[str | None] = set()
            for r in rows:
                if len(picked) >= limit:
                    break
                if r.run_id in blocked:
                    continue
                due = (r.state == PENDING and (ignore_backoff or r.next_at <= now)) or (
                    r.state == INFLIGHT and (r.lease_until or 0.0) <= now
                )
                if not due:
                    if r.run_id is not None:
                        blocked.add(r.run_id)  # later events of this run wait for this one
                    continue
                picked.append(OutboxItem(name, r.seq, r.part, r.run_id, r.attempts))
            for item in picked:
                conn.execute(
                    outbox.update()
                    .where(*_key(name, item))
                    .values(state=INFLIGHT, lease_until=now + lease, updated_at=_now_text())
                )
            return picked

        return list(self._write(tx, f"claim lineage events for {name}"))

    def delivered(self, item: OutboxItem) -> None:
        """Record that one event reached its transport (it is never sent there again)."""
        self._write(
            lambda c: c.execute(
                outbox.update()
                .where(*_key(item.transport, item))
                .values(state=DELIVERED, lease_until=None, last_error=None, updated_at=_now_text())
            ),
            "record a lineage delivery",
        )

    def failed(self, item: OutboxItem, error: str, *, next_at: float, give_up: bool) -> None:
        """Record a failed attempt: retried at ``next_at``, or ``failed`` when giving up."""
        self._write(
            lambda c: c.execute(
                outbox.update()
                .where(*_key(item.transport, item))
                .values(
                    state=FAILED if give_up else PENDING,
                    attempts=item.attempts + 1,
                    next_at=next_at,
                    lease_until=None,
                    last_error=error[:2000],
                    updated_at=_now_text(),
                )
            ),
            "record a failed lineage delivery",
        )

    def release(self, items: Sequence[OutboxItem], *, next_at: float) -> None:
        """Give leased events back unattempted (an earlier event of their run failed)."""

        def tx(conn: sa.Connection) -> None:
            for item in items:
                conn.execute(
                    outbox.update()
                    .where(*_key(item.transport, item), outbox.c.state == INFLIGHT)
                    .values(state=PENDING, lease_until=None, next_at=next_at)
                )

        if items:
            self._write(tx, "release lineage events")

    def retry_failed(self, names: Sequence[str], *, now: float) -> int:
        """Make failed events of these transports pending again; returns how many."""

        def tx(conn: sa.Connection) -> int:
            done = conn.execute(
                outbox.update()
                .where(outbox.c.transport.in_(list(names)), outbox.c.state == FAILED)
                .values(state=PENDING, attempts=0, next_at=now, updated_at=_now_text())
            )
            return int(done.rowcount or 0)

        return int(self._write(tx, "retry failed lineage events"))

    def status(self) -> list[TransportStatus]:
        """Counts per registered transport, by name."""

        def fn(conn: sa.Connection) -> list[TransportStatus]:
            found: list[TransportStatus] = []
            transports = conn.execute(
                sa.select(outbox_transports).order_by(outbox_transports.c.name)
            )
            for t in transports.all():
                counts: dict[str, int] = dict(
                    conn.execute(
                        sa.select(outbox.c.state, sa.func.count())
                        .where(outbox.c.transport == t.name)
                        .group_by(outbox.c.state)
                    ).all()
                )
                queued = _owed_since(conn, t.scanned_seq)
                oldest = conn.execute(
                    sa.select(sa.func.min(outbox.c.seq)).where(
                        outbox.c.transport == t.name, outbox.c.state != DELIVERED
                    )
                ).scalar()
                error = conn.execute(
                    sa.select(outbox.c.last_error)
                    .where(outbox.c.transport == t.name, outbox.c.last_error.is_not(None))
                    .order_by(outbox.c.updated_at.desc())
                    .limit(1)
                ).scalar()
                found.append(
                    TransportStatus(
                        name=t.name,
                        kind=t.kind,
                        registered_at=t.registered_at,
                        pending=int(counts.get(PENDING, 0)) + queued,
                        queued=queued,
                        inflight=int(counts.get(INFLIGHT, 0)),
                        failed=int(counts.get(FAILED, 0)),
                        delivered=int(counts.get(DELIVERED, 0)),
                        oldest_pending_seq=None if oldest is None else int(oldest),
                        last_error=error,
                    )
                )
            return found

        return list(self._read(fn, "read the lineage outbox"))

    def records(self, seqs: Iterable[int]) -> dict[int, LedgerRecord]:
        """Ledger records by seq (the events owed are rebuilt from them)."""
        import json

        wanted = sorted(set(seqs))

        def fn(conn: sa.Connection) -> dict[int, LedgerRecord]:
            found: dict[int, LedgerRecord] = {}
            for start in range(0, len(wanted), 400):
                query = sa.select(ledger).where(ledger.c.seq.in_(wanted[start : start + 400]))
                for r in conn.execute(query):
                    data = json.loads(r.body)["data"]
                    found[r.seq] = LedgerRecord(
                        r.seq, r.kind, r.record_id, r.run_id, r.prev_hash, r.hash, data
                    )
            return found

        return dict(self._read(fn, "read records")) if wanted else {}


def _key(name: str, item: OutboxItem) -> tuple[sa.ColumnElement[bool], ...]:
    return (outbox.c.transport == name, outbox.c.seq == item.seq, outbox.c.part == item.part)


def _after(scanned: int) -> Callable[[int], sa.ColumnElement[bool]]:
    newer = ledger.c.seq > scanned
    return lambda _part: newer


def _insert_rows(
    conn: sa.Connection,
    name: str,
    now: float,
    which: Callable[[int], sa.ColumnElement[bool]],
) -> int:
    """Insert pending rows for the lineage records ``which(part)`` selects, part by part."""
    added = 0
    stamp = _now_text()
    for part, kinds in ((0, list(LINEAGE_KINDS)), (1, _MULTI)):
        source = sa.select(
            sa.literal(name),
            ledger.c.seq,
            sa.literal(part),
            ledger.c.run_id,
            sa.literal(PENDING),
            sa.literal(0),
            sa.literal(now),
            sa.literal(stamp),
        ).where(which(part), ledger.c.kind.in_(kinds))
        # counted first: PostgreSQL reports no rowcount for INSERT ... SELECT
        added += int(
            conn.execute(sa.select(sa.func.count()).select_from(source.subquery())).scalar() or 0
        )
        conn.execute(
            outbox.insert().from_select(
                [
                    "transport",
                    "seq",
                    "part",
                    "run_id",
                    "state",
                    "attempts",
                    "next_at",
                    "updated_at",
                ],
                source,
            )
        )
    return added


def _owed_since(conn: sa.Connection, scanned: int) -> int:
    """Events of records after ``scanned`` that no outbox row stands for yet."""
    rows = conn.execute(
        sa.select(ledger.c.kind, sa.func.count())
        .where(ledger.c.seq > scanned, ledger.c.kind.in_(list(LINEAGE_KINDS)))
        .group_by(ledger.c.kind)
    ).all()
    return sum(LINEAGE_KINDS[kind] * int(n) for kind, n in rows)
