"""Rich display in Jupyter: ``_repr_html_`` of StageResult, RunInfo, Run and ModelVersion.

The types call these lazily (``govern.types`` has no third-party imports); the fragments
render through the same autoescaping templates as the reports (``repr.html.j2``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govern.reports.context.common import (
    check_entry,
    dataset_entry,
    iso,
    model_entry,
    stage_entry,
)
from govern.types import ModelVersion, RunInfo, StageResult

__all__ = ["model_html", "run_html", "stage_html"]


def _render(kind: str, item: dict[str, Any]) -> str:
    from govern.config import settings
    from govern.reports.templating import render_template

    return render_template(
        "html", "repr.html.j2", {"kind": kind, "item": item}, settings().templates
    )


def _stage(result: StageResult) -> dict[str, Any]:
    from govern.config import settings

    current = settings()
    pii = frozenset(current.pii_columns)
    return {
        **stage_entry(result),
        "failed": [check_entry(c, pii, current.sample_size) for c in result.checks if not c.passed],
        "datasets": [dataset_entry(d, pii) for d in result.datasets],
        "quarantine": [
            {"dataset": q.dataset, "rows": q.rows, "path": q.path} for q in result.quarantine
        ],
    }


def stage_html(result: StageResult) -> str:
    """A stage call: status, timings, failed checks (redacted samples), datasets, quarantine."""
    return _render("stage", _stage(result))


def run_html(
    run: RunInfo | None,
    stages: Sequence[StageResult] | None,
    *,
    run_id: str = "",
    name: str = "",
    status: str = "",
) -> str:
    """A run and its stages when known.

    ``run`` is a RunInfo record; a live ``govern.Run`` passes None and its id, name and
    status instead.
    """
    item = {
        "id": run.id if run else run_id,
        "name": run.name if run else name,
        "status": str(run.status) if run else str(status),
        "started_at": iso(run.started_at) if run else None,
        "ended_at": iso(run.ended_at) if run else None,
        "stages": None if stages is None else [stage_entry(s) for s in stages],
    }
    return _render("run", item)


def model_html(model: ModelVersion) -> str:
    """A model version: facts, metrics, slices, training data."""
    item = model_entry(model)
    item["training_datasets"] = [
        {
            "name": d.ref.name,
            "parameter": d.parameter,
            "rows": d.row_count,
            "fingerprint": d.fingerprint,
        }
        for d in model.training_datasets
    ]
    return _render("model", item)
