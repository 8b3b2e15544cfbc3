"""Pieces shared by the audit report and the model card: JSON-safe values and entries."""

from __future__ import annotations

import hashlib
import math
import shlex
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from govern.types import CheckResult, DatasetVersion, ModelVersion, RunInfo, StageResult

__all__ = [
    "REDACTED",
    "check_entry",
    "dataset_entry",
    "environment_entry",
    "flat_params",
    "iso",
    "metric_list",
    "outcome",
    "report_id",
    "safe",
    "slice_list",
    "texts",
]

REDACTED = "[redacted]"
_SAMPLE_CHARS = 80


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC (aware datetimes converted; naive ones taken as UTC)."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def safe(value: Any) -> Any:
    """A JSON-able copy: non-finite floats become strings, mappings keep string keys."""
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [safe(v) for v in value]
    return str(value)


def report_id(document: str, *parts: str | None) -> str:
    """A stable id for one document of one record: same scope and chain head, same id."""
    digest = hashlib.sha256("\x1f".join([document, *(p or "" for p in parts)]).encode())
    return f"{document.replace('_', '-')}-{digest.hexdigest()[:16]}"


def metric_list(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"name", "value"}]`` sorted by name."""
    return [{"name": str(k), "value": safe(values[k])} for k in sorted(values, key=str)]


_PARAM_DEPTH = 6
_PARAM_ITEMS = 500


def _named_pairs(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(
            isinstance(v, list | tuple) and len(v) == 2 and isinstance(v[0], str) for v in value
        )
        and len({v[0] for v in value}) == len(value)
    )


def flat_params(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Nested parameters as ``[{"name", "value"}]`` rows a reader can scan.

    Mappings nest by ``.`` (``steps.clf.C``), lists of mappings by index and lists of
    ``(name, value)`` pairs (a pipeline's steps) by name, in recorded order; lists of
    plain values stay one value. Bounded in depth and rows (the JSON
    format keeps the full structure).
    """
    rows: list[dict[str, Any]] = []

    def walk(prefix: str, value: Any, depth: int) -> None:
        if len(rows) >= _PARAM_ITEMS:
            return
        if _named_pairs(value):  # sklearn's steps / transformers: [(name, object), ...]
            value = dict(value)
        nested = isinstance(value, Mapping) or (
            isinstance(value, list | tuple) and any(isinstance(v, Mapping) for v in value)
        )
        if nested and depth < _PARAM_DEPTH:
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            empty = True
            for key, item in items:
                empty = False
                walk(f"{prefix}.{key}" if prefix else str(key), item, depth + 1)
            if not empty:
                return
        rows.append({"name": prefix, "value": safe(value)})

    for key in sorted(values, key=str):
        walk(str(key), values[key], 1)
    return rows


def slice_list(slices: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``[{"name", "metrics": [...]}]`` sorted by slice name."""
    return [{"name": str(k), "metrics": metric_list(slices[k])} for k in sorted(slices, key=str)]


def texts(value: Any) -> list[str]:
    """A human card field as a list of strings (a string, a list, or mappings in a list)."""
    if value is None or value == "" or value == [] or value == {}:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [", ".join(f"{k}: {v}" for k, v in value.items())]
    if isinstance(value, list | tuple):
        out: list[str] = []
        for item in value:
            out.extend(texts(item))
        return out
    return [str(value)]


def dataset_entry(dv: DatasetVersion, pii: frozenset[str]) -> dict[str, Any]:
    """One dataset version as a stage saw it."""
    return {
        "namespace": dv.ref.namespace,
        "name": dv.ref.name,
        "qualified_name": dv.ref.qualified_name,
        "kind": str(dv.ref.kind),
        "role": dv.role,
        "parameter": dv.parameter,
        "fingerprint": dv.fingerprint,
        "row_count": dv.row_count,
        "schema": [{"column": c, "dtype": t, "pii": c in pii} for c, t in dv.schema],
    }


def outcome(check: CheckResult) -> str:
    """``passed``, ``failed`` or ``not_run`` (a check that could not run is not passed).

    Records written before checks carried an outcome have none: their ``passed`` decides.
    """
    found = getattr(check, "outcome", None)
    if found is not None and str(found) == "not_run":
        return "not_run"
    return "passed" if check.passed else "failed"


def check_entry(check: CheckResult, pii: frozenset[str], sample_size: int) -> dict[str, Any]:
    """One check's verdict, with its failure sample bounded and PII columns redacted."""
    redact = check.column is not None and check.column in pii
    sample = (
        [
            {"index": case.index, "value": REDACTED if redact else _bounded(case.value)}
            for case in check.sample[:sample_size]
        ]
        if check.sample
        else []
    )
    result = outcome(check)
    return {
        "dataset": check.dataset,
        "check": check.check,
        "column": check.column,
        "severity": str(check.severity),
        "passed": check.passed,
        "outcome": result,
        "result": result.replace("_", " "),  # passed, failed or "not run"
        "blocking": check.blocking,
        "failed_count": check.failed_count,
        "checked_count": check.checked_count,
        "row_level": check.row_level,
        "backend": check.backend,
        "expected": check.expected,
        "message": None if check.message is None else _bounded(check.message, 300),
        "sample": sample,
        "redacted": redact and bool(check.sample),
    }


def _bounded(text: str, limit: int = _SAMPLE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def stage_entry(stage: StageResult) -> dict[str, Any]:
    """A stage call as the run inventory lists it."""
    failed = stage.failed_checks
    return {
        "stage": stage.stage,
        "stage_run_id": stage.stage_run_id,
        "run_id": stage.run_id,
        "status": str(stage.status),
        "on_fail": str(stage.on_fail),
        "started_at": iso(stage.started_at),
        "ended_at": iso(stage.ended_at),
        "duration_s": safe(stage.duration_s),
        "timings": {k: safe(v) for k, v in sorted(stage.timings.items())},
        "checks": len(stage.checks),
        "checks_failed": len(failed),
        "blocking_failures": sum(1 for c in failed if c.blocking),
        "quarantined_rows": sum(q.rows for q in stage.quarantine),
        "model": None if stage.model is None else str(stage.model.ref),
        "models_used": [str(m) for m in stage.models_used],
        "error": stage.error,
        "doc": stage.doc,
        "params": flat_params(stage.params),  # govern.log_params(...)
    }


def model_entry(model: ModelVersion) -> dict[str, Any]:
    """A model version's recorded facts (no human card fields)."""
    return {
        "name": model.name,
        "version": model.version,
        "ref": str(model.ref),
        "framework": model.framework,
        "model_class": model.model_class,
        "created_at": iso(model.created_at),
        "artifact_fingerprint": model.artifact_fingerprint,
        "run_id": model.run_id,
        "stage_run_id": model.stage_run_id,
        "metrics": metric_list(model.metrics),
        "slices": slice_list(model.slices),
        "hyperparameters": flat_params(model.hyperparameters),
        "input_signature": [{"column": c, "dtype": t} for c, t in model.input_signature],
    }


def environment_entry(run: RunInfo) -> dict[str, Any]:
    """What a run ran on: Python, packages, git, platform, host, user, command, CI job."""
    env = run.environment
    python = _mapping(env.get("python"))
    git = env.get("git") if isinstance(env.get("git"), Mapping) else None
    ci = env.get("ci") if isinstance(env.get("ci"), Mapping) else None
    packages = _mapping(env.get("packages"))
    command = env.get("command")
    return {
        "python": safe(python.get("version")),
        "implementation": safe(python.get("implementation")),
        "executable": safe(python.get("executable")),
        "platform": safe(env.get("platform")),
        "packages": [{"name": str(k), "version": safe(packages[k])} for k in sorted(packages)],
        "git": None if git is None else {"commit": git.get("commit"), "dirty": git.get("dirty")},
        "ci": None if ci is None else safe(dict(ci)),
        "host": safe(env.get("host") or run.host),
        "user": safe(env.get("user")),
        "command": shlex.join(str(a) for a in command) if isinstance(command, list) else None,
    }


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))
