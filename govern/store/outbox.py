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
lease that runs out (its process died) makes the row claimable again. Leases are short
(a heartbeat): a live holder renews the rest of its batch with each delivery it records,
so a killed holder's events are free again within one lease, not minutes later. A
run's events are claimed in order, and never past one of its events that is not
delivered yet.

A run is owed whole or not at all: whenever a record of a run is queued for a transport,
the run's earlier records it is missing are queued with it. So processes that start at
once -- one registering the transport after another already recorded its run's start --
never deliver a COMPLETE without its START. A run recorded with lineage disabled
(``OPENLINEAGE_DISABLED``) is marked ``not_owed`` and never queued.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from govern.store.outbox_rows import (
    DELIVERED,
    FAILED,
    INFLIGHT,
    NOT_OWED,
    OPEN,
    PENDING,
    SKIPPED,
    adopt,
    after,
    complete_runs,
    head_seq,
    insert_rows,
    key,
    mark_not_owed,
    now_text,
    pairs,
    run_before,
    transport_status,
)
from govern.store.outbox_rows import (
    renew as renew_leases,
)
from govern.store.report import LedgerRecord, OutboxItem, TransportStatus
from govern.store.schema import ledger, outbox, outbox_transports, runs

__all__ = ["DELIVERED", "FAILED", "INFLIGHT", "NOT_OWED", "PENDING", "SKIPPED", "Outbox"]


Access = Callable[[Callable[[sa.Connection], Any], str], Any]

_WINDOW = 5000  # undelivered rows looked at per claim, oldest first


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
        legacy: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Make the store owe events to transports it does not know yet.

        Args:
            transports: (name, kind) pairs, e.g. ``("marquez -> http://m/api", "http")``.
            after_seq: owe records after this seq.
            from_run: owe the records of this run (from its start) and every later one.
                With neither, records after the current head. A known transport is
                owed ``from_run``'s records if it was registered after the run began
                (another process registered it first).
            legacy: for a name, the name an earlier govern kept its rows under: that
                transport's rows and position are carried over to the name.

        Returns:
            The names newly registered.
        """
        wanted = dict(transports)
        renames = dict(legacy or {})

        def tx(conn: sa.Connection) -> list[str]:
            for new, old in renames.items():
                if new in wanted and old != new:
                    adopt(conn, old, new)
            known = {
                r.name: int(r.scanned_seq)
                for r in conn.execute(
                    sa.select(outbox_transports.c.name, outbox_transports.c.scanned_seq).where(
                        outbox_transports.c.name.in_(list(wanted))
                    )
                )
            }
            run_start = None
            if from_run is not None:
                first = conn.execute(
                    sa.select(runs.c.start_seq).where(runs.c.id == from_run)
                ).scalar()
                run_start = None if first is None else int(first)
            start = after_seq
            if start is None and run_start is not None:
                start = run_start - 1
            if start is None:
                start = head_seq(conn)
            rows = [
                {"name": n, "kind": k, "scanned_seq": start, "registered_at": now_text()}
                for n, k in wanted.items()
                if n not in known
            ]
            if rows:
                conn.execute(outbox_transports.insert(), rows)
            if from_run is not None and run_start is not None:
                for name, scanned in known.items():
                    if run_start <= scanned:  # registered after this run began
                        insert_rows(conn, name, 0.0, run_before(from_run, run_start, scanned))
            return [str(r["name"]) for r in rows]

        if not wanted:
            return []
        return list(self._write(tx, "register lineage transports"))

    def not_owed(self, run_id: str) -> int:
        """Mark a run as never owed to any transport (it ran with lineage disabled).

        Returns how many of its events already queued were skipped.
        """
        return int(
            self._write(lambda c: mark_not_owed(c, run_id), "mark a run's lineage as not owed")
        )

    def enqueue(self, names: Sequence[str], *, now: float) -> int:
        """Add the rows of records written since each transport last looked; returns how many."""

        def tx(conn: sa.Connection) -> int:
            added = 0
            head = head_seq(conn)
            for name in names:
                scanned = conn.execute(
                    sa.select(outbox_transports.c.scanned_seq)
                    .where(outbox_transports.c.name == name)
                    .with_for_update()
                ).scalar()
                if scanned is None or scanned >= head:
                    continue
                added += insert_rows(conn, name, now, after(scanned))
                added += complete_runs(conn, name, now, scanned, head)
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
            older = ledger.c.seq <= scanned
            return insert_rows(conn, name, now, lambda _part: older)

        return int(self._write(tx, f"backfill lineage events for {name}"))

    def claim(
        self, name: str, *, now: float, lease: float, limit: int, ignore_backoff: bool = False
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` due events of one transport, in order within each run."""
        return self.lease(name, now=now, lease=lease, limit=limit, ignore_backoff=ignore_backoff)[0]

    def lease(
        self, name: str, *, now: float, lease: float, limit: int, ignore_backoff: bool = False
    ) -> tuple[list[OutboxItem], float]:
        """Lease up to ``limit`` due events of one transport, in order within each run.

        ``ignore_backoff`` (a replay) takes pending events before their retry time; an
        event another worker holds a live lease on is never taken. Returns the events
        and the lease: the time it runs out, made unique to this holder (a fencing
        token ``delivered`` renews only while it still holds).
        """
        called = time.monotonic()

        def tx(conn: sa.Connection) -> tuple[list[OutboxItem], float]:
            # the lease runs from the claim's commit: time spent waiting for the store's
            # lock does not eat into it
            until = now + lease + (time.monotonic() - called) + random.random() * 1e-3
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
                .where(outbox.c.transport == name, outbox.c.state.in_(OPEN))
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
            if picked:
                conn.execute(
                    outbox.update()
                    .where(outbox.c.transport == name, pairs(picked))
                    .values(state=INFLIGHT, lease_until=until, updated_at=now_text())
                )
            return picked, until

        found, until = self._write(tx, f"claim lineage events for {name}")
        return list(found), float(until)

    def delivered(
        self,
        item: OutboxItem,
        *,
        renew: Sequence[OutboxItem] = (),
        lease: float = 0.0,
        held: float | None = None,
    ) -> float | None:
        """Record that one event reached its transport (it is never sent there again).

        ``renew`` (the rest of the holder's batch, leased until ``held``) get ``lease``
        more seconds from this transaction's commit: the holder's heartbeat. Returns
        the renewed lease, or None when some of them are no longer held by this holder
        (its lease ran out and another took them over: it must not send them).
        """

        def tx(conn: sa.Connection) -> float | None:
            conn.execute(
                outbox.update()
                .where(*key(item.transport, item))
                .values(state=DELIVERED, lease_until=None, last_error=None, updated_at=now_text())
            )
            if not renew:
                return None
            token = time.time() + lease + random.random() * 1e-3  # from this commit on
            return token if renew_leases(conn, renew, held, token) == len(renew) else None

        kept = self._write(tx, "record a lineage delivery")
        return None if kept is None else float(kept)

    def lease_ends(self, name: str, *, now: float) -> float | None:
        """When the last live lease on one transport's events runs out (None: no live lease)."""

        def fn(conn: sa.Connection) -> float | None:
            found = conn.execute(
                sa.select(sa.func.max(outbox.c.lease_until)).where(
                    outbox.c.transport == name,
                    outbox.c.state == INFLIGHT,
                    outbox.c.lease_until > now,
                )
            ).scalar()
            return None if found is None else float(found)

        result = self._read(fn, "read lineage leases")
        return None if result is None else float(result)

    def failed(
        self,
        item: OutboxItem,
        error: str,
        *,
        next_at: float,
        give_up: bool,
        held: float | None = None,
    ) -> None:
        """Record a failed attempt: retried at ``next_at``, or ``failed`` when giving up.

        With ``held``, only while this holder still holds the event's lease.
        """
        fence = [] if held is None else [outbox.c.lease_until == held]
        self._write(
            lambda c: c.execute(
                outbox.update()
                .where(*key(item.transport, item), *fence)
                .values(
                    state=FAILED if give_up else PENDING,
                    attempts=item.attempts + 1,
                    next_at=next_at,
                    lease_until=None,
                    last_error=error[:2000],
                    updated_at=now_text(),
                )
            ),
            "record a failed lineage delivery",
        )

    def release(
        self, items: Sequence[OutboxItem], *, next_at: float, held: float | None = None
    ) -> None:
        """Give leased events back unattempted (an earlier event of their run failed).

        With ``held``, only those this holder still holds.
        """
        fence = [] if held is None else [outbox.c.lease_until == held]

        def tx(conn: sa.Connection) -> None:
            conn.execute(
                outbox.update()
                .where(
                    outbox.c.transport == items[0].transport,
                    pairs(items),
                    outbox.c.state == INFLIGHT,
                    *fence,
                )
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
                .values(state=PENDING, attempts=0, next_at=now, updated_at=now_text())
            )
            return int(done.rowcount or 0)

        return int(self._write(tx, "retry failed lineage events"))

    def status(self) -> list[TransportStatus]:
        """Counts per registered transport, by name."""

        def fn(conn: sa.Connection) -> list[TransportStatus]:
            transports = conn.execute(
                sa.select(outbox_transports).order_by(outbox_transports.c.name)
            )
            return [transport_status(conn, t) for t in transports.all()]

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
