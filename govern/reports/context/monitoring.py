"""The monitoring section: each dataset's metric history, its anomalies and its drift.

For every dataset the report's stage calls recorded a summary of: the history of its
versions up to the newest in scope (the last ``HISTORY`` of them) as charts -- row count;
per column the null fraction and a location metric (the median of a numeric column, the
share of the most frequent value of a categorical one) -- with the versions a
``stable:*`` check flagged marked; the anomalies as a table; and the drift of the newest
version against the ``WINDOW`` versions before it (govern.monitoring.drift). The model
card's input drift since training is built here too (``training_drift``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from govern.monitoring.drift import Drift, compare, of_summary, window
from govern.monitoring.recorded import Sighting, short_version, sightings
from govern.monitoring.summary import ColumnSummary, DatasetSummary
from govern.reports.history import history_chart

if TYPE_CHECKING:
    from govern.store import Store
    from govern.types import DatasetVersion, StageResult

__all__ = ["HISTORY", "WINDOW", "drift_entry", "monitoring_section", "training_drift"]

HISTORY = 60
"""Versions drawn per chart (the newest)."""
WINDOW = 30
"""Versions before the newest its drift is measured against."""
_COLUMNS = 12  # columns charted per dataset
_LOCATION = {"stable:mean", "stable:median", "stable:p05", "stable:p95", "stable:std"}
_SHARE = {"stable:frequency_shift", "stable:new_categories", "stable:vanished_categories"}


def _summarised(dv: DatasetVersion) -> bool:
    return dv.summary is not None


def _location(column: ColumnSummary | None, top: str | None) -> float | None:
    if column is None:
        return None
    if column.kind == "numeric":
        found = column.quantiles((0.5,))
        return None if found is None else found[0.5]
    if column.kind == "categorical" and top is not None:
        total = sum(c for _, c in column.top) + column.other
        return dict(column.top).get(top, 0) / total if total else None
    return None


def _flagged(s: Sighting, checks: set[str], column: str | None) -> bool:
    return any(c.check in checks and c.column == column for c in s.anomalies)


def _charts(history: Sequence[Sighting]) -> list[dict[str, Any]]:
    labels = [s.label for s in history]
    charts = [
        history_chart(
            "row count",
            [s.summary.rows for s in history],
            labels,
            [_flagged(s, {"stable:row_count"}, None) for s in history],
        )
    ]
    newest = history[-1].summary
    for column in newest.columns[:_COLUMNS]:
        name = column.name
        cols = [s.summary.column(name) for s in history]
        charts.append(
            history_chart(
                f"{name}: null fraction",
                [c.null_fraction if c is not None else None for c in cols],
                labels,
                [_flagged(s, {"stable:null_fraction"}, name) for s in history],
                fraction=True,
            )
        )
        top = column.top[0][0] if column.kind == "categorical" and column.top else None
        if column.kind == "numeric" or top is not None:
            what = "median" if column.kind == "numeric" else f"share of {top!r}"
            charts.append(
                history_chart(
                    f"{name}: {what}",
                    [_location(c, top) for c in cols],
                    labels,
                    [_flagged(s, _LOCATION | _SHARE, name) for s in history],
                    fraction=column.kind != "numeric",
                )
            )
    return charts


def drift_entry(found: Drift) -> dict[str, Any]:
    """A drift as the templates show it (JSON-able)."""
    return found.to_dict()


def _dataset(
    store: Store, namespace: str, name: str, newest_seen: str | None
) -> dict[str, Any] | None:
    full = sightings(store.dataset_usages(name, namespace), namespace, name)
    if newest_seen is not None:  # the history up to the newest version in scope
        last = max((s.index for s in full if s.run_id == newest_seen), default=len(full) - 1)
        full = full[: last + 1]
    if not full:
        return None
    history = full[-HISTORY:]
    newest = full[-1]
    before = full[max(0, newest.index - WINDOW) : newest.index]
    drift = None
    if before:
        reference = window([s.summary for s in before], [s.label for s in before])
        drift = drift_entry(compare(reference, of_summary(newest.summary, newest.label)))
    anomalies = [
        {
            "version": s.label,
            "stage": s.stage,
            "check": c.check,
            "column": c.column,
            "severity": str(c.severity),
            "message": c.message,
            "expected": c.expected,
        }
        for s in history
        for c in s.anomalies
    ]
    not_run = sum(1 for c in newest.checks if c.outcome == "not_run")
    return {
        "dataset": f"{namespace}:{name}",
        "unreadable": None,
        "versions": len(full),
        "shown": len(history),
        "newest": newest.label,
        "charts": _charts(history) if len(history) > 1 else [],  # a point is no history
        "anomalies": anomalies,
        "checks": len(newest.checks),
        "not_run": not_run,
        "drift": drift,
    }


def monitoring_section(store: Store, stages: Sequence[StageResult]) -> list[dict[str, Any]]:
    """One entry per dataset with recorded summaries among ``stages`` (sorted by name)."""
    newest: dict[tuple[str, str], str] = {}
    for stage in stages:
        for dv in stage.datasets:
            if _summarised(dv):
                newest[(dv.ref.namespace, dv.ref.name)] = stage.run_id
    found = []
    for (namespace, name), run_id in sorted(newest.items()):
        try:
            entry = _dataset(store, namespace, name, run_id)
        except ValueError as err:  # a summary of a newer format: say so, draw the rest
            entry = {"dataset": f"{namespace}:{name}", "unreadable": str(err)}
        if entry is not None:
            found.append(entry)
    return found


def training_drift(
    training: Sequence[DatasetVersion], users: Sequence[StageResult]
) -> dict[str, Any] | None:
    """Drift of a model's inputs since training: the newest batch it scored, per column.

    ``training`` are the model's training datasets (evaluation data left out), ``users``
    the stage calls that used the model (record order). The newest call with an input
    summary is compared with the training dataset sharing the most columns with it (as
    ``Stable(against=model)`` picks it); None when either side has no summary.
    """
    trained = [dv for dv in training if _summarised(dv)]
    for call in reversed(users):
        inputs = [dv for dv in call.datasets if dv.role == "input" and _summarised(dv)]
        if not trained or not inputs:
            continue
        scored = inputs[0]
        columns = {n for n, _ in scored.schema}
        ref = max(trained, key=lambda dv: len(columns & {n for n, _ in dv.schema}))
        try:
            before = DatasetSummary.from_dict(ref.summary or {})
            after = DatasetSummary.from_dict(scored.summary or {})
        except ValueError as err:  # a summary of a newer format
            return {"unreadable": str(err)}
        found = compare(
            of_summary(before, short_version(ref.fingerprint or "") or "training data"),
            of_summary(after, short_version(scored.fingerprint or "") or "scored batch"),
        )
        return {
            "unreadable": None,
            "training_dataset": f"{ref.ref.namespace}:{ref.ref.name}",
            "scored_dataset": f"{scored.ref.namespace}:{scored.ref.name}",
            "scored_by": call.stage,
            "scored_run": call.run_id,
            "scored_at": call.started_at.isoformat(),
            **drift_entry(found),
        }
    return None
