"""Running one dataset's gates inside a stage call: verdicts, quarantine, what goes on.

`GateCall` is the gate-running half of `govern.runtime`'s stage call: it turns each
backend Finding into a CheckResult (severity, ``mostly``, not-run checks, PII masking),
collects the failing rows by *position*, splits them off under ``on_fail="quarantine"``
and hands on the valid rows as the backend's ``validate`` returns them (``conform``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from govern.checks.base import Finding
from govern.config import Settings
from govern.engines import engine_for
from govern.errors import CheckEvaluationError, GateDefinitionError
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

if TYPE_CHECKING:
    from govern.monitoring.summary import DatasetSummary

__all__ = ["PII_MASK", "GateCall"]

log = logging.getLogger("govern")

PII_MASK = "<pii>"
_ROUNDS = 3  # re-validations of the rest after quarantine (coercion can hide failures)


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
    started: datetime
    role: str = "input"  # of the frame being gated: "input" or "output"
    watching: bool = False  # a Stable gate is on the frame being gated
    summaries: dict[int, tuple[Any, DatasetSummary | None]]

    def summary_of(self, frame: Any, *, deferred: bool = False) -> DatasetSummary | None:
        """The frame's monitoring summary, computed once per call.

        None when summaries are off (``summaries = "off"``), for a deferred frame
        (Polars lazy, Spark) unless ``deferred`` (a Stable gate asks: its plan runs once
        more), or when it cannot be computed (logged: the stage goes on).
        """
        if not hasattr(self, "summaries"):
            self.summaries = {}
        known = self.summaries.get(id(frame))
        if known is not None and known[0] is frame and (known[1] is not None or not deferred):
            return known[1]
        engine = engine_for(frame)
        if self.cfg.summaries == "off" or (not deferred and engine is not None and engine.deferred):
            return None
        from govern.monitoring.frames import summarize_frame
        from govern.monitoring.privacy import scrub

        started = time.perf_counter()
        try:
            summary = scrub(
                summarize_frame(frame, "full" if self.cfg.summaries == "full" else "sample"),
                self.cfg.pii_columns,
            )
        except Exception as exc:  # a summary is for monitoring: it never fails the stage
            log.warning("%s: no monitoring summary: %s", self.where("summary"), exc)
            summary = None
        timings = getattr(self, "timings", None)
        if timings is not None:
            timings["summary"] = timings.get("summary", 0.0) + time.perf_counter() - started
        self.summaries[id(frame)] = (frame, summary)  # the frame kept: its id stays its own
        return summary

    def where(self, parameter: str) -> str:
        """The prefix of this call's error messages."""
        return f"stage {self.stage_name!r}, {parameter}"

    def run_gates(
        self, value: Any, gates: Sequence[BoundGate], ref: DatasetRef, label: str, parameter: str
    ) -> Any:
        """Run ``gates`` on one frame (each on the previous one's output); returns what goes on."""
        reasons: dict[Any, list[str]] = {}
        unpinned: set[tuple[int, str | None, str]] = set()  # blocking, no row to blame
        quarantining = self.on_fail is OnFail.QUARANTINE
        pii_index = _pii_index(value, self.cfg.pii_columns)
        current = value
        for number, gate in enumerate(gates):
            in_stage = getattr(gate.check, "run_in_stage", None)  # checks that read the record
            try:
                if in_stage is not None:
                    outcome = in_stage(current, ref, self)
                else:
                    outcome = gate.check.run(
                        current, want_index=quarantining, sample_size=self.cfg.sample_size
                    )
            except CheckEvaluationError as exc:  # the backend's own exception stays the cause
                raise CheckEvaluationError(
                    f"{self.where(label)}, dataset {ref.name!r}: {exc}"
                ) from exc.__cause__
            except GateDefinitionError as exc:
                raise type(exc)(f"{self.where(label)}: {exc}") from exc
            log.debug(
                "%s: %s gate %s ran %d check(s), %d failing",
                self.where(label),
                gate.check.backend,
                getattr(gate.check, "name", "?"),
                len(outcome.findings),
                sum(1 for f in outcome.findings if f.failed_count),
            )
            for finding in outcome.findings:
                result = self.verdict(finding, gate, ref, pii_index)
                self.checks.append(result)
                if not (result.blocking and quarantining):
                    continue
                rows = _failing_rows(current, finding)
                if rows is None:
                    unpinned.add((number, finding.column, finding.check))
                    continue
                for row in rows:
                    reasons.setdefault(row, []).append(_why(finding))
            current = outcome.frame
        if not (reasons or unpinned) or self.unquarantinable:
            return current
        valid, settled = self.settle(current, reasons, unpinned, gates, ref, pii_index)
        if reasons:
            self.quarantine_rows(current, reasons, ref, parameter)
        # a failure no row explains blocks, unless it only followed from the rows set
        # aside (a value that could not be coerced) and the rest validates
        self.unquarantinable = not settled
        return valid

    def settle(
        self,
        frame: Any,
        reasons: dict[Any, list[str]],
        unpinned: set[tuple[int, str | None, str]],
        gates: Sequence[BoundGate],
        ref: DatasetRef,
        pii_index: bool,
    ) -> tuple[Any, bool]:
        """The rows that go on (as each backend's ``conform`` returns them), and whether they may.

        A check that could not run on the whole frame (its column failed coercion) runs
        on the rest: the rows it fails there are blamed too (``reasons`` grows), for a
        few rounds. Any failure of the table as a whole that remains means no.
        """
        for _ in range(_ROUNDS):
            valid = split(frame, reasons)[0] if reasons else frame
            kept: list[int] | None = None
            more: dict[int, list[str]] = {}
            for number, gate in enumerate(gates):
                conform = getattr(gate.check, "conform", None)
                done = None if conform is None else conform(valid)
                if done is None:
                    return valid, not unpinned  # the backend cannot re-validate
                valid, remaining = done
                for finding in remaining:
                    result = self.verdict(finding, gate, ref, pii_index)
                    if not result.blocking:
                        continue
                    rows = _failing_rows(valid, finding)
                    if rows is None or (number, finding.column, finding.check) not in unpinned:
                        if rows is None:
                            self._note(result)
                            return valid, False
                        continue  # judged on the whole frame already (mostly)
                    kept = kept if kept is not None else _kept(frame, reasons)
                    if kept is None:
                        return valid, False
                    for row in rows:
                        more.setdefault(kept[int(row)], []).append(_why(finding))
            if not more:
                return valid, True
            for row, why in more.items():
                reasons.setdefault(row, []).extend(why)
        return valid, False

    def _note(self, result: CheckResult) -> None:
        """Record a failure found only on the rows that would go on."""
        if not any(
            (c.dataset, c.column, c.check) == (result.dataset, result.column, result.check)
            for c in self.checks
        ):
            self.checks.append(result)

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
            observed=finding.observed,
            lower=finding.lower,
            upper=finding.upper,
        )

    def quarantine_rows(
        self, frame: Any, reasons: Mapping[Any, list[str]], ref: DatasetRef, parameter: str
    ) -> Any:
        """Split off and write the rejected rows (one file per call); returns the valid rows."""
        valid, rejected = split(frame, reasons)
        to_table = getattr(engine_for(frame), "write_rejected_table", None)
        if to_table is not None and self.cfg.sql_quarantine == "table":
            # a SQL engine: a table in the same database, named like the Parquet file
            label = f"{self.stage_name}.{parameter}.{self.call_id}"
            location, rows = to_table(rejected, label)
            self.quarantine.append(
                QuarantineRecord(dataset=ref.name, rows=rows, path=location, sha256=None)
            )
            log.warning(
                "stage %r quarantined %d row(s) of %r to %s",
                self.stage_name,
                rows,
                ref.name,
                location,
            )
            return valid
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
            "?" if _rows(frame) is None else _rows(frame),
            ref.name,
            path,
        )
        return valid


def _why(finding: Finding) -> str:
    return f"{finding.column}: {finding.check}" if finding.column else finding.check


def _kept(frame: Any, reasons: Mapping[Any, list[str]]) -> list[int] | None:
    """Positions of ``frame`` not in ``reasons``; None for a deferred frame (no length)."""
    rows = _rows(frame)
    if rows is None:
        return None
    return [p for p in range(rows) if p not in reasons]


def _failing_rows(frame: Any, finding: Finding) -> Sequence[Any] | None:
    """Positions (pandas, polars) or Spark predicates of the rows ``finding`` rejects.

    None when the failure cannot be pinned to rows. A backend that reports pandas index
    labels (``failing_index``) has them mapped to positions: exactly on an index that
    names each row once, else every row carrying a failing label.
    """
    if finding.failing_rows is not None:
        return finding.failing_rows
    labels = finding.failing_index
    engine = engine_for(frame)
    if labels is None or engine is None:
        return labels
    return engine.rows_for_labels(frame, labels)


def _pii_index(frame: Any, pii_columns: Sequence[str] | frozenset[str]) -> bool:
    """Whether a pandas frame's index (any level) is a PII column: its labels are values."""
    engine = engine_for(frame)
    if not pii_columns or engine is None:
        return False
    return any(name in pii_columns for name in engine.index_names(frame))


def _rows(frame: Any) -> int | None:
    """Rows of an eager frame; None where counting would run a query (lazy, Spark)."""
    engine = engine_for(frame)
    return None if engine is None else engine.row_count(frame)
