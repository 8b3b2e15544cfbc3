"""What each ledger record contributes to the index tables -- one pure function.

The writer applies these operations when it appends a record; ``verify`` replays them
over every record in the ledger and compares the result with the index tables, so a
hand edit of any index row is found and blamed on the record that row comes from.
No SQL here: operations name tables and columns only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from govern.store.codec import parse_datetime

__all__ = [
    "KEYS",
    "RUN_ENDED",
    "RUN_STARTED",
    "STAGE",
    "IndexOp",
    "index_ops",
    "timestamp",
]

RUN_STARTED = "run_started"
STAGE = "stage"
RUN_ENDED = "run_ended"

OpKind = Literal["insert", "update", "insert_missing"]

KEYS: Mapping[str, tuple[str, ...]] = {
    "runs": ("id",),
    "stage_runs": ("id",),
    "datasets": ("namespace", "name"),
    "dataset_versions": ("stage_run_id", "position"),
    "checks": ("stage_run_id", "position"),
    "quarantine": ("stage_run_id", "position"),
    "models": ("name", "version"),
    "model_usages": ("stage_run_id", "position"),
}
"""Primary key columns of each index table."""


@dataclass(frozen=True, slots=True)
class IndexOp:
    """Insert a row, update a row (by its key columns), or insert it unless present."""

    table: str
    op: OpKind
    row: dict[str, Any]

    @property
    def key(self) -> tuple[Any, ...]:
        """The row's primary key values."""
        return tuple(self.row[c] for c in KEYS[self.table])


def timestamp(value: str | datetime) -> float:
    """Seconds since the epoch, for ordering; a naive datetime counts as UTC."""
    dt = parse_datetime(value) if isinstance(value, str) else value
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def index_ops(kind: str, seq: int, data: Mapping[str, Any]) -> list[IndexOp]:
    """The index operations of one record (``data`` is the record's decoded JSON).

    Unknown kinds (written by a newer govern) contribute nothing.
    """
    if kind == RUN_STARTED:
        return [_run_started(seq, data)]
    if kind == RUN_ENDED:
        return [
            IndexOp(
                "runs",
                "update",
                {
                    "id": data["run_id"],
                    "status": data["status"],
                    "ended_at": data["ended_at"],
                    "end_seq": seq,
                },
            )
        ]
    if kind == STAGE:
        return _stage(seq, data)
    return []


def _run_started(seq: int, d: Mapping[str, Any]) -> IndexOp:
    return IndexOp(
        "runs",
        "insert",
        {
            "id": d["id"],
            "name": d["name"],
            "namespace": d.get("namespace", ""),
            "status": d["status"],
            "started_at": d["started_at"],
            "started_ts": timestamp(d["started_at"]),
            "ended_at": d.get("ended_at"),
            "pid": d.get("pid"),
            "host": d.get("host"),
            "start_seq": seq,
            "end_seq": None,
        },
    )


def _stage(seq: int, d: Mapping[str, Any]) -> list[IndexOp]:
    sid = d["stage_run_id"]
    checks = d.get("checks", ())
    model = d.get("model")
    ops = [
        IndexOp(
            "stage_runs",
            "insert",
            {
                "id": sid,
                "run_id": d["run_id"],
                "seq": seq,
                "stage": d["stage"],
                "status": d["status"],
                "on_fail": d["on_fail"],
                "started_at": d["started_at"],
                "ended_at": d["ended_at"],
                "error": d.get("error"),
                "checks_total": len(checks),
                "checks_failed": sum(1 for c in checks if not c["passed"]),
                "model_name": None if model is None else model["name"],
                "model_version": None if model is None else model["version"],
            },
        )
    ]
    for i, c in enumerate(checks):
        ops.append(
            IndexOp(
                "checks",
                "insert",
                {
                    "stage_run_id": sid,
                    "position": i,
                    "seq": seq,
                    "dataset": c["dataset"],
                    "check_name": c["check"],
                    "column_name": c.get("column"),
                    "severity": c["severity"],
                    "passed": c["passed"],
                    "failed_count": c["failed_count"],
                    "checked_count": c.get("checked_count"),
                },
            )
        )
    for i, dv in enumerate(d.get("datasets", ())):
        ops.append(
            IndexOp(
                "datasets",
                "insert_missing",
                {
                    "namespace": dv["namespace"],
                    "name": dv["name"],
                    "kind": dv.get("kind", "anonymous"),
                    "first_seq": seq,
                },
            )
        )
        ops.append(
            IndexOp(
                "dataset_versions",
                "insert",
                {
                    "stage_run_id": sid,
                    "position": i,
                    "seq": seq,
                    "role": dv["role"],
                    "parameter": dv["parameter"],
                    "namespace": dv["namespace"],
                    "name": dv["name"],
                    "fingerprint": dv.get("fingerprint"),
                    "row_count": dv.get("row_count"),
                },
            )
        )
    for i, q in enumerate(d.get("quarantine", ())):
        ops.append(
            IndexOp(
                "quarantine",
                "insert",
                {
                    "stage_run_id": sid,
                    "position": i,
                    "seq": seq,
                    "dataset": q["dataset"],
                    "row_count": q["rows"],
                    "path": q["path"],
                },
            )
        )
    if model is not None:
        ops.append(
            IndexOp(
                "models",
                "insert",
                {
                    "name": model["name"],
                    "version": model["version"],
                    "seq": seq,
                    "run_id": d["run_id"],
                    "stage_run_id": sid,
                    "created_at": model["created_at"],
                    "framework": model.get("framework"),
                    "model_class": model.get("model_class"),
                    "artifact_fingerprint": model.get("artifact_fingerprint"),
                },
            )
        )
    for i, m in enumerate(d.get("models_used", ())):
        ops.append(
            IndexOp(
                "model_usages",
                "insert",
                {
                    "stage_run_id": sid,
                    "position": i,
                    "seq": seq,
                    "name": m["name"],
                    "version": m["version"],
                },
            )
        )
    return ops
