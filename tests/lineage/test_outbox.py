"""The delivery outbox in the store, on SQLite and PostgreSQL: owed, leased, delivered once."""

from __future__ import annotations

from datetime import UTC, datetime

from govern.store import Store, open_store
from govern.types import RunStatus
from tests.store import factories as f


def record_run(store: Store, stages: int = 2, *, end: bool = True) -> str:
    run = f.run_info()
    store.begin_run(run)
    for i in range(stages):
        store.record_stage(f.stage_result(run.id, stage=f"s{i}"))
    if end:
        store.end_run(run.id, RunStatus.COMPLETED, datetime.now(UTC))
    return run.id


def test_outbox_owes_leases_and_delivers_in_order(store_url: str) -> None:
    with open_store(store_url, signing_key="") as store:
        old = record_run(store)  # before the transport exists: not owed
        first = record_run(store, end=False)
        store.outbox.register([("t", "http")], from_run=first)
        assert store.outbox.status()[0].queued == 1 + 2 * 2
        second = record_run(store)
        assert store.outbox.enqueue(["t"], now=0.0) == 5 + 6
        assert store.outbox.enqueue(["t"], now=0.0) == 0

        # a run's events come in order, and a batch may hold several of one run
        batch = store.outbox.claim("t", now=0.0, lease=60.0, limit=3)
        assert [(i.run_id, i.part) for i in batch] == [(first, 0), (first, 0), (first, 1)]
        assert store.outbox.claim("t", now=1.0, lease=60.0, limit=100)[0].run_id == second
        assert store.outbox.claim("t", now=2.0, lease=60.0, limit=100) == []  # all leased

        # the first event fails: the rest of its run waits for it, other runs do not
        store.outbox.failed(batch[0], "HTTPError: 500", next_at=100.0, give_up=False)
        store.outbox.release(batch[1:], next_at=0.0)
        assert store.outbox.status()[0].last_error == "HTTPError: 500"
        assert store.outbox.claim("t", now=70.0, lease=60.0, limit=100)[0].run_id == second
        again = store.outbox.claim("t", now=120.0, lease=60.0, limit=100)
        assert again[0].seq == batch[0].seq and again[0].attempts == 1
        assert [i.run_id for i in again] == [first] * 5  # its whole run, in order
        for item in again:
            store.outbox.delivered(item)
        assert store.outbox.claim("t", now=10_000.0, lease=60.0, limit=100)[0].run_id == second

        status = store.outbox.status()[0]
        assert (status.delivered, status.pending, status.inflight) == (5, 0, 6)
        assert status.last_error is None  # the error went with its delivery
        assert old not in {i.run_id for i in again}


def test_failed_events_wait_for_replay_and_backfill_owes_history(store_url: str) -> None:
    with open_store(store_url, signing_key="") as store:
        record_run(store, stages=1)
        store.outbox.register([("t", "file")])  # from the head: history not owed
        run = record_run(store, stages=1)
        store.outbox.enqueue(["t"], now=0.0)
        (head, *rest) = store.outbox.claim("t", now=0.0, lease=60.0, limit=100)
        store.outbox.failed(head, "HTTPError: 400", next_at=0.0, give_up=True)
        store.outbox.release(rest, next_at=0.0)
        assert store.outbox.claim("t", now=10**9, lease=60.0, limit=100) == []  # blocked
        assert store.outbox.status()[0].failed == 1
        assert store.outbox.retry_failed(["t"], now=0.0) == 1
        items = store.outbox.claim("t", now=0.0, lease=60.0, limit=100, ignore_backoff=True)
        assert len(items) == 4 and {i.run_id for i in items} == {run}
        for item in items:
            store.outbox.delivered(item)
        assert store.outbox.backfill("t", now=0.0) == 4
        assert store.outbox.backfill("t", now=0.0) == 0
        assert len(store.outbox.claim("t", now=0.0, lease=60.0, limit=100)) == 4
        records = store.outbox.records(i.seq for i in items)
        assert [r.kind for r in sorted(records.values(), key=lambda r: r.seq)] == [
            "run_started",
            "stage",
            "run_ended",
        ]
        assert store.verify().ok  # delivery state is not part of the record


def test_an_expired_lease_is_claimed_again(store_url: str) -> None:
    with open_store(store_url, signing_key="") as store:
        store.outbox.register([("t", "console")])
        record_run(store, stages=0)
        store.outbox.enqueue(["t"], now=0.0)
        taken = store.outbox.claim("t", now=0.0, lease=10.0, limit=1)
        assert store.outbox.claim("t", now=5.0, lease=10.0, limit=1) == []
        retaken = store.outbox.claim("t", now=11.0, lease=10.0, limit=1)  # its process died
        assert [i.seq for i in retaken] == [i.seq for i in taken]
