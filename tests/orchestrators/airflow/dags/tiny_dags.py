"""The tiny govern pipeline as Airflow 3 TaskFlow DAGs: the glue is the decorator line."""

from airflow.sdk import dag, task

from govern.integrations.airflow import governed
from tests.orchestrators import tiny_pipeline


@dag(schedule=None)
def tiny_dag() -> None:
    @task
    @governed(tiny_pipeline.PIPELINE)
    def run_tiny() -> int:
        return len(tiny_pipeline.stages(tiny_pipeline.source_frame()))

    run_tiny()


@dag(schedule=None)
def tiny_broken_dag() -> None:
    @task
    @governed(tiny_pipeline.PIPELINE)
    def run_tiny() -> int:
        return len(tiny_pipeline.stages(tiny_pipeline.source_frame(broken=True)))

    run_tiny()


tiny_dag()
tiny_broken_dag()
