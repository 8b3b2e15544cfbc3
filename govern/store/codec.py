"""govern types <-> JSON-able dicts, and the canonical JSON every ledger record is stored as.

The canonical JSON and the encoding of free-form values (non-finite floats tagged,
tuples and sets as lists, numpy scalars as numbers ...) are govern.store.jsonvalue's;
``canonical_json``, ``encode_value`` and ``FLOAT_TAG`` are re-exported here.

Decoders accept dicts written by older versions of govern: a key a record lacks takes
the field's default.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from govern.store.jsonvalue import FLOAT_TAG, canonical_json, decode_value, encode_value
from govern.store.jsonvalue import mapping as _mapping
from govern.store.jsonvalue import plain_mapping as _plain_mapping
from govern.types import (
    CheckResult,
    ContractRef,
    DatasetKind,
    DatasetRef,
    DatasetVersion,
    FailureCase,
    ModelRef,
    ModelVersion,
    OnFail,
    Outcome,
    QuarantineRecord,
    RunInfo,
    RunStatus,
    Severity,
    StageResult,
    Status,
)

__all__ = [
    "FLOAT_TAG",
    "canonical_json",
    "decode_dataset_version",
    "decode_model",
    "decode_run",
    "decode_stage",
    "decode_value",
    "encode_dataset_version",
    "encode_model",
    "encode_run",
    "encode_stage",
    "encode_value",
    "format_datetime",
    "parse_datetime",
]


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _enum_lookup(cls: type[enum.Enum]) -> Any:
    # a dict lookup instead of Enum(value) (a Python-level call), for the hot decoders;
    # an unknown value still goes through the class, which raises as before
    members = {m.value: m for m in cls}

    def lookup(value: Any) -> Any:
        found = members.get(value) if isinstance(value, str) else None
        return found if found is not None else cls(value)

    return lookup


_severity = _enum_lookup(Severity)
_status = _enum_lookup(Status)
_on_fail = _enum_lookup(OnFail)
_dataset_kind = _enum_lookup(DatasetKind)
_outcomes = _enum_lookup(Outcome)


def _outcome(value: Any) -> Outcome | None:
    return None if value is None else _outcomes(value)


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    """``[[column, dtype], ...]`` as tuples (a pair that is not two items is an error)."""
    pairs = tuple(map(tuple, value))
    if not set(map(len, pairs)) <= {2}:
        bad = next(p for p in pairs if len(p) != 2)
        raise ValueError(f"expected a [column, dtype] pair, got {list(bad)!r}")
    return pairs


def format_datetime(value: datetime) -> str:
    """ISO 8601, offset kept when the datetime is aware."""
    return value.isoformat()


def parse_datetime(text: str) -> datetime:
    """Inverse of :func:`format_datetime`."""
    return datetime.fromisoformat(text)


def _opt_dt(text: Any) -> datetime | None:
    return parse_datetime(text) if text is not None else None


# -- datasets -------------------------------------------------------------------------


def encode_dataset_version(dv: DatasetVersion) -> dict[str, Any]:
    """A dataset version as a JSON-able dict."""
    out = {
        "namespace": dv.ref.namespace,
        "name": dv.ref.name,
        "kind": str(dv.ref.kind),
        "role": dv.role,
        "parameter": dv.parameter,
        "fingerprint": dv.fingerprint,
        "row_count": _int(dv.row_count),
        "schema": [[str(c), str(t)] for c, t in dv.schema],
        "metrics": None if dv.metrics is None else encode_value(dv.metrics),
        # only when gated with a contract: records without one keep their exact text
        **({} if dv.contract is None else {"contract": _encode_contract(dv.contract)}),
    }
    if dv.summary is not None:  # absent rather than null: older records stay as they were
        out["summary"] = encode_value(dv.summary)
    return out


def _encode_contract(c: ContractRef) -> dict[str, Any]:
    return {
        "id": c.id,
        "version": c.version,
        "schema": c.schema,
        "owners": [{"name": name, "role": role} for name, role in c.owners],
        "tags": list(c.tags),
        "description": c.description,
    }


def _decode_contract(d: Any) -> ContractRef | None:
    if not isinstance(d, Mapping):
        return None
    return ContractRef(
        id=d["id"],
        version=d["version"],
        schema=d["schema"],
        owners=tuple((o["name"], o.get("role")) for o in d.get("owners", ())),
        tags=tuple(d.get("tags", ())),
        description=d.get("description"),
    )


def decode_dataset_version(d: Mapping[str, Any], *, tagged: bool = True) -> DatasetVersion:
    """Inverse of :func:`encode_dataset_version`.

    ``tagged=False`` says ``d`` holds no non-finite float tag (its JSON text has none),
    so its free-form values are taken as they are instead of walked.
    """
    metrics = d.get("metrics")
    return DatasetVersion(
        ref=DatasetRef(d["namespace"], d["name"], _dataset_kind(d.get("kind", "anonymous"))),
        role=d["role"],
        parameter=d["parameter"],
        fingerprint=d.get("fingerprint"),
        row_count=d.get("row_count"),
        schema=_pairs(d.get("schema", ())),
        metrics=None if metrics is None else (_mapping if tagged else _plain_mapping)(metrics),
        summary=None if d.get("summary") is None else _mapping(d["summary"]),
        contract=_decode_contract(d.get("contract")),
    )


# -- checks ---------------------------------------------------------------------------


def _encode_check(c: CheckResult) -> dict[str, Any]:
    out = {
        "dataset": c.dataset,
        "check": c.check,
        "column": c.column,
        "severity": str(c.severity),
        "passed": bool(c.passed),
        "failed_count": int(c.failed_count),
        "sample": [{"index": s.index, "value": s.value} for s in c.sample],
        "backend": c.backend,
        "row_level": c.row_level,
        "checked_count": _int(c.checked_count),
        "expected": c.expected,
        "message": c.message,
        "outcome": str(c.outcome),
    }
    for key in ("observed", "lower", "upper"):  # measured checks only (govern.Stable)
        value = getattr(c, key)
        if value is not None:
            out[key] = encode_value(float(value))
    return out


def _decode_check(d: Mapping[str, Any]) -> CheckResult:
    # positional, in field order: the hottest decoder (a dozen checks per stage record)
    get = d.get
    sample = get("sample", ())
    return CheckResult(
        d["dataset"],
        d["check"],
        get("column"),
        _severity(d["severity"]),
        d["passed"],
        d["failed_count"],
        tuple([FailureCase(s.get("index"), s["value"]) for s in sample]) if sample else (),
        get("backend", ""),
        get("row_level", True),
        get("checked_count"),
        get("expected"),
        get("message"),
        _outcome(get("outcome")),
        _opt_float(get("observed")),
        _opt_float(get("lower")),
        _opt_float(get("upper")),
    )


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(decode_value(value))


# -- models ---------------------------------------------------------------------------


def _slices(value: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {str(k): encode_value(v) for k, v in value.items()}


def encode_model(m: ModelVersion) -> dict[str, Any]:
    """A model version as a JSON-able dict."""
    return {
        "name": m.name,
        "version": int(m.version),
        "framework": m.framework,
        "model_class": m.model_class,
        "hyperparameters": encode_value(m.hyperparameters),
        "artifact_fingerprint": m.artifact_fingerprint,
        "input_signature": [[str(c), str(t)] for c, t in m.input_signature],
        "training_datasets": [encode_dataset_version(d) for d in m.training_datasets],
        "metrics": encode_value(m.metrics),
        "slices": _slices(m.slices),
        "card": encode_value(m.card),
        "run_id": m.run_id,
        "stage_run_id": m.stage_run_id,
        "created_at": format_datetime(m.created_at),
        **({"params": encode_value(m.params)} if m.params else {}),
        **(
            {"evaluation_datasets": [encode_dataset_version(d) for d in m.evaluation_datasets]}
            if m.evaluation_datasets
            else {}
        ),
    }


def decode_model(d: Mapping[str, Any], *, tagged: bool = True) -> ModelVersion:
    """Inverse of :func:`encode_model` (``tagged`` as for :func:`decode_dataset_version`)."""
    mapping = _mapping if tagged else _plain_mapping
    return ModelVersion(
        name=d["name"],
        version=d["version"],
        framework=d.get("framework"),
        model_class=d.get("model_class"),
        hyperparameters=mapping(d.get("hyperparameters")),
        artifact_fingerprint=d.get("artifact_fingerprint"),
        input_signature=_pairs(d.get("input_signature", ())),
        training_datasets=tuple(
            decode_dataset_version(x, tagged=tagged) for x in d.get("training_datasets", ())
        ),
        evaluation_datasets=tuple(
            decode_dataset_version(x, tagged=tagged) for x in d.get("evaluation_datasets", ())
        ),
        metrics=mapping(d.get("metrics")),
        slices=mapping(d.get("slices")),
        card=mapping(d.get("card")),
        run_id=d["run_id"],
        stage_run_id=d["stage_run_id"],
        created_at=parse_datetime(d["created_at"]),
        params=mapping(d.get("params")),
    )


# -- stages and runs ------------------------------------------------------------------


def encode_stage(r: StageResult) -> dict[str, Any]:
    """A stage result as a JSON-able dict (everything the record holds)."""
    return {
        "stage": r.stage,
        "run_id": r.run_id,
        "stage_run_id": r.stage_run_id,
        "status": str(r.status),
        "on_fail": str(r.on_fail),
        "started_at": format_datetime(r.started_at),
        "ended_at": format_datetime(r.ended_at),
        "checks": [_encode_check(c) for c in r.checks],
        # said outright for an auditor reading the record: this call checked nothing
        **({} if r.checks else {"gated": False}),
        "quarantine": [_encode_quarantine(q) for q in r.quarantine],
        "datasets": [encode_dataset_version(d) for d in r.datasets],
        "timings": encode_value(r.timings),
        "row_counts": encode_value(r.row_counts),
        "error": r.error,
        "params": encode_value(r.params),
        "metrics": encode_value(r.metrics),
        "slices": _slices(r.slices),
        "model": None if r.model is None else encode_model(r.model),
        "models_used": [{"name": m.name, "version": int(m.version)} for m in r.models_used],
        "doc": r.doc,
    }


def decode_stage(d: Mapping[str, Any], *, tagged: bool = True) -> StageResult:
    """Inverse of :func:`encode_stage` (``tagged`` as for :func:`decode_dataset_version`)."""
    model = d.get("model")
    mapping = _mapping if tagged else _plain_mapping
    return StageResult(
        stage=d["stage"],
        run_id=d["run_id"],
        stage_run_id=d["stage_run_id"],
        status=_status(d["status"]),
        on_fail=_on_fail(d["on_fail"]),
        started_at=parse_datetime(d["started_at"]),
        ended_at=parse_datetime(d["ended_at"]),
        checks=tuple(_decode_check(c) for c in d.get("checks", ())),
        quarantine=tuple(
            QuarantineRecord(q["dataset"], q["rows"], q["path"], q.get("sha256"))
            for q in d.get("quarantine", ())
        ),
        datasets=tuple(decode_dataset_version(x, tagged=tagged) for x in d.get("datasets", ())),
        timings=mapping(d.get("timings")),
        row_counts=mapping(d.get("row_counts")),
        error=d.get("error"),
        params=mapping(d.get("params")),
        metrics=mapping(d.get("metrics")),
        slices=mapping(d.get("slices")),
        model=None if model is None else decode_model(model, tagged=tagged),
        models_used=tuple(ModelRef(m["name"], m["version"]) for m in d.get("models_used", ())),
        doc=d.get("doc"),
    )


def encode_run(r: RunInfo) -> dict[str, Any]:
    """A run as a JSON-able dict."""
    return {
        "id": r.id,
        "name": r.name,
        "namespace": r.namespace,
        "status": str(r.status),
        "started_at": format_datetime(r.started_at),
        "ended_at": None if r.ended_at is None else format_datetime(r.ended_at),
        "pid": _int(r.pid),
        "host": r.host,
        "environment": encode_value(r.environment),
    }


def decode_run(d: Mapping[str, Any]) -> RunInfo:
    """Inverse of :func:`encode_run`."""
    return RunInfo(
        id=d["id"],
        name=d["name"],
        namespace=d.get("namespace", ""),
        status=RunStatus(d["status"]),
        started_at=parse_datetime(d["started_at"]),
        ended_at=_opt_dt(d.get("ended_at")),
        pid=d.get("pid"),
        host=d.get("host"),
        environment=_mapping(d.get("environment")),
    )


def _encode_quarantine(q: QuarantineRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {"dataset": q.dataset, "rows": int(q.rows), "path": str(q.path)}
    if q.sha256 is not None:
        entry["sha256"] = q.sha256
    return entry
