"""Airflow 3: a govern pipeline run inside a task, as a child of the task's OpenLineage run.

``@governed("orders")`` under ``@task`` (or on a ``PythonOperator``'s callable) runs the
function as one govern pipeline run. The run's OpenLineage parent is the task's run and
its root the DAG run, with the ids apache-airflow-providers-openlineage gives them (its
``lineage_run_id`` / ``lineage_root_run_id`` macros), so a lineage backend shows govern's
stages under the task. A gate failure fails the task (``AirflowFailException``: no
retries, the data will not change) with govern's message; the run id, its status and the
rows quarantined per dataset are pushed to XCom (``govern_run_id``, ``govern_status``,
``govern_quarantine``) and written to the task log.

Airflow is imported when a governed task runs, never at import or decoration time.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from govern.errors import GateError
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

__all__ = ["XCOM_QUARANTINE", "XCOM_RUN_ID", "XCOM_STATUS", "governed", "task_parent"]

P = ParamSpec("P")
R = TypeVar("R")

XCOM_RUN_ID = "govern_run_id"
XCOM_STATUS = "govern_status"
XCOM_QUARANTINE = "govern_quarantine"

log = logging.getLogger("govern.integrations.airflow")


def task_parent(ti: Any) -> dict[str, Any]:
    """The task's OpenLineage run (parent) and its DAG run (root), as the provider names them."""
    require("airflow.providers.openlineage", "airflow")
    from airflow.providers.openlineage.plugins import macros

    return lineage_parent(
        (macros.lineage_job_namespace(), macros.lineage_job_name(ti), macros.lineage_run_id(ti)),
        (
            macros.lineage_root_job_namespace(ti),
            macros.lineage_root_job_name(ti),
            macros.lineage_root_run_id(ti),
        ),
    )


def governed(pipeline: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated Airflow task callable as the govern pipeline run ``pipeline``.

    Args:
        pipeline: the govern pipeline's name (its stages' jobs are ``<pipeline>.<stage>``).

    Raises:
        GovernError: ``pipeline`` is not a valid pipeline name, or the function is a
            coroutine function (at decoration).

    Example:
        >>> @task                                   # doctest: +SKIP
        ... @governed("orders")
        ... def build():
        ...     summarize(clean(govern.read_parquet("s3://bucket/orders.parquet")))
    """
    check_name(pipeline)

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        refuse_async(fn)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            require("airflow.sdk", "airflow")
            from airflow.sdk import get_current_context
            from airflow.sdk.exceptions import AirflowFailException

            ti = get_current_context()["ti"]
            run: Run | None = None
            try:
                with governed_run(pipeline, task_parent(ti)) as run:
                    return fn(*args, **kwargs)
            except GateError as exc:
                raise AirflowFailException(f"govern gate failed: {exc}") from exc
            finally:
                if run is not None:
                    report(lambda: _report(ti, summarize(run)))

        return wrapper

    return decorate


def _report(ti: Any, summary: RunSummary) -> None:
    for line in summary.lines():
        log.info("%s", line)
    ti.xcom_push(key=XCOM_RUN_ID, value=summary.run_id)
    ti.xcom_push(key=XCOM_STATUS, value=summary.status)
    ti.xcom_push(key=XCOM_QUARANTINE, value=dict(summary.quarantined))
