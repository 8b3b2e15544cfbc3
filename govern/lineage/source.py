"""Rebuild the events of stored records (for delivery, replay and export).

``events.py`` maps one record to its events without I/O; this module fetches what that
mapping needs from the store -- the record, its run, the namespaces of the models a
stage used -- and caches it, so delivering a backlog reads each run once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from govern.config import settings
from govern.environment import git
from govern.errors import StoreError
from govern.lineage.events import EventContext, record_events
from govern.lineage.redact import redact_text
from govern.store.report import LedgerRecord
from govern.types import RunInfo

if TYPE_CHECKING:
    from openlineage.client.event_v2 import RunEvent

    from govern.store import Store

__all__ = ["EventSource", "context", "repo_url"]


@lru_cache(maxsize=16)
def repo_url(root: Path) -> str | None:
    """The https URL of the repository's ``origin`` remote, credentials removed."""
    url = git(["-C", str(root), "config", "--get", "remote.origin.url"])
    if not url:
        return None
    if "://" not in url and ":" in url and "@" in url:  # git@github.com:org/repo.git
        host, _, path = url.split("@", 1)[1].partition(":")
        url = f"https://{host}/{path}"
    url = redact_text(url).replace("***@", "")
    return url if url.startswith(("https://", "http://")) else None


def context(configured_repo: str | None = None) -> EventContext:
    """The mapping's context from the current settings (PII columns, repository URL)."""
    current = settings()
    return EventContext(
        pii_columns=frozenset(current.pii_columns),
        repo_url=configured_repo or repo_url(current.project_root),
    )


class EventSource:
    """Events of stored records, rebuilt on demand (runs and model namespaces cached)."""

    def __init__(self, store: Store, ctx: EventContext) -> None:
        self._store = store
        self._ctx = ctx
        self._runs: dict[str, RunInfo] = {}
        self._model_ns: dict[tuple[str, int], str] = {}

    def events(self, record: LedgerRecord) -> list[RunEvent]:
        """The events of one record (START/COMPLETE... in order)."""
        if record.run_id is None:
            return []
        run = self._run(record.run_id)
        used = record.data.get("models_used") or ()
        ctx = self._ctx
        if used:
            ctx = replace(ctx, model_namespaces=self._namespaces(used))
        return record_events(record, run, ctx)

    def remember(self, run: RunInfo) -> None:
        """Use ``run`` for its records (export walks run_started records first)."""
        self._runs[run.id] = run

    def _run(self, run_id: str) -> RunInfo:
        run = self._runs.get(run_id)
        if run is None:
            run = self._runs[run_id] = self._store.run(run_id)
        return run

    def _namespaces(self, used: Iterable[dict[str, object]]) -> dict[tuple[str, int], str]:
        for item in used:
            key = (str(item["name"]), int(str(item["version"])))
            if key not in self._model_ns:
                try:
                    model = self._store.model(*key)
                except StoreError:  # not recorded here: the run's namespace stands in
                    continue
                self._model_ns[key] = self._run(model.run_id).namespace
        return dict(self._model_ns)
