"""Rows of the lineage outbox: queueing records for a transport, leases, renames.

The transaction-level pieces ``govern.store.outbox.Outbox`` is built from (each takes
the open connection of the caller's transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from govern.store.codec import format_datetime
from govern.store.index import LINEAGE_KINDS
from govern.store.report import OutboxItem, TransportStatus
from govern.store.schema import chain_head, ledger, outbox, outbox_transports, runs

__all__ = [
    "DELIVERED",
    "FAILED",
    "INFLIGHT",
    "NOT_OWED",
    "OPEN",
    "PENDING",
    "SKIPPED",
    "adopt",
    "after",
    "complete_runs",
    "head_seq",
    "insert_rows",
    "key",
    "mark_not_owed",
    "now_text",
    "owed_since",
    "pairs",
    "renew",
    "run_before",
    "transport_status",
]

PENDING = "pending"
INFLIGHT = "inflight"
DELIVERED = "delivered"
FAILED = "failed"
SKIPPED = "skipped"  # queued before its run was marked not owed: never sent
OPEN = (PENDING, INFLIGHT, FAILED)  # not delivered: the ix_outbox_open index finds them
NOT_OWED = "(lineage disabled)"  # the outbox "transport" whose rows mark runs never owed
_MULTI = [k for k, n in LINEAGE_KINDS.items() if n > 1]


def now_text() -> str:
    """Now, as the outbox's ``updated_at`` text."""
    return format_datetime(datetime.now(UTC))


def head_seq(conn: sa.Connection) -> int:
    """The seq of the newest record."""
    return int(conn.execute(sa.select(chain_head.c.seq).where(chain_head.c.id == 1)).scalar() or 0)


def key(name: str, item: OutboxItem) -> tuple[sa.ColumnElement[bool], ...]:
    """The WHERE clause of one outbox row."""
    return (outbox.c.transport == name, outbox.c.seq == item.seq, outbox.c.part == item.part)


def pairs(items: Sequence[OutboxItem]) -> sa.ColumnElement[bool]:
    """``(seq, part) IN (...)`` for ``items``."""
    return sa.tuple_(outbox.c.seq, outbox.c.part).in_([(i.seq, i.part) for i in items])


def renew(
    conn: sa.Connection, items: Sequence[OutboxItem], held: float | None, until: float
) -> int:
    """Extend to ``until`` the leases on ``items`` still held (leased until ``held``).

    Returns how many were still held. A lease time is unique to its holder, so one
    that another holder has taken over since is left alone.
    """
    if not items:
        return 0
    where = [outbox.c.transport == items[0].transport, outbox.c.state == INFLIGHT, pairs(items)]
    if held is not None:
        where.append(outbox.c.lease_until == held)
    done = conn.execute(outbox.update().where(*where).values(lease_until=until))
    return int(done.rowcount or 0)


def adopt(conn: sa.Connection, old: str, new: str) -> None:
    """Carry a transport's rows over from the name an earlier govern kept them under."""
    names = set(
        conn.execute(
            sa.select(outbox_transports.c.name).where(outbox_transports.c.name.in_([old, new]))
        ).scalars()
    )
    if old in names and new not in names:
        conn.execute(
            outbox_transports.update().where(outbox_transports.c.name == old).values(name=new)
        )
        conn.execute(outbox.update().where(outbox.c.transport == old).values(transport=new))


def run_before(run_id: str, start: int, scanned: int) -> Callable[[int], sa.ColumnElement[bool]]:
    """One run's records from its start up to ``scanned`` (those enqueue has passed)."""
    where = sa.and_(ledger.c.seq >= start, ledger.c.seq <= scanned, ledger.c.run_id == run_id)
    return lambda _part: where


def complete_runs(conn: sa.Connection, name: str, now: float, scanned: int, head: int) -> int:
    """Queue the earlier records of runs that have records in (scanned, head].

    Those earlier records were passed over when the transport was registered after the
    run began (in another process): without them a receiver would get the run's
    COMPLETE and not its START.
    """
    newer = (
        sa.select(ledger.c.run_id)
        .where(ledger.c.seq > scanned, ledger.c.seq <= head, ledger.c.run_id.is_not(None))
        .distinct()
    )
    started = conn.execute(
        sa.select(runs.c.id, runs.c.start_seq).where(
            runs.c.id.in_(newer),
            runs.c.start_seq <= scanned,
            # a run whose START is queued was owed from its start: nothing is missing
            # (so a long run is not rescanned at every pass)
            ~sa.exists().where(
                outbox.c.transport == name, outbox.c.seq == runs.c.start_seq, outbox.c.part == 0
            ),
            ~sa.exists().where(outbox.c.transport == NOT_OWED, outbox.c.run_id == runs.c.id),
        )
    ).all()
    return sum(
        insert_rows(conn, name, now, run_before(r.id, int(r.start_seq), scanned)) for r in started
    )


def after(scanned: int) -> Callable[[int], sa.ColumnElement[bool]]:
    """Records after ``scanned``."""
    newer = ledger.c.seq > scanned
    return lambda _part: newer


def insert_rows(
    conn: sa.Connection,
    name: str,
    now: float,
    which: Callable[[int], sa.ColumnElement[bool]],
) -> int:
    """Insert pending rows for the lineage records ``which(part)`` selects, part by part."""
    added = 0
    stamp = now_text()
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
        ).where(
            which(part),
            ledger.c.kind.in_(kinds),
            # not queued yet (run completion and backfill may meet rows already there)
            ~sa.exists().where(
                outbox.c.transport == name, outbox.c.seq == ledger.c.seq, outbox.c.part == part
            ),
            # not a run recorded with lineage disabled
            ~sa.exists().where(outbox.c.transport == NOT_OWED, outbox.c.run_id == ledger.c.run_id),
        )
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


def owed_since(conn: sa.Connection, scanned: int) -> int:
    """Events of records after ``scanned`` that no outbox row stands for yet."""
    rows = conn.execute(
        sa.select(ledger.c.kind, sa.func.count())
        .where(
            ledger.c.seq > scanned,
            ledger.c.kind.in_(list(LINEAGE_KINDS)),
            ~sa.exists().where(outbox.c.transport == NOT_OWED, outbox.c.run_id == ledger.c.run_id),
        )
        .group_by(ledger.c.kind)
    ).all()
    return sum(LINEAGE_KINDS[kind] * int(n) for kind, n in rows)


def transport_status(conn: sa.Connection, t: sa.Row[Any]) -> TransportStatus:
    """Counts of one registered transport (a row of ``outbox_transports``)."""
    counts: dict[str, int] = dict(
        conn.execute(
            sa.select(outbox.c.state, sa.func.count())
            .where(outbox.c.transport == t.name)
            .group_by(outbox.c.state)
        ).all()
    )
    queued = owed_since(conn, t.scanned_seq)
    oldest = conn.execute(
        sa.select(sa.func.min(outbox.c.seq)).where(
            outbox.c.transport == t.name, outbox.c.state.in_(OPEN)
        )
    ).scalar()
    error = conn.execute(
        sa.select(outbox.c.last_error)
        .where(outbox.c.transport == t.name, outbox.c.last_error.is_not(None))
        .order_by(outbox.c.updated_at.desc())
        .limit(1)
    ).scalar()
    return TransportStatus(
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


def mark_not_owed(conn: sa.Connection, run_id: str) -> int:
    """Mark ``run_id`` as owed to no transport; skip its events already queued."""
    first = conn.execute(sa.select(runs.c.start_seq).where(runs.c.id == run_id)).scalar()
    if first is None:
        return 0  # not a run of this store
    marked = conn.execute(
        sa.select(sa.func.count())
        .select_from(outbox)
        .where(outbox.c.transport == NOT_OWED, outbox.c.run_id == run_id)
    ).scalar()
    if not marked:
        conn.execute(
            outbox.insert().values(
                transport=NOT_OWED,
                seq=int(first),
                part=0,
                run_id=run_id,
                state=SKIPPED,
                attempts=0,
                next_at=0.0,
                updated_at=now_text(),
            )
        )
    done = conn.execute(
        outbox.update()
        .where(
            outbox.c.run_id == run_id,
            outbox.c.transport != NOT_OWED,
            outbox.c.state.in_((PENDING, FAILED)),
        )
        .values(state=SKIPPED, lease_until=None, updated_at=now_text())
    )
    return int(done.rowcount or 0)
