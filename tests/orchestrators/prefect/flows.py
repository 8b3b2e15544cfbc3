"""The tiny govern pipeline as Prefect 3 flows: the glue is the ``@governed()`` line."""

from __future__ import annotations

import pandas as pd
from prefect import flow, task

from govern.integrations.prefect import governed
from tests.orchestrators import tiny_pipeline as tiny


@task
def load(raw: pd.DataFrame) -> pd.DataFrame:
    return tiny.load(raw)


@task
def clean(orders: pd.DataFrame) -> pd.DataFrame:
    return tiny.clean(orders)


@task
def summarize(orders: pd.DataFrame) -> pd.DataFrame:
    return tiny.summarize(orders)


@flow(name=tiny.PIPELINE)
@governed()
def tiny_flow(broken: bool = False) -> int:
    """The stages as Prefect tasks: one submitted to the thread pool, two called."""
    loaded = load.submit(tiny.source_frame(broken=broken)).result()
    return len(summarize(clean(loaded)))


@flow(name="nightly")
def nightly() -> int:
    """An outer flow: the tiny flow runs as its subflow."""
    return tiny_flow()


@task
@governed(tiny.PIPELINE)
def tiny_task() -> int:
    """The whole pipeline in one governed task."""
    return len(tiny.stages(tiny.source_frame()))


@flow(name="with-task")
def with_task() -> int:
    return tiny_task()
