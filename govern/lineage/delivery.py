"""Durable, off-the-hot-path delivery of events to the OpenLineage client's transports.

A stage only records (the outbox is derived from the record, see govern.store.outbox);
one daemon thread per transport then rebuilds the events owed and emits them with the
client's own transport (http, kafka, file, console...). A backend that is down, slow or
answering 5xx costs the stage nothing: the thread backs off exponentially (1 s doubling
to 5 min) and each attempt is bounded (the http transport's timeout). At interpreter exit
the threads get ``flush_timeout`` seconds to finish (then the attempt in flight, if
any, up to its timeout, so its answer is recorded); what is left stays pending in the
store and goes out with a later run or ``govern lineage replay``.

Exactly once per transport: an event is leased before it is sent and marked delivered
right after, in the store; it is never claimed again once delivered, and a run's events
go out in order. (A process killed between a send and its mark re-sends that one event
after its lease runs out; run ids and event times are fixed by the record, so receivers
that key on them, as Marquez does, see the same event.)
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govern.errors import LineageError, StoreError
from govern.lineage.config import KEY_SEPARATOR, LineageConfig, TransportSpec
from govern.lineage.source import EventSource, context
from govern.lineage.transports import build_transport, describe, emit, permanent
from govern.store.report import OutboxItem

if TYPE_CHECKING:
    from openlineage.client.event_v2 import RunEvent
    from openlineage.client.transport import Transport

    from govern.store import Store

__all__ = [
    "Delivery",
    "backoff",
    "build_transport",
    "deliver",
    "ensure",
    "lease_for",
    "register",
    "shutdown",
]

log = logging.getLogger("govern.lineage")

_BACKOFF_BASE = 1.0
_BACKOFF_MAX = 300.0
_BATCH = 20
_IDLE_POLL = 30.0  # an idle worker still looks for records other processes wrote
_LEASE_FLOOR = 10.0
_LEASE_GRACE = 2.0
_SETTLE_GRACE = 2.0  # recording an attempt's answer after it came back


def backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failures: 1, 2, 4 ... 300."""
    return float(min(_BACKOFF_BASE * 2 ** max(failures - 1, 0), _BACKOFF_MAX))


@dataclass
class _Pumped:
    delivered: int = 0
    error: str | None = None
    permanent: bool = False  # the error was an answer that retrying cannot change
    more: bool = False


def lease_for(config: LineageConfig) -> float:
    """Seconds an event stays leased to its holder unless renewed: one attempt and a grace.

    A live holder renews the rest of its batch with every delivery it records (the
    heartbeat), so a lease only runs out on a holder that is gone or stuck. At least
    ``_LEASE_FLOOR`` seconds: a holder starved of CPU for a few seconds (a loaded CI
    machine) must not lose its batch to another process that would send it again; a
    dead holder's events are still taken over within seconds, not minutes.
    """
    return max(_LEASE_FLOOR, 3 * config.timeout + _LEASE_GRACE)


def deliver(
    store: Store,
    spec: TransportSpec,
    transport: Transport,
    source: EventSource,
    *,
    config: LineageConfig,
    ignore_backoff: bool = False,
    stop: Callable[[], bool] = lambda: False,
) -> _Pumped:
    """Claim one batch of due events for ``spec`` and send them in order.

    Stops at the first failure (the transport is treated as down: the failed event gets
    its retry time, the rest of the batch is released untried).
    """
    now = time.time()
    lease = lease_for(config)
    items, held = store.outbox.lease(
        spec.key, now=now, lease=lease, limit=_BATCH, ignore_backoff=ignore_backoff
    )
    if not items:
        return _Pumped()
    records = store.outbox.records(i.seq for i in items)
    built: dict[int, list[RunEvent]] = {}  # a stage record's two events are built once
    done = _Pumped(more=len(items) == _BATCH)
    for position, item in enumerate(items):
        if stop():
            store.outbox.release(items[position:], next_at=now, held=held)
            done.more = True
            return done
        try:
            event = _event(source, records, item, built)
            emit(spec, transport, event)
        except Exception as exc:
            done.error = describe(exc)
            done.permanent = permanent(exc)
            give_up = item.attempts + 1 >= config.max_attempts or done.permanent
            retry = time.time() + backoff(item.attempts + 1)
            store.outbox.failed(item, done.error, next_at=retry, give_up=give_up, held=held)
            if position + 1 < len(items):
                store.outbox.release(items[position + 1 :], next_at=time.time(), held=held)
            done.more = False
            return done
        rest = items[position + 1 :]
        renewed = store.outbox.delivered(item, renew=rest, lease=lease, held=held)
        done.delivered += 1
        if rest and renewed is None:
            # the lease ran out (a stalled process) and another holder took the rest
            # over: sending them too would deliver them twice
            done.more = True
            return done
        if renewed is not None:
            held = renewed
    return done


def _event(
    source: EventSource,
    records: dict[int, Any],
    item: OutboxItem,
    built: dict[int, list[RunEvent]],
) -> RunEvent:
    record = records.get(item.seq)
    if record is None:
        raise LineageError(f"record seq {item.seq} is missing from the ledger")
    events = built.get(item.seq)
    if events is None:
        events = built[item.seq] = source.events(record)
    if item.part >= len(events):
        raise LineageError(f"record seq {item.seq} ({record.kind}) has no event {item.part}")
    return events[item.part]


class _Worker:
    """One daemon thread delivering to one transport."""

    def __init__(self, owner: Delivery, spec: TransportSpec) -> None:
        self.owner = owner
        self.spec = spec
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.failures = 0
        self.retry_at = 0.0
        self.last_error: str | None = None
        self.thread = threading.Thread(
            target=self._run, name=f"govern-lineage-{spec.name}", daemon=True
        )

    def _run(self) -> None:
        transport: Transport | None = None
        source = EventSource(self.owner.store, self.owner.ctx)
        while not self.stopping.is_set():
            deadline = self.owner.deadline
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return
            wait = self.retry_at - now
            if wait > 0:
                if deadline is not None and now + wait > deadline:
                    return  # cannot retry before exit: the events stay pending
                self.wake.wait(wait)
                self.wake.clear()
                continue
            try:
                if transport is None:
                    transport = build_transport(self.spec, self.owner.config.source)
                self.owner.store.outbox.enqueue([self.spec.key], now=time.time())
                pumped = deliver(
                    self.owner.store,
                    self.spec,
                    transport,
                    source,
                    config=self.owner.config,
                    stop=self.stopping.is_set,
                )
            except (LineageError, StoreError) as exc:
                if isinstance(exc, StoreError) and "is closed" in str(exc):
                    return
                pumped = _Pumped(error=describe(exc))
            except Exception as exc:  # a bug must not kill delivery silently, nor the stage
                log.exception("lineage delivery to %r failed unexpectedly", self.spec.name)
                pumped = _Pumped(error=describe(exc))
            if pumped.error is not None:
                self._failed(pumped.error)
                continue
            if self.failures:
                log.info("lineage transport %r delivers again", self.spec.name)
            self.failures = 0
            if pumped.more:
                continue
            if self.owner.deadline is not None:
                if pumped.delivered or deadline is None:
                    # records may have come in meanwhile, or before the flush but after
                    # this pass's enqueue: look once more
                    continue
                return  # drained
            self.wake.wait(_IDLE_POLL)
            self.wake.clear()

    def _failed(self, error: str) -> None:
        self.failures += 1
        delay = backoff(self.failures)
        self.retry_at = time.monotonic() + delay
        if error != self.last_error:
            log.warning(
                "lineage transport %r: %s; events stay in the store, retrying in %.0f s "
                "(`govern lineage status`)",
                self.spec.name,
                error,
                delay,
            )
        self.last_error = error


class Delivery:
    """Background delivery of one store's owed events to the configured transports."""

    def __init__(self, store: Store, config: LineageConfig) -> None:
        self.store = store
        self.config = config
        self.ctx = context(config.repo_url)
        self.deadline: float | None = None
        self.pid = os.getpid()
        self._workers = [_Worker(self, spec) for spec in config.transports]

    def start(self, from_run: str | None) -> None:
        """Register the transports with the store (owing ``from_run`` on) and start."""
        for line in register(self.store, self.config.transports, from_run=from_run):
            log.warning("%s", line)
        for worker in self._workers:
            worker.thread.start()

    def notify(self) -> None:
        """A record was written: wake the workers (cheap; called on the stage's path)."""
        for worker in self._workers:
            worker.wake.set()

    def flush(self, timeout: float | None = None) -> bool:
        """Deliver what can be delivered within ``timeout`` seconds, then stop.

        An attempt in flight at the deadline is waited for (up to the transport's
        timeout and a grace), so that its answer is recorded. Returns True when every
        worker finished within ``timeout``.
        """
        limit = self.config.flush_timeout if timeout is None else timeout
        self.deadline = time.monotonic() + limit
        self.notify()
        for worker in self._workers:
            worker.thread.join(max(0.0, self.deadline - time.monotonic()))
        finished = not any(w.thread.is_alive() for w in self._workers)
        for worker in self._workers:
            worker.stopping.set()
            worker.wake.set()
        # An attempt in flight at the deadline is bounded by the transport's timeout: wait
        # for its answer to be recorded (and the rest of the batch released). Abandoned
        # mid-send, an event the receiver processed stays leased with no answer, and the
        # next sender, who cannot tell it arrived, sends it again.
        settle = time.monotonic() + self.config.timeout + _SETTLE_GRACE
        for worker in self._workers:
            worker.thread.join(max(0.0, settle - time.monotonic()))
        return finished

    def left(self) -> str | None:
        """One line on the events still owed by this store to these transports, if any."""
        keys = {s.key: s.name for s in self.config.transports}
        try:
            found = [t for t in self.store.outbox.status() if t.name in keys]
        except StoreError:
            return None
        owed = [(keys[t.name], t.pending + t.inflight + t.failed, t.last_error) for t in found]
        owed = [o for o in owed if o[1]]
        if not owed:
            return None
        total = sum(n for _, n, _ in owed)
        where = ", ".join(f"{n} to {name!r}" for name, n, _ in owed)
        error = next((e for _, _, e in owed if e), None)
        because = f" (last error: {error[:200]})" if error else ""
        return (
            f"govern: {total} lineage event(s) not delivered at exit ({where}){because}; "
            "they are kept in the store: `govern lineage replay` sends them"
        )


def register(
    store: Store, specs: Sequence[TransportSpec], *, from_run: str | None = None
) -> list[str]:
    """Register ``specs`` with the store; returns a line per transport that was repointed.

    A transport known by name whose destination changed starts afresh (owed from
    ``from_run``, or from now); its earlier destination keeps what it was owed.
    """
    new = store.outbox.register(
        [(s.key, s.kind) for s in specs],
        from_run=from_run,
        legacy={s.key: s.name for s in specs},
    )
    if not new:
        return []
    lines: list[str] = []
    found = store.outbox.status()
    for spec in specs:
        if spec.key not in new:
            continue
        prefix = spec.name + KEY_SEPARATOR
        earlier = [t for t in found if t.name.startswith(prefix) and t.name != spec.key]
        if not earlier:
            continue
        owed = sum(t.pending + t.inflight + t.failed for t in earlier)
        lines.append(
            f"lineage transport {spec.name!r} now delivers to {spec.target}: it is owed events "
            f"from now on; {owed} event(s) still owed to its earlier destination(s) "
            f"({', '.join(t.name[len(prefix) :] for t in earlier)}) stay there, not sent to "
            "the new one (`govern lineage replay --backfill` sends it the history)"
        )
    return lines


# -- the process's deliveries ---------------------------------------------------------

_lock = threading.Lock()
_active: dict[str, tuple[LineageConfig, Delivery]] = {}
_exit_hook = False


def ensure(store: Store, config: LineageConfig, from_run: str | None) -> Delivery:
    """This process's Delivery for ``store`` (started on first use, restarted on a new config)."""
    global _exit_hook
    with _lock:
        found = _active.get(store.location)
        if (
            found is not None
            and found[0] == config
            and found[1].pid == os.getpid()
            and found[1].store is store
        ):
            return found[1]
        old = found[1] if found is not None and found[1].pid == os.getpid() else None
        delivery = Delivery(store, config)
        _active[store.location] = (config, delivery)
        if not _exit_hook:
            atexit.register(_at_exit)
            _exit_hook = True
    if old is not None:
        old.flush(0.0)
    delivery.start(from_run)
    return delivery


def shutdown(timeout: float | None = None) -> list[str]:
    """Flush and stop every delivery of this process (at exit; tests call it too).

    Returns a line per store that still owes events afterwards.
    """
    with _lock:
        deliveries = [d for _, d in _active.values() if d.pid == os.getpid()]
        _active.clear()
    lines: list[str] = []
    for delivery in deliveries:
        delivery.flush(timeout)
        line = delivery.left()
        if line is not None:
            lines.append(line)
    return lines


def _at_exit() -> None:
    for line in shutdown():
        print(line, file=sys.stderr)  # one line: the exit waited, and events stay pending
