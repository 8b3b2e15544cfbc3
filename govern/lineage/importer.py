"""``govern lineage import``: OpenLineage events other producers wrote, into the record.

The Airflow, Spark and dbt integrations (and any OpenLineage client with a file
transport) write one JSON event per line. Each valid event becomes an
``openlineage_event`` ledger record -- hash-chained like every other record -- whose
inputs and outputs join the lineage graph. A file is checked whole before anything is
written: a malformed line is reported with its number, and the import stops unless
invalid lines are to be skipped. Importing a file twice adds nothing (an event's id is
the SHA-256 of its canonical JSON); events of govern's own runs are already in the
record and are left out. Credentials in URIs and secret-looking values are removed
before an event is stored, as for govern's own events.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.errors import LineageError
from govern.lineage.redact import safe_name, scrub

if TYPE_CHECKING:
    from govern.store import Store

__all__ = ["ImportResult", "Invalid", "import_file", "read_events"]

_EVENT_TYPES = {"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"}
_SHOWN = 20


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


def import_file(store: Store, path: Path, *, skip_invalid: bool = False) -> ImportResult:
    """Import the events of a JSON-lines file (all or nothing unless ``skip_invalid``).

    Raises:
        LineageError: the file cannot be read, or holds invalid lines and
            ``skip_invalid`` is False (nothing is imported then).
    """
    events: list[dict[str, Any]] = []
    invalid: list[Invalid] = []
    for _, item in read_events(path):
        if isinstance(item, Invalid):
            invalid.append(item)
        else:
            events.append(item)
    if invalid and not skip_invalid:
        shown = "\n".join(f"  {path}:{i.line}: {i.reason}" for i in invalid[:_SHOWN])
        more = f"\n  ... and {len(invalid) - _SHOWN} more" if len(invalid) > _SHOWN else ""
        raise LineageError(
            f"{path}: {len(invalid)} line(s) are not OpenLineage events; nothing was "
            f"imported (fix them, or pass --skip-invalid to import the rest):\n{shown}{more}"
        )
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
                reason, event = _check(line)
                if event is None:
                    yield number, Invalid(number, reason)
                    continue
                event = _clean(event)
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


def _clean(event: dict[str, Any]) -> dict[str, Any]:
    """No credentials from another producer either: scrubbed text, bare namespaces."""
    clean: dict[str, Any] = scrub(event)
    for dataset in [*(clean.get("inputs") or ()), *(clean.get("outputs") or ())]:
        dataset["namespace"] = safe_name(dataset["namespace"])
    if isinstance(clean.get("dataset"), dict):
        clean["dataset"]["namespace"] = safe_name(clean["dataset"]["namespace"])
    return clean


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _check(line: str) -> tuple[str, dict[str, Any] | None]:
    try:
        event = json.loads(line, parse_constant=_reject_constant)
    except ValueError as exc:
        return f"not valid JSON ({exc})", None
    if not isinstance(event, dict):
        return f"an event is a JSON object, not {type(event).__name__}", None
    problem = _problem(event)
    return (problem, None) if problem else ("", event)


def _problem(event: Mapping[str, Any]) -> str | None:
    for key in ("eventTime", "producer", "schemaURL"):
        if not isinstance(event.get(key), str) or not event[key]:
            return f"{key} is missing (every OpenLineage event has eventTime, producer, schemaURL)"
    try:
        moment = datetime.fromisoformat(event["eventTime"])
    except ValueError:
        return f"eventTime {event['eventTime']!r} is not an ISO 8601 date-time"
    if moment.tzinfo is None:
        return f"eventTime {event['eventTime']!r} has no time zone"
    if "dataset" in event and "job" not in event:
        return _named(event["dataset"], "dataset")
    job_problem = _named(event.get("job"), "job")
    if job_problem:
        return job_problem
    if "run" in event:
        run = event["run"]
        if not isinstance(run, Mapping) or not isinstance(run.get("runId"), str):
            return "run.runId is missing"
        try:
            uuid.UUID(run["runId"])
        except ValueError:
            return f"run.runId {run['runId']!r} is not a UUID"
        kind = event.get("eventType")
        if kind is not None and kind not in _EVENT_TYPES:
            return f"eventType {kind!r} is not one of {', '.join(sorted(_EVENT_TYPES))}"
    for side in ("inputs", "outputs"):
        datasets = event.get(side, [])
        if datasets is None:
            continue
        if not isinstance(datasets, list):
            return f"{side} must be a list"
        for i, dataset in enumerate(datasets):
            problem = _named(dataset, f"{side}[{i}]")
            if problem:
                return problem
    return None


def _named(value: Any, what: str) -> str | None:
    if not isinstance(value, Mapping):
        return f"{what} is missing or not an object"
    for key in ("namespace", "name"):
        if not isinstance(value.get(key), str) or not value[key]:
            return f"{what}.{key} is missing"
    facets = value.get("facets")
    if facets is not None and not isinstance(facets, Mapping):
        return f"{what}.facets must be an object"
    return None
