"""The bridge from the runtime to the audit store, applying ``on_store_error``.

By default a store that cannot be written fails the stage (the record comes first);
``on_store_error = "warn"`` lets a team choose to warn and go on instead.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from govern.config import Settings
from govern.errors import StoreError, StoreWarning
from govern.types import RunInfo, RunStatus, StageResult

if TYPE_CHECKING:
    from govern.store import Store

__all__ = ["Recorder", "close_stores"]

log = logging.getLogger("govern")
T = TypeVar("T")

_lock = threading.Lock()
_stores: dict[tuple[int, str, str | None], Store] = {}


def _store_for(cfg: Settings) -> Store:
    from govern.store import open_store

    key = (os.getpid(), cfg.store, cfg.signing_key)
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = open_store(cfg.store, signing_key=cfg.signing_key)
            _stores[key] = store
        return store


def close_stores() -> None:
    """Close every store this process opened (tests and long-lived notebooks use it)."""
    with _lock:
        stores = list(_stores.values())
        _stores.clear()
    for store in stores:
        store.close()


class Recorder:
    """Writes runs and stage results to the configured store."""

    def __init__(self, cfg: Settings) -> None:
        self.cfg = cfg

    def _guard(self, what: str, write: Callable[[Store], T], fallback: T) -> T:
        try:
            return write(_store_for(self.cfg))
        except StoreError as exc:
            if self.cfg.on_store_error != "warn":
                raise
            log.error("could not record %s: %s", what, exc)
            warnings.warn(StoreWarning(f"could not record {what}: {exc}"), stacklevel=5)
            return fallback

    def begin_run(self, info: RunInfo) -> None:
        """Record that a run started."""
        self._guard(f"the start of run {info.id}", lambda s: s.begin_run(info), None)

    def record_stage(self, result: StageResult) -> StageResult:
        """Record a stage call in one transaction; returns it with its model version set."""
        return self._guard(
            f"stage {result.stage!r} of run {result.run_id}",
            lambda s: s.record_stage(result),
            result,
        )

    def end_run(self, run_id: str, status: RunStatus, ended_at: datetime) -> None:
        """Record how a run ended."""
        self._guard(f"the end of run {run_id}", lambda s: s.end_run(run_id, status, ended_at), None)
