"""The one place that sequences a stage call's side effects.

input gates -> call -> output gates -> profile -> record -> (lineage) -> raise/return

The audit record is written before any gate failure or stage exception reaches the
caller, so failures are always recorded.
"""

from __future__ import annotations

import inspect
import logging
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from govern.collect import _Collector, _collector, _last
from govern.config import Settings, settings
from govern.datasets import SOURCES
from govern.derivation import derived_from, mark
from govern.engines import engine_for
from govern.errors import (
    GateError,
    GateWarning,
    NotAFrameError,
    describe_failures,
)
from govern.gates import BoundGate, contract_of
from govern.gating import GateCall
from govern.ids import uuid7
from govern.models import MODELS, ModelSpec, describe_model, remember
from govern.runs import Run, current_run, open_run
from govern.types import (
    CheckResult,
    ContractRef,
    DatasetKind,
    DatasetRef,
    DatasetVersion,
    ModelRef,
    OnFail,
    Outcome,
    QuarantineRecord,
    StageResult,
    Status,
)

__all__ = ["OutputSpec", "StageSpec", "execute"]

log = logging.getLogger("govern")

Gates = tuple[BoundGate, ...]


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """How a stage's return value is gated.

    One gate set, gates per returned dict key, gates per position, or a model marker.
    """

    single: Gates = ()
    by_key: Mapping[str, Gates] = field(default_factory=dict)
    by_position: tuple[Gates, ...] = ()
    model: ModelSpec | None = None


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A decorated function, its gates compiled at decoration time."""

    name: str
    func: Callable[..., Any]
    signature: inspect.Signature
    inputs: Mapping[str, Gates]
    outputs: OutputSpec
    on_fail: OnFail
    doc: str | None


class _Call(GateCall):
    """State of one stage call."""

    def __init__(self, spec: StageSpec, run: Run, cfg: Settings) -> None:
        self.spec = spec
        self.run = run
        self.cfg = cfg
        self.id = uuid7()
        self.stage_name = spec.name
        self.run_name = run.name
        self.run_id = run.id
        self.call_id = self.id
        self.on_fail = spec.on_fail
        self.started = datetime.now(UTC)
        self.checks: list[CheckResult] = []
        self.datasets: list[DatasetVersion] = []
        self.quarantine: list[QuarantineRecord] = []
        self.row_counts: dict[str, int] = {}
        self.timings: dict[str, float] = {"profile": 0.0}
        self.summaries = {}
        self.watching = False
        self.unquarantinable = False
        self.collector = _Collector()
        self.models_used: list[ModelRef] = []

    @property
    def blocked(self) -> bool:
        """Whether an error-severity failure stops the stage.

        Always under ``raise``; under ``quarantine`` only when rows cannot be isolated;
        never under ``warn``.
        """
        if self.spec.on_fail is OnFail.QUARANTINE:
            return self.unquarantinable
        if self.spec.on_fail is OnFail.WARN:
            return False
        return any(c.blocking for c in self.checks)

    def identity(self, frame: Any, parameter: str, *, output: bool) -> DatasetRef:
        known = self.run.outputs.get(frame) or SOURCES.get(frame)
        if known is None and not output:  # a database table names itself (Ibis engine)
            natural = getattr(engine_for(frame), "natural_ref", None)
            known = None if natural is None else natural(frame)
        if known is not None and not output:
            return known
        if output:
            return DatasetRef(
                self.cfg.namespace,
                f"{self.run.name}.{self.spec.name}.{parameter}",
                DatasetKind.STAGE_OUTPUT,
            )
        kind = DatasetKind.DERIVED if derived_from(frame) else DatasetKind.ANONYMOUS
        return DatasetRef(self.cfg.namespace, f"{self.spec.name}.{parameter}", kind)

    def derivation(self, frame: Any, ref: DatasetRef, parameter: str) -> None:
        """A derived input's implicit step: the datasets it was derived from, as inputs."""
        if ref.kind is not DatasetKind.DERIVED:
            return
        for parent in sorted(derived_from(frame), key=str):
            self.datasets.append(
                DatasetVersion(
                    ref=parent,
                    role="input",
                    parameter=f"{parameter} (derived from)",
                    fingerprint=None,
                    row_count=None,
                )
            )

    def gate(self, value: Any, gates: Gates, parameter: str, *, output: bool) -> Any:
        """Run ``gates`` on one frame; returns the frame to pass on."""
        label = f"{'return value' if output else 'parameter'} {parameter!r}"
        if engine_for(value) is None:
            raise NotAFrameError(
                f"{self.where(label)}: expected a pandas, polars or Spark DataFrame "
                "or an Ibis table, "
                f"got {type(value).__module__}.{type(value).__qualname__}"
            )
        ref = self.identity(value, parameter, output=output)
        self.role = "output" if output else "input"
        # a deferred frame is summarised (its plan run once more) only for a Stable gate
        self.watching = any(hasattr(g.check, "run_in_stage") for g in gates)
        contract = contract_of(gates)
        if not output:
            self.profile(value, ref, parameter, role="input", contract=contract)
            self.derivation(value, ref, parameter)
        current = self.run_gates(value, gates, ref, label, parameter)
        if output:
            self.profile(current, ref, parameter, role="output", contract=contract)
            self.run.outputs.set(current, ref)
            mark(current, ref)
        self.watching = False
        return current

    def profile(
        self,
        frame: Any,
        ref: DatasetRef,
        parameter: str,
        *,
        role: str,
        contract: ContractRef | None = None,
    ) -> None:
        from govern.metrics import profile

        started = time.perf_counter()
        prof = profile(frame, self.cfg.metrics)
        self.timings["profile"] += time.perf_counter() - started
        summary = self.summary_of(frame, deferred=self.watching)
        self.datasets.append(
            DatasetVersion(
                ref=ref,
                role=role,
                parameter=parameter,
                fingerprint=prof.fingerprint,
                row_count=prof.row_count,
                schema=prof.schema,
                metrics=prof.metrics,
                summary=None if summary is None else summary.to_dict(),
                contract=contract,
            )
        )
        if prof.row_count is not None:
            self.row_counts[f"{role}:{parameter}"] = prof.row_count

    def note_ungated(self, value: Any, parameter: str, *, output: bool) -> None:
        """Keep lineage connected through frames nobody gated (identity and row count only)."""
        engine = engine_for(value)
        if engine is None:
            used = MODELS.get(value) if not output else None
            if used is not None and used not in self.models_used:
                self.models_used.append(used)
            return
        ref = self.identity(value, parameter, output=output)
        if output:
            self.run.outputs.set(value, ref)
            mark(value, ref)
        elif self.spec.outputs.model is not None:
            # a model's data, gated or not: its versions and schema (the input signature)
            self.profile(value, ref, parameter, role="input")
            self.derivation(value, ref, parameter)
            return
        rows = engine.row_count(value)
        self.datasets.append(
            DatasetVersion(
                ref=ref,
                role="output" if output else "input",
                parameter=parameter,
                fingerprint=None,
                row_count=rows,
            )
        )
        if not output:
            self.derivation(value, ref, parameter)

    def status(self, error: str | None) -> Status:
        if error is not None or self.blocked:
            return Status.FAILED
        if self.quarantine:
            return Status.QUARANTINED
        if any(c.outcome is Outcome.FAILED for c in self.checks):
            return Status.WARNED
        return Status.PASSED

    def result(self, error: str | None, model: Any = None) -> StageResult:
        c = self.collector
        return StageResult(
            stage=self.spec.name,
            run_id=self.run.id,
            stage_run_id=self.id,
            status=self.status(error),
            on_fail=self.spec.on_fail,
            started_at=self.started,
            ended_at=datetime.now(UTC),
            checks=tuple(self.checks),
            quarantine=tuple(self.quarantine),
            datasets=tuple(self.datasets),
            timings=dict(self.timings),
            row_counts=dict(self.row_counts),
            error=error,
            params=dict(c.params),
            metrics=dict(c.metrics),
            slices={k: dict(v) for k, v in c.slices.items()},
            model=model,
            models_used=tuple(self.models_used),
            doc=self.spec.doc,
        )


def execute(spec: StageSpec, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run one call of a governed stage (in the current run, or a run of its own)."""
    run = current_run()
    if run is not None:
        return _execute(spec, run, args, kwargs)
    with open_run(spec.name, implicit=True) as own:
        return _execute(spec, own, args, kwargs)


def _execute(spec: StageSpec, run: Run, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    cfg = settings()
    call = _Call(spec, run, cfg)
    bound = spec.signature.bind(*args, **kwargs)
    bound.apply_defaults()
    error: BaseException | None = None
    value: Any = None
    model = None
    try:
        started = time.perf_counter()
        for name, arg in bound.arguments.items():
            if name in spec.inputs and not (
                arg is None and spec.signature.parameters[name].default is None
            ):
                bound.arguments[name] = call.gate(arg, spec.inputs[name], name, output=False)
            elif name != "self":
                call.note_ungated(arg, name, output=False)
        call.timings["input_gates"] = time.perf_counter() - started - call.timings["profile"]
        if not call.blocked:
            token = _collector.set(call.collector)
            started = time.perf_counter()
            try:
                value = spec.func(*bound.args, **bound.kwargs)
            finally:
                call.timings["call"] = time.perf_counter() - started
                _collector.reset(token)
            started = time.perf_counter()
            value, model = _gate_outputs(call, value)
            call.timings["output_gates"] = time.perf_counter() - started
    except BaseException as exc:
        error = exc
    message = None if error is None else f"{type(error).__name__}: {error}"
    result = call.result(message, model)
    result = run.record(result)
    log.info(  # what each call did, for applications that turn govern's INFO logs on
        "stage %r %s: %d check(s), %d failed, %d not run, %d row(s) quarantined (%.3f s)",
        spec.name,
        result.status,
        len(result.checks),
        len(result.failed_checks),
        len(result.not_run_checks),
        sum(q.rows for q in result.quarantine),
        sum(result.timings.values()),
    )
    if result.model is not None and value is not None:
        remember(value, result.model.ref)
    _last[:] = [result]
    if error is not None:
        raise error
    if call.blocked:
        raise GateError(result)
    if result.status is Status.WARNED or (
        # rows set aside, and a warn-severity check failed too: that is worth a warning
        result.status is Status.QUARANTINED and any(not c.blocking for c in result.failed_checks)
    ):
        warnings.warn(GateWarning(describe_failures(result)), stacklevel=4)
    if not result.gated:
        log.info("stage %r has no gates: nothing was checked", spec.name)
    return value


def _gate_outputs(call: _Call, value: Any) -> tuple[Any, Any]:
    outputs = call.spec.outputs
    if outputs.model is not None:
        frames = [d for d in call.datasets if d.role == "input" and d.fingerprint is not None]
        evaluation = tuple(d for d in frames if outputs.model.evaluates_on(d.parameter))
        training = tuple(d for d in frames if d not in evaluation)
        c = call.collector
        model = describe_model(
            value,
            outputs.model,
            training=training,
            evaluation=evaluation,
            metrics=c.metrics,
            slices=c.slices,
            run_id=call.run.id,
            stage_run_id=call.id,
            created_at=datetime.now(UTC),
        )
        return value, model
    if outputs.single:
        return call.gate(value, outputs.single, "return", output=True), None
    if outputs.by_key:
        if not isinstance(value, Mapping):
            raise NotAFrameError(
                f"{call.where('return value')}: outputs= gates dict keys, so the stage must "
                f"return a dict; got {type(value).__qualname__}"
            )
        gated = dict(value)
        for key, gates in outputs.by_key.items():
            if key not in gated:
                raise NotAFrameError(
                    f"{call.where('return value')}: returned dict has no key {key!r} "
                    f"(keys: {', '.join(map(repr, gated)) or 'none'})"
                )
            gated[key] = call.gate(gated[key], gates, f"return[{key!r}]", output=True)
        return gated, None  # a plain dict: mapping subclasses differ in their constructors
    if outputs.by_position:
        if not isinstance(value, tuple | list) or len(value) < len(outputs.by_position):
            raise NotAFrameError(
                f"{call.where('return value')}: outputs= gates {len(outputs.by_position)} "
                f"positions, so the stage must return a tuple of at least that many; "
                f"got {type(value).__qualname__}"
            )
        items = list(value)
        for position, gates in enumerate(outputs.by_position):
            if gates:
                items[position] = call.gate(
                    items[position], gates, f"return[{position}]", output=True
                )
        return (tuple(items) if isinstance(value, tuple) else items), None
    call.note_ungated(value, "return", output=True)
    return value, None
