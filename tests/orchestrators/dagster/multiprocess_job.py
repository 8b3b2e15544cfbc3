"""The tiny pipeline as a Dagster job for the multiprocess executor (steps in subprocesses).

A module of its own: each step's process imports the job from here (``reconstructable``).
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

from govern.integrations.dagster import GovernResource, governed_asset
from tests.orchestrators import tiny_pipeline


def raw() -> pd.DataFrame:
    return tiny_pipeline.source_frame()


ASSETS = [
    governed_asset(raw),
    governed_asset(tiny_pipeline.load),
    governed_asset(tiny_pipeline.clean, ins={"orders": "load"}),
    governed_asset(tiny_pipeline.summarize, ins={"orders": "clean"}),
]

defs = dg.Definitions(
    assets=ASSETS,
    jobs=[dg.define_asset_job("tiny_job", executor_def=dg.multiprocess_executor)],
    resources={"govern": GovernResource(pipeline=tiny_pipeline.PIPELINE)},
)


def tiny_job() -> dg.JobDefinition:
    """The job, as ``reconstructable`` needs it: a module-level function."""
    return defs.resolve_job_def("tiny_job")
