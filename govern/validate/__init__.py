"""``govern validate``: check a data file against a schema or suite, no Python needed.

The file (CSV, Parquet or JSON lines) is read in chunks; every chunk runs through the
same check backends as a governed stage (``PanderaCheck``, ``GXCheck``). Every answer is
the backend's own on the whole file: row-wise checks are summed over chunks, and checks
that need every row at once (``unique``, compound unique, row counts, a mean, a GX
``mostly``) run once on the columns they need, gathered in the same pass
(`govern.validate.plan`). A table-level failure (a missing column, a wrong dtype) is
reported once, not once per chunk.

The result is an :class:`~govern.policies.model.Evaluation` (one verdict per check,
pointing at the line of the schema file that declared it), rendered by the same
formats as ``govern check``. When the configured store exists (or ``record=True``), the
validation is recorded as a run of pipeline ``validate`` with one stage, ``validate``,
through govern's own run machinery: the file is a source dataset whose version is the
SHA-256 of its bytes.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from govern.checks.base import Check, Finding
from govern.config import settings
from govern.errors import (
    CheckEvaluationError,
    ConfigError,
    DataReadError,
    GateDefinitionError,
    GovernError,
    describe_check,
)
from govern.policies.loader import display_path
from govern.policies.model import Evaluation, Verdict, VerdictStatus
from govern.types import (
    CheckResult,
    DatasetKind,
    DatasetVersion,
    FailureCase,
    OnFail,
    Outcome,
    Severity,
    StageResult,
    Status,
)
from govern.validate.plan import plan_for
from govern.validate.reader import ProgressMode, data_format, file_digest, read_chunks
from govern.validate.schema import LoadedSchema, load_schema

__all__ = ["DataReadError", "merge_evaluations", "validate_file"]


@dataclass
class _Tally:
    """One check's findings summed over chunks."""

    check: str
    column: str | None
    failed: int = 0
    checked: int | None = 0
    passed: bool = True
    severity: Severity | None = None
    row_level: bool = True
    expected: str | None = None
    message: str | None = None
    sample: list[FailureCase] = field(default_factory=list)
    ran: bool = True

    def add(self, finding: Finding, sample_size: int) -> None:
        self.ran = self.ran and finding.ran
        if finding.row_level:
            self.failed += finding.failed_count
        else:  # a missing column or wrong dtype fails every chunk: it is one failure
            self.failed = max(self.failed, finding.failed_count)
        if finding.checked_count is None or self.checked is None:
            self.checked = None
        else:
            self.checked += finding.checked_count
        passed = finding.failed_count == 0 if finding.passed is None else finding.passed
        self.passed = self.passed and passed
        self.severity = self.severity or finding.severity
        self.row_level = self.row_level and finding.row_level
        self.expected = self.expected or finding.expected
        self.message = self.message or finding.message
        room = sample_size - len(self.sample)
        if room > 0 and (finding.row_level or not self.sample):  # table-level: once
            self.sample.extend(finding.sample[:room])

    def result(self, dataset: str, backend: str, pii: Iterable[str]) -> CheckResult:
        hidden = self.column is not None and self.column in set(pii)
        return CheckResult(
            dataset=dataset,
            check=self.check,
            column=self.column,
            severity=self.severity or Severity.ERROR,
            passed=self.passed,
            failed_count=self.failed,
            sample=() if hidden else tuple(self.sample),
            backend=backend,
            row_level=self.row_level,
            checked_count=self.checked,
            expected=self.expected,
            message="failure cases withheld: PII column"
            if hidden and self.sample
            else self.message,
            outcome=None if self.ran else Outcome.NOT_RUN,
        )


def _store_exists() -> bool:
    from govern.errors import StoreError
    from govern.store import open_store

    try:
        open_store(create=False).close()
    except StoreError:
        return False
    return True


def validate_file(
    data: Path | str,
    schema: Path | str,
    *,
    fail_on: Severity | str = Severity.ERROR,
    chunk_rows: int | None = 100_000,
    progress: ProgressMode | bool = False,
    record: bool | None = None,
    pipeline: str = "validate",
) -> Evaluation:
    """Validate a data file against a schema file.

    Args:
        data: a CSV (.csv, .tsv), Parquet (.parquet) or JSON lines (.jsonl, .ndjson)
            file.
        schema: a pandera schema (.yaml/.yml/.json, pandera's io format) or a Great
            Expectations suite (.json).
        fail_on: ``error`` (default) or ``warn``: the least severity that fails.
        chunk_rows: rows per chunk; None reads the whole file at once.
        progress: ``"bar"`` (or True) draws a progress bar on stderr; ``"lines"`` logs a
            line to the ``govern.progress`` logger every few seconds (for CI logs).
        record: record the validation as a run; None means "when the configured store
            already exists".
        pipeline: the recorded run's pipeline name.

    Raises:
        PolicyError: the schema file is missing or malformed (names file and line).
        ConfigError: the data file does not exist.
        DataReadError: the data file cannot be read.
        StoreError: the run could not be recorded (under ``on_store_error = "raise"``).
    """
    data, schema = Path(data), Path(schema)
    level = Severity(fail_on)
    loaded = load_schema(schema)
    if not data.is_file():
        raise ConfigError(f"{data}: no such data file")
    data_format(data)  # an unknown suffix fails before any work
    cfg = settings()
    started = datetime.now(UTC)
    clock = time.perf_counter()
    tallies: dict[tuple[str | None, str], _Tally] = {}
    rows = 0
    columns: tuple[tuple[str, str], ...] = ()
    chunks = read_chunks(data, chunk_rows=chunk_rows, progress=progress)
    ahead = list(itertools.islice(chunks, 2))
    # one chunk: the schema's own check, as it is; more: row-wise checks per chunk and
    # whole-table checks once over the columns they need (exact, see validate/plan.py)
    plan = plan_for(loaded.check) if len(ahead) > 1 else None
    parts: list[Any] = []
    for chunk in itertools.chain(ahead, chunks):
        frame = loaded.harmonise(chunk)
        if not columns:
            columns = tuple((str(c), str(t)) for c, t in frame.dtypes.items())
        check = loaded.check if plan is None else plan.chunked
        outcome = _run(check, frame, data, loaded, cfg.sample_size)
        _tally(tallies, outcome.findings, cfg.sample_size)
        if plan is not None and plan.whole is not None:
            parts.append(frame[plan.columns(frame.columns)])
        rows += len(frame)
    if plan is not None and plan.whole is not None:
        import pandas as pd

        whole = pd.concat(parts) if len(parts) > 1 else parts[0]
        parts.clear()
        outcome = _run(plan.whole, whole, data, loaded, cfg.sample_size)
        _tally(tallies, outcome.findings, cfg.sample_size, again=False)
    from govern.datasets import dataset_ref_for_uri

    ref = dataset_ref_for_uri(str(data), kind=DatasetKind.SOURCE)
    # in schema order, whether the file came in one chunk or many
    ordered = sorted(
        tallies.values(),
        key=lambda t: (loaded.line_of(t.column, t.check), t.column or "", t.check),
    )
    results = [t.result(ref.name, loaded.check.backend, cfg.pii_columns) for t in ordered]
    run_id: str | None = None
    if record or (record is None and _store_exists()):
        version = DatasetVersion(
            ref=ref,
            role="input",
            parameter="data",
            fingerprint=file_digest(data),
            row_count=rows,
            schema=columns,
        )
        run_id = _record(pipeline, loaded, results, version, started, time.perf_counter() - clock)
    return _evaluation(loaded, level, results, display_path(data), rows, run_id)


def _evaluation(
    loaded: LoadedSchema,
    level: Severity,
    results: Sequence[CheckResult],
    target: str,
    rows: int | None,
    run_id: str | None,
    **extra: Any,
) -> Evaluation:
    """The verdicts of one validated file or table, as ``govern check`` reports them."""
    return Evaluation(
        title="govern validate",
        evaluated_at=datetime.now(UTC),
        policies=(loaded.file,),
        fail_on=level,
        # a check that could not run (its column is missing) is no verdict of its own: the
        # missing column is the failure, named once (and the record keeps them as not run)
        verdicts=tuple(
            _verdict(r, loaded, target, run_id) for r in results if r.outcome is not Outcome.NOT_RUN
        ),
        runs=(run_id,) if run_id else (),
        extra={
            "data": target,
            **extra,
            "schema": loaded.file,
            "schema_kind": loaded.kind,
            "rows": rows,
            "recorded_run": run_id,
        },
    )


def _run(check: Check, frame: Any, data: Path, loaded: LoadedSchema, sample_size: int) -> Any:
    """``check.run`` on a chunk; a backend's own exception names the file and schema."""
    try:
        return check.run(frame, want_index=False, sample_size=sample_size)
    except GateDefinitionError as exc:  # its subclasses all take one message
        raise type(exc)(f"{data}: {loaded.kind} schema {loaded.file}: {exc}") from exc
    except GovernError:
        raise
    except Exception as exc:  # pandera/GX raise many kinds on data they cannot check
        raise CheckEvaluationError(
            f"{data}: {loaded.kind} schema {loaded.file} could not be evaluated: "
            f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
        ) from exc


def _tally(
    tallies: dict[tuple[str | None, str], _Tally],
    findings: Iterable[Finding],
    sample_size: int,
    *,
    again: bool = True,
) -> None:
    """Add findings to their check's tally.

    ``again=False``: a passed finding of a check already tallied (a column's presence,
    seen chunk by chunk) is not counted twice.
    """
    for finding in findings:
        key = (finding.column, finding.check)
        known = key in tallies
        if known and not again and finding.failed_count == 0:
            continue
        tallies.setdefault(key, _Tally(finding.check, finding.column)).add(finding, sample_size)


def merge_evaluations(evaluations: list[Evaluation]) -> Evaluation:
    """One Evaluation of several files (``govern validate a.csv b.csv``).

    The verdicts and runs of each, in order; ``extra`` is the single file's, or
    ``{"files": [...], "rows": total}``.
    """
    if len(evaluations) == 1:
        return evaluations[0]
    first = evaluations[0]
    return Evaluation(
        title=first.title,
        evaluated_at=evaluations[-1].evaluated_at,
        policies=tuple(dict.fromkeys(p for e in evaluations for p in e.policies)),
        fail_on=first.fail_on,
        verdicts=tuple(v for e in evaluations for v in e.verdicts),
        runs=tuple(r for e in evaluations for r in e.runs),
        extra={
            "files": [dict(e.extra) for e in evaluations],
            "rows": sum(int(e.extra.get("rows", 0)) for e in evaluations),
        },
    )


def _verdict(result: CheckResult, loaded: LoadedSchema, target: str, run_id: str | None) -> Verdict:
    rule = f"{result.column}: {result.check}" if result.column else result.check
    if result.passed:
        checked = f" on {result.checked_count} row(s)" if result.checked_count else ""
        message = f"passed{checked}"
    else:
        message = describe_check(result)
    return Verdict(
        rule=rule,
        description=f"{loaded.kind} {loaded.name}",
        severity=result.severity,
        target=target,
        status=VerdictStatus.PASS if result.passed else VerdictStatus.FAIL,
        message=message,
        file=loaded.file,
        line=loaded.line_of(result.column, result.check),
        run_id=run_id,
    )


def _record(
    pipeline: str,
    loaded: LoadedSchema,
    results: list[CheckResult],
    version: DatasetVersion,
    started: datetime,
    seconds: float,
) -> str:
    """Record the validation as one run with one stage; returns the run id."""
    from govern.ids import uuid7
    from govern.runs import open_run

    failed = [r for r in results if not r.passed]
    if any(r.severity is Severity.ERROR for r in failed):
        status = Status.FAILED
    elif failed:
        status = Status.WARNED
    else:
        status = Status.PASSED
    with open_run(pipeline) as run:
        result = StageResult(
            stage="validate",
            run_id=run.id,
            stage_run_id=uuid7(),
            status=status,
            on_fail=OnFail.RAISE,
            started_at=started,
            ended_at=datetime.now(UTC),
            checks=tuple(results),
            datasets=(version,),
            timings={"validate": seconds},
            row_counts={"input:data": version.row_count or 0},
            params=_params(loaded),
            doc=f"govern validate {version.ref.name} --schema {loaded.file}",
        )
        run.record(result)
        return run.id


def _params(loaded: LoadedSchema) -> dict[str, Any]:
    return {"schema": loaded.file, "schema_kind": loaded.kind, "schema_name": loaded.name}
