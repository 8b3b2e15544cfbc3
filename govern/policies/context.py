"""What a rule may read: the store (through its reading API), the time, and the tags.

One RuleContext per evaluation; it caches what several rules ask for (a run's stage
calls, approvals, model versions) so an evaluation reads each record once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from govern.policies.model import Pack
from govern.types import DatasetRef, ModelVersion, RunInfo, RunStatus, StageResult

if TYPE_CHECKING:
    from govern.store import Store

__all__ = ["RuleContext", "matches"]


def matches(patterns: Iterable[str], *names: str) -> bool:
    """True when any of ``names`` matches any shell-style pattern (case-sensitive)."""
    return any(fnmatchcase(name, pattern) for pattern in patterns for name in names)


class RuleContext:
    """The read-only view a rule evaluates against.

    Attributes:
        store: the audit record (use only its reading API).
        now: the evaluation's time (UTC); rules about age use it, never the clock.
        packs: every policy pack being evaluated (for tags).
    """

    def __init__(self, store: Store, packs: Sequence[Pack], now: datetime) -> None:
        self.store = store
        self.now = now
        self.packs = tuple(packs)
        self._stage_runs: dict[str, tuple[StageResult, ...]] = {}
        self._runs: dict[str, RunInfo] = {}
        self._approvals: dict[str, dict[str, Any]] | None = None
        self._models: dict[tuple[str, int], ModelVersion | None] = {}

    # -- records ----------------------------------------------------------------------

    def stage_runs(self, run_id: str) -> tuple[StageResult, ...]:
        """A run's stage calls in call order (read once)."""
        found = self._stage_runs.get(run_id)
        if found is None:
            found = tuple(self.store.stage_runs(run_id))
            self._stage_runs[run_id] = found
        return found

    def prefetch_stage_runs(self, run_ids: Sequence[str]) -> None:
        """Read the stage calls of many runs in a few queries (not one per run)."""
        missing = [i for i in dict.fromkeys(run_ids) if i not in self._stage_runs]
        if missing:
            for run_id, calls in self.store.stage_runs_by_run(missing).items():
                self._stage_runs[run_id] = tuple(calls)

    def run(self, run_id: str) -> RunInfo:
        """One run by id (read once)."""
        found = self._runs.get(run_id)
        if found is None:
            found = self.store.run(run_id)
            self._runs[run_id] = found
        return found

    def remember_run(self, run: RunInfo) -> None:
        """Keep a run already read, so ``run()`` does not read it again."""
        self._runs[run.id] = run

    def latest_completed_run(self, pipeline: str) -> RunInfo | None:
        """The newest run of ``pipeline`` that completed, or None.

        Reads newest-first in widening pages, so a long history is not decoded whole.
        """
        limit = 20
        while True:
            page = self.store.runs(pipeline=pipeline, limit=limit)
            for run in page:
                if run.status is RunStatus.COMPLETED:
                    return run
            if len(page) < limit:
                return None
            limit *= 10

    def approvals(self) -> dict[str, dict[str, Any]]:
        """Sign-offs by ``NAME@VERSION`` (the latest record of each wins)."""
        if self._approvals is None:
            self._approvals = {r.record_id: r.data for r in self.store.records(kind="approval")}
        return self._approvals

    def model(self, name: str, version: int) -> ModelVersion | None:
        """A model version, or None when it is not recorded."""
        key = (name, version)
        if key not in self._models:
            from govern.store import ModelNotFoundError

            try:
                self._models[key] = self.store.model(name, version)
            except ModelNotFoundError:
                self._models[key] = None
        return self._models[key]

    # -- tags -------------------------------------------------------------------------

    def dataset_tags(self, ref: DatasetRef) -> frozenset[str]:
        """Tags the packs give a dataset (patterns match ``NAMESPACE:NAME`` or ``NAME``)."""
        names = (f"{ref.namespace}:{ref.name}", ref.name)
        return frozenset(
            tag
            for pack in self.packs
            for pattern, tags in pack.dataset_tags
            if matches((pattern,), *names)
            for tag in tags
        )

    def model_stage(self, name: str, version: int) -> str | None:
        """The lifecycle stage the packs give a model version (first match wins)."""
        for pack in self.packs:
            for pattern, stage in pack.model_stages:
                if matches((pattern,), name, f"{name}@{version}"):
                    return stage
        return None

    def model_tags(self, model: ModelVersion) -> frozenset[str]:
        """The card's ``tags``, the packs' tags for it, and its lifecycle stage."""
        names = (model.name, f"{model.name}@{model.version}")
        tags = {
            tag
            for pack in self.packs
            for pattern, pack_tags in pack.model_tags
            if matches((pattern,), *names)
            for tag in pack_tags
        }
        card_tags = model.card.get("tags")
        if isinstance(card_tags, str):
            tags.add(card_tags)
        elif isinstance(card_tags, list | tuple):
            tags.update(str(t) for t in card_tags)
        stage = self.model_stage(model.name, model.version)
        if stage:
            tags.add(stage)
        return frozenset(tags)
