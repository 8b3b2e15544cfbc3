"""Durable, off-the-hot-path delivery of events to the OpenLineage client's transports.

A stage only records (the outbox is derived from the record, see govern.store.outbox);
one daemon thread per transport then rebuilds the events owed and emits them with the
client's own transport (http, kafka, file, console...). A backend that is down, slow or
answering 5xx costs the stage nothing: the thread backs off exponentially (1 s doubling
to 5 min) and each attempt is bounded (the http transport's timeout). At interpreter exit
the threads get ``flush_timeout`` seconds to finish; what is left stays pending in the
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
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govern.errors import LineageError, StoreError
from govern.lineage.config import LineageConfig, TransportSpec
from govern.lineage.redact import redact_text
from govern.lineage.source import EventSource, context
from govern.store.report import OutboxItem

if TYPE_CHECKING:
    from openlineage.client.event_v2 import RunEvent
    from openlineage.client.transport import Transport

    from govern.store import Store

__all__ = [
    "Delivery",
    "ReplayResult",
    "backoff",
    "build_transport",
    "deliver",
    "replay",
    "shutdown",
]

log = logging.getLogger("govern.lineage")

_BACKOFF_BASE = 1.0
_BACKOFF_MAX = 300.0
_BATCH = 20
_IDLE_POLL = 30.0  # an idle worker still looks for records other processes wrote
_RETRYABLE_STATUS = {408, 425, 429}


def backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failures: 1, 2, 4 ... 300."""
    return float(min(_BACKOFF_BASE * 2 ** max(failures - 1, 0), _BACKOFF_MAX))


def build_transport(spec: TransportSpec, source: str) -> Transport:
    """The client's transport for ``spec``, built by the client's factory.

    Raises:
        LineageError: the configuration is not one the client accepts.
    """
    import copy

    from openlineage.client.transport import get_default_factory

    config = copy.deepcopy(dict(spec.config))
    path = config.get("log_file_path")
    if spec.kind == "file" and isinstance(path, str) and "://" not in path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        transport: Transport = get_default_factory().create(config)
    except Exception as exc:
        raise LineageError(
            f"OpenLineage transport {spec.name!r} ({spec.kind}) from {source} cannot be used: "
            f"{type(exc).__name__}: {redact_text(str(exc))}"
        ) from None
    return transport


def _permanent(exc: BaseException) -> bool:
    """An HTTP 4xx answer (other than timeouts and rate limits) will not change on retry."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return isinstance(status, int) and 400 <= status < 500 and status not in _RETRYABLE_STATUS


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {redact_text(str(exc))}"[:500]


@dataclass
class _Pumped:
    delivered: int = 0
    error: str | None = None
    more: bool = False


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
    lease = config.timeout * (_BATCH + 1) + 30.0
    items = store.outbox.claim(
        spec.name, now=now, lease=lease, limit=_BATCH, ignore_backoff=ignore_backoff
    )
    if not items:
        return _Pumped()
    records = store.outbox.records(i.seq for i in items)
    done = _Pumped(more=len(items) == _BATCH)
    for position, item in enumerate(items):
        if stop():
            store.outbox.release(items[position:], next_at=now)
            done.more = True
            return done
        try:
            event = _event(source, records, item)
            transport.emit(event)
        except Exception as exc:
            done.error = _describe(exc)
            give_up = item.attempts + 1 >= config.max_attempts or _permanent(exc)
            store.outbox.failed(
                item, done.error, next_at=time.time() + backoff(item.attempts + 1), give_up=give_up
            )
            store.outbox.release(items[position + 1 :], next_at=time.time())
            done.more = False
            return done
        store.outbox.delivered(item)
        done.delivered += 1
    return done


def _event(source: EventSource, records: dict[int, Any], item: OutboxItem) -> RunEvent:
    record = records.get(item.seq)
    if record is None:
        raise LineageError(f"record seq {item.seq} is missing from the ledger")
    events = source.events(record)
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
                self.owner.store.outbox.enqueue([self.spec.name], now=time.time())
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
                pumped = _Pumped(error=_describe(exc))
            except Exception as exc:  # a bug must not kill delivery silently, nor the stage
                log.exception("lineage delivery to %r failed unexpectedly", self.spec.name)
                pumped = _Pumped(error=_describe(exc))
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
        self.store.outbox.register(
            [(s.name, s.kind) for s in self.config.transports], from_run=from_run
        )
        for worker in self._workers:
            worker.thread.start()

    def notify(self) -> None:
        """A record was written: wake the workers (cheap; called on the stage's path)."""
        for worker in self._workers:
            worker.wake.set()

    def flush(self, timeout: float | None = None) -> bool:
        """Deliver what can be delivered within ``timeout`` seconds, then stop.

        Returns True when every worker finished in time.
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
        return finished


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
            atexit.register(shutdown)
            _exit_hook = True
    if old is not None:
        old.flush(0.0)
    delivery.start(from_run)
    return delivery


def shutdown(timeout: float | None = None) -> None:
    """Flush and stop every delivery of this process (at exit; tests call it too)."""
    with _lock:
        deliveries = [d for _, d in _active.values() if d.pid == os.getpid()]
        _active.clear()
    for delivery in deliveries:
        delivery.flush(timeout)


@dataclass(frozen=True)
class ReplayResult:
    """What ``replay`` did for one transport."""

    transport: str
    delivered: int
    remaining: int
    error: str | None


def replay(
    store: Store,
    config: LineageConfig,
    *,
    names: Sequence[str] | None = None,
    backfill: bool = False,
) -> list[ReplayResult]:
    """Deliver every owed event now, failed ones included, in the foreground.

    Args:
        store: the store whose events are owed.
        config: the transports (an unregistered one is owed records from now on).
        names: only these transports (default: all configured).
        backfill: also owe each transport the records from before it was registered.

    Raises:
        LineageError: an unknown transport name, or a transport that cannot be built.
    """
    specs = [s for s in config.transports if names is None or s.name in names]
    unknown = sorted(set(names or ()) - {s.name for s in specs})
    if unknown:
        known = ", ".join(s.name for s in config.transports) or "none"
        raise LineageError(
            f"no configured transport named {', '.join(unknown)} (configured: {known})"
        )
    store.outbox.register([(s.name, s.kind) for s in specs])
    now = time.time()
    store.outbox.retry_failed([s.name for s in specs], now=now)
    source = EventSource(store, context(config.repo_url))
    results: list[ReplayResult] = []
    for spec in specs:
        transport = build_transport(spec, config.source)
        if backfill:
            store.outbox.backfill(spec.name, now=now)
        store.outbox.enqueue([spec.name], now=now)
        delivered = 0
        error: str | None = None
        while True:
            pumped = deliver(store, spec, transport, source, config=config, ignore_backoff=True)
            delivered += pumped.delivered
            if pumped.error is not None:
                error = pumped.error
                break
            if not pumped.more and pumped.delivered == 0:
                break
        transport.close(config.timeout)
        left = next((t for t in store.outbox.status() if t.name == spec.name), None)
        remaining = 0 if left is None else left.pending + left.failed + left.inflight
        results.append(ReplayResult(spec.name, delivered, remaining, error))
    return results
