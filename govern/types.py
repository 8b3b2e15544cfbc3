"""The records govern produces: frozen dataclasses and enums.

No I/O and no third-party imports here: every other layer (runtime, store, lineage,
reports, policies) speaks in these types.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "CheckResult",
    "ContractRef",
    "DatasetKind",
    "DatasetRef",
    "DatasetVersion",
    "FailureCase",
    "ModelRef",
    "ModelVersion",
    "OnFail",
    "Outcome",
    "QuarantineRecord",
    "RunInfo",
    "RunStatus",
    "Severity",
    "StageResult",
    "Status",
]


class Severity(enum.StrEnum):
    """How much a failed check matters: ``error`` blocks, ``warn`` only records."""

    ERROR = "error"
    WARN = "warn"


class Status(enum.StrEnum):
    """Outcome of one stage call, from best to worst."""

    PASSED = "passed"
    WARNED = "warned"
    QUARANTINED = "quarantined"
    FAILED = "failed"


class Outcome(enum.StrEnum):
    """What happened to one check: it ran and passed, ran and failed, or never ran.

    A check that did not run (its column is missing, too little history) is not passed.
    """

    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not_run"


class OnFail(enum.StrEnum):
    """What a stage does when an error-severity check fails."""

    RAISE = "raise"
    WARN = "warn"
    QUARANTINE = "quarantine"


class RunStatus(enum.StrEnum):
    """Lifecycle of a pipeline run."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    ABORTED = "aborted"


class DatasetKind(enum.StrEnum):
    """Where a dataset's identity came from."""

    SOURCE = "source"  # declared with govern.source / read_csv / read_parquet
    STAGE_OUTPUT = "stage_output"  # returned by a stage of the same run
    ANONYMOUS = "anonymous"  # an in-memory frame nobody named
    DERIVED = "derived"  # derived in-process from named datasets (an implicit step)
    MODEL = "model"  # a model version (govern.model)


@dataclass(frozen=True, slots=True)
class DatasetRef:
    """A dataset's identity in OpenLineage naming (namespace + name)."""

    namespace: str
    name: str
    kind: DatasetKind = DatasetKind.ANONYMOUS

    @property
    def qualified_name(self) -> str:
        """``namespace:name`` -- unique across namespaces, used in messages."""
        return f"{self.namespace}:{self.name}"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class FailureCase:
    """One failing value: where it is (index label) and what it was (bounded repr)."""

    index: str | None
    value: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict of one check on one dataset.

    ``passed`` is govern's verdict after the gate's ``mostly`` tolerance, not the
    backend's raw success flag. ``failed_count`` counts failing rows (or 1 for a
    table-level failure such as a missing column, where ``row_level`` is False).
    ``outcome`` is ``passed``/``failed`` from ``passed`` unless given; a check that never
    ran is ``not_run`` (``passed`` False, ``failed_count`` 0, never blocking).
    A check of a measured value (`govern.Stable`) gives it as ``observed`` and its
    allowed range as ``lower`` / ``upper`` (None: that side is open).
    """

    dataset: str
    check: str
    column: str | None
    severity: Severity
    passed: bool
    failed_count: int
    sample: tuple[FailureCase, ...] = ()
    backend: str = ""
    row_level: bool = True
    checked_count: int | None = None
    expected: str | None = None
    message: str | None = None
    outcome: Outcome | None = None
    observed: float | None = None
    lower: float | None = None
    upper: float | None = None

    def __post_init__(self) -> None:
        if self.outcome is None:
            derived = Outcome.PASSED if self.passed else Outcome.FAILED
            object.__setattr__(self, "outcome", derived)
        elif type(self.outcome) is not Outcome:  # a member needs no (slow) Enum call
            object.__setattr__(self, "outcome", Outcome(self.outcome))

    @property
    def blocking(self) -> bool:
        """True when this failure must stop (or quarantine) the stage."""
        return self.outcome is Outcome.FAILED and self.severity is Severity.ERROR


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """Rows a gate rejected from one dataset, and the Parquet file holding them.

    ``sha256`` is the hex SHA-256 of the file's bytes (`govern.quarantine.file_digest`; a
    Spark directory hashes its files in name order); ``govern verify`` checks it.
    """

    dataset: str
    rows: int
    path: str
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class ContractRef:
    """The data contract (ODCS) a dataset version was gated with, as the record keeps it.

    ``id``, ``version`` and ``schema`` (the schema object's name) identify it; ``owners``
    ((name, role) pairs from the contract's team), ``tags`` (the contract's and the schema
    object's) and ``description`` are what lineage emits about the dataset from it.
    """

    id: str
    version: str
    schema: str
    owners: tuple[tuple[str, str | None], ...] = ()
    tags: tuple[str, ...] = ()
    description: str | None = None

    @property
    def label(self) -> str:
        """``odcs:<id>@<version>/<schema>``, as checks of the contract name their backend."""
        return f"odcs:{self.id}@{self.version}/{self.schema}"


@dataclass(frozen=True, slots=True)
class DatasetVersion:
    """One gated dataset as seen by one stage call.

    ``role`` is ``input`` or ``output``; ``parameter`` the argument name, or ``return``
    / ``return[0]`` / ``return['key']`` for outputs. ``metrics`` is shaped like
    OpenLineage's dataQualityMetrics facet (rowCount, bytes, columnMetrics).
    ``summary`` is the mergeable summary monitoring reads (the JSON form of a
    `govern.monitoring.summary.DatasetSummary`), None when none was computed.
    """

    ref: DatasetRef
    role: str
    parameter: str
    fingerprint: str | None
    row_count: int | None
    schema: tuple[tuple[str, str], ...] = ()
    metrics: Mapping[str, Any] | None = None
    summary: Mapping[str, Any] | None = None
    contract: ContractRef | None = None  # the data contract it was gated with, if any


@dataclass(frozen=True, slots=True)
class StageResult:
    """Everything one call of a governed stage did.

    ``timings`` holds seconds per phase (``input_gates``, ``call``, ``output_gates``,
    ``metrics``, ``record``); ``row_counts`` rows in and out per dataset name.
    """

    stage: str
    run_id: str
    stage_run_id: str
    status: Status
    on_fail: OnFail
    started_at: datetime
    ended_at: datetime
    checks: tuple[CheckResult, ...] = ()
    quarantine: tuple[QuarantineRecord, ...] = ()
    datasets: tuple[DatasetVersion, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    row_counts: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)
    slices: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    model: ModelVersion | None = None
    models_used: tuple[ModelRef, ...] = ()
    doc: str | None = None

    @property
    def duration_s(self) -> float:
        """Wall time of the whole call, gates included."""
        return (self.ended_at - self.started_at).total_seconds()

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        """Checks that ran and failed, whatever their severity."""
        return tuple(c for c in self.checks if c.outcome is Outcome.FAILED)

    @property
    def gated(self) -> bool:
        """False for a call that ran no check at all: it "passed" nothing."""
        return bool(self.checks)

    @property
    def not_run_checks(self) -> tuple[CheckResult, ...]:
        """Checks that could not run (e.g. their column is missing): never passed."""
        return tuple(c for c in self.checks if c.outcome is Outcome.NOT_RUN)

    @property
    def passed(self) -> bool:
        """True unless the stage failed."""
        return self.status is not Status.FAILED

    def _repr_html_(self) -> str:
        # Jupyter display; rendering lives in govern.reports, imported only when shown
        from govern.reports.notebook import stage_html

        return stage_html(self)


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A model version by name: ``name@version``."""

    name: str
    version: int

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """A model a stage produced, as recorded.

    ``version`` is assigned by the store (auto-increments per name) unless the stage's
    ``govern.model(..., version=N)`` fixed it; it is 0 until recorded.
    ``training_datasets`` are the stage's frame inputs, with their versions (ungated
    ones profiled too); ``evaluation_datasets`` those it evaluated on (the parameters
    ``govern.model(evaluation=...)`` names, or by default those named like test or
    validation splits), kept apart from the training data; ``params`` what the stage
    logged with ``govern.log_params`` (redacted).
    """

    name: str
    version: int
    framework: str | None
    model_class: str | None
    hyperparameters: Mapping[str, Any]
    artifact_fingerprint: str | None
    input_signature: tuple[tuple[str, str], ...]
    training_datasets: tuple[DatasetVersion, ...]
    metrics: Mapping[str, Any]
    slices: Mapping[str, Mapping[str, Any]]
    card: Mapping[str, Any]
    run_id: str
    stage_run_id: str
    created_at: datetime
    params: Mapping[str, Any] = field(default_factory=dict)
    evaluation_datasets: tuple[DatasetVersion, ...] = ()

    @property
    def ref(self) -> ModelRef:
        """This version as a ModelRef."""
        return ModelRef(self.name, self.version)

    def _repr_html_(self) -> str:
        # Jupyter display; rendering lives in govern.reports, imported only when shown
        from govern.reports.notebook import model_html

        return model_html(self)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One pipeline run as recorded (what ``govern runs`` lists).

    ``environment`` holds git commit and dirty flag, Python and package versions, host,
    user, command line and CI job id, as captured when the run opened.
    """

    id: str
    name: str
    namespace: str
    status: RunStatus
    started_at: datetime
    ended_at: datetime | None = None
    pid: int | None = None
    host: str | None = None
    environment: Mapping[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        # Jupyter display of the run itself (its stages: govern.reports.audit)
        from govern.reports.notebook import run_html

        return run_html(self, None)
