"""govern: gates, lineage, audit reports and CI policies for the pipeline functions you have.

The public surface is exactly ``__all__`` (tests/test_public_api.py keeps it honest),
plus the subpackages ``govern.reports``, ``govern.lineage`` and ``govern.policies``,
loaded on first access. Heavy backends (pandera, Great Expectations, SQLAlchemy,
OpenLineage, Jinja2) are imported only when first used, so ``import govern`` stays cheap.
"""

import importlib
from types import ModuleType

from govern._version import __version__
from govern.checks.base import Check, CheckOutcome, Finding
from govern.config import Settings, configure, settings
from govern.datasets import (
    read_csv,
    read_parquet,
    read_spark_parquet,
    scan_parquet,
    source,
    spark_source,
)
from govern.decorator import stage
from govern.errors import (
    ConfigError,
    DataReadError,
    GateDefinitionError,
    GateError,
    GateWarning,
    GovernError,
    IntegrityError,
    LineageError,
    LineageWarning,
    MissingDependencyError,
    NotAFrameError,
    PolicyError,
    ReportError,
    StoreError,
    StoreLockedError,
    StoreWarning,
)
from govern.gates import Gate
from govern.models import model
from govern.runs import Run, run
from govern.runtime import last_result, log_metrics, log_params
from govern.types import (
    CheckResult,
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
    "Check",
    "CheckOutcome",
    "CheckResult",
    "ConfigError",
    "DataReadError",
    "DatasetKind",
    "DatasetRef",
    "DatasetVersion",
    "FailureCase",
    "Finding",
    "Gate",
    "GateDefinitionError",
    "GateError",
    "GateWarning",
    "GovernError",
    "IntegrityError",
    "LineageError",
    "LineageWarning",
    "MissingDependencyError",
    "ModelRef",
    "ModelVersion",
    "NotAFrameError",
    "OnFail",
    "Outcome",
    "PolicyError",
    "QuarantineRecord",
    "ReportError",
    "Run",
    "RunInfo",
    "RunStatus",
    "Settings",
    "Severity",
    "StageResult",
    "Status",
    "StoreError",
    "StoreLockedError",
    "StoreWarning",
    "__version__",
    "configure",
    "last_result",
    "log_metrics",
    "log_params",
    "model",
    "read_csv",
    "read_parquet",
    "read_spark_parquet",
    "run",
    "scan_parquet",
    "settings",
    "source",
    "spark_source",
    "stage",
]

_SUBPACKAGES = frozenset({"lineage", "policies", "reports"})


def __getattr__(name: str) -> ModuleType:
    # ``govern.reports.audit(...)`` works after a plain ``import govern`` without making
    # every import of govern pay for Jinja2 and OpenLineage.
    if name in _SUBPACKAGES:
        return importlib.import_module(f"govern.{name}")
    raise AttributeError(f"module 'govern' has no attribute {name!r}")
