"""What a policy pack says and what evaluating it found: frozen dataclasses, no I/O.

A pack (one YAML file) holds rules, waivers and tags. Evaluating packs against the store
gives an :class:`Evaluation`: one :class:`Verdict` per rule x target, plus the waivers
that have expired. ``Evaluation.to_record()`` is the agreed ``policy_evaluation`` record.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from govern.types import Severity

__all__ = [
    "Evaluation",
    "ExpiredWaiver",
    "Pack",
    "PolicyRule",
    "Scope",
    "TargetKind",
    "Verdict",
    "VerdictStatus",
    "Waiver",
]


class TargetKind(enum.StrEnum):
    """What a rule judges. Targets are named ``KIND:...`` (see ``Target.key``)."""

    PIPELINE = "pipeline"  # pipeline:penguins (its latest run, or the run asked for)
    STAGE = "stage"  # stage:penguins.clean (every call of it in the run)
    DATASET = "dataset"  # dataset:NAMESPACE:NAME (as in lineage)
    MODEL = "model"  # model:NAME@VERSION


class VerdictStatus(enum.StrEnum):
    """The outcome of one rule on one target."""

    PASS = "pass"  # noqa: S105  (a status, not a password)
    FAIL = "fail"
    WAIVED = "waived"  # it failed, and a current waiver covers it
    ERROR = "error"  # the rule could not be evaluated (counts as a violation)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which targets a rule applies to. Empty tuples mean "any".

    Names are shell-style patterns (``*``, ``?``, ``[...]``). Within one kind a target
    is in scope when it matches any name *or* carries any tag; ``pipelines`` narrows
    every kind to targets of those pipelines.
    """

    pipelines: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    dataset_names: tuple[str, ...] = ()
    dataset_tags: tuple[str, ...] = ()
    model_names: tuple[str, ...] = ()
    model_tags: tuple[str, ...] = ()
    model_stages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One rule of a pack: a condition from the rule library, applied within a scope."""

    id: str
    description: str
    severity: Severity
    condition: str
    params: Mapping[str, Any]
    scope: Scope
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class Waiver:
    """An accepted exception: a rule does not count against a target until ``expires``.

    ``expires`` is the last day the waiver applies (UTC).
    """

    rule: str
    target: str
    reason: str
    approver: str
    expires: date
    file: str
    line: int

    def expired(self, today: date) -> bool:
        """True once ``today`` is past the expiry day."""
        return today > self.expires

    def as_dict(self) -> dict[str, str]:
        """The waiver as stored in a verdict (reason, approver, expires)."""
        return {
            "reason": self.reason,
            "approver": self.approver,
            "expires": self.expires.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Pack:
    """One policy file, validated.

    ``dataset_tags`` and ``model_tags`` map name patterns to tags; ``model_stages`` maps
    model name (or ``NAME@VERSION``) patterns to a lifecycle stage such as
    ``production``.
    """

    name: str
    file: str
    description: str
    rules: tuple[PolicyRule, ...]
    waivers: tuple[Waiver, ...] = ()
    dataset_tags: tuple[tuple[str, tuple[str, ...]], ...] = ()
    model_tags: tuple[tuple[str, tuple[str, ...]], ...] = ()
    model_stages: tuple[tuple[str, str], ...] = ()
    plugins: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """One rule judged on one target.

    ``file`` and ``line`` point at the rule in its policy file, so CI annotations land
    on the line to change. ``run_id`` is the run the target belongs to (not part of the
    stored verdict: the record itself carries it).
    """

    rule: str
    description: str
    severity: Severity
    target: str
    status: VerdictStatus
    message: str
    file: str
    line: int
    waiver: Waiver | None = None
    run_id: str | None = None

    def violates(self, fail_on: Severity) -> bool:
        """True when this verdict fails the evaluation at level ``fail_on``."""
        if self.status not in (VerdictStatus.FAIL, VerdictStatus.ERROR):
            return False
        return fail_on is Severity.WARN or self.severity is Severity.ERROR

    def as_dict(self) -> dict[str, Any]:
        """The verdict as stored in the ``policy_evaluation`` record."""
        return {
            "rule": self.rule,
            "description": self.description,
            "severity": str(self.severity),
            "target": self.target,
            "status": str(self.status),
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "waiver": None if self.waiver is None else self.waiver.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class ExpiredWaiver:
    """A waiver past its expiry: it no longer applies, and is reported."""

    waiver: Waiver

    def as_dict(self) -> dict[str, Any]:
        """The expired waiver as stored in the ``policy_evaluation`` record."""
        w = self.waiver
        return {
            "rule": w.rule,
            "target": w.target,
            "reason": w.reason,
            "approver": w.approver,
            "expires": w.expires.isoformat(),
            "file": w.file,
            "line": w.line,
        }


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The outcome of evaluating policy packs (or of ``govern validate``).

    Attributes:
        title: what produced it (``govern check``, ``govern validate``).
        evaluated_at: when (UTC).
        policies: the policy (or schema) files, as given.
        fail_on: the level at which a failing verdict fails the whole evaluation.
        verdicts: one per rule x target, in rule order.
        expired_waivers: waivers past their expiry (with ``fail_on=warn`` they fail it).
        runs: ids of the runs evaluated.
        not_applicable: ids of rules whose scope matched no target.
    """

    title: str
    evaluated_at: datetime
    policies: tuple[str, ...]
    fail_on: Severity
    verdicts: tuple[Verdict, ...]
    expired_waivers: tuple[ExpiredWaiver, ...] = ()
    runs: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def violations(self) -> tuple[Verdict, ...]:
        """Verdicts that fail the evaluation at ``fail_on``."""
        return tuple(v for v in self.verdicts if v.violates(self.fail_on))

    @property
    def warnings(self) -> tuple[Verdict, ...]:
        """Failing verdicts below the fail level (reported, not failing)."""
        return tuple(
            v
            for v in self.verdicts
            if v.status in (VerdictStatus.FAIL, VerdictStatus.ERROR)
            and not v.violates(self.fail_on)
        )

    @property
    def passed(self) -> bool:
        """No violation at ``fail_on`` (and, at ``warn``, no expired waiver)."""
        if self.violations:
            return False
        return not (self.fail_on is Severity.WARN and self.expired_waivers)

    def count(self, status: VerdictStatus) -> int:
        """How many verdicts have ``status``."""
        return sum(1 for v in self.verdicts if v.status is status)

    def to_record(self, verdicts: tuple[Verdict, ...] | None = None) -> dict[str, Any]:
        """The agreed ``policy_evaluation`` record data (for ``verdicts``, default all)."""
        chosen = self.verdicts if verdicts is None else verdicts
        passed = not any(v.violates(self.fail_on) for v in chosen) and not (
            self.fail_on is Severity.WARN and self.expired_waivers
        )
        return {
            "evaluated_at": self.evaluated_at.isoformat(),
            "policies": list(self.policies),
            "fail_on": str(self.fail_on),
            "passed": passed,
            "verdicts": [v.as_dict() for v in chosen],
            "expired_waivers": [e.as_dict() for e in self.expired_waivers],
        }
