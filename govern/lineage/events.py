"""Stored records -> OpenLineage RunEvents: a pure mapping, so events can always be rebuilt.

Each pipeline run is a job (``<pipeline>``, jobType DAG) with a START event when it
opens and a COMPLETE, FAIL or ABORT event when it ends. Each stage call is a job
(``<pipeline>.<stage>``, jobType TASK) whose run is the stage run: a START event, then a
COMPLETE or FAIL event carrying the inputs with their data-quality facets, the outputs
with their statistics, the model produced, and the gate verdict. Run ids are the
record's UUIDv7 ids and event times the recorded times, so an event rebuilt later (a
replay) is the same event.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import attr
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    BaseFacet,
    DatasetFacet,
    InputDatasetFacet,
    JobFacet,
    OutputDatasetFacet,
    RunFacet,
    dataset_type_dataset,
    dataset_version_dataset,
    documentation_job,
    error_message_run,
    execution_parameters_run,
    job_type_job,
    parent_run,
    processing_engine_run,
    source_code_location_job,
)
from openlineage.client.serde import Serde

from govern._version import __version__
from govern.lineage import facets as f
from govern.lineage import quality as q
from govern.lineage.redact import REDACTED, is_secret_name, redact_text
from govern.store.codec import decode_stage, parse_datetime
from govern.store.index import RUN_ENDED, RUN_STARTED, STAGE
from govern.store.report import LedgerRecord
from govern.types import DatasetVersion, RunInfo, RunStatus, StageResult, Status

__all__ = [
    "INTEGRATION",
    "PRODUCER",
    "EventContext",
    "record_events",
    "run_end",
    "run_start",
    "stage_events",
    "to_dict",
    "to_json",
]

INTEGRATION = "GOVERN"
PRODUCER = f"https://github.com/govern-dev/govern/tree/v{__version__}"
"""The ``producer`` of every event and facet govern writes."""

_MAX_PARAMETER = 2000
_END_STATE = {
    RunStatus.COMPLETED: RunState.COMPLETE,
    RunStatus.FAILED: RunState.FAIL,
    RunStatus.ABORTED: RunState.ABORT,
}


@dataclass(frozen=True)
class EventContext:
    """What the mapping needs besides the record.

    Attributes:
        pii_columns: columns whose values never appear (and whose statistics are only
            counts) in events, on top of what the record already withholds.
        repo_url: the repository's URL for the sourceCodeLocation facet (the record
            holds the commit); None leaves the facet out.
        model_namespaces: namespace of each model version used, by (name, version);
            a model not listed is taken to be in the run's namespace.
    """

    pii_columns: frozenset[str] = frozenset()
    repo_url: str | None = None
    model_namespaces: Mapping[tuple[str, int], str] = field(default_factory=dict)


def record_events(record: LedgerRecord, run: RunInfo, ctx: EventContext) -> list[RunEvent]:
    """The events of one ledger record (none for kinds that are not lineage)."""
    if record.kind == RUN_STARTED:
        return [run_start(run, ctx)]
    if record.kind == RUN_ENDED:
        data = record.data
        event = run_end(run, RunStatus(data["status"]), parse_datetime(data["ended_at"]), ctx)
        # the chain head at run end, carried to every consumer of the events (issue 14)
        checkpoint = f.GovernCheckpointRunFacet(seq=record.seq, head=record.hash)
        _stamp(checkpoint)
        event.run.facets = {**(event.run.facets or {}), "govern_checkpoint": checkpoint}
        return [event]
    if record.kind == STAGE:
        return list(stage_events(run, decode_stage(record.data), ctx))
    return []


def run_start(run: RunInfo, ctx: EventContext) -> RunEvent:
    """START of the pipeline run's job."""
    return _event(RunState.START, run.started_at, _pipeline_run(run), _pipeline_job(run, ctx))


def run_end(run: RunInfo, status: RunStatus, ended_at: datetime, ctx: EventContext) -> RunEvent:
    """COMPLETE, FAIL or ABORT of the pipeline run's job."""
    state = _END_STATE.get(status, RunState.OTHER)
    return _event(state, ended_at, _pipeline_run(run), _pipeline_job(run, ctx))


def stage_events(run: RunInfo, result: StageResult, ctx: EventContext) -> tuple[RunEvent, RunEvent]:
    """START and COMPLETE (or FAIL) of one stage call."""
    pii = ctx.pii_columns
    job = _stage_job(run, result, ctx)
    inputs = _unique(d for d in result.datasets if d.role == "input")
    outputs = _unique(d for d in result.datasets if d.role == "output")
    start = _event(
        RunState.START,
        result.started_at,
        Run(runId=result.stage_run_id, facets=_stage_run_facets(run, result)),
        job,
        inputs=[InputDataset(*_names(d), facets=f.dataset_facets(d, pii)) for d in inputs],
    )
    facets = _stage_run_facets(run, result)
    facets["govern_gate"] = f.gate_facet(result, {d.ref.name for d in outputs}, pii)
    read = {d.ref.name for d in inputs}
    unattached = q.tests([c for c in result.checks if c.dataset not in read])
    if unattached is not None:
        facets["test"] = unattached
    failed = result.status is Status.FAILED
    if failed:
        facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=redact_text(result.error or _gate_failure(result)),
            programmingLanguage="PYTHON",
        )
    end = _event(
        RunState.FAIL if failed else RunState.COMPLETE,
        result.ended_at,
        Run(runId=result.stage_run_id, facets=facets),
        job,
        inputs=[_input(d, result, pii) for d in inputs] + _models_used(run, result, ctx),
        outputs=[_output(d, pii) for d in outputs] + _model_output(run, result),
    )
    return start, end


def to_dict(event: RunEvent) -> dict[str, Any]:
    """The event as JSON-safe data, as transports send it (nulls dropped)."""
    return Serde.to_dict(event)


def to_json(event: RunEvent) -> str:
    """One line of JSON (keys sorted; non-finite numbers are refused)."""
    return json.dumps(to_dict(event), sort_keys=True, separators=(",", ":"), allow_nan=False)


# -- jobs and runs --------------------------------------------------------------------


def _event(
    state: RunState,
    when: datetime,
    run: Run,
    job: Job,
    *,
    inputs: list[InputDataset] | None = None,
    outputs: list[OutputDataset] | None = None,
) -> RunEvent:
    event = RunEvent(
        eventType=state,
        eventTime=when.isoformat(),
        run=run,
        job=job,
        inputs=inputs or [],
        outputs=outputs or [],
        producer=PRODUCER,
    )
    _stamp(event)
    return event


def _stamp(value: Any) -> None:
    """Every facet in the event names govern as its producer."""
    if isinstance(value, BaseFacet):
        value._producer = PRODUCER
    if isinstance(value, dict):
        for item in value.values():
            _stamp(item)
    elif isinstance(value, list):
        for item in value:
            _stamp(item)
    elif attr.has(type(value)):
        for a in attr.fields(type(value)):
            if a.name not in ("_producer", "_schemaURL"):
                _stamp(getattr(value, a.name))


def _job_type(kind: str) -> job_type_job.JobTypeJobFacet:
    return job_type_job.JobTypeJobFacet(
        processingType="BATCH", integration=INTEGRATION, jobType=kind
    )


def _job_facets(run: RunInfo, ctx: EventContext, kind: str) -> dict[str, JobFacet]:
    facets: dict[str, JobFacet] = {"jobType": _job_type(kind)}
    git = run.environment.get("git")
    commit = git.get("commit") if isinstance(git, Mapping) else None
    if ctx.repo_url:
        facets["sourceCodeLocation"] = source_code_location_job.SourceCodeLocationJobFacet(
            type="git",
            url=ctx.repo_url,
            repoUrl=ctx.repo_url,
            version=str(commit) if commit else None,
        )
    return facets


def _pipeline_job(run: RunInfo, ctx: EventContext) -> Job:
    return Job(namespace=run.namespace, name=run.name, facets=_job_facets(run, ctx, "DAG"))


def _stage_job(run: RunInfo, result: StageResult, ctx: EventContext) -> Job:
    facets = _job_facets(run, ctx, "TASK")
    if result.doc and result.doc.strip():
        facets["documentation"] = documentation_job.DocumentationJobFacet(
            description=redact_text(result.doc.strip()), contentType="text/plain"
        )
    return Job(namespace=run.namespace, name=f"{run.name}.{result.stage}", facets=facets)


def _engine(run: RunInfo) -> processing_engine_run.ProcessingEngineRunFacet:
    packages = run.environment.get("packages")
    versions = packages if isinstance(packages, Mapping) else {}
    return processing_engine_run.ProcessingEngineRunFacet(
        version=str(versions.get("govern") or __version__),
        name="govern",
        openlineageAdapterVersion=versions.get("openlineage-python"),
    )


def _orchestrator(run: RunInfo, key: str) -> Mapping[str, str] | None:
    """The orchestrator's parent or root run recorded at run start (environment capture)."""
    found = run.environment.get("openlineage_parent")
    item = found.get(key) if isinstance(found, Mapping) else None
    return item if isinstance(item, Mapping) else None


def _pipeline_run(run: RunInfo) -> Run:
    facets: dict[str, RunFacet] = {"processing_engine": _engine(run)}
    parent, root = _orchestrator(run, "parent"), _orchestrator(run, "root")
    if parent is not None and root is not None:  # run inside an orchestrator's task
        facets["parent"] = parent_run.ParentRunFacet(
            run=parent_run.Run(runId=parent["run_id"]),
            job=parent_run.Job(namespace=parent["namespace"], name=parent["name"]),
            root=parent_run.Root(
                run=parent_run.RootRun(runId=root["run_id"]),
                job=parent_run.RootJob(namespace=root["namespace"], name=root["name"]),
            ),
        )
    return Run(runId=run.id, facets=facets)


def _stage_run_facets(run: RunInfo, result: StageResult) -> dict[str, RunFacet]:
    top = _orchestrator(run, "root") or {
        "run_id": run.id,
        "namespace": run.namespace,
        "name": run.name,
    }
    facets: dict[str, RunFacet] = {
        "parent": parent_run.ParentRunFacet(
            run=parent_run.Run(runId=run.id),
            job=parent_run.Job(namespace=run.namespace, name=run.name),
            root=parent_run.Root(
                run=parent_run.RootRun(runId=top["run_id"]),
                job=parent_run.RootJob(namespace=top["namespace"], name=top["name"]),
            ),
        ),
        "processing_engine": _engine(run),
    }
    parameters = _parameters(result)
    if parameters:
        facets["executionParameters"] = execution_parameters_run.ExecutionParametersRunFacet(
            parameters=parameters
        )
    return facets


def _parameters(result: StageResult) -> list[execution_parameters_run.ExecutionParameter]:
    values: dict[str, Any] = {str(k): v for k, v in result.params.items()}
    if result.model is not None:
        values.update({f"hyperparameters.{k}": v for k, v in result.model.hyperparameters.items()})
    return [
        execution_parameters_run.ExecutionParameter(key=key, value=_parameter_value(key, value))
        for key, value in sorted(values.items())
    ]


def _parameter_value(key: str, value: Any) -> str:
    if is_secret_name(key.rsplit(".", 1)[-1]):
        return REDACTED
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = redact_text(text)
    return text if len(text) <= _MAX_PARAMETER else text[: _MAX_PARAMETER - 3] + "..."


def _gate_failure(result: StageResult) -> str:
    """Why a stage failed without an exception: its blocking checks (no failing values)."""
    blocking = [c for c in result.failed_checks if c.blocking] or list(result.failed_checks)
    parts = [
        f"{c.dataset}{'.' + c.column if c.column else ''}: {c.check} ({c.failed_count} failing)"
        for c in blocking
    ]
    return f"stage {result.stage!r} failed its gates: " + "; ".join(parts)


# -- datasets -------------------------------------------------------------------------


def _names(dv: DatasetVersion) -> tuple[str, str]:
    return f.event_name(dv.ref)


def _unique(datasets: Any) -> list[DatasetVersion]:
    """One entry per dataset (the same frame passed twice is one input)."""
    seen: set[tuple[str, str]] = set()
    found: list[DatasetVersion] = []
    for dv in datasets:
        key = (dv.ref.namespace, dv.ref.name)
        if key not in seen:
            seen.add(key)
            found.append(dv)
    return found


def _input(dv: DatasetVersion, result: StageResult, pii: Collection[str]) -> InputDataset:
    facets: dict[str, InputDatasetFacet] = {}
    metrics = q.input_metrics(dv, pii)
    if metrics is not None:
        facets["dataQualityMetrics"] = metrics
    checked = q.assertions([c for c in result.checks if c.dataset == dv.ref.name])
    if checked is not None:
        facets["dataQualityAssertions"] = checked
    return InputDataset(*_names(dv), facets=f.dataset_facets(dv, pii), inputFacets=facets)


def _output(dv: DatasetVersion, pii: Collection[str]) -> OutputDataset:
    dataset_facets: dict[str, DatasetFacet] = f.dataset_facets(dv, pii)
    metrics = q.output_metrics(dv, pii)
    if metrics is not None:
        dataset_facets["dataQualityMetrics"] = metrics
    facets: dict[str, OutputDatasetFacet] = {}
    statistics = q.output_statistics(dv)
    if statistics is not None:
        facets["outputStatistics"] = statistics
    return OutputDataset(*_names(dv), facets=dataset_facets, outputFacets=facets)


def _models_used(run: RunInfo, result: StageResult, ctx: EventContext) -> list[InputDataset]:
    return [
        InputDataset(
            *f.model_name(ctx.model_namespaces.get((m.name, m.version), run.namespace), m.name),
            facets={
                "version": dataset_version_dataset.DatasetVersionDatasetFacet(
                    datasetVersion=str(m.version)
                ),
                "datasetType": dataset_type_dataset.DatasetTypeDatasetFacet(datasetType="MODEL"),
            },
        )
        for m in result.models_used
    ]


def _model_output(run: RunInfo, result: StageResult) -> list[OutputDataset]:
    if result.model is None:
        return []
    return [
        OutputDataset(
            *f.model_name(run.namespace, result.model.name), facets=f.model_facets(result.model)
        )
    ]
