"""What rules judge: pipelines, stages, datasets and models, gathered from recorded runs.

Every target is built from the store's records of the runs being evaluated; its ``key``
(``pipeline:NAME``, ``stage:PIPELINE.STAGE``, ``dataset:NAMESPACE:NAME``,
``model:NAME@VERSION``) names it in verdicts and is what waivers match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from govern.policies.model import TargetKind
from govern.types import DatasetRef, DatasetVersion, ModelVersion, RunInfo, StageResult

__all__ = [
    "DatasetTarget",
    "ModelTarget",
    "PipelineTarget",
    "StageTarget",
    "Target",
    "dataset_key",
    "model_key",
]


def dataset_key(ref: DatasetRef) -> str:
    """``dataset:NAMESPACE:NAME``, as lineage renders a dataset node."""
    return f"dataset:{ref.namespace}:{ref.name}"


def model_key(name: str, version: int) -> str:
    """``model:NAME@VERSION``, as lineage renders a model node."""
    return f"model:{name}@{version}"


@dataclass(frozen=True, slots=True)
class PipelineTarget:
    """A pipeline, judged by its run (None when the pipeline has never run)."""

    kind: ClassVar[TargetKind] = TargetKind.PIPELINE
    name: str
    run: RunInfo | None
    stages: tuple[StageResult, ...] = ()

    @property
    def key(self) -> str:
        """``pipeline:NAME``."""
        return f"pipeline:{self.name}"

    @property
    def pipeline(self) -> str:
        """The pipeline's name."""
        return self.name

    @property
    def run_id(self) -> str | None:
        """The run judged."""
        return None if self.run is None else self.run.id


@dataclass(frozen=True, slots=True)
class StageTarget:
    """A stage of a pipeline, with every call of it in the run."""

    kind: ClassVar[TargetKind] = TargetKind.STAGE
    pipeline: str
    name: str
    run: RunInfo
    calls: tuple[StageResult, ...]

    @property
    def key(self) -> str:
        """``stage:PIPELINE.STAGE`` (the OpenLineage job name)."""
        return f"stage:{self.pipeline}.{self.name}"

    @property
    def run_id(self) -> str:
        """The run the calls belong to."""
        return self.run.id


@dataclass(frozen=True, slots=True)
class DatasetTarget:
    """A dataset a run read or wrote, with each stage call that saw it.

    ``tags`` come from the policy packs' ``tags: datasets:`` mappings.
    """

    kind: ClassVar[TargetKind] = TargetKind.DATASET
    ref: DatasetRef
    run: RunInfo
    versions: tuple[tuple[StageResult, DatasetVersion], ...]
    tags: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """``dataset:NAMESPACE:NAME``."""
        return dataset_key(self.ref)

    @property
    def pipeline(self) -> str:
        """The pipeline of the run it was seen in."""
        return self.run.name

    @property
    def run_id(self) -> str:
        """The run it was seen in."""
        return self.run.id


@dataclass(frozen=True, slots=True)
class ModelTarget:
    """A model version a run produced.

    ``tags`` are the model card's ``tags`` plus the packs' ``tags: models:`` mappings
    plus its lifecycle ``stage`` (from the packs' ``model_stages:``), if any.
    """

    kind: ClassVar[TargetKind] = TargetKind.MODEL
    model: ModelVersion
    run: RunInfo
    tags: frozenset[str] = frozenset()
    stage: str | None = None

    @property
    def key(self) -> str:
        """``model:NAME@VERSION``."""
        return model_key(self.model.name, self.model.version)

    @property
    def pipeline(self) -> str:
        """The pipeline that trained it."""
        return self.run.name

    @property
    def run_id(self) -> str:
        """The run that trained it."""
        return self.run.id


Target = PipelineTarget | StageTarget | DatasetTarget | ModelTarget
