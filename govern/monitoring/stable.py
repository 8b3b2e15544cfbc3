"""``govern.Stable``: a gate that learns what a dataset looks like from the record's history.

Declared like any gate (``outputs=[Clean, govern.Stable()]``, ``inputs={"x": ...}``,
``govern.Gate(govern.Stable(), severity="warn")``). Inside a stage call it summarises
the frame once (govern.monitoring.frames), reads the summaries of the same dataset's
last ``window`` versions from the record (one indexed range read) and judges each metric
and column against bounds learned from them (govern.monitoring.rules); with
``against=govern.model(...)`` it compares the frame with that model version's training
data instead (govern.monitoring.reference). One finding per metric x column; too little
history gives findings that did not run, never passes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from govern.checks.base import CheckOutcome, Finding
from govern.config import Settings
from govern.errors import GateDefinitionError, GovernError
from govern.models import ModelSpec
from govern.monitoring.bounds import alpha_for
from govern.monitoring.reference import REFERENCE_METRICS, compare_to_reference
from govern.monitoring.rules import (
    METRICS,
    History,
    MetricResult,
    Options,
    evaluate,
    not_run_all,
)
from govern.monitoring.summary import DatasetSummary
from govern.types import DatasetRef


class StageCall(Protocol):
    """What a stage call offers a check that reads the record (govern.gating.GateCall)."""

    cfg: Settings
    role: str
    started: datetime

    def summary_of(self, frame: Any, *, deferred: bool = False) -> DatasetSummary | None:
        """The frame's summary, computed once per call."""
        ...


__all__ = ["Stable", "StageCall"]

_VERSIONED = re.compile(r"^(?P<name>[^@]+)@(?P<version>[0-9]+)$")


class Stable:
    """Check a dataset version against its own recorded history (or a model's training data).

    Args:
        window: how many of the latest earlier versions the bounds are learned from.
        min_history: earlier versions needed before any verdict (fewer: not run).
        columns: the columns to watch (default: all).
        metrics: the metrics to judge (default: all; see govern.monitoring.rules.METRICS,
            or REFERENCE_METRICS with ``against``).
        sensitivity: ``low``, ``medium`` (default) or ``high``, or the false-alarm rate
            per check side under the bounds' normal residual model (0.001 = medium).
        against: ``govern.model(NAME)`` or ``govern.model(NAME, version=N)`` (or the
            text ``NAME@N``): compare with that model version's training data (its latest
            version when unversioned) instead of the dataset's history.

    Raises:
        GateDefinitionError: a bad option (named in the message).
    """

    backend = "govern.stable"

    def __init__(
        self,
        window: int = 30,
        min_history: int = 7,
        *,
        columns: Sequence[str] | None = None,
        metrics: Sequence[str] | None = None,
        sensitivity: str | float = "medium",
        against: ModelSpec | str | None = None,
    ) -> None:
        for label, value, least in (("window", window, 2), ("min_history", min_history, 2)):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise GateDefinitionError(
                    f"Stable({label}=...) must be a whole number >= {least}, got {value!r}"
                )
        if min_history > window:
            raise GateDefinitionError(
                f"Stable(min_history={min_history}) cannot exceed window={window}"
            )
        try:
            self.alpha = alpha_for(sensitivity)
        except ValueError as exc:
            raise GateDefinitionError(f"Stable(sensitivity=...): {exc}") from None
        known = REFERENCE_METRICS if against is not None else METRICS
        chosen = tuple(known if metrics is None else metrics)
        unknown = [m for m in chosen if m not in known]
        if isinstance(metrics, str) or unknown or not chosen:
            raise GateDefinitionError(
                f"Stable(metrics=...) takes a list of {', '.join(known)}; got {metrics!r}"
            )
        if columns is not None and (
            isinstance(columns, str) or not all(isinstance(c, str) for c in columns)
        ):
            raise GateDefinitionError(f"Stable(columns=...) takes a list of names, got {columns!r}")
        self.window = window
        self.min_history = min_history
        self.columns = None if columns is None else tuple(columns)
        self.metrics = chosen
        self.model = _model_target(against)
        target = "" if self.model is None else f", against={_label(self.model)}"
        self.name = f"Stable(window={window}, min_history={min_history}{target})"

    def __repr__(self) -> str:
        return self.name

    @property
    def options(self) -> Options:
        """The evaluation options."""
        return Options(self.min_history, self.alpha, self.columns, self.metrics)

    def run(self, frame: Any, *, want_index: bool, sample_size: int) -> CheckOutcome:
        """Outside a stage there is no record to compare with: every check not run."""
        del want_index, sample_size
        return CheckOutcome(frame, [_finding(r) for r in self._cold(frame, "outside a stage")])

    def _cold(self, frame: Any, why: str) -> list[MetricResult]:
        from govern.monitoring.frames import summarize_frame

        summary = summarize_frame(frame)
        return not_run_all(summary, [], self.options, f"not evaluated: {why}")

    def run_in_stage(self, frame: Any, ref: DatasetRef, call: StageCall) -> CheckOutcome:
        """Judge ``frame`` (dataset ``ref``) in a stage call: history or model from the record."""
        summary = call.summary_of(frame, deferred=True)
        if summary is None:
            why = "no summary of this version (summaries = 'off', or it could not be computed)"
            return CheckOutcome(frame, [_finding(_nothing(why))])
        try:
            from govern.recording import store_for

            store = store_for(call.cfg)
            if self.model is not None:
                results = self._against_model(store, summary)
            else:
                results = self._against_history(store, ref, summary, call)
        except GovernError as exc:  # the record cannot be read: judged by nothing
            results = [_nothing(f"the record could not be read: {exc}")]
        return CheckOutcome(frame, [_finding(r) for r in results])

    def _against_history(
        self, store: Any, ref: DatasetRef, summary: DatasetSummary, call: StageCall
    ) -> list[MetricResult]:
        # one row per stage call (a frame passed as two parameters is one version), read
        # as packed numbers: a long window costs one range read, no summary objects
        found = store.dataset_series(ref.name, ref.namespace, limit=self.window, role=call.role)
        history = History.from_series(found)
        return evaluate(summary, call.started.timestamp(), history, self.options)

    def _against_model(self, store: Any, summary: DatasetSummary) -> list[MetricResult]:
        assert self.model is not None
        name, version = self.model
        try:
            model = store.model(name, version)
        except GovernError as exc:
            return [_nothing(f"no model {_label(self.model)} in the record ({exc})")]
        names = {n for n, _ in summary.schema}
        best: tuple[int, Any] | None = None
        for dv in model.training_datasets:
            if dv.summary is None:
                continue
            overlap = len(names & {str(n) for n, _ in dv.schema})
            if best is None or overlap > best[0]:
                best = (overlap, dv)
        if best is None:
            why = f"model {model.name} v{model.version} has no training data summary in the record"
            return [_nothing(why)]
        reference = DatasetSummary.from_dict(best[1].summary)
        label = f"training data of {model.name} v{model.version} ({best[1].ref.name})"
        return compare_to_reference(summary, reference, self.options, label)


def _model_target(against: ModelSpec | str | None) -> tuple[str, int | None] | None:
    if against is None:
        return None
    if isinstance(against, ModelSpec):
        return against.name, against.version
    if isinstance(against, str):
        found = _VERSIONED.match(against.strip())
        if found:
            return found["name"], int(found["version"])
        if against.strip() and "@" not in against:
            return against.strip(), None
    raise GateDefinitionError(
        f"Stable(against=...) takes govern.model(NAME) or 'NAME@VERSION', got {against!r}"
    )


def _label(model: tuple[str, int | None]) -> str:
    return model[0] if model[1] is None else f"{model[0]}@{model[1]}"


def _nothing(why: str) -> MetricResult:
    return MetricResult("stable", None, ran=False, passed=False, message=why)


def _finding(r: MetricResult) -> Finding:
    return Finding(
        check=r.check,
        column=r.column,
        failed_count=0 if r.passed or not r.ran else 1,
        passed=r.passed if r.ran else None,
        expected=r.expected,
        message=r.message,
        row_level=False,
        ran=r.ran,
        observed=r.observed,
        lower=r.low,
        upper=r.high,
    )
