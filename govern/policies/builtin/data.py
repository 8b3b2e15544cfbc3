"""Rules about datasets: how much of one was quarantined."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govern.policies.context import RuleContext
from govern.policies.params import Param
from govern.policies.registry import Outcome, rule
from govern.policies.targets import DatasetTarget

__all__ = ["quarantine_rate"]


@rule(
    "quarantine_rate",
    target="dataset",
    params={
        "max_rate": Param(
            "number",
            required=True,
            minimum=0.0,
            maximum=1.0,
            doc="the largest fraction of rows (0-1) a gate may quarantine",
        )
    },
)
def quarantine_rate(
    target: DatasetTarget, ctx: RuleContext, params: Mapping[str, Any]
) -> Outcome | None:
    """Quarantine rate of a dataset below a threshold.

    The rate is taken per gating stage call (rows quarantined / rows the gate saw), and
    the worst call counts. Datasets no gate checked are not judged.
    """
    name = target.ref.name
    worst: tuple[float, int, int, str] | None = None
    for call, version in target.versions:
        if not any(c.dataset == name for c in call.checks):
            continue  # seen but not gated by this call
        rows_out = sum(q.rows for q in call.quarantine if q.dataset == name)
        seen = version.row_count or 0
        if version.role == "output":
            seen += rows_out  # an output is profiled after its rejected rows left it
        rate = rows_out / seen if seen else 0.0
        if worst is None or rate > worst[0]:
            worst = (rate, rows_out, seen, call.stage)
    if worst is None:
        return None
    rate, rows, seen, stage = worst
    limit = float(params["max_rate"])
    measured = (
        f"{rows} of {seen} row(s) quarantined by stage {stage!r} ({rate:.1%}); "
        f"at most {limit:.1%} allowed"
    )
    if rate <= limit:
        return Outcome.ok(measured)
    return Outcome.fail(f"too many rows quarantined: {measured}")
