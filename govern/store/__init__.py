"""The audit record: every run, stage call, check, dataset version and model, hash-chained.

``open_store()`` opens (creating and migrating) the store configured in
``govern.config.settings().store`` -- a SQLite file by default, or a ``postgresql://``
URL -- and returns a :class:`Store`. SQLAlchemy is imported only then, so
``import govern`` stays light.

Example::

    store = open_store()
    store.begin_run(run)
    result = store.record_stage(result)   # model version filled in
    store.end_run(run.id, RunStatus.COMPLETED, datetime.now(UTC))
    assert store.verify().ok
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.store.report import LedgerRecord, VerifyReport

if TYPE_CHECKING:
    from govern.store.core import Store
    from govern.store.query import ModelNotFoundError, RunNotFoundError
    from govern.store.seal import (
        CheckpointResult,
        IntegritySummary,
        check_checkpoint,
        make_checkpoint,
        verify_summary,
    )
    from govern.store.sql import StoreNotFoundError

__all__ = [
    "DEFAULT_TIMEOUT",
    "CheckpointResult",
    "IntegritySummary",
    "LedgerRecord",
    "ModelNotFoundError",
    "RunNotFoundError",
    "Store",
    "StoreNotFoundError",
    "VerifyReport",
    "check_checkpoint",
    "make_checkpoint",
    "open_store",
    "verify_summary",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds a writer waits for the store's lock before StoreLockedError."""

_LAZY = {
    "Store": "govern.store.core",
    "ModelNotFoundError": "govern.store.query",
    "RunNotFoundError": "govern.store.query",
    "StoreNotFoundError": "govern.store.sql",
    "CheckpointResult": "govern.store.seal",
    "IntegritySummary": "govern.store.seal",
    "check_checkpoint": "govern.store.seal",
    "make_checkpoint": "govern.store.seal",
    "verify_summary": "govern.store.seal",
}


def open_store(
    url: str | None = None,
    *,
    signing_key: str | None = None,
    signing_key_file: str | Path | None = None,
    create: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> Store:
    """Open the audit record.

    Args:
        url: a SQLite file path or a ``postgresql://`` URL; None means
            ``settings().store`` (``GOVERN_STORE`` or ``[tool.govern] store``).
        signing_key: HMAC key of the hash chain; None means ``settings().signing_key``
            (``GOVERN_SIGNING_KEY``); ``""`` means explicitly none.
        signing_key_file: PEM file of an Ed25519 private key that signs each record; None
            means ``settings().signing_key_file`` (``GOVERN_SIGNING_KEY_FILE``); ``""``
            means explicitly none. Only one of the two keys may be set.
        create: create the store (and its directory) when missing. Readers pass False and
            get StoreNotFoundError instead.
        timeout: seconds to wait for another writer's lock.

    Runs of this host still marked running whose process is gone are marked aborted.

    Raises:
        StoreNotFoundError: ``create=False`` and there is no store.
        StoreLockedError: the store stayed locked past ``timeout``.
        StoreError: the store cannot be opened, created, migrated or written, or the
            signing key does not fit the store.
        ConfigError: a key file that cannot be read, or both keys set.
    """
    from govern.config import settings
    from govern.store.core import connect
    from govern.store.signing import Signer
    from govern.store.sql import parse_target

    if url is None or signing_key is None or signing_key_file is None:
        current = settings()
        url = current.store if url is None else url
        signing_key = current.signing_key if signing_key is None else signing_key
        if signing_key_file is None:
            signing_key_file = current.signing_key_file
    signer = Signer.create(signing_key or None, signing_key_file or None)
    return connect(parse_target(url), signer=signer, create=create, timeout=timeout)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'govern.store' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
