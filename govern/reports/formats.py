"""Model cards in other tools' shapes: Model Card Toolkit JSON and Hugging Face metadata."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["HF_TASKS", "hf_metadata", "mct_document"]

MCT_SCHEMA_VERSION = "0.0.2"

HF_TASKS = frozenset(
    {
        "tabular-classification",
        "tabular-regression",
        "text-classification",
        "token-classification",
        "image-classification",
        "object-detection",
        "time-series-forecasting",
        "question-answering",
        "summarization",
        "translation",
        "text-generation",
        "fill-mask",
        "zero-shot-classification",
        "feature-extraction",
        "automatic-speech-recognition",
        "audio-classification",
        "reinforcement-learning",
    }
)
"""Hugging Face task ids recognised among a card's tags (the model-index task type)."""


def _finite(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(float(value)) else None


def _one_line(text: str) -> str:
    # front matter values stay on one line, so no value can end the YAML block
    return " ".join(str(text).split())


def _value(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def mct_document(ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The card as a Model Card Toolkit v0.0.2 JSON document (validates against its schema).

    Human fields that were not provided are left out (the schema has no "missing"
    marker); ``model_details.documentation`` lists them as gaps.
    """
    model = ctx["model"]
    human = ctx["human"]
    details: dict[str, Any] = {
        "name": model["name"],
        "version": {
            "name": str(model["version"]),
            "date": model["date"],
            "diff": _diff_text(ctx["changes"]),
        },
        "owners": [
            {k: v for k, v in o.items() if v is not None} for o in human["owners"]["owners"]
        ],
        "documentation": _documentation(ctx),
    }
    if human["description"]["provided"]:
        details["overview"] = " ".join(human["description"]["texts"])
    if human["license"]["provided"]:
        details["licenses"] = [{"identifier": human["license"]["texts"][0]}]
    references = [r for r in model["references"] if _http(r)]
    if references:
        details["references"] = [{"reference": r} for r in references]
    if model["citation"]:
        details["citations"] = [{"citation": c} for c in model["citation"]]
    data = [
        {
            "name": d["name"],
            "description": (
                f"{role} data ({d['parameter']}): {d['row_count']} rows, version {d['fingerprint']}"
            ),
        }
        for role, items in (
            ("training", ctx["training_data"]),
            ("evaluation", ctx["evaluation_data"]),
        )
        for d in items
    ]
    parameters: dict[str, Any] = {
        "data": data,
        "input_format": "tabular data frame",
        "input_format_map": [
            {"key": s["column"], "value": s["dtype"]} for s in ctx["input_signature"]
        ],
    }
    if model["model_class"]:
        parameters["model_architecture"] = model["model_class"]
    metrics = [{"type": m["name"], "value": _value(m["value"])} for m in ctx["metrics"]]
    metrics += [
        {"type": m["name"], "value": _value(m["value"]), "slice": s["name"]}
        for s in ctx["slices"]
        for m in s["metrics"]
    ]
    considerations: dict[str, Any] = {}
    for key, field in (
        ("users", "users"),
        ("use_cases", "intended_use"),
        ("limitations", "limitations"),
        ("tradeoffs", "tradeoffs"),
    ):
        if human[field]["provided"]:
            considerations[key] = [{"description": t} for t in human[field]["texts"]]
    if human["ethical_considerations"]["provided"]:
        considerations["ethical_considerations"] = [
            {"name": t} for t in human["ethical_considerations"]["texts"]
        ]
    return {
        "schema_version": MCT_SCHEMA_VERSION,
        "model_details": details,
        "model_parameters": parameters,
        "quantitative_analysis": {"performance_metrics": metrics},
        "considerations": considerations,
    }


def _documentation(ctx: Mapping[str, Any]) -> str:
    parts = []
    for field in ("out_of_scope_uses", "caveats_and_recommendations"):
        if ctx["human"][field]["provided"]:
            title = field.replace("_", " ").capitalize()
            parts.append(f"{title}: " + " ".join(ctx["human"][field]["texts"]))
    if ctx["gaps"]:
        parts.append("Not provided (gaps): " + ", ".join(ctx["gaps"]) + ".")
    found = ctx["header"].get("integrity")
    if found:  # the JSON card states the chain's verification like every other format
        parts.append(
            f"Integrity: {found['status']}; chain head {found['head_hash'] or '-'}. "
            f"{found['message']}"
        )
    parts.append(f"Generated by govern from the audit record; report {ctx['header']['report_id']}.")
    return "\n".join(parts)


def _diff_text(changes: Mapping[str, Any]) -> str:
    if changes.get("previous") is None:
        return "first recorded version"
    changed = [m for m in changes["metrics"] if m["changed"]]
    lines = [f"against {changes['previous']}:"]
    lines += [f"{m['name']} {m['before']} -> {m['after']}" for m in changed]
    lines += [f"hyperparameter {h['name']} changed" for h in changes["hyperparameters"]]
    lines += [f"{d['parameter']} data changed" for d in changes["training_data"] if d["changed"]]
    if len(lines) == 1:
        lines.append("no metric, hyperparameter or data changes")
    return "; ".join(lines)


def hf_metadata(ctx: Mapping[str, Any]) -> dict[str, Any]:
    """Hugging Face model-card metadata (YAML front matter) from the card's context."""
    model = ctx["model"]
    human = ctx["human"]
    meta: dict[str, Any] = {}
    if human["license"]["provided"]:
        meta["license"] = _one_line(human["license"]["texts"][0])
    if model["framework"]:
        meta["library_name"] = _one_line(model["framework"])
    tags = [_one_line(t) for t in model["tags"]]
    if tags:
        meta["tags"] = tags
    # Hub dataset ids only as the card declares them: a file name is not a Hub dataset
    if model["card_datasets"]:
        meta["datasets"] = [_one_line(d) for d in model["card_datasets"]]
    if model.get("pipeline_tag"):
        meta["pipeline_tag"] = _one_line(model["pipeline_tag"])
    numeric = [m for m in ctx["metrics"] if _finite(m["value"]) is not None]
    if numeric:
        meta["metrics"] = [_one_line(m["name"]) for m in numeric]
    results = _results(ctx, tags)
    if results:
        meta["model-index"] = [{"name": _one_line(model["name"]), "results": results}]
    return meta


def _results(ctx: Mapping[str, Any], tags: list[str]) -> list[dict[str, Any]]:
    """``model-index`` results: what the record knows, no placeholders.

    The dataset is the evaluation data (else the training data) the record holds: its
    name, split (the stage parameter) and version (fingerprint, as ``revision``); its
    ``type`` is the Hub id the card declares under ``datasets``, else the same name.
    Without a known dataset or task there are no results (the Hub requires both).
    """
    model = ctx["model"]
    task = model.get("pipeline_tag") or next((t for t in tags if t in HF_TASKS), None)
    evaluation = ctx["evaluation_data"] or ctx["training_data"]
    if task is None or not evaluation:
        return []
    data = evaluation[0]
    name = _one_line(data["name"])
    declared = model["card_datasets"]

    def dataset(config: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {"type": _one_line(declared[0]) if declared else name, "name": name}
        if data.get("parameter"):
            out["split"] = _one_line(data["parameter"])
        if data.get("fingerprint"):
            out["revision"] = _one_line(data["fingerprint"])
        if config:
            out["config"] = _one_line(config)
        return out

    def metrics(items: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "type": _one_line(m["name"]),
                "value": _finite(m["value"]),
                "name": _one_line(m["name"]),
            }
            for m in items
            if _finite(m["value"]) is not None
        ]

    results = []
    overall = metrics(ctx["metrics"])
    if overall:
        results.append(
            {"task": {"type": _one_line(task)}, "dataset": dataset(None), "metrics": overall}
        )
    for sliced in ctx["slices"]:
        found = metrics(sliced["metrics"])
        if found:
            results.append(
                {
                    "task": {"type": _one_line(task)},
                    "dataset": dataset(sliced["name"]),
                    "metrics": found,
                }
            )
    return results
