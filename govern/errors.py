"""govern's exceptions and warnings. Every error govern raises derives from GovernError.

Hierarchy::

    GovernError
    ├── ConfigError(ValueError)            settings that cannot be used
    │   └── PolicyError                    a policy pack or schema file that cannot be used
    │                                      (names the file and line)
    ├── DataReadError                      `govern validate` cannot read its data file
    ├── GateDefinitionError(TypeError)     a gate declared or fed wrongly (names stage + parameter)
    │   ├── NotAFrameError                 a gated value is not a supported data frame
    │   ├── CheckEvaluationError           a backend raised while evaluating a check
    │   └── ContractError                  an ODCS contract that cannot be read or enforced
    │                                      (names the file and line)
    ├── GateError                          an error-severity check failed (carries .result)
    ├── LineageError                       a lineage node, event file or transport unusable
    ├── MissingDependencyError(ImportError)  an optional backend is not installed
    ├── ReportError                        a report cannot be built or rendered (scope, template)
    │   └── TemplateLimitError             a user template ran past its time or output bound
    ├── VersionNotFoundError(LookupError)  a dataset version named that the record does not hold
    └── StoreError                         the audit record could not be read or written
        ├── StoreLockedError               the store stayed locked past the busy timeout
        ├── StoreLocationError(ConfigError)  GOVERN_STORE / --store is not a usable location
        └── IntegrityError                 the hash chain does not verify

    GateWarning(UserWarning)               a failed check under on_fail="warn" or severity="warn"
    StoreWarning(UserWarning)              a record not written, under on_store_error="warn"
    LineageWarning(UserWarning)            lineage delivery misconfigured: events stay in the store
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govern.types import CheckResult, StageResult

__all__ = [
    "CheckEvaluationError",
    "ConfigError",
    "ContractError",
    "DataReadError",
    "GateDefinitionError",
    "GateError",
    "GateWarning",
    "GovernError",
    "IntegrityError",
    "LineageError",
    "LineageWarning",
    "MissingDependencyError",
    "NotAFrameError",
    "PolicyError",
    "ReportError",
    "StoreError",
    "StoreLocationError",
    "StoreLockedError",
    "StoreWarning",
    "TemplateLimitError",
    "VersionNotFoundError",
]

_SAMPLE_IN_MESSAGE = 3
_NOT_RUN_SHOWN = 8


class GovernError(Exception):
    """Root of every error govern raises."""


class ConfigError(GovernError, ValueError):
    """A setting (argument, GOVERN_* variable or [tool.govern] key) cannot be used."""


class PolicyError(ConfigError):
    """A policy pack (or a ``govern validate`` schema file) is malformed; names file and line.

    The message starts ``FILE:LINE:``; ``file`` and ``line`` also carry them (None where
    not known) for CI annotations.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.file = file
        self.line = line


class DataReadError(GovernError):
    """``govern validate`` cannot read its data file (corrupt, wrong format); names the file."""


class GateDefinitionError(GovernError, TypeError):
    """A gate is declared wrongly, or a gated parameter receives something it cannot check."""


class NotAFrameError(GateDefinitionError):
    """A gated argument or return value is not a pandas or polars data frame."""


class CheckEvaluationError(GateDefinitionError):
    """A backend raised while evaluating a check (an unset GX ``$PARAMETER``, an error).

    The message names stage, dataset and check; the backend's exception is ``__cause__``.
    """


class ContractError(GateDefinitionError):
    """An ODCS contract that cannot be read, is invalid, or has a rule govern cannot run."""


class LineageError(GovernError):
    """A lineage node, OpenLineage event file or transport configuration cannot be used."""


class MissingDependencyError(GovernError, ImportError):
    """An optional backend is needed but not installed; the message names the pip command."""


class ReportError(GovernError):
    """A report cannot be built or rendered: an unknown scope, or a template that fails."""


class TemplateLimitError(ReportError):
    """A user template ran past the time or output bound of one render."""


class VersionNotFoundError(GovernError, LookupError):
    """A dataset version (``--from``/``--to``) that names no recorded version, or several."""


class StoreError(GovernError):
    """The audit record could not be written or read."""


class StoreLockedError(StoreError):
    """The store stayed locked by another writer past the busy timeout."""


class StoreLocationError(StoreError, ConfigError):
    """The store location (GOVERN_STORE, ``--store``) is not a valid path or URL."""


class IntegrityError(StoreError):
    """A stored record does not match its hash: the store was changed outside govern."""


class GateError(GovernError):
    """An error-severity check failed in a stage with ``on_fail="raise"``.

    The stage's full result is in ``.result``; the audit record was written before this
    was raised.
    """

    def __init__(self, result: StageResult) -> None:
        self.result = result
        super().__init__(describe_failures(result))


class GateWarning(UserWarning):
    """A check failed without blocking the stage (warn severity, or on_fail="warn")."""


class LineageWarning(UserWarning):
    """Lineage delivery is misconfigured; events stay in the store (``govern lineage status``)."""


class StoreWarning(UserWarning):
    """A record could not be written and ``on_store_error = "warn"`` let the stage go on."""


def describe_check(check: CheckResult) -> str:
    """One line per failed check: dataset, column, check, failing count, a few cases."""
    where = f"column {check.column!r}" if check.column else "table"
    plural = "" if check.failed_count == 1 else "s"
    line = f"[{check.severity}] dataset {check.dataset!r}, {where}: {check.check} -- "
    if check.row_level:
        line += f"{check.failed_count} failing row{plural}"
    else:  # a failure of the table or column as a whole: no rows to count
        line += "failed" + (
            f" ({check.failed_count} failure cases)" if check.failed_count > 1 else ""
        )
    if check.checked_count and check.row_level:
        line += f" of {check.checked_count}"
    if check.sample:
        cases = ", ".join(
            f"{c.value} (index {c.index})" if c.index is not None else c.value
            for c in check.sample[:_SAMPLE_IN_MESSAGE]
        )
        line += f"; e.g. {cases}"
    if check.message and not check.sample:
        line += f"; {check.message}"
    return line


def describe_failures(result: StageResult) -> str:
    """The message of a GateError/GateWarning: the stage and every failed check."""
    failed = result.failed_checks
    head = f"stage {result.stage!r} ({result.status}): {len(failed)} check(s) failed"
    lines = [head, *(f"  - {describe_check(c)}" for c in failed)]
    not_run = result.not_run_checks
    if not_run:
        names = ", ".join(
            f"{c.column}: {c.check}" if c.column else c.check for c in not_run[:_NOT_RUN_SHOWN]
        )
        more = len(not_run) - _NOT_RUN_SHOWN
        lines.append(
            f"  {len(not_run)} check(s) not run: {names}"
            + (f", ... {more} more" if more > 0 else "")
        )
    lines.extend(
        f"  quarantined {q.rows} row(s) of {q.dataset!r} to {q.path}" for q in result.quarantine
    )
    return "\n".join(lines)
