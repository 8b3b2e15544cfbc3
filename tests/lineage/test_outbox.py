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


def test_a_run_begun_before_another_process_registered_is_owed_whole(store_url: str) -> None:
    # B records its run's start; A starts later and registers the transport first (from
    # its own run); B's next records then come after the transport's position. Without
    # the whole-run rule B's START was never owed: its COMPLETE arrived alone.
    with open_store(store_url, signing_key="") as store:
        early = f.run_info()
        store.begin_run(early)  # process B
        late = f.run_info()
        store.begin_run(late)  # process A
        store.outbox.register([("t", "http")], from_run=late.id)
        store.record_stage(f.stage_result(early.id, stage="s"))
        store.end_run(early.id, RunStatus.COMPLETED, datetime.now(UTC))
        store.outbox.enqueue(["t"], now=0.0)
        items = store.outbox.claim("t", now=0.0, lease=60.0, limit=100)
        mine = [i for i in items if i.run_id == early.id]
        records = store.outbox.records(i.seq for i in mine)
        assert [(records[i.seq].kind, i.part) for i in mine] == [
            ("run_started", 0),
            ("stage", 0),
            ("stage", 1),
            ("run_ended", 0),
        ]
        assert [i.run_id for i in items].count(late.id) == 1
        assert store.outbox.enqueue(["t"], now=0.0) == 0  # nothing queued twice


def test_registering_a_known_transport_owes_the_callers_run_from_its_start(
    store_url: str,
) -> None:
    with open_store(store_url, signing_key="") as store:
        early = f.run_info()
        store.begin_run(early)
        store.outbox.register([("t", "http")])  # another process: from the head
        assert store.outbox.register([("t", "http")], from_run=early.id) == []
        (item,) = store.outbox.claim("t", now=0.0, lease=60.0, limit=100)
        assert item.run_id == early.id and item.part == 0


def test_a_lease_taken_over_is_not_renewed_nor_released_by_its_old_holder(
    store_url: str,
) -> None:
    with open_store(store_url, signing_key="") as store:
        store.outbox.register([("t", "console")])
        record_run(store, stages=1)
        store.outbox.enqueue(["t"], now=0.0)
        first, held = store.outbox.lease("t", now=0.0, lease=10.0, limit=100)
        assert len(first) == 4
        # the holder stalls past its lease; another takes the rest over
        second, theirs = store.outbox.lease("t", now=20.0, lease=10.0, limit=100)
        assert [i.seq for i in second] == [i.seq for i in first] and theirs != held
        # the old holder wakes: it may record what it sent, but holds nothing more
        assert store.outbox.delivered(first[0], renew=first[1:], lease=10.0, held=held) is None
        store.outbox.release(first[1:], next_at=0.0, held=held)
        assert store.outbox.claim("t", now=25.0, lease=10.0, limit=100) == []  # still theirs
        renewed = store.outbox.delivered(second[1], renew=second[2:], lease=10.0, held=theirs)
        assert renewed is not None  # the live holder's heartbeat


def test_a_run_marked_not_owed_is_never_queued(store_url: str) -> None:
    with open_store(store_url, signing_key="") as store:
        store.outbox.register([("t", "file")])
        run = f.run_info()
        store.begin_run(run)
        store.outbox.enqueue(["t"], now=0.0)  # its START was queued before the mark
        assert store.outbox.not_owed(run.id) == 1
        store.record_stage(f.stage_result(run.id))
        store.end_run(run.id, RunStatus.COMPLETED, datetime.now(UTC))
        other = record_run(store, stages=1)
        store.outbox.enqueue(["t"], now=0.0)
        items = store.outbox.claim("t", now=0.0, lease=60.0, limit=100)
        assert {i.run_id for i in items} == {other}
        assert store.outbox.status()[0].pending == 0  # only leased ones left
        assert store.outbox.backfill("t", now=0.0) == 0


def test_rows_kept_under_a_plain_name_are_carried_to_the_new_key(store_url: str) -> None:
    with open_store(store_url, signing_key="") as store:
        store.outbox.register([("http", "http")])  # an earlier govern: keyed by name
        record_run(store, stages=0)
        store.outbox.enqueue(["http"], now=0.0)
        key = "http -> http://m:5000/api/v1/lineage"
        assert store.outbox.register([(key, "http")], legacy={key: "http"}) == []
        (status,) = store.outbox.status()
        assert status.name == key and status.pending == 2
