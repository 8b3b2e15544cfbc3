"""Evaluate policy packs against the store: rules x targets -> verdicts, waivers applied.

Pure over the store's reading API: nothing is re-run, nothing written (recording the
verdicts is :mod:`govern.policies.record`'s job).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from govern.policies.context import RuleContext, matches
from govern.policies.gather import gather, select_runs
from govern.policies.model import (
    Evaluation,
    ExpiredWaiver,
    Pack,
    PolicyRule,
    Scope,
    TargetKind,
    Verdict,
    VerdictStatus,
    Waiver,
)
from govern.policies.registry import get_rule
from govern.policies.targets import (
    DatasetTarget,
    ModelTarget,
    StageTarget,
    Target,
)
from govern.types import Severity

if TYPE_CHECKING:
    from govern.store import Store

__all__ = ["evaluate", "in_scope", "waiver_covers"]

_MESSAGE_LIMIT = 2000  # a verdict message stays readable in a CI log


def in_scope(scope: Scope, target: Target) -> bool:
    """True when ``target`` is within ``scope``."""
    if scope.pipelines and not matches(scope.pipelines, target.pipeline):
        return False
    if isinstance(target, StageTarget):
        return not scope.stages or matches(
            scope.stages, target.name, f"{target.pipeline}.{target.name}"
        )
    if isinstance(target, DatasetTarget):
        if not (scope.dataset_names or scope.dataset_tags):
            return True
        ref = target.ref
        return matches(scope.dataset_names, f"{ref.namespace}:{ref.name}", ref.name) or bool(
            target.tags & set(scope.dataset_tags)
        )
    if isinstance(target, ModelTarget):
        if not (scope.model_names or scope.model_tags or scope.model_stages):
            return True
        m = target.model
        return (
            matches(scope.model_names, m.name, f"{m.name}@{m.version}")
            or bool(target.tags & set(scope.model_tags))
            or (target.stage is not None and target.stage in scope.model_stages)
        )
    return True


def waiver_covers(waiver: Waiver, rule_id: str, target: str) -> bool:
    """True when ``waiver`` names this rule and its target pattern matches ``target``.

    ``model:NAME`` (no version) covers every version of that model.
    """
    if waiver.rule != rule_id:
        return False
    if fnmatchcase(target, waiver.target):
        return True
    return (
        target.startswith("model:")
        and "@" not in waiver.target
        and fnmatchcase(target.rpartition("@")[0], waiver.target)
    )


def evaluate(
    store: Store,
    packs: Sequence[Pack],
    *,
    run_id: str | None = None,
    latest: bool = False,
    fail_on: Severity | str = Severity.ERROR,
    now: datetime | None = None,
) -> Evaluation:
    """Evaluate every rule of ``packs`` on the runs chosen.

    Args:
        store: the audit record.
        packs: loaded policy packs (``load_packs``).
        run_id: evaluate this run (an id, a unique prefix or ``latest``).
        latest: evaluate the newest run of any pipeline.
        fail_on: ``error`` (default) or ``warn``: the least severity that fails.
        now: the evaluation time (default: now, UTC); waivers expire against its date.

    Raises:
        RunNotFoundError: the run asked for is not recorded, or no run is.
        PolicyError: a rule's condition is no longer registered.
    """
    when = now or datetime.now(UTC)
    level = Severity(fail_on)
    ctx = RuleContext(store, packs, when)
    runs = select_runs(ctx, run_id, latest)
    named = [p for pack in packs for rule in pack.rules for p in rule.scope.pipelines]
    targets = gather(ctx, runs, named if run_id is None and not latest else ())
    today = when.astimezone(UTC).date()
    waivers = [w for pack in packs for w in pack.waivers]
    current = [w for w in waivers if not w.expired(today)]
    verdicts: list[Verdict] = []
    not_applicable: list[str] = []
    for pack in packs:
        for rule in pack.rules:
            found = _judge(rule, targets.of(_kind_of(rule)), ctx, current)
            if not found:
                not_applicable.append(rule.id)
            verdicts.extend(found)
    return Evaluation(
        title="govern check",
        evaluated_at=when,
        policies=tuple(pack.file for pack in packs),
        fail_on=level,
        verdicts=tuple(verdicts),
        expired_waivers=tuple(ExpiredWaiver(w) for w in waivers if w.expired(today)),
        runs=tuple(run.id for run in runs),
        not_applicable=tuple(not_applicable),
    )


def _kind_of(rule: PolicyRule) -> TargetKind:
    impl = get_rule(rule.condition)
    if impl is None:  # pragma: no cover - the loader checked it
        from govern.errors import PolicyError

        raise PolicyError(f"{rule.file}:{rule.line}: unknown condition {rule.condition!r}")
    return impl.target


def _judge(
    rule: PolicyRule, candidates: list[Target], ctx: RuleContext, waivers: list[Waiver]
) -> list[Verdict]:
    impl = get_rule(rule.condition)
    assert impl is not None
    verdicts: list[Verdict] = []
    for target in candidates:
        if not in_scope(rule.scope, target):
            continue
        waiver: Waiver | None = None
        try:
            outcome = impl.evaluate(target, ctx, rule.params)
        except Exception as exc:  # a rule that cannot run is a verdict, not a crash
            status, message = (
                VerdictStatus.ERROR,
                (
                    f"condition {rule.condition!r} could not be evaluated: "
                    f"{type(exc).__name__}: {exc}"
                ),
            )
        else:
            if outcome is None:
                continue
            message = outcome.message
            status = VerdictStatus.PASS if outcome.passed else VerdictStatus.FAIL
            if status is VerdictStatus.FAIL:
                waiver = next((w for w in waivers if waiver_covers(w, rule.id, target.key)), None)
                if waiver is not None:
                    status = VerdictStatus.WAIVED
        verdicts.append(
            Verdict(
                rule=rule.id,
                description=rule.description,
                severity=rule.severity,
                target=target.key,
                status=status,
                message=_bounded(message),
                file=rule.file,
                line=rule.line,
                waiver=waiver,
                run_id=target.run_id,
            )
        )
    return verdicts


def _bounded(message: str) -> str:
    if len(message) <= _MESSAGE_LIMIT:
        return message
    return message[: _MESSAGE_LIMIT - 1] + "…"
