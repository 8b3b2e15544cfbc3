"""govern: gates, lineage, audit reports and CI policies for the pipeline functions you have.

The public surface is exactly ``__all__`` (tests/test_public_api.py keeps it honest).
Heavy backends (pandera, Great Expectations, SQLAlchemy, OpenLineage) are imported only
when first used, so ``import govern`` stays cheap.
"""

from govern._version import __version__
from govern.checks.base import Check, CheckOutcome, Finding
from govern.config import Settings, configure, settings
from govern.datasets import read_csv, read_parquet, source
from govern.decorator import stage
from govern.errors import (
    ConfigError,
    GateDefinitionError,
    GateError,
    GateWarning,
    GovernError,
    IntegrityError,
    MissingDependencyError,
    NotAFrameError,
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
    "MissingDependencyError",
    "ModelRef",
    "ModelVersion",
    "NotAFrameError",
    "OnFail",
    "QuarantineRecord",
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
    "run",
    "settings",
    "source",
    "stage",
]
