"""Prefect 3: a flow run (or task run) is a govern pipeline run, and says so in Prefect.

``@governed()`` under ``@flow`` (or ``@task``) runs the function as one govern pipeline
run, named after the flow (or task) unless a name is given. Its OpenLineage parent is the
Prefect run it runs in -- job ``<flow>`` (or ``<flow>.<task>``) in namespace ``prefect``,
run id the Prefect run's id -- and its root the outermost flow run, so a lineage backend
shows govern's stages under the flow. Stages called in tasks of a governed flow (called
directly or submitted to the thread pool) belong to the flow's govern run. A gate failure
raises ``GateError`` there: the task and the flow fail with govern's message. Whatever the
outcome, a table artifact (key ``govern-<pipeline>``) carries the stage summary -- status,
checks passed/failed/not run, rows quarantined -- and its description the run id; the
same lines go to the run's Prefect log.

Prefect is imported when a governed function runs, never at import or decoration time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from govern.errors import GovernError
from govern.integrations.common import (
    RunSummary,
    check_name,
    governed_run,
    lineage_parent,
    refuse_async,
    report,
    require,
    summarize,
)
from govern.runs import Run

__all__ = ["NAMESPACE", "artifact_key", "governed", "prefect_parent"]

P = ParamSpec("P")
R = TypeVar("R")

NAMESPACE = "prefect"
"""The OpenLineage namespace of Prefect's jobs (flows and tasks) in the parent facet."""


def artifact_key(pipeline: str) -> str:
    """The artifact key of a pipeline's summary (Prefect allows ``[a-z0-9-]``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", pipeline.lower()).strip("-")
    return f"govern-{slug or 'run'}"


def prefect_parent(namespace: str = NAMESPACE) -> tuple[dict[str, Any], str]:
    """The current Prefect run as a govern run's parent (root: the outermost flow run).

    Returns the parent mapping and the Prefect run's own name (flow, or task) for a
    pipeline named after it.

    Raises:
        GovernError: called outside a Prefect flow or task run.
    """
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.runtime import flow_run

    task = TaskRunContext.get()
    flow = FlowRunContext.get()
    flow_name = flow_run.get_flow_name()
    if task is not None:
        own = str(task.task.name)
        job, run_id = f"{flow_name}.{own}" if flow_name else own, str(task.task_run.id)
    elif flow is not None and flow.flow_run is not None:
        own = str(flow.flow.name)
        job, run_id = own, str(flow.flow_run.id)
    else:
        raise GovernError("governed(): not inside a Prefect flow or task run")
    root_id = flow_run.get_root_flow_run_id() if flow_run.get_id() else None
    root = (namespace, _flow_name(root_id, flow_name), root_id) if root_id else None
    return lineage_parent((namespace, job, run_id), root), own


def _flow_name(flow_run_id: str, current: str | None) -> str:
    """The flow name of ``flow_run_id`` (the current flow's, unless it is another run)."""
    from prefect import get_client
    from prefect.runtime import flow_run

    if flow_run_id == flow_run.get_id() and current:
        return current
    with get_client(sync_client=True) as client:
        return str(client.read_flow(client.read_flow_run(flow_run_id).flow_id).name)


def governed(
    pipeline: str | None = None, *, namespace: str = NAMESPACE
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated Prefect flow (or task) function as one govern pipeline run.

    Args:
        pipeline: the govern pipeline's name; default the flow's (or task's) name.
        namespace: the OpenLineage namespace naming the Prefect jobs in the parent facet.

    Raises:
        GovernError: ``pipeline`` is not a valid pipeline name, or the function is a
            coroutine function (at decoration).

    Example:
        >>> @flow(name="orders")                   # doctest: +SKIP
        ... @governed()
        ... def orders():
        ...     summarize(clean(govern.read_parquet("s3://bucket/orders.parquet")))
    """
    if pipeline is not None:
        check_name(pipeline)

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        refuse_async(fn)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            require("prefect", "prefect")
            parent, own = prefect_parent(namespace)
            name = pipeline or own
            check_name(name, "governed(): the pipeline name (the Prefect run's)")
            run: Run | None = None
            try:
                with governed_run(name, parent) as run:
                    return fn(*args, **kwargs)
            finally:
                if run is not None:
                    report(lambda: _report(summarize(run)))

        return wrapper

    return decorate


def _report(summary: RunSummary) -> None:
    from prefect import get_run_logger
    from prefect.artifacts import create_table_artifact

    logger = get_run_logger()
    for line in summary.lines():
        logger.info("%s", line)
    create_table_artifact(
        table=[stage.row() for stage in summary.stages],
        key=artifact_key(summary.pipeline),
        description=summary.markdown(),
    )
