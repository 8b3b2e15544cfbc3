"""``govern lineage import``: OpenLineage events other producers wrote, into the record.

The Airflow, Spark and dbt integrations (and any OpenLineage client with a file
transport) write one JSON event per line. Each valid event becomes an
``openlineage_event`` ledger record -- hash-chained like every other record -- whose
inputs and outputs join the lineage graph. A line that is not a valid event is
rejected with its number and the reason (see govern.lineage.ingest); the other lines
are imported. Importing a file twice adds nothing (an event's id is
the SHA-256 of its canonical JSON); events of govern's own runs are already in the
record and are left out. Credentials in URIs and secret-looking values are removed
before an event is stored; names and namespaces are otherwise kept exactly as sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.errors import LineageError
from govern.lineage.ingest import check, clean

if TYPE_CHECKING:
    from govern.store import Store

__all__ = ["ImportResult", "Invalid", "import_file", "read_events"]


@dataclass(frozen=True, slots=True)
class Invalid:
    """A line that is not an OpenLineage event, and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did: events added, already present, govern's own, lines skipped."""

    added: int
    duplicates: int
    own: int
    invalid: tuple[Invalid, ...] = field(default=())


def import_file(store: Store, path: Path) -> ImportResult:
    """Import the valid events of a JSON-lines file; ``invalid`` says which lines were not.

    Raises:
        LineageError: the file cannot be read (nothing is imported then).
    """
    events: list[dict[str, Any]] = []
    invalid: list[Invalid] = []
    for _, item in read_events(path):
        if isinstance(item, Invalid):
            invalid.append(item)
        else:
            events.append(item)
    run_ids = {e["event"]["run"]["runId"] for e in events if "run" in e["event"]}
    own = store.lineage.known_runs(run_ids)
    theirs = [e for e in events if e["event"].get("run", {}).get("runId") not in own]
    unique = list({e["id"]: e for e in theirs}.values())
    added = store.import_events(unique) if unique else 0
    return ImportResult(
        added=added,
        duplicates=len(theirs) - added,
        own=len(events) - len(theirs),
        invalid=tuple(invalid),
    )


def read_events(path: Path) -> Iterator[tuple[int, dict[str, Any] | Invalid]]:
    """Each non-blank line: the record to store (``{"id", "event", "source", ...}``) or why not.

    Raises:
        LineageError: the file cannot be opened or decoded.
    """
    imported_at = datetime.now(UTC).isoformat()
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise LineageError(f"{path}: cannot read it ({exc.strerror})") from None
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                reason, event = check(line)
                if event is None:
                    yield number, Invalid(number, reason)
                    continue
                event = clean(event)
                text = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                yield (
                    number,
                    {
                        "id": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                        "event": event,
                        "source": {"file": path.name, "line": number},
                        "imported_at": imported_at,
                    },
                )
        except UnicodeDecodeError as exc:
            raise LineageError(f"{path}: not UTF-8 text ({exc.reason})") from None
