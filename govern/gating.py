"""Running one dataset's gates inside a stage call: verdicts, quarantine, what goes on.

`GateCall` is the gate-running half of `govern.runtime`'s stage call: it turns each
backend Finding into a CheckResult (severity, ``mostly``, not-run checks, PII masking),
collects the failing rows by *position*, splits them off under ``on_fail="quarantine"``
and hands on the valid rows as the backend's ``validate`` returns them (``conform``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from govern.checks.base import Finding
from govern.checks.rows import positions_of
from govern.config import Settings
from govern.errors import GateDefinitionError
from govern.frames import FrameKind, frame_kind, row_count
from govern.gates import BoundGate
from govern.quarantine import file_digest, rejected_rows, safe_filename, split, write_rejected
from govern.types import (
    CheckResult,
    DatasetRef,
    FailureCase,
    OnFail,
    Outcome,
    QuarantineRecord,
    Severity,
)

__all__ = ["PII_MASK", "GateCall"]

log = logging.getLogger("govern")

PII_MASK = "<pii>"


class GateCall:
    """State a stage call's gates share; `govern.runtime._Call` extends it."""

    stage_name: str
    run_name: str
    run_id: str
    call_id: str
    on_fail: OnFail
    cfg: Settings
    checks: list[CheckResult]
    quarantine: list[QuarantineRecord]
    unquarantinable: bool

    def where(self, parameter: str) -> str:
        """The prefix of this call's error messages."""
        return f"stage {self.stage_name!r}, {parameter}"

    def run_gates(
        self, value: Any, gates: Sequence[BoundGate], ref: DatasetRef, label: str, parameter: str
    ) -> Any:
        """Run ``gates`` on one frame (each on the previous one's output); returns what goes on."""
        reasons: dict[Any, list[str]] = {}
        quarantining = self.on_fail is OnFail.QUARANTINE
        pii_index = _pii_index(value, self.cfg.pii_columns)
        current = value
        for gate in gates:
            try:
                outcome = gate.check.run(
                    current, want_index=quarantining, sample_size=self.cfg.sample_size
                )
            except GateDefinitionError as exc:
                raise type(exc)(f"{self.where(label)}: {exc}") from exc
            for finding in outcome.findings:
                result = self.verdict(finding, gate, ref, pii_index)
                self.checks.append(result)
                if not (result.blocking and quarantining):
                    continue
                rows = _failing_rows(current, finding)
                if rows is None:
                    self.unquarantinable = True
                    continue
                why = f"{finding.column}: {finding.check}" if finding.column else finding.check
                for row in rows:
                    reasons.setdefault(row, []).append(why)
            current = outcome.frame
        if reasons and not self.unquarantinable:
            current = self.quarantine_rows(current, reasons, ref, parameter)
            current = self.conform(current, gates, ref, pii_index)
        return current

    def conform(
        self, valid: Any, gates: Sequence[BoundGate], ref: DatasetRef, pii_index: bool
    ) -> Any:
        """The valid rows as each gate's backend returns them (pandera: coerced)."""
        for gate in gates:
            conform = getattr(gate.check, "conform", None)
            if conform is None:
                continue
            valid, blocking = conform(valid)
            known = {(c.dataset, c.column, c.check) for c in self.checks}
            for finding in blocking:
                result = self.verdict(finding, gate, ref, pii_index)
                if result.blocking:
                    self.unquarantinable = True
                    if (result.dataset, result.column, result.check) not in known:
                        self.checks.append(result)
        return valid

    def verdict(
        self, finding: Finding, gate: BoundGate, ref: DatasetRef, pii_index: bool = False
    ) -> CheckResult:
        """A Finding under the gate's severity and ``mostly``; samples masked for PII."""
        passed = finding.failed_count == 0 if finding.passed is None else finding.passed
        if not finding.ran:
            passed = False
        elif not passed and gate.mostly < 1.0 and finding.row_level and finding.checked_count:
            # the gate's tolerance: up to (1 - mostly) of the rows checked may fail
            passed = finding.failed_count <= (1.0 - gate.mostly) * finding.checked_count + 1e-9
        severity = (
            Severity.WARN
            if gate.severity is Severity.WARN
            else (finding.severity or Severity.ERROR)
        )
        pii = finding.column is not None and finding.column in self.cfg.pii_columns
        sample = () if pii else finding.sample
        if pii_index:
            sample = tuple(
                FailureCase(None if s.index is None else PII_MASK, s.value) for s in sample
            )
        return CheckResult(
            dataset=ref.name,
            check=finding.check,
            column=finding.column,
            severity=severity,
            passed=passed,
            failed_count=finding.failed_count,
            sample=sample,
            backend=gate.check.backend,
            row_level=finding.row_level,
            checked_count=finding.checked_count,
            expected=finding.expected,
            message=(
                "failure cases withheld: PII column" if pii and finding.sample else finding.message
            ),
            outcome=(
                Outcome.NOT_RUN
                if not finding.ran
                else (Outcome.PASSED if passed else Outcome.FAILED)
            ),
        )

    def quarantine_rows(
        self, frame: Any, reasons: Mapping[Any, list[str]], ref: DatasetRef, parameter: str
    ) -> Any:
        """Split off and write the rejected rows: one file per call, never overwritten."""
        valid, rejected = split(frame, reasons)
        path = (
            self.cfg.quarantine_dir
            / safe_filename(self.run_name)
            / self.run_id
            / f"{safe_filename(self.stage_name)}.{safe_filename(parameter)}.{self.call_id}.parquet"
        )
        write_rejected(rejected, path)
        rows = rejected_rows(rejected, path)  # lazy/Spark: read back, not recomputed
        self.quarantine.append(
            QuarantineRecord(dataset=ref.name, rows=rows, path=str(path), sha256=file_digest(path))
        )
        log.warning(
            "stage %r quarantined %d of %s row(s) of %r to %s",
            self.stage_name,
            rows,
            "?" if row_count(frame) is None else row_count(frame),
            ref.name,
            path,
        )
        return valid


def _failing_rows(frame: Any, finding: Finding) -> Sequence[Any] | None:
    """Positions (pandas, polars) or Spark predicates of the rows ``finding`` rejects.

    None when the failure cannot be pinned to rows. A backend that reports pandas index
    labels (``failing_index``) has them mapped to positions: exactly on an index that
    names each row once, else every row carrying a failing label.
    """
    if finding.failing_rows is not None:
        return finding.failing_rows
    labels = finding.failing_index
    if labels is None or frame_kind(frame) is not FrameKind.PANDAS:
        return labels
    exact = positions_of(frame.index, labels)
    if exact is not None:
        return exact
    import numpy as np

    return [int(p) for p in np.flatnonzero(frame.index.isin(list(labels)))]


def _pii_index(frame: Any, pii_columns: Sequence[str] | frozenset[str]) -> bool:
    """Whether a pandas frame's index (any level) is a PII column: its labels are values."""
    if not pii_columns or frame_kind(frame) is not FrameKind.PANDAS:
        return False
    return any(name is not None and str(name) in pii_columns for name in frame.index.names)
