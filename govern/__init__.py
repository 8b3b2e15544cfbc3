"""govern: gates, lineage, audit reports and CI policies for the pipeline functions you have.

The public surface is exactly ``__all__`` (tests/test_public_api.py keeps it honest),
plus the subpackages ``govern.reports``, ``govern.lineage`` and ``govern.policies``,
loaded on first access. Heavy backends (pandera, Great Expectations, SQLAlchemy,
OpenLineage, Jinja2) are imported only when first used, so ``import govern`` stays cheap.
"""

import importlib
import logging
from typing import TYPE_CHECKING, Any

from govern._version import __version__
from govern.checks.base import Check, CheckOutcome, Finding
from govern.collect import last_result, log_metrics, log_params
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
    CheckEvaluationError,
    ConfigError,
    ContractError,
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
from govern.monitoring.stable import Stable
from govern.runs import Run, run
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
    "CheckEvaluationError",
    "CheckOutcome",
    "CheckResult",
    "ConfigError",
    "Contract",
    "ContractError",
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
    "Stable",
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

# A library never configures logging: without a handler of the application's, records
# would reach logging's last-resort stderr handler (a red block in Jupyter).
logging.getLogger("govern").addHandler(logging.NullHandler())

_SUBPACKAGES = frozenset({"lineage", "policies", "reports"})


# public names loaded on first access (contract gates need YAML and JSON Schema tooling)
_LAZY_CLASSES = frozenset({"Contract"})

if TYPE_CHECKING:
    from govern.contracts.gate import Contract


def __getattr__(name: str) -> Any:
    # ``govern.reports.audit(...)`` works after a plain ``import govern`` without making
    # every import of govern pay for Jinja2 and OpenLineage; contracts likewise.
    if name in _SUBPACKAGES:
        return importlib.import_module(f"govern.{name}")
    if name in _LAZY_CLASSES:
        from govern.contracts.gate import Contract

        return Contract
    raise AttributeError(f"module 'govern' has no attribute {name!r}")
