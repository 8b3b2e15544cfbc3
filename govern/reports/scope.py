"""What an audit report covers: one run, a pipeline over a period, or a model version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

from govern.errors import ReportError

if TYPE_CHECKING:
    from govern.store import Store
    from govern.types import ModelVersion, RunInfo

__all__ = ["EmptyScopeError", "Scope", "parse_model_ref", "parse_since", "resolve_scope"]


class EmptyScopeError(ReportError, LookupError):
    """Nothing recorded matches the requested scope (no such run, pipeline or model)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """The runs a report covers, oldest first, and how they were chosen."""

    kind: Literal["run", "pipeline", "model"]
    runs: tuple[RunInfo, ...]
    description: str
    pipeline: str | None = None
    since: datetime | None = None
    model: ModelVersion | None = None

    def to_dict(self) -> dict[str, Any]:
        """The scope as the report header shows it."""
        return {
            "kind": self.kind,
            "description": self.description,
            "pipeline": self.pipeline,
            "since": None if self.since is None else self.since.isoformat(),
            "model": None if self.model is None else str(self.model.ref),
            "run_ids": [r.id for r in self.runs],
        }


def parse_since(value: str | date | datetime) -> datetime:
    """``2026-01-31`` or an ISO 8601 date-time; naive values are taken as UTC.

    Raises:
        ReportError: not a date.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ReportError(
                f"--since {value!r} is not a date; use YYYY-MM-DD or an ISO 8601 date-time"
            ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_model_ref(text: str) -> tuple[str, int | None]:
    """``NAME``, ``NAME@VERSION`` or ``NAME@latest``.

    Raises:
        ReportError: a version that is not a whole number.
    """
    name, at, version = text.strip().rpartition("@")
    if not at:
        return text.strip(), None
    if version == "latest" and name:
        return name, None
    if version.isdigit() and name:
        return name, int(version)
    raise ReportError(f"{text!r} is not NAME or NAME@VERSION (VERSION a whole number or latest)")


def resolve_scope(
    store: Store,
    *,
    run: str | None = None,
    pipeline: str | None = None,
    since: str | date | datetime | None = None,
    model: str | None = None,
) -> Scope:
    """Choose the runs of a report; with nothing given, the latest run.

    Raises:
        ReportError: more than one kind of scope given, or a malformed value.
        EmptyScopeError: nothing recorded matches.
    """
    chosen = [name for name, value in (("--run", run), ("--model", model)) if value]
    if pipeline or since is not None:
        chosen.append("--pipeline/--since")
    if len(chosen) > 1:
        raise ReportError(f"choose one scope, not {' and '.join(chosen)}")
    if model:
        return _model_scope(store, model)
    if pipeline or since is not None:
        return _period_scope(store, pipeline, None if since is None else parse_since(since))
    found = store.run(run or "latest")
    return Scope("run", (found,), f"run {found.id} of pipeline {found.name}")


def _period_scope(store: Store, pipeline: str | None, since: datetime | None) -> Scope:
    found = store.runs(pipeline=pipeline, since=since)
    what = f"pipeline {pipeline}" if pipeline else "all pipelines"
    when = f" since {since.isoformat()}" if since is not None else ""
    if not found:
        raise EmptyScopeError(f"no runs of {what}{when} are recorded in {store.location}")
    # oldest first, in the record's own order (never a clock: a skewed run stays in place)
    ordered = tuple(reversed(found))
    return Scope(
        "pipeline",
        ordered,
        f"{len(ordered)} run(s) of {what}{when}",
        pipeline=pipeline,
        since=since,
    )


def _model_scope(store: Store, ref: str) -> Scope:
    name, version = parse_model_ref(ref)
    found = store.model(name, version)
    run_ids = {found.run_id}
    # the runs that produced the training data (when not the training run itself)
    for dataset in found.training_datasets:
        for usage in store.dataset_usages(dataset.ref.name, dataset.ref.namespace):
            if any(
                d.role == "output"
                and d.ref.name == dataset.ref.name
                and d.ref.namespace == dataset.ref.namespace
                and d.fingerprint == dataset.fingerprint
                for d in usage.datasets
            ):
                run_ids.add(usage.run_id)
    runs = tuple(r for r in reversed(store.runs()) if r.id in run_ids)  # chain order
    return Scope(
        "model",
        runs,
        f"model {found.ref} and the {len(runs)} run(s) behind it",
        model=found,
    )
