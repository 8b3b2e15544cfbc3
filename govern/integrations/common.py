"""What every integration shares: a govern run under an orchestrator's run, and its summary."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from govern.environment import orchestrator_parent
from govern.errors import GovernError, MissingDependencyError
from govern.names import name_problem
from govern.runs import Run, open_run
from govern.types import Outcome

__all__ = [
    "RunSummary",
    "StageSummary",
    "check_name",
    "governed_run",
    "lineage_parent",
    "refuse_async",
    "report",
    "require",
    "summarize",
]

log = logging.getLogger("govern.integrations")


def require(module: str, extra: str) -> None:
    """Raise MissingDependencyError naming the extra when ``module`` cannot be imported."""
    import importlib.util

    try:
        found = importlib.util.find_spec(module)
    except ModuleNotFoundError:  # a parent package of a dotted name is missing
        found = None
    if found is None:
        raise MissingDependencyError(
            f"govern.integrations.{extra} needs {module}: pip install 'govern[{extra}]'"
        )


def check_name(name: str, what: str = "governed(): the pipeline name") -> None:
    """Raise GovernError saying what to fix when ``name`` is not a valid pipeline name."""
    problem = name_problem(name, what)
    if problem:
        raise GovernError(problem)


def refuse_async(fn: Callable[..., Any]) -> None:
    """An async function would return before its stages ran, outside its govern run."""
    import inspect

    if inspect.iscoroutinefunction(fn):
        raise GovernError(
            f"governed(): {getattr(fn, '__qualname__', fn)!r} is a coroutine function; "
            "govern stages are synchronous: decorate a def, not an async def"
        )


def report(send: Callable[[], None]) -> None:
    """Tell the orchestrator how the run went; a failure to tell it never fails the task.

    The record is written already; an orchestrator API that refuses an XCom or an
    artifact is logged as a warning (governance does not break the pipeline).
    """
    try:
        send()
    except Exception as exc:
        log.warning("govern could not report the run to the orchestrator: %s", exc)


def lineage_parent(
    parent: tuple[str, str, str], root: tuple[str, str, str] | None = None
) -> dict[str, Any]:
    """``{"parent", "root"}`` as the run's environment records it, from (namespace, name, id).

    Validated the way ``OPENLINEAGE_PARENT_*`` variables are (a run id must be a UUID).

    Raises:
        GovernError: an incomplete parent or a run id that is not a UUID.
    """
    env = {
        "OPENLINEAGE_PARENT_JOB_NAMESPACE": parent[0],
        "OPENLINEAGE_PARENT_JOB_NAME": parent[1],
        "OPENLINEAGE_PARENT_RUN_ID": parent[2],
    }
    if root is not None:
        env.update(
            OPENLINEAGE_ROOT_PARENT_JOB_NAMESPACE=root[0],
            OPENLINEAGE_ROOT_PARENT_JOB_NAME=root[1],
            OPENLINEAGE_ROOT_PARENT_RUN_ID=root[2],
        )
    found = orchestrator_parent(env)
    if found is None or (root is not None and found["root"] is found["parent"]):
        raise GovernError(
            f"not an OpenLineage parent run: {parent!r} (root {root!r}); a namespace, a job "
            "name and a UUID run id are needed"
        )
    return found


@contextmanager
def governed_run(name: str, parent: Mapping[str, Any]) -> Iterator[Run]:
    """A govern pipeline run named ``name`` whose OpenLineage parent is ``parent``."""
    with open_run(name, parent=parent) as run:
        yield run


@dataclass(frozen=True, slots=True)
class StageSummary:
    """One stage call of a run, as an orchestrator's UI shows it."""

    stage: str
    status: str
    passed: int
    failed: int
    not_run: int
    quarantined: int

    def row(self) -> dict[str, Any]:
        """This stage as a JSON-able table row."""
        return {
            "stage": self.stage,
            "status": self.status,
            "checks_passed": self.passed,
            "checks_failed": self.failed,
            "checks_not_run": self.not_run,
            "rows_quarantined": self.quarantined,
        }


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A govern run as an orchestrator reports it: id, status, stages, quarantine counts."""

    run_id: str
    pipeline: str
    status: str
    stages: tuple[StageSummary, ...]
    quarantined: Mapping[str, int]
    """Rows quarantined per dataset (summed over the run's stage calls)."""

    def lines(self) -> list[str]:
        """Log lines: the run, then one per stage."""
        total = sum(self.quarantined.values())
        head = (
            f"govern run {self.run_id} of pipeline {self.pipeline!r}: {self.status}, "
            f"{len(self.stages)} stage call(s), {total} row(s) quarantined"
        )
        return [
            head,
            *(
                f"  {s.stage}: {s.status} ({s.passed} check(s) passed, {s.failed} failed, "
                f"{s.not_run} not run, {s.quarantined} row(s) quarantined)"
                for s in self.stages
            ),
        ]

    def markdown(self) -> str:
        """A short Markdown description: run id, status, quarantine per dataset."""
        lines = [f"govern run `{self.run_id}` of pipeline `{self.pipeline}`: **{self.status}**"]
        if self.quarantined:
            lines.append("")
            lines.extend(
                f"- `{dataset}`: {rows} row(s) quarantined"
                for dataset, rows in sorted(self.quarantined.items())
            )
        return "\n".join(lines)


def summarize(run: Run) -> RunSummary:
    """The summary of ``run``: its status so far (final once the run has ended)."""
    quarantined: dict[str, int] = {}
    stages = []
    for result in run.stages:
        rows = 0
        for q in result.quarantine:
            quarantined[q.dataset] = quarantined.get(q.dataset, 0) + q.rows
            rows += q.rows
        outcomes = [c.outcome for c in result.checks]
        stages.append(
            StageSummary(
                stage=result.stage,
                status=str(result.status),
                passed=outcomes.count(Outcome.PASSED),
                failed=outcomes.count(Outcome.FAILED),
                not_run=outcomes.count(Outcome.NOT_RUN),
                quarantined=rows,
            )
        )
    return RunSummary(
        run_id=run.id,
        pipeline=run.name,
        status=str(run.status),
        stages=tuple(stages),
        quarantined=quarantined,
    )
