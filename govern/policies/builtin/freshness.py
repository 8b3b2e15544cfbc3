"""Freshness: the latest successful run of a pipeline is recent enough."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from govern.policies.context import RuleContext
from govern.policies.params import Param
from govern.policies.registry import Outcome, rule
from govern.policies.targets import PipelineTarget

__all__ = ["freshness", "human_age"]


def human_age(age: timedelta) -> str:
    """``3d 4h``, ``2h 5m``, ``40s``: an age for people."""
    seconds = max(0, int(age.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{seconds}s"


@rule(
    "freshness",
    target="pipeline",
    params={
        "max_age": Param(
            "duration", required=True, doc="how old the latest completed run may be (e.g. 7d)"
        )
    },
)
def freshness(target: PipelineTarget, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome:
    """The latest successful run of a pipeline is within a given age."""
    limit: timedelta = params["max_age"]
    run = ctx.latest_completed_run(target.name)
    if run is None:
        return Outcome.fail(f"pipeline {target.name!r} has no completed run recorded")
    finished = run.ended_at or run.started_at
    age = ctx.now - finished
    measured = (
        f"latest completed run {run.id} of {target.name!r} finished {human_age(age)} ago "
        f"({finished.isoformat(timespec='seconds')}); at most {human_age(limit)} allowed"
    )
    if age <= limit:
        return Outcome.ok(measured)
    return Outcome.fail(f"stale: {measured}")
