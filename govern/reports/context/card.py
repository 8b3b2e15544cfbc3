"""The model card's context (Mitchell et al., "Model Cards for Model Reporting", 2019).

Recorded facts come from the store; the human fields (intended use, limitations,
ethical considerations...) only from the card YAML recorded with the model. A human
field that is empty shows as "not provided" and is listed in ``gaps`` -- never invented.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from govern.reports import graph as lineage_graph
from govern.reports.charts import bar_charts
from govern.reports.context.changes import compare_models
from govern.reports.context.common import (
    check_entry,
    flat_params,
    iso,
    model_entry,
    report_id,
    texts,
)
from govern.reports.context.integrity import integrity
from govern.reports.context.monitoring import training_drift
from govern.reports.context.policies import approvals
from govern.types import DatasetVersion, ModelVersion, StageResult

if TYPE_CHECKING:
    from govern.store import Store

__all__ = ["EVALUATION_WORDS", "HUMAN_FIELDS", "build_card", "is_evaluation"]

HUMAN_FIELDS = (
    "description",
    "owners",
    "license",
    "intended_use",
    "users",
    "out_of_scope_uses",
    "factors",
    "limitations",
    "tradeoffs",
    "ethical_considerations",
    "caveats_and_recommendations",
)
"""Card fields a person writes; each empty one is a gap."""

EVALUATION_WORDS = ("test", "eval", "valid", "holdout", "val")
"""A training stage's input whose parameter name contains one of these is evaluation data."""

_WORD = re.compile(r"[a-z]+")


def is_evaluation(parameter: str) -> bool:
    """True for ``test``, ``X_test``, ``eval_df``, ``validation``, ``holdout`` ..."""
    words = _WORD.findall(parameter.lower())
    return any(w.startswith(e) for w in words for e in EVALUATION_WORDS)


def _owners(value: Any) -> list[dict[str, str | None]]:
    owners = []
    items = value if isinstance(value, list) else [value] if value else []
    for item in items:
        if isinstance(item, Mapping):
            name = item.get("name")
            contact = item.get("contact")
            owners.append(
                {
                    "name": None if name is None else str(name),
                    "contact": None if contact is None else str(contact),
                }
            )
        elif item:
            owners.append({"name": str(item), "contact": None})
    return owners


def _human(card: Mapping[str, Any]) -> dict[str, Any]:
    human: dict[str, Any] = {}
    for field in HUMAN_FIELDS:
        value = card.get(field)
        if field == "owners":
            owners = _owners(value)
            human[field] = {"provided": bool(owners), "owners": owners, "texts": []}
        elif field == "license":
            text = texts(value)
            human[field] = {"provided": bool(text), "texts": text[:1]}
        else:
            text = texts(value)
            human[field] = {"provided": bool(text), "texts": text}
    return human


def _previous(store: Store, model: ModelVersion) -> ModelVersion | None:
    older = [m for m in store.models() if m.name == model.name and m.version < model.version]
    return max(older, key=lambda m: m.version) if older else None


def _dataset_checks(
    dv: DatasetVersion, stages: Sequence[StageResult], pii: frozenset[str], sample_size: int
) -> list[dict[str, Any]]:
    """Checks of the stages in the model's run that gated this dataset version."""
    out = []
    for stage in stages:
        seen = [
            d
            for d in stage.datasets
            if d.ref.name == dv.ref.name
            and d.ref.namespace == dv.ref.namespace
            and d.fingerprint == dv.fingerprint
        ]
        if not seen:
            continue
        checks = [c for c in stage.checks if c.dataset == dv.ref.name]
        if not checks:
            continue
        failed = [check_entry(c, pii, sample_size) for c in checks if not c.passed]
        out.append(
            {
                "stage": stage.stage,
                "role": seen[0].role,
                "checks": len(checks),
                "passed": sum(1 for c in checks if c.passed),
                "failed": failed,
                "status": str(stage.status),
            }
        )
    return out


def _data_entry(
    dv: DatasetVersion, stages: Sequence[StageResult], pii: frozenset[str], sample_size: int
) -> dict[str, Any]:
    return {
        "name": dv.ref.name,
        "namespace": dv.ref.namespace,
        "qualified_name": dv.ref.qualified_name,
        "parameter": dv.parameter,
        "fingerprint": dv.fingerprint,
        "row_count": dv.row_count,
        "columns": len(dv.schema),
        "checks": _dataset_checks(dv, stages, pii, sample_size),
    }


def build_card(
    store: Store,
    model: ModelVersion,
    *,
    generated_at: datetime,
    govern_version: str,
    pii_columns: Sequence[str],
    sample_size: int,
) -> dict[str, Any]:
    """The model card's context for one model version."""
    pii = frozenset(pii_columns)
    run = store.run(model.run_id)
    stages = store.stage_runs(run.id)
    head = store.head_hash()
    graph = lineage_graph.model_graph(store, model, run, stages)
    sources = lineage_graph.sources_of(graph)
    source_checks = []
    for node in sources:
        for stage in stages:
            for dv in stage.datasets:
                if (dv.ref.namespace, dv.ref.name) == (node["namespace"], node["name"]):
                    entry = _data_entry(dv, stages, pii, sample_size)
                    if entry not in source_checks:
                        source_checks.append(entry)
    facts = model_entry(model)
    human = _human(model.card)
    training = [
        _data_entry(d, stages, pii, sample_size)
        for d in model.training_datasets
        if not is_evaluation(d.parameter)
    ]
    evaluation = [
        _data_entry(d, stages, pii, sample_size)
        for d in (*model.evaluation_datasets, *model.training_datasets)
        if d in model.evaluation_datasets or is_evaluation(d.parameter)  # older records
    ]
    factors = sorted({s.split("=", 1)[0] for s in model.slices if "=" in s})
    previous = _previous(store, model)
    gaps = [field for field in HUMAN_FIELDS if not human[field]["provided"]]
    signed = approvals(store, [(model.name, model.version)])
    card_tags = [str(t) for t in texts(model.card.get("tags"))]
    card_datasets = [str(t) for t in texts(model.card.get("datasets"))]
    references = [str(t) for t in texts(model.card.get("references"))]
    return {
        "document": "model_card",
        "context_version": 1,
        "header": {
            "report_id": report_id("model_card", str(model.ref), head),
            "generated_at": iso(generated_at),
            "govern_version": govern_version,
            "store": store.location,
            "chain_head_hash": head,
            "integrity": integrity(store),
        },
        "model": {
            **facts,
            "date": model.created_at.date().isoformat(),
            "pipeline": run.name,
            "stage": next((s.stage for s in stages if s.stage_run_id == model.stage_run_id), None),
            "tags": card_tags,
            "references": references,
            "citation": texts(model.card.get("citation")),
            "card_datasets": card_datasets,
            "pipeline_tag": _pipeline_tag(model, card_tags),
            # govern.log_params(...) of the training run's stage calls, in call order
            "params": [{"stage": s.stage, **row} for s in stages for row in flat_params(s.params)],
        },
        "human": human,
        "gaps": gaps,
        "factors": {"recorded": factors, "slices": [s["name"] for s in facts["slices"]]},
        "metrics": facts["metrics"],
        "slices": facts["slices"],
        "charts": bar_charts(facts["metrics"], facts["slices"]),
        "training_data": training,
        "evaluation_data": evaluation,
        "evaluation_rule": (
            "inputs of the training stage whose parameter name contains "
            + ", ".join(EVALUATION_WORDS)
            + " are evaluation data; the others training data"
        ),
        "lineage": {
            "graph": graph,
            "svg": lineage_graph.layout(graph),
            "sources": source_checks,
        },
        "input_signature": facts["input_signature"],
        "changes": compare_models(previous, model),
        "input_drift": training_drift(
            [d for d in model.training_datasets if not is_evaluation(d.parameter)],
            store.model_usages(model.name, model.version),
        ),
        "approvals": signed,
        "run": {
            "id": run.id,
            "name": run.name,
            "status": str(run.status),
            "started_at": iso(run.started_at),
        },
    }


_CLASSIFICATION = ("accuracy", "f1", "precision", "recall", "auc", "log_loss", "logloss")
_REGRESSION = ("rmse", "mse", "mae", "r2", "mape")


def _pipeline_tag(model: ModelVersion, tags: Sequence[str]) -> str | None:
    """The Hugging Face task of a model version, or None when nothing tells.

    Declared in the card YAML (``pipeline_tag``), else a task among its tags, else
    inferred from a tabular model's class (or a pipeline's steps) or metric names.
    """
    from govern.reports.formats import HF_TASKS

    declared = model.card.get("pipeline_tag")
    if isinstance(declared, str) and declared.strip():
        return declared.strip()
    for tag in tags:
        if tag in HF_TASKS:
            return tag
    # a pipeline's class says little; its recorded steps name the estimator
    words = (str(model.model_class or "") + json.dumps(model.hyperparameters, default=str)).lower()
    metrics = " ".join(str(k).lower() for k in model.metrics)
    if (
        "classifier" in words
        or "logisticregression" in words
        or any(m in metrics for m in _CLASSIFICATION)
    ):
        return "tabular-classification"
    if "regressor" in words or any(m in metrics for m in _REGRESSION):
        return "tabular-regression"
    return None
