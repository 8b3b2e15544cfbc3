"""``govern lineage export``: every event as JSON lines, rebuilt from the record.

govern's own events are rebuilt from the run and stage records (the same mapping that
delivery uses, so an export matches what the transports received); imported events are
written as they were stored. Records are read in pages, in chain order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from govern.lineage.events import to_dict
from govern.lineage.source import EventSource, context
from govern.store.codec import decode_run
from govern.store.index import LINEAGE_KINDS, OPENLINEAGE_EVENT, RUN_STARTED

if TYPE_CHECKING:
    from govern.store import Store

__all__ = ["events", "write_events"]

_PAGE = 500


def events(store: Store, *, repo_url: str | None = None) -> Iterator[dict[str, Any]]:
    """Every event the record holds, in record order, as JSON-safe dicts."""
    source = EventSource(store, context(repo_url))
    kinds = [*LINEAGE_KINDS, OPENLINEAGE_EVENT]
    after = 0
    while True:
        page = store.records_after(after, kinds=kinds, limit=_PAGE)
        if not page:
            return
        for record in page:
            if record.kind == OPENLINEAGE_EVENT:
                yield dict(record.data["event"])
                continue
            if record.kind == RUN_STARTED:
                source.remember(decode_run(record.data))
            for event in source.events(record):
                yield to_dict(event)
        after = page[-1].seq


def write_events(store: Store, out: Any, *, repo_url: str | None = None) -> int:
    """Write every event to the text stream ``out``, one per line; returns how many."""
    count = 0
    for event in events(store, repo_url=repo_url):
        out.write(json.dumps(event, sort_keys=True, separators=(",", ":"), allow_nan=False))
        out.write("\n")
        count += 1
    return count
