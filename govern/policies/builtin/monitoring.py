"""Rules about monitoring: a dataset's ``govern.Stable`` checks found no anomaly.

A ``Stable`` gate records one check per metric and column (``stable:row_count``,
``stable:null_fraction`` on column ``score``, ...), each compared with bounds learned
from the dataset's own history. Gates of severity ``warn`` let the pipeline go on; this
rule makes such an anomaly visible in CI until it is fixed or waived (waivers name the
dataset, like any dataset rule's).
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from govern.policies.context import RuleContext
from govern.policies.params import Param
from govern.policies.registry import Outcome, rule
from govern.policies.targets import DatasetTarget
from govern.types import CheckResult, Severity, StageResult
from govern.types import Outcome as CheckOutcome

__all__ = ["no_anomalies"]

_LISTED = 5  # anomalies named in one message
_PREFIX = "stable:"


def _describe(call: StageResult, check: CheckResult) -> str:
    where = f" on column {check.column!r}" if check.column else ""
    detail = "; ".join(
        part for part in (check.message, check.expected and f"expected {check.expected}") if part
    )
    return f"{check.check}{where} (stage {call.stage!r}, {check.severity})" + (
        f": {detail}" if detail else ""
    )


@rule(
    "no_anomalies",
    target="dataset",
    params={
        "checks": Param(
            "strings",
            default=("stable:*",),
            doc="monitoring checks that count (shell-style patterns on the check name, "
            "or COLUMN:CHECK)",
        ),
        "include_warn": Param(
            "boolean",
            default=True,
            doc="anomalies of warn-severity Stable gates count too",
        ),
        "require_history": Param(
            "boolean",
            default=False,
            doc="a Stable check not evaluated (too little history) fails too",
        ),
    },
)
def no_anomalies(
    target: DatasetTarget, ctx: RuleContext, params: Mapping[str, Any]
) -> Outcome | None:
    """No ``stable:*`` check on the dataset found an anomaly in the run.

    Datasets no ``Stable`` gate checked are not judged.
    """
    name = target.ref.name
    patterns = tuple(params["checks"])

    def counts(check: CheckResult) -> bool:
        return (
            check.dataset == name
            and check.check.startswith(_PREFIX)
            and any(
                fnmatchcase(check.check, p) or fnmatchcase(f"{check.column}:{check.check}", p)
                for p in patterns
            )
        )

    seen = [(call, c) for call, _ in target.versions for c in call.checks if counts(c)]
    if not seen:
        return None
    anomalies = [
        (call, c)
        for call, c in seen
        if c.outcome is CheckOutcome.FAILED
        and (params["include_warn"] or c.severity is Severity.ERROR)
    ]
    not_run = [(call, c) for call, c in seen if c.outcome is CheckOutcome.NOT_RUN]
    evaluated = len(seen) - len(not_run)
    if anomalies:
        listed = "; ".join(_describe(call, c) for call, c in anomalies[:_LISTED])
        more = f"; and {len(anomalies) - _LISTED} more" if len(anomalies) > _LISTED else ""
        return Outcome.fail(
            f"dataset {name!r}: {len(anomalies)} anomal{'y' if len(anomalies) == 1 else 'ies'} "
            f"in {evaluated} evaluated monitoring check(s): {listed}{more}"
        )
    if not_run and params["require_history"]:
        return Outcome.fail(
            f"dataset {name!r}: {len(not_run)} monitoring check(s) not evaluated "
            "(too little history); require_history is set"
        )
    note = f"; {len(not_run)} not evaluated yet (too little history)" if not_run else ""
    return Outcome.ok(
        f"dataset {name!r}: no anomaly in {evaluated} evaluated monitoring check(s){note}"
    )
