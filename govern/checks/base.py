"""The extension point for check backends: one Protocol and the raw outcome it returns.

A backend reports what failed, row by row where it can; govern then applies the gate's
severity and ``mostly`` tolerance, decides the stage's verdict and quarantines rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from govern.jsonable import bounded_repr
from govern.types import FailureCase, Severity

__all__ = ["Check", "CheckOutcome", "Finding", "bounded_repr"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's raw result from a backend, before govern's severity and tolerance.

    Attributes:
        check: the check's name as the backend spells it (``in_range(0, 100)``,
            ``expect_column_values_to_not_be_null``).
        column: the column checked, or None for a table-level check.
        failed_count: failing rows (row-level) or failures (table-level).
        checked_count: rows the check looked at, when known.
        failing_index: index labels of failing rows (for quarantine), or None when the
            failure cannot be pinned to rows (missing column, wrong dtype). Superseded by
            ``failing_rows`` when that is given.
        failing_rows: 0-based positions of the failing rows in the frame the check ran on
            (exact on any index; `govern.engines.pandas_index` maps labels to positions).
        sample: a few failure cases, already bounded.
        passed: the backend's own verdict (a GX expectation's ``mostly`` may let a few
            failing rows pass); None means "passed iff nothing failed".
        severity: a severity the check itself declares (GX expectation severity), else None.
        expected: what the check expected, in words, when the backend says.
        message: the backend's message for failures that carry no sample.
        row_level: False for a failure of the table as a whole (missing column, wrong
            dtype, row count): it cannot be quarantined row by row.
        ran: False for a check that could not run (its column is missing): recorded as
            not run, never as passed.
        observed: the measured value, for a check of a measured value (`govern.Stable`).
        lower, upper: the range ``observed`` had to be in (None: that side is open).
    """

    check: str
    column: str | None
    failed_count: int
    checked_count: int | None = None
    failing_index: Sequence[Any] | None = None
    sample: tuple[FailureCase, ...] = ()
    passed: bool | None = None
    severity: Severity | None = None
    expected: str | None = None
    message: str | None = None
    row_level: bool = True
    ran: bool = True
    failing_rows: Sequence[int] | None = None
    observed: float | None = None
    lower: float | None = None
    upper: float | None = None


@dataclass(slots=True)
class CheckOutcome:
    """What a check returns: the frame to pass on (possibly coerced) and its findings.

    ``findings`` lists every check that was evaluated, failing or not, so that the record
    shows passed checks too.
    """

    frame: Any
    findings: list[Finding] = field(default_factory=list)


@runtime_checkable
class Check(Protocol):
    """A data check a gate runs on one frame.

    Contract: ``run`` validates ``frame`` and returns a CheckOutcome listing every check it
    evaluated. Data failures are findings, never exceptions; an exception means the check
    itself could not run (misdeclared schema, unsupported frame) and should be a
    ``GateDefinitionError``. With ``want_index`` the backend fills ``failing_index`` for
    row-level failures (govern needs it to quarantine); without it, it may skip that work.
    ``sample_size`` bounds each finding's sample.
    """

    name: str
    backend: str

    def run(self, frame: Any, *, want_index: bool, sample_size: int) -> CheckOutcome:
        """Validate ``frame`` and report every check evaluated."""
        ...
