"""The recording hook (entry point ``govern.record_hooks: lineage``): wakes delivery.

``govern.recording`` calls ``hook.recorded(...)`` after each record it commits. With no
transport configured this costs one cached lookup and starts nothing (events stay in
the store). Otherwise the first call starts this process's Delivery for the store; every
call then only wakes its threads. A configuration that cannot be used is reported once
as a LineageWarning and leaves the events in the store: it never fails the stage. With
``OPENLINEAGE_DISABLED=true`` each run is marked, at its first record, as owed to no
transport (the OpenLineage client drops such events; a later process must not send them).
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from govern.config import Settings, settings
from govern.errors import LineageError, LineageWarning, StoreError
from govern.lineage.config import LineageConfig, resolve

if TYPE_CHECKING:
    from govern.store import Store

__all__ = ["LineageHook", "current_config", "hook"]

log = logging.getLogger("govern.lineage")

_Key = tuple[int, tuple[tuple[str, str], ...], str]


class LineageHook:
    """Hands each committed record to lineage delivery (a ``RecordHook``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: _Key | None = None
        self._config: LineageConfig | LineageError | None = None
        self._settings: Settings | None = None
        self._disabled: set[tuple[str, str | None]] = set()

    def recorded(self, store: Store, kind: str, run_id: str | None) -> None:
        """A record was committed to ``store``: make sure its events will go out."""
        config = self.config()
        if isinstance(config, LineageError):
            return
        if config.disabled:
            self._not_owed(store, run_id)
            return
        if not config.transports:
            return
        from govern.lineage.delivery import ensure

        try:
            ensure(store, config, run_id).notify()
        except LineageError as exc:
            self._warn(exc)

    def config(self) -> LineageConfig | LineageError:
        """This process's delivery configuration (resolved once per settings/environment)."""
        current = settings()
        key: _Key = (
            id(current),
            tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("OPENLINEAGE"))),
            str(Path.cwd()),
        )
        with self._lock:
            if key == self._key and self._config is not None and self._settings is current:
                return self._config
        try:
            config: LineageConfig | LineageError = resolve(current)
        except LineageError as exc:
            config = exc
            self._warn(exc)
        with self._lock:
            self._key, self._config, self._settings = key, config, current
        return config

    def _not_owed(self, store: Store, run_id: str | None) -> None:
        """OPENLINEAGE_DISABLED: this run is owed to no transport, now or later (once per run)."""
        key = (store.location, run_id)
        if run_id is None or key in self._disabled:
            return
        try:
            store.outbox.not_owed(run_id)
        except StoreError as exc:  # the record stands; its events may be sent later
            log.error("could not mark run %s as not owed for lineage: %s", run_id, exc)
            return
        with self._lock:
            if len(self._disabled) > 10_000:
                self._disabled.clear()
            self._disabled.add(key)

    @staticmethod
    def _warn(exc: LineageError) -> None:
        log.error("lineage delivery is off: %s", exc)
        warnings.warn(
            LineageWarning(f"lineage delivery is off, events stay in the store: {exc}"),
            stacklevel=2,
        )


hook = LineageHook()
"""The instance the ``govern.record_hooks`` entry point names."""


def current_config() -> LineageConfig:
    """The delivery configuration as it stands now (read afresh, for commands).

    Raises:
        LineageError: it cannot be used.
    """
    return resolve(settings())
