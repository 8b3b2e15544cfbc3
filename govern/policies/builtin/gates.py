"""Rules about gates: stages declare them, and error-severity checks do not fail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govern.errors import describe_check
from govern.policies.context import RuleContext
from govern.policies.params import Param
from govern.policies.registry import Outcome, rule
from govern.policies.targets import PipelineTarget, StageTarget
from govern.types import CheckResult, Severity, StageResult, Status

__all__ = ["no_failed_error_checks", "stage_gates"]

_LISTED = 5  # failures named in one message


def _gated(call: StageResult, role: str) -> bool | None:
    """Whether the call gated a dataset in ``role``; None when it cannot be told."""
    checked = {c.dataset for c in call.checks}
    if role == "output":
        if call.model is not None:  # a model output is governed by the model rules
            return True
        outputs = [d for d in call.datasets if d.role == "output"]
        if not outputs and call.status is Status.FAILED:
            return None  # it failed before returning: its output gates never got to run
        return any(d.ref.name in checked for d in outputs)
    return any(d.ref.name in checked for d in call.datasets if d.role == "input")


@rule(
    "stage_gates",
    target="stage",
    params={
        "inputs": Param("boolean", default=True, doc="require a gate on some input"),
        "outputs": Param("boolean", default=True, doc="require a gate on the output"),
    },
)
def stage_gates(target: StageTarget, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome:
    """Every stage declares input and output gates."""
    roles = [r for r in ("input", "output") if params[f"{r}s"]]
    missing: list[str] = []
    unknown: list[str] = []
    for role in roles:
        seen = [_gated(call, role) for call in target.calls]
        if any(s is True for s in seen):
            continue
        if all(s is None for s in seen):
            unknown.append(role)
        else:
            missing.append(role)
    if missing:
        what = " and ".join(f"{r} gates" for r in missing)
        return Outcome.fail(
            f"stage {target.name!r} declares no {what}; add them to @govern.stage("
            + ", ".join(f"{r}s=..." for r in missing)
            + ")"
        )
    note = (
        f" ({' and '.join(unknown)} not observed: every call failed before returning)"
        if unknown
        else ""
    )
    return Outcome.ok(f"stage {target.name!r} declares {' and '.join(roles)} gates{note}")


def _quarantined(call: StageResult, check: CheckResult) -> bool:
    return call.status is Status.QUARANTINED and any(
        q.dataset == check.dataset for q in call.quarantine
    )


@rule(
    "no_failed_error_checks",
    target="pipeline",
    params={
        "allow_quarantined": Param(
            "boolean",
            default=False,
            doc="failures whose rows were quarantined do not count (see quarantine_rate)",
        )
    },
)
def no_failed_error_checks(
    target: PipelineTarget, ctx: RuleContext, params: Mapping[str, Any]
) -> Outcome:
    """No error-severity check failed in the latest run of each pipeline."""
    if target.run is None:
        return Outcome.fail(f"pipeline {target.name!r} has no recorded run")
    failures = [
        (call, check)
        for call in target.stages
        for check in call.checks
        if not check.passed
        and check.severity is Severity.ERROR
        and not (params["allow_quarantined"] and _quarantined(call, check))
    ]
    run = f"run {target.run.id}"
    if not failures:
        checks = sum(len(call.checks) for call in target.stages)
        return Outcome.ok(f"{run}: no error-severity check failed ({checks} checks)")
    listed = "; ".join(
        f"stage {call.stage!r}: {describe_check(check)}" for call, check in failures[:_LISTED]
    )
    more = f"; and {len(failures) - _LISTED} more" if len(failures) > _LISTED else ""
    return Outcome.fail(f"{run}: {len(failures)} error-severity check(s) failed: {listed}{more}")
