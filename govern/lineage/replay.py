"""``govern lineage replay``: deliver every owed event now, in the foreground.

A flaky backend does not stop it: a failed attempt is retried after a backoff (0.5 s
doubling to 30 s) until the events are delivered, ``attempts`` attempts in a row failed
with nothing delivered between them, or ``max_time`` seconds passed. Events are claimed
in batches (leased, sent in order, marked delivered one by one). Events another process
holds are waited for, not skipped: leases are short and renewed by a live holder, so
those of a killed replay or worker run out within one lease and are taken over.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govern.errors import LineageError
from govern.lineage.config import LineageConfig, TransportSpec
from govern.lineage.delivery import deliver, register
from govern.lineage.source import EventSource, context
from govern.lineage.transports import build_transport

if TYPE_CHECKING:
    from openlineage.client.transport import Transport

    from govern.store import Store

__all__ = ["ReplayResult", "replay", "replay_backoff"]

_BASE = 0.5
_MAX = 30.0


def replay_backoff(failures: int) -> float:
    """Seconds a replay waits after ``failures`` failed attempts in a row: 0.5, 1, 2 ... 30."""
    return float(min(_BASE * 2 ** max(failures - 1, 0), _MAX))


@dataclass(frozen=True)
class ReplayResult:
    """What ``replay`` did for one transport."""

    transport: str
    delivered: int
    remaining: int
    error: str | None
    target: str = ""
    notices: tuple[str, ...] = ()


def replay(
    store: Store,
    config: LineageConfig,
    *,
    names: Sequence[str] | None = None,
    backfill: bool = False,
    attempts: int = 5,
    max_time: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[ReplayResult]:
    """Deliver every owed event now, failed ones included, in the foreground.

    Args:
        store: the store whose events are owed.
        config: the transports (an unregistered one is owed records from now on).
        names: only these transports (default: all configured).
        backfill: also owe each transport the records from before it was registered.
        attempts: give a transport up after this many failed attempts in a row.
        max_time: give up after this many seconds.
        sleep: how to wait between attempts.

    Raises:
        LineageError: an unknown transport name, or a transport that cannot be built.
    """
    if attempts < 1 or max_time <= 0:
        raise LineageError("replay needs attempts >= 1 and a max time > 0")
    specs = [s for s in config.transports if names is None or s.name in names]
    unknown = sorted(set(names or ()) - {s.name for s in specs})
    if unknown:
        known = ", ".join(s.name for s in config.transports) or "none"
        raise LineageError(
            f"no configured transport named {', '.join(unknown)} (configured: {known})"
        )
    notices = register(store, specs)
    now = time.time()
    store.outbox.retry_failed([s.key for s in specs], now=now)
    source = EventSource(store, context(config.repo_url))
    deadline = time.monotonic() + max_time
    results: list[ReplayResult] = []
    for spec in specs:
        transport = build_transport(spec, config.source)
        if backfill:
            store.outbox.backfill(spec.key, now=now)
        try:
            delivered, error = _drain(
                store, spec, config, source, transport, attempts, deadline, sleep
            )
        finally:
            transport.close(config.timeout)
        left = next((t for t in store.outbox.status() if t.name == spec.key), None)
        remaining = 0 if left is None else left.pending + left.failed + left.inflight
        mine = tuple(n for n in notices if n.startswith(f"lineage transport {spec.name!r}"))
        results.append(
            ReplayResult(spec.name, delivered, remaining, error, spec.target, notices=mine)
        )
    return results


def _drain(
    store: Store,
    spec: TransportSpec,
    config: LineageConfig,
    source: EventSource,
    transport: Transport,
    attempts: int,
    deadline: float,
    sleep: Callable[[float], None],
) -> tuple[int, str | None]:
    """Deliver to one transport until drained or given up; (delivered, last error)."""
    delivered, failures = 0, 0
    error: str | None = None
    while time.monotonic() < deadline:
        store.outbox.enqueue([spec.key], now=time.time())
        pumped = deliver(store, spec, transport, source, config=config, ignore_backoff=True)
        delivered += pumped.delivered
        if pumped.delivered:
            failures, error = 0, None
        if pumped.error is not None:
            error = pumped.error
            if pumped.permanent:  # that event is failed for good; others may still go
                continue
            failures += 1
            wait = replay_backoff(failures)
            if failures >= attempts or time.monotonic() + wait > deadline:
                break
            sleep(wait)
            continue
        if pumped.more or pumped.delivered:
            continue
        held = store.outbox.lease_ends(spec.key, now=time.time())
        if held is None:
            break  # drained (or only events failed for good are left)
        wait = held - time.time() + 0.05  # a holder that is gone lets go within one lease
        if time.monotonic() + wait > deadline:
            break
        sleep(max(wait, 0.05))
    return delivered, error
