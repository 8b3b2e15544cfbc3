"""The reading API's queries: index tables find records, the ledger JSON rebuilds them.

Every object returned is decoded from the ledger record itself (the index tables only
locate records), so reports and policies see exactly what the hash chain covers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from govern.errors import StoreError
from govern.store.codec import FLOAT_TAG, decode_run, decode_stage, parse_datetime
from govern.store.gcpause import paused_gc
from govern.store.index import STAGE, timestamp
from govern.store.report import VerifyReport
from govern.store.schema import (
    dataset_versions,
    ledger,
    model_usages,
    models,
    runs,
    stage_runs,
)
from govern.store.verify import Visit
from govern.types import DatasetKind, DatasetRef, ModelVersion, RunInfo, RunStatus, StageResult

__all__ = [
    "ModelNotFoundError",
    "RunNotFoundError",
    "clock_anomalies",
    "dataset_usages",
    "datasets",
    "find_run_id",
    "model",
    "model_usages_of",
    "models_all",
    "runs_list",
    "stage_runs_by_run",
    "stage_runs_of",
    "verified_stage_runs",
]

_CHUNK = 500  # ids per IN (...) list: well under SQLite's bound parameter limit


class RunNotFoundError(StoreError, LookupError):
    """No run with that id (or prefix) is recorded."""


class ModelNotFoundError(StoreError, LookupError):
    """No model (version) with that name is recorded."""


def _data(body: str) -> dict[str, Any]:
    data = json.loads(body)["data"]
    if not isinstance(data, dict):
        raise StoreError("a ledger record holds no data object; run `govern verify`")
    return data


def _stage(body: str) -> StageResult:
    return _decoded(body, _data(body))


def _decoded(body: str, data: dict[str, Any]) -> StageResult:
    # a record whose text holds no non-finite float tag (not even \u-escaped) needs no
    # walk over its free-form values to undo the tagging
    return decode_stage(data, tagged=FLOAT_TAG in body or "\\u" in body)


def _run_from(start_body: str, end_body: str | None) -> RunInfo:
    run = decode_run(_data(start_body))
    if end_body is not None:
        end = _data(end_body)
        run = replace(
            run, status=RunStatus(end["status"]), ended_at=parse_datetime(end["ended_at"])
        )
    return run


def runs_list(
    conn: sa.Connection,
    *,
    limit: int | None = None,
    pipeline: str | None = None,
    since: datetime | None = None,
    run_id: str | None = None,
) -> list[RunInfo]:
    """Runs, newest first: by their place in the chain, never by a clock."""
    start = ledger.alias("start_rec")
    end = ledger.alias("end_rec")
    query = (
        sa.select(start.c.body, end.c.body)
        .select_from(
            runs.join(start, start.c.seq == runs.c.start_seq).outerjoin(
                end, end.c.seq == runs.c.end_seq
            )
        )
        .order_by(runs.c.start_seq.desc())
    )
    if pipeline is not None:
        query = query.where(runs.c.name == pipeline)
    if since is not None:
        query = query.where(runs.c.started_ts >= timestamp(since))
    if run_id is not None:
        query = query.where(runs.c.id == run_id)
    if limit is not None:
        query = query.limit(limit)
    return [_run_from(s, e) for s, e in conn.execute(query)]


def find_run_id(conn: sa.Connection, run_id: str, where: str) -> str:
    """Resolve ``latest`` (the run begun last in the chain), a full id or a prefix."""
    if run_id == "latest":
        latest = conn.execute(
            sa.select(runs.c.id).order_by(runs.c.start_seq.desc()).limit(1)
        ).scalar()
        if latest is None:
            raise RunNotFoundError(f"no runs are recorded yet in store {where}")
        return str(latest)
    exact = conn.execute(sa.select(runs.c.id).where(runs.c.id == run_id)).scalar()
    if exact is not None:
        return str(exact)
    found = (
        conn.execute(
            sa.select(runs.c.id).where(runs.c.id.startswith(run_id, autoescape=True)).limit(2)
        )
        .scalars()
        .all()
        if len(run_id) >= 4
        else []
    )
    if len(found) == 1:
        return str(found[0])
    if len(found) > 1:
        raise RunNotFoundError(f"run id prefix {run_id!r} is ambiguous in store {where}")
    raise RunNotFoundError(
        f"no run {run_id!r} in store {where}; `govern runs` lists the recorded runs"
    )


def stage_runs_of(conn: sa.Connection, run_id: str) -> list[StageResult]:
    """A run's stage calls, in call order."""
    query = (
        sa.select(ledger.c.body)
        .select_from(stage_runs.join(ledger, ledger.c.seq == stage_runs.c.seq))
        .where(stage_runs.c.run_id == run_id, ledger.c.kind == STAGE)
        .order_by(stage_runs.c.seq)
    )
    return [_stage(b) for b in conn.execute(query).scalars()]


def stage_runs_by_run(
    conn: sa.Connection, run_ids: Sequence[str], where: str
) -> dict[str, list[StageResult]]:
    """The stage calls of many runs (full ids), each run's in call order: a few queries.

    Raises:
        RunNotFoundError: an id is not a recorded run.
    """
    wanted = list(dict.fromkeys(run_ids))
    found: dict[str, list[StageResult]] = {}
    with paused_gc():
        for start in range(0, len(wanted), _CHUNK):
            _stage_runs_chunk(conn, wanted[start : start + _CHUNK], where, found)
    return found


def verified_stage_runs(
    conn: sa.Connection,
    run_ids: Sequence[str],
    where: str,
    check: Callable[[Visit], VerifyReport],
) -> tuple[VerifyReport, dict[str, list[StageResult]]]:
    """Verify the chain and take the stage calls of ``run_ids`` from the records verified.

    One pass over the ledger instead of two: the result equals ``stage_runs_by_run`` on
    an intact store (the index only locates the same records), and what a report shows
    is then exactly what was verified, in the same transaction. A chain that cannot be
    checked at all (no walk) is read through the index as usual.
    """
    wanted = list(dict.fromkeys(run_ids))
    _require_runs(conn, wanted, where)
    found: dict[str, list[StageResult]] = {run_id: [] for run_id in wanted}
    walked = False

    def visit(kind: str, body: str, data: Any) -> None:
        nonlocal walked
        walked = True
        if kind == STAGE and isinstance(data, dict) and data.get("run_id") in found:
            found[data["run_id"]].append(_decoded(body, data))

    with paused_gc():
        report = check(visit)
        if not walked:
            found = stage_runs_by_run(conn, wanted, where)
    return report, found


def _require_runs(conn: sa.Connection, chunk: list[str], where: str) -> None:
    for start in range(0, len(chunk), _CHUNK):
        part = chunk[start : start + _CHUNK]
        known = set(conn.execute(sa.select(runs.c.id).where(runs.c.id.in_(part))).scalars())
        missing = [i for i in part if i not in known]
        if missing:
            raise RunNotFoundError(
                f"no run {missing[0]!r} in store {where}; `govern runs` lists the recorded runs"
            )


def _stage_runs_chunk(
    conn: sa.Connection, chunk: list[str], where: str, found: dict[str, list[StageResult]]
) -> None:
    _require_runs(conn, chunk, where)
    for run_id in chunk:
        found[run_id] = []
    query = (
        sa.select(stage_runs.c.run_id, ledger.c.body)
        .select_from(stage_runs.join(ledger, ledger.c.seq == stage_runs.c.seq))
        .where(stage_runs.c.run_id.in_(chunk), ledger.c.kind == STAGE)
        .order_by(stage_runs.c.seq)
    )
    for run_id, body in conn.execute(query):
        found[run_id].append(_stage(body))


def _model_of(body: str) -> ModelVersion:
    result = _stage(body)
    if result.model is None:
        raise StoreError(
            "a models index row points at a stage without a model; run `govern verify`"
        )
    return result.model


def models_all(conn: sa.Connection) -> list[ModelVersion]:
    """Every model version, by name then version."""
    query = (
        sa.select(ledger.c.body)
        .select_from(models.join(ledger, ledger.c.seq == models.c.seq))
        .order_by(models.c.name, models.c.version)
    )
    return [_model_of(b) for b in conn.execute(query).scalars()]


def model(conn: sa.Connection, name: str, version: int | None, where: str) -> ModelVersion:
    """One model version (the latest when ``version`` is None)."""
    query = (
        sa.select(ledger.c.body)
        .select_from(models.join(ledger, ledger.c.seq == models.c.seq))
        .where(models.c.name == name)
    )
    if version is None:
        query = query.order_by(models.c.version.desc()).limit(1)
    else:
        query = query.where(models.c.version == version)
    body = conn.execute(query).scalar()
    if body is not None:
        return _model_of(body)
    versions = (
        conn.execute(
            sa.select(models.c.version).where(models.c.name == name).order_by(models.c.version)
        )
        .scalars()
        .all()
    )
    if versions:
        known = ", ".join(str(v) for v in versions)
        raise ModelNotFoundError(f"model {name!r} has no version {version}; recorded: {known}")
    names = conn.execute(sa.select(models.c.name).distinct().order_by(models.c.name))
    listed = ", ".join(names.scalars()) or "none"
    raise ModelNotFoundError(f"no model named {name!r} in store {where}; recorded models: {listed}")


def model_usages_of(conn: sa.Connection, name: str, version: int) -> list[StageResult]:
    """Stage calls that took this model version as an input, in call order."""
    query = (
        sa.select(ledger.c.body)
        .where(
            ledger.c.seq.in_(
                sa.select(model_usages.c.seq).where(
                    model_usages.c.name == name, model_usages.c.version == version
                )
            )
        )
        .order_by(ledger.c.seq)
    )
    return [_stage(b) for b in conn.execute(query).scalars()]


def datasets(conn: sa.Connection) -> list[DatasetRef]:
    """Every dataset any stage saw, by namespace and name."""
    from govern.store.schema import datasets as table

    query = sa.select(table.c.namespace, table.c.name, table.c.kind).order_by(
        table.c.namespace, table.c.name
    )
    return [DatasetRef(ns, n, DatasetKind(k)) for ns, n, k in conn.execute(query)]


def dataset_usages(conn: sa.Connection, name: str, namespace: str | None) -> list[StageResult]:
    """Stage calls that read or produced a dataset (by name, optionally namespace)."""
    inner = sa.select(dataset_versions.c.seq).where(dataset_versions.c.name == name)
    if namespace is not None:
        inner = inner.where(dataset_versions.c.namespace == namespace)
    query = sa.select(ledger.c.body).where(ledger.c.seq.in_(inner)).order_by(ledger.c.seq)
    return [_stage(b) for b in conn.execute(query).scalars()]


def clock_anomalies(conn: sa.Connection, run_ids: Sequence[str]) -> dict[str, str]:
    """Runs (of ``run_ids``) whose start time contradicts the chain's order, with why."""
    wanted = set(run_ids)
    query = sa.select(
        runs.c.id, runs.c.start_seq, runs.c.end_seq, runs.c.started_ts, runs.c.ended_at
    ).order_by(runs.c.start_seq)
    found: dict[str, str] = {}
    previous: Any = None
    for row in conn.execute(query):
        if previous is not None and row.id in wanted:
            why = _anomaly(row, previous)
            if why:
                found[row.id] = why
        previous = row
    return found


def _anomaly(row: Any, previous: Any) -> str | None:
    before = f"run {previous.id[:12]}, begun before it in the record,"
    if row.started_ts < previous.started_ts:
        gap = previous.started_ts - row.started_ts
        return f"starts {_span(gap)} before {before} started: a clock was wrong"
    ended = previous.end_seq is not None and previous.end_seq < row.start_seq
    if ended and previous.ended_at and row.started_ts < timestamp(previous.ended_at):
        gap = timestamp(previous.ended_at) - row.started_ts
        return f"starts {_span(gap)} before {before} ended: a clock was wrong"
    return None


def _span(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds:.1f} s"
