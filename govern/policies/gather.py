"""Which runs are evaluated, and the targets they hold.

By default the latest run of each pipeline is evaluated; ``--run`` picks one run and
``--latest`` the newest run of any pipeline. Pipelines named in a rule's scope that have
never run become targets too (with no run), so "it never ran" is a verdict, not silence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from govern.policies.context import RuleContext
from govern.policies.model import TargetKind
from govern.policies.targets import (
    DatasetTarget,
    ModelTarget,
    PipelineTarget,
    StageTarget,
    Target,
    dataset_key,
)
from govern.types import DatasetKind, DatasetRef, DatasetVersion, RunInfo, StageResult

__all__ = ["Targets", "gather", "select_runs"]

_GLOB = set("*?[")


def select_runs(ctx: RuleContext, run_id: str | None, latest: bool) -> list[RunInfo]:
    """The runs to evaluate: one by id, the newest, or the latest of each pipeline.

    Raises:
        RunNotFoundError: no such run, or no run is recorded at all.
    """
    store = ctx.store
    if run_id is not None or latest:
        chosen = [store.run(run_id or "latest")]
    else:
        newest: dict[str, RunInfo] = {}
        for run in store.runs():  # newest first
            newest.setdefault(run.name, run)
        chosen = list(newest.values())
        if not chosen:
            chosen = [store.run("latest")]  # raises RunNotFoundError: "no runs recorded"
    for run in chosen:
        ctx.remember_run(run)
    return chosen


@dataclass
class Targets:
    """Targets of each kind, in a stable order (runs newest first, then call order)."""

    by_kind: dict[TargetKind, list[Target]] = field(
        default_factory=lambda: {kind: [] for kind in TargetKind}
    )

    def of(self, kind: TargetKind) -> list[Target]:
        """Targets of one kind."""
        return self.by_kind[kind]


def gather(
    ctx: RuleContext, runs: Sequence[RunInfo], missing_pipelines: Iterable[str] = ()
) -> Targets:
    """Every pipeline, stage, dataset and model target of ``runs``.

    Args:
        ctx: the evaluation's context (stage calls are read through it, once).
        runs: the runs evaluated.
        missing_pipelines: pipeline names a scope asks for by exact name; those without
            a run among ``runs`` become pipeline targets with no run.
    """
    targets = Targets()
    datasets: dict[str, tuple[DatasetRef, RunInfo, list[tuple[StageResult, DatasetVersion]]]] = {}
    ctx.prefetch_stage_runs([run.id for run in runs])
    for run in runs:
        calls = ctx.stage_runs(run.id)
        targets.of(TargetKind.PIPELINE).append(PipelineTarget(run.name, run, calls))
        by_stage: dict[str, list[StageResult]] = {}
        for call in calls:
            by_stage.setdefault(call.stage, []).append(call)
            for version in call.datasets:
                if version.ref.kind is DatasetKind.MODEL:
                    continue
                key = dataset_key(version.ref)
                entry = datasets.setdefault(key, (version.ref, run, []))
                entry[2].append((call, version))
            if call.model is not None and call.model.version > 0:
                targets.of(TargetKind.MODEL).append(
                    ModelTarget(
                        model=call.model,
                        run=run,
                        tags=ctx.model_tags(call.model),
                        stage=ctx.model_stage(call.model.name, call.model.version),
                    )
                )
        for name, stage_calls in by_stage.items():
            targets.of(TargetKind.STAGE).append(
                StageTarget(run.name, name, run, tuple(stage_calls))
            )
    for ref, run, versions in datasets.values():
        targets.of(TargetKind.DATASET).append(
            DatasetTarget(ref, run, tuple(versions), ctx.dataset_tags(ref))
        )
    seen = {run.name for run in runs}
    for name in missing_pipelines:
        if name not in seen and not (_GLOB & set(name)):
            seen.add(name)
            targets.of(TargetKind.PIPELINE).append(PipelineTarget(name, None))
    return targets
