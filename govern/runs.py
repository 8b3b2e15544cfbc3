"""Pipeline runs: ``govern.run(name)`` and the implicit run of a stage called on its own."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from govern.config import settings
from govern.datasets import IdentityRegistry
from govern.errors import GovernError
from govern.ids import uuid7
from govern.names import name_problem
from govern.recording import Recorder
from govern.types import DatasetRef, RunInfo, RunStatus, StageResult, Status

__all__ = ["Run", "current_run", "open_run", "run"]

_current: ContextVar[Run | None] = ContextVar("govern_run", default=None)


class Run:
    """One pipeline run: its id (UUIDv7), name, status and the stages called in it."""

    def __init__(
        self,
        name: str,
        namespace: str,
        recorder: Recorder,
        *,
        implicit: bool,
        parent: Mapping[str, Any] | None = None,
    ) -> None:
        self.id = uuid7()
        self.name = name
        self.namespace = namespace
        self.status = RunStatus.RUNNING
        self.stages: list[StageResult] = []
        self.started_at = datetime.now(UTC)
        self.ended_at: datetime | None = None
        self.implicit = implicit
        self.outputs: IdentityRegistry[DatasetRef] = (
            IdentityRegistry()
        )  # frames returned by this run's stages
        self._recorder = recorder
        # the orchestrator run this one runs in, given by an integration (govern.integrations)
        # rather than read from OPENLINEAGE_PARENT_* variables: {"parent": ..., "root": ...}
        self.parent = parent

    def record(self, result: StageResult) -> StageResult:
        """Record a stage result in the store and in this run."""
        recorded = self._recorder.record_stage(result)
        self.stages.append(recorded)
        return recorded

    def info(self) -> RunInfo:
        """This run as a RunInfo record."""
        from govern.environment import capture

        environment = capture()
        if self.parent is not None:
            environment["openlineage_parent"] = dict(self.parent)
        return RunInfo(
            id=self.id,
            name=self.name,
            namespace=self.namespace,
            status=self.status,
            started_at=self.started_at,
            ended_at=self.ended_at,
            pid=os.getpid(),
            host=socket.gethostname(),
            environment=environment,
        )

    def __repr__(self) -> str:
        return f"<Run {self.name!r} {self.id} {self.status} stages={len(self.stages)}>"

    def _repr_html_(self) -> str:
        # Jupyter display: this run's stages as recorded (rendering in govern.reports)
        from govern.reports.notebook import run_html

        return run_html(None, self.stages, run_id=self.id, name=self.name, status=self.status)


def current_run() -> Run | None:
    """The run the current context is in, if any."""
    return _current.get()


@contextmanager
def open_run(
    name: str,
    *,
    namespace: str | None = None,
    implicit: bool = False,
    parent: Mapping[str, Any] | None = None,
) -> Iterator[Run]:
    """Open a run, make it current, record its start and end.

    ``parent`` (``{"parent": {namespace, name, run_id}, "root": {...}}``, as
    ``govern.environment.orchestrator_parent`` returns it) is the orchestrator run this
    one runs in; None reads it from the environment (``OPENLINEAGE_PARENT_*``).
    """
    cfg = settings()
    recorder = Recorder(cfg)
    active = Run(name, namespace or cfg.namespace, recorder, implicit=implicit, parent=parent)
    recorder.begin_run(active.info())
    token = _current.set(active)
    try:
        yield active
    except BaseException:
        active.status = RunStatus.FAILED
        raise
    else:
        failed = any(s.status is Status.FAILED for s in active.stages)
        active.status = RunStatus.FAILED if failed else RunStatus.COMPLETED
    finally:
        _current.reset(token)
        active.ended_at = datetime.now(UTC)
        recorder.end_run(active.id, active.status, active.ended_at)


def run(name: str, *, namespace: str | None = None) -> AbstractContextManager[Run]:
    """A context manager for one pipeline run; stages called inside belong to it.

    Args:
        name: the pipeline's name (jobs in lineage are named ``<name>.<stage>``).
        namespace: OpenLineage namespace; default the configured one (the project name).

    Example:
        >>> with govern.run("penguins") as r:   # doctest: +SKIP
        ...     model = train(clean(raw))
        >>> r.status
        'completed'
    """
    if not isinstance(name, str) or not name.strip():
        raise GovernError(f"govern.run() needs a non-empty pipeline name, got {name!r}")
    problem = name_problem(name, "govern.run(): the pipeline name")
    if problem:
        raise GovernError(problem)
    return open_run(name, namespace=namespace)
