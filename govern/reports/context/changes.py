"""What changed between two runs of a pipeline, or two versions of a model."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from govern.reports.context.common import safe
from govern.types import DatasetVersion, ModelVersion, StageResult

__all__ = ["compare_models", "compare_runs"]


def _delta(before: Any, after: Any) -> Any:
    numbers = all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v))
        for v in (before, after)
    )
    return safe(after - before) if numbers else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(safe(value), sort_keys=True)


def _keyed_stages(stages: Sequence[StageResult]) -> dict[str, StageResult]:
    # a stage called twice in one run is matched by its occurrence: clean, clean#2
    seen: dict[str, int] = {}
    keyed: dict[str, StageResult] = {}
    for stage in stages:
        seen[stage.stage] = seen.get(stage.stage, 0) + 1
        n = seen[stage.stage]
        keyed[stage.stage if n == 1 else f"{stage.stage}#{n}"] = stage
    return keyed


def _datasets(stage: StageResult) -> dict[str, DatasetVersion]:
    return {f"{d.role}:{d.parameter}": d for d in stage.datasets}


def schema_diff(before: DatasetVersion, after: DatasetVersion) -> dict[str, Any] | None:
    """Columns added, removed or retyped; None when the schemas match."""
    if before.schema == after.schema:  # the common case, decided without building dicts
        return None
    old, new = dict(before.schema), dict(after.schema)
    added = [c for c in new if c not in old]
    removed = [c for c in old if c not in new]
    retyped = [
        {"column": c, "before": old[c], "after": new[c]}
        for c in new
        if c in old and old[c] != new[c]
    ]
    if not (added or removed or retyped):
        return None
    return {"added": added, "removed": removed, "retyped": retyped}


def _flat_metrics(stage: StageResult) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    metrics = stage.model.metrics if stage.model is not None else stage.metrics
    slices = stage.model.slices if stage.model is not None else stage.slices
    for name, value in metrics.items():
        flat[str(name)] = value
    for slice_name, values in slices.items():
        for name, value in values.items():
            flat[f"{name} [{slice_name}]"] = value
    return flat


def compare_runs(
    previous: Sequence[StageResult] | None, current: Sequence[StageResult]
) -> dict[str, Any]:
    """Schema, row-count and metric changes of ``current`` against ``previous``."""
    if previous is None:
        return {
            "stages_added": [],
            "stages_removed": [],
            "schema": [],
            "row_counts": [],
            "metrics": [],
        }
    old, new = _keyed_stages(previous), _keyed_stages(current)
    schema: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    metrics: list[dict[str, Any]] = []
    for key, stage in new.items():
        before_stage = old.get(key)
        if before_stage is None:
            continue
        before_sets = _datasets(before_stage)
        for dkey, dv in _datasets(stage).items():
            prior = before_sets.get(dkey)
            if prior is None:
                continue
            diff = schema_diff(prior, dv)
            if diff is not None:
                schema.append({"stage": key, "dataset": dv.ref.name, "role": dv.role, **diff})
            rows.append(
                {
                    "stage": key,
                    "dataset": dv.ref.name,
                    "role": dv.role,
                    "parameter": dv.parameter,
                    "before": prior.row_count,
                    "after": dv.row_count,
                    "delta": _delta(prior.row_count, dv.row_count),
                    "changed": prior.row_count != dv.row_count,
                }
            )
        before_metrics = _flat_metrics(before_stage)
        for name, value in sorted(_flat_metrics(stage).items()):
            if name in before_metrics:
                prior_value = before_metrics[name]
                metrics.append(
                    {
                        "stage": key,
                        "metric": name,
                        "before": safe(prior_value),
                        "after": safe(value),
                        "delta": _delta(prior_value, value),
                        "changed": _text(prior_value) != _text(value),
                    }
                )
    return {
        "stages_added": [k for k in new if k not in old],
        "stages_removed": [k for k in old if k not in new],
        "schema": schema,
        "row_counts": rows,
        "metrics": metrics,
    }


def _pairs(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name in sorted(set(before) | set(after), key=str):
        b, a = before.get(name), after.get(name)
        out.append(
            {
                "name": str(name),
                "before": safe(b),
                "after": safe(a),
                "delta": _delta(b, a),
                "changed": _text(b) != _text(a),
            }
        )
    return out


def compare_models(previous: ModelVersion | None, current: ModelVersion) -> dict[str, Any]:
    """The change log of a model version against the previous one."""
    if previous is None:
        return {"previous": None}
    flat_old = {**previous.metrics}
    flat_new = {**current.metrics}
    for slice_name, values in previous.slices.items():
        flat_old.update({f"{k} [{slice_name}]": v for k, v in values.items()})
    for slice_name, values in current.slices.items():
        flat_new.update({f"{k} [{slice_name}]": v for k, v in values.items()})
    data_old = {d.parameter: d for d in previous.training_datasets}
    data_new = {d.parameter: d for d in current.training_datasets}
    data = []
    for parameter in sorted(set(data_old) | set(data_new)):
        b, a = data_old.get(parameter), data_new.get(parameter)
        data.append(
            {
                "parameter": parameter,
                "before": None
                if b is None
                else {"name": b.ref.name, "fingerprint": b.fingerprint, "row_count": b.row_count},
                "after": None
                if a is None
                else {"name": a.ref.name, "fingerprint": a.fingerprint, "row_count": a.row_count},
                "changed": (b and b.fingerprint) != (a and a.fingerprint),
            }
        )
    card_changed = sorted(
        k
        for k in set(previous.card) | set(current.card)
        if _text(previous.card.get(k)) != _text(current.card.get(k))
    )
    sig_old, sig_new = dict(previous.input_signature), dict(current.input_signature)
    return {
        "previous": str(previous.ref),
        "previous_created_at": previous.created_at.isoformat(),
        "metrics": _pairs(flat_old, flat_new),
        "hyperparameters": [
            p for p in _pairs(previous.hyperparameters, current.hyperparameters) if p["changed"]
        ],
        "input_signature": {
            "added": [c for c in sig_new if c not in sig_old],
            "removed": [c for c in sig_old if c not in sig_new],
            "retyped": [c for c in sig_new if c in sig_old and sig_old[c] != sig_new[c]],
        },
        "training_data": data,
        "framework_changed": (previous.framework, previous.model_class)
        != (current.framework, current.model_class),
        "card_fields_changed": card_changed,
    }
