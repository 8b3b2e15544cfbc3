"""The bridge from the runtime to the audit store, applying ``on_store_error``.

By default a store that cannot be written fails the stage (the record comes first);
``on_store_error = "warn"`` lets a team choose to warn and go on instead.

What a stage call captured is redacted here, before it is recorded (govern.redaction):
the exception text, check messages and failure samples (all values of a column with a
secret-looking name), ``log_params`` values and the model's hyperparameters. A model
version also carries the stage's (redacted) params.

After each record is committed, the ``govern.record_hooks`` entry points are told
(lineage delivery is one, declared in pyproject.toml): this layer knows them only by
that small protocol, so what sits above it (lineage) plugs in without an upward import.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from govern.config import Settings
from govern.errors import StoreError, StoreWarning
from govern.redaction import REDACTED, is_secret_name, redact_mapping, redact_text
from govern.types import CheckResult, RunInfo, RunStatus, StageResult

if TYPE_CHECKING:
    from govern.store import Store

__all__ = [
    "HOOK_GROUP",
    "RecordHook",
    "Recorder",
    "close_stores",
    "record_hooks",
    "redacted",
    "store_for",
]

log = logging.getLogger("govern")
T = TypeVar("T")

_lock = threading.Lock()
_stores: dict[tuple[int, str, str | None, str], Store] = {}
_down: set[tuple[int, str]] = set()  # stores that failed under on_store_error = "warn"

HOOK_GROUP = "govern.record_hooks"
"""Entry point group of the hooks told about each committed record."""


class RecordHook(Protocol):
    """Told about each record the Recorder committed (run start, stage, run end).

    The contract: return at once (hand slow work to a thread) and never raise -- a hook
    must not be able to fail or stall a stage. An exception is logged and ignored.
    """

    def recorded(self, store: Store, kind: str, run_id: str | None) -> None:
        """``kind`` is the record kind (``run_started``, ``stage``, ``run_ended``)."""


_hooks: list[RecordHook] | None = None


def record_hooks() -> list[RecordHook]:
    """The installed hooks, loaded once from the ``govern.record_hooks`` entry points."""
    global _hooks
    with _lock:
        if _hooks is not None:
            return _hooks
    from importlib.metadata import entry_points

    found: list[RecordHook] = []
    for ep in sorted(entry_points(group=HOOK_GROUP), key=lambda e: e.name):
        try:
            found.append(ep.load())
        except Exception:  # a broken plug-in must not stop the pipeline
            log.exception("could not load record hook %s = %s", ep.name, ep.value)
    with _lock:
        _hooks = found
    return found


def _tell_hooks(store: Store, kind: str, run_id: str | None) -> None:
    for hook in record_hooks():
        try:
            hook.recorded(store, kind, run_id)
        except Exception:
            log.exception("record hook %r failed", hook)


def _store_for(cfg: Settings) -> Store:
    from govern.store import open_store

    key = (os.getpid(), cfg.store, cfg.signing_key, str(cfg.signing_key_file or ""))
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = open_store(
                cfg.store,
                signing_key=cfg.signing_key or "",
                signing_key_file=cfg.signing_key_file or "",
            )
            _stores[key] = store
        return store


def store_for(cfg: Settings) -> Store:
    """The store ``cfg`` names, opened once per process (readers share the writer's)."""
    return _store_for(cfg)


def close_stores() -> None:
    """Close every store this process opened (tests and long-lived notebooks use it)."""
    with _lock:
        stores = list(_stores.values())
        _stores.clear()
        _down.clear()
    for store in stores:
        store.close()


class Recorder:
    """Writes runs and stage results to the configured store."""

    def __init__(self, cfg: Settings) -> None:
        self.cfg = cfg

    def _guard(
        self, what: str, write: Callable[[Store], T], fallback: T, *, retry: bool = False
    ) -> T:
        # under "warn", a store that failed once (locked past its timeout, unreachable)
        # is not tried again until the next run begins: no stall per record, one warning
        down = (os.getpid(), self.cfg.store)
        with _lock:
            if retry:
                _down.discard(down)
            elif down in _down and self.cfg.on_store_error == "warn":
                return fallback
        try:
            return write(_store_for(self.cfg))
        except StoreError as exc:
            if self.cfg.on_store_error != "warn":
                raise
            with _lock:
                _down.add(down)
            message = (
                f"could not record {what}: {redact_text(str(exc))}; the rest of this run is "
                "not recorded (on_store_error = 'warn': the store is tried again when the next "
                "run begins)"
            )
            log.error("%s", message)
            warnings.warn(StoreWarning(message), stacklevel=5)
            return fallback

    def begin_run(self, info: RunInfo) -> None:
        """Record that a run started."""

        def write(s: Store) -> None:
            s.begin_run(info)
            _tell_hooks(s, "run_started", info.id)

        self._guard(f"the start of run {info.id}", write, None, retry=True)

    def record_stage(self, result: StageResult) -> StageResult:
        """Record a stage call in one transaction; returns it with its model version set.

        What is recorded (and returned) is :func:`redacted`: no secret reaches the store.
        """
        result = redacted(result)

        def write(s: Store) -> StageResult:
            recorded = s.record_stage(result)
            _tell_hooks(s, "stage", result.run_id)
            return recorded

        return self._guard(f"stage {result.stage!r} of run {result.run_id}", write, result)

    def end_run(self, run_id: str, status: RunStatus, ended_at: datetime) -> None:
        """Record how a run ended."""

        def write(s: Store) -> None:
            s.end_run(run_id, status, ended_at)
            _tell_hooks(s, "run_ended", run_id)

        self._guard(f"the end of run {run_id}", write, None)


def redacted(result: StageResult) -> StageResult:
    """``result`` with secrets masked in its exception text, checks and params.

    The model version gets the redacted params too, so cards and ``models show`` can
    show what the training stage logged.
    """
    params = redact_mapping(result.params)
    model = result.model
    if model is not None:
        model = replace(model, hyperparameters=redact_mapping(model.hyperparameters), params=params)
    checks = tuple(_redacted_check(c) for c in result.checks)
    return replace(
        result,
        error=None if result.error is None else redact_text(result.error),
        params=params,
        model=model,
        checks=checks,
    )


def _redacted_check(check: CheckResult) -> CheckResult:
    """Messages and failure samples through the text rules; a secret column's values masked."""
    secret_column = check.column is not None and is_secret_name(check.column)
    sample = tuple(
        replace(
            case,
            index=None if case.index is None else redact_text(case.index),
            value=REDACTED if secret_column else redact_text(case.value),
        )
        for case in check.sample
    )
    return replace(
        check,
        message=None if check.message is None else redact_text(check.message),
        sample=sample,
    )
