"""Build StageResult / RunInfo / ModelVersion objects directly (no runtime needed)."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from govern.types import (
    CheckResult,
    DatasetKind,
    DatasetRef,
    DatasetVersion,
    FailureCase,
    ModelRef,
    ModelVersion,
    OnFail,
    QuarantineRecord,
    RunInfo,
    RunStatus,
    Severity,
    StageResult,
    Status,
)

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def run_info(**overrides: Any) -> RunInfo:
    values: dict[str, Any] = {
        "id": new_id(),
        "name": "penguins",
        "namespace": "testproject",
        "status": RunStatus.RUNNING,
        "started_at": datetime.now(UTC),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "environment": {"python": "3.11.7", "git": {"commit": "abc123", "dirty": False}},
    }
    values.update(overrides)
    return RunInfo(**values)


def dataset(name: str = "raw", role: str = "input", **overrides: Any) -> DatasetVersion:
    values: dict[str, Any] = {
        "ref": DatasetRef("file:///data", name, DatasetKind.SOURCE),
        "role": role,
        "parameter": "df" if role == "input" else "return",
        "fingerprint": "xxh3:" + name,
        "row_count": 344,
        "schema": (("species", "object"), ("bill_length_mm", "float64")),
        "metrics": {
            "rowCount": 344,
            "bytes": 27_000,
            "columnMetrics": {
                "bill_length_mm": {"nullCount": 2, "min": 32.1, "max": 59.6, "sum": 15021.3},
                "species": {"nullCount": 0, "distinctCount": 3},
            },
        },
    }
    values.update(overrides)
    return DatasetVersion(**values)


def check(i: int = 0, *, passed: bool = True, **overrides: Any) -> CheckResult:
    values: dict[str, Any] = {
        "dataset": "raw",
        "check": f"in_range(0, {100 + i})",
        "column": f"col{i}",
        "severity": Severity.ERROR,
        "passed": passed,
        "failed_count": 0 if passed else 3,
        "sample": () if passed else (FailureCase("7", "-1.0"), FailureCase(None, "'x'")),
        "backend": "pandera",
        "row_level": True,
        "checked_count": 344,
        "expected": "0 <= x <= 100",
        "message": None if passed else "values out of range",
    }
    values.update(overrides)
    return CheckResult(**values)


def model_version(run_id: str, stage_run_id: str, **overrides: Any) -> ModelVersion:
    values: dict[str, Any] = {
        "name": "penguin-species",
        "version": 0,
        "framework": "sklearn",
        "model_class": "sklearn.ensemble.RandomForestClassifier",
        "hyperparameters": {"n_estimators": 100, "max_depth": None},
        "artifact_fingerprint": "sha256:deadbeef",
        "input_signature": (("bill_length_mm", "float64"),),
        "training_datasets": (dataset("clean", role="input"),),
        "metrics": {"accuracy": 0.97},
        "slices": {"sex=female": {"accuracy": 0.96}},
        "card": {"owners": ["ml-team"], "license": "Apache-2.0"},
        "run_id": run_id,
        "stage_run_id": stage_run_id,
        "created_at": T0,
    }
    values.update(overrides)
    return ModelVersion(**values)


def stage_result(run_id: str, stage: str = "clean", **overrides: Any) -> StageResult:
    started = datetime.now(UTC)
    values: dict[str, Any] = {
        "stage": stage,
        "run_id": run_id,
        "stage_run_id": new_id(),
        "status": Status.PASSED,
        "on_fail": OnFail.RAISE,
        "started_at": started,
        "ended_at": started + timedelta(milliseconds=42),
        "checks": tuple(check(i) for i in range(6)),
        "datasets": (dataset("raw", "input"), dataset("clean", "output")),
        "timings": {"input_gates": 0.01, "call": 0.02, "output_gates": 0.01, "metrics": 0.002},
        "row_counts": {"raw": 344, "clean": 342},
    }
    values.update(overrides)
    return StageResult(**values)


def full_stage_result(run_id: str) -> StageResult:
    """A StageResult with every field set to a non-default value."""
    sid = new_id()
    return stage_result(
        run_id,
        stage="train",
        stage_run_id=sid,
        status=Status.QUARANTINED,
        on_fail=OnFail.QUARANTINE,
        checks=(check(0), check(1, passed=False, severity=Severity.WARN, row_level=False)),
        quarantine=(QuarantineRecord("raw", 3, "/q/raw-1.parquet"),),
        error="ValueError: boom",
        params={"alpha": 0.5, "layers": [1, 2], "nested": {"a": None, "b": True}},
        metrics={"accuracy": 0.97, "loss": 1e-9, "count": 3},
        slices={"sex=female": {"accuracy": 0.96}, "island=Dream": {"accuracy": 0.9}},
        model=model_version(run_id, sid),
        models_used=(ModelRef("encoder", 2),),
        doc="Train the species classifier.",
    )
