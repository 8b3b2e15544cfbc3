"""The audit report's context: every section, filled from the record of the runs in scope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from govern.errors import GovernError
from govern.reports import graph as lineage_graph
from govern.reports.context.changes import compare_runs
from govern.reports.context.common import (
    check_entry,
    dataset_entry,
    environment_entry,
    iso,
    model_entry,
    report_id,
    stage_entry,
    texts,
    unique,
)
from govern.reports.context.compliance import appendix
from govern.reports.context.integrity import integrity_of, unverifiable
from govern.reports.context.monitoring import monitoring_section
from govern.reports.context.period import build_period, handled
from govern.reports.context.policies import approvals, policies_section
from govern.types import RunInfo, StageResult, Status

if TYPE_CHECKING:
    from govern.reports.scope import Scope
    from govern.store import Store

__all__ = ["CONTEXT_VERSION", "build_audit"]

CONTEXT_VERSION = 1
_STATUSES = tuple(str(s) for s in Status)


def build_audit(
    store: Store,
    scope: Scope,
    *,
    generated_at: datetime,
    govern_version: str,
    pii_columns: Sequence[str],
    sample_size: int,
) -> dict[str, Any]:
    """The audit report's context for ``scope`` (JSON-able, deterministic for one record)."""
    pii = frozenset(pii_columns)
    runs = list(scope.runs)
    checked, stages = _verified_stages(store, [run.id for run in runs])
    head = store.head_hash()
    all_stages = [s for run in runs for s in stages[run.id]]
    policies = policies_section(store, [r.id for r in runs])
    models = _models(store, all_stages)
    graph = lineage_graph.run_graph(store, runs, stages)
    card_filled = _card_filled(all_stages, models)
    return {
        "document": "audit",
        "context_version": CONTEXT_VERSION,
        "header": {
            "report_id": report_id("audit", scope.description, head),
            "generated_at": iso(generated_at),
            "govern_version": govern_version,
            "store": store.location,
            "chain_head_hash": head,
            "scope": scope.to_dict(),
            "integrity": checked,
        },
        "summary": _summary(runs, stages, policies),
        "period": None
        if scope.kind != "pipeline"
        else build_period(runs, stages, pii, sample_size),
        "runs": [_run_entry(run, stages[run.id]) for run in runs],
        "lineage": {
            "graph": graph,
            "svg": lineage_graph.layout(graph),
            "sources": [n["id"] for n in lineage_graph.sources_of(graph)],
            "datasets": _datasets(all_stages, pii),
        },
        "checks": [
            {
                "run_id": s.run_id,
                "stage": s.stage,
                "stage_run_id": s.stage_run_id,
                "status": str(s.status),
                "checks": [check_entry(c, pii, sample_size) for c in s.checks],
            }
            for s in all_stages
        ],
        "quarantine": _quarantine(all_stages),
        "models": models,
        "policies": policies,
        "changes": _changes(store, runs, stages),
        "monitoring": monitoring_section(store, all_stages),
        "reproducibility": _environments(runs),
        "appendix": appendix(card_filled),
        "settings": {"pii_columns": sorted(pii), "sample_size": sample_size},
    }


def _verified_stages(
    store: Store, run_ids: list[str]
) -> tuple[dict[str, Any], dict[str, list[StageResult]]]:
    """The integrity block and the runs' stage calls, read from the records verified."""
    try:
        report, stages = store.verified_stage_runs(run_ids)
    except GovernError as err:  # the chain could not be read to the end: read as usual
        return unverifiable(err), store.stage_runs_by_run(run_ids)
    return integrity_of(report), stages


def _summary(
    runs: Sequence[RunInfo],
    by_run: Mapping[str, Sequence[StageResult]],
    policies: Mapping[str, Any],
) -> dict[str, Any]:
    stages = [s for run in runs for s in by_run[run.id]]
    counts = dict.fromkeys(_STATUSES, 0)
    for stage in stages:
        counts[str(stage.status)] += 1
    # error-severity failures, one row per finding (stage, dataset, column, check) with the
    # runs it failed in; rows quarantined while the run completed were handled by the gate
    # and are listed apart, not as blocking
    blocking: dict[tuple[Any, ...], dict[str, Any]] = {}
    quarantined: dict[tuple[Any, ...], dict[str, Any]] = {}
    for run in runs:
        for s in by_run[run.id]:
            target = quarantined if handled(s, run) else blocking
            for c in s.checks:
                if not c.blocking:
                    continue
                key = (s.stage, c.dataset, c.column, c.check)
                row = target.setdefault(
                    key,
                    {
                        "stage": s.stage,
                        "dataset": c.dataset,
                        "column": c.column,
                        "check": c.check,
                        "failed_count": 0,
                        "runs": 0,
                        "run_id": run.id,
                        "outcome": str(s.status),
                    },
                )
                row["failed_count"] += c.failed_count
                row["runs"] += 1
                row["run_id"], row["outcome"] = run.id, str(s.status)  # the latest
    run_status: dict[str, int] = {}
    for run in runs:
        run_status[str(run.status)] = run_status.get(str(run.status), 0) + 1
    return {
        "runs": len(runs),
        "run_status": dict(sorted(run_status.items())),
        "stages": len(stages),
        "stage_status": counts,
        "checks": sum(len(s.checks) for s in stages),
        "checks_failed": sum(len(s.failed_checks) for s in stages),
        "blocking_failures": sorted(blocking.values(), key=lambda r: -r["runs"]),
        "quarantined_failures": sorted(quarantined.values(), key=lambda r: -r["runs"]),
        "quarantined_rows": sum(q.rows for s in stages for q in s.quarantine),
        "models": [str(s.model.ref) for s in stages if s.model is not None],
        "waivers_in_force": len(policies["waivers_in_force"]),
        "policies_evaluated": policies["evaluated"],
        "policies_passed": policies["passed"],
        "errors": [
            {"run_id": s.run_id, "stage": s.stage, "error": s.error} for s in stages if s.error
        ],
    }


def _run_entry(run: RunInfo, stages: Sequence[StageResult]) -> dict[str, Any]:
    env = environment_entry(run)
    return {
        "id": run.id,
        "name": run.name,
        "namespace": run.namespace,
        "status": str(run.status),
        "started_at": iso(run.started_at),
        "ended_at": iso(run.ended_at),
        "duration_s": None
        if run.ended_at is None
        else (run.ended_at - run.started_at).total_seconds(),
        "host": run.host,
        "git": env["git"],
        "ci": env["ci"],
        "stages": [stage_entry(s) for s in stages],
    }


def _datasets(stages: Sequence[StageResult], pii: frozenset[str]) -> list[dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    seen: set[tuple[str, str, str | None, int | None]] = set()  # versions already listed
    for stage in stages:
        for dv in stage.datasets:
            entry = dataset_entry(dv, pii)
            key = (dv.ref.namespace, dv.ref.name)
            item = found.get(key)
            if item is None:
                item = {
                    "namespace": entry["namespace"],
                    "name": entry["name"],
                    "qualified_name": entry["qualified_name"],
                    "kind": entry["kind"],
                    "versions": [],
                    "schema": entry["schema"],
                    "tags": [],
                    "used_by": [],
                }
                found[key] = item
            marker = (*key, dv.fingerprint, dv.row_count)
            if marker not in seen:  # a set: a thousand runs' versions stay linear
                seen.add(marker)
                item["versions"].append({"fingerprint": dv.fingerprint, "row_count": dv.row_count})
            if entry["schema"]:
                item["schema"] = entry["schema"]  # the latest schema seen
            use = f"{stage.stage} ({dv.role} {dv.parameter})"
            if use not in item["used_by"]:
                item["used_by"].append(use)
    for item in found.values():
        tags = [item["kind"]]
        if any(col["pii"] for col in item["schema"]):
            tags.append("pii")
        item["tags"] = tags
    return list(found.values())


def _quarantine(stages: Sequence[StageResult]) -> dict[str, Any]:
    items = []
    for stage in stages:
        for q in stage.quarantine:
            reasons = [
                {"column": c.column, "check": c.check, "failed_count": c.failed_count}
                for c in stage.checks
                if c.blocking and c.row_level and c.dataset == q.dataset
            ]
            items.append(
                {
                    "run_id": stage.run_id,
                    "stage": stage.stage,
                    "dataset": q.dataset,
                    "rows": q.rows,
                    "input_rows": _input_rows(stage),
                    "path": q.path,
                    "reasons": reasons,
                }
            )
    return {"total_rows": sum(i["rows"] for i in items), "entries": items}


def _input_rows(stage: StageResult) -> int | None:
    rows = [d.row_count for d in stage.datasets if d.role == "input" and d.row_count is not None]
    return max(rows) if rows else None


def _models(store: Store, stages: Sequence[StageResult]) -> list[dict[str, Any]]:
    produced = [s.model for s in stages if s.model is not None]
    signed = approvals(store, [(m.name, m.version) for m in produced])
    out = []
    for model in produced:
        entry = model_entry(model)
        entry["training_datasets"] = [
            {
                "name": d.ref.name,
                "namespace": d.ref.namespace,
                "parameter": d.parameter,
                "fingerprint": d.fingerprint,
                "row_count": d.row_count,
            }
            for d in model.training_datasets
        ]
        entry["approvals"] = [a for a in signed if a["model"] == entry["ref"]]
        entry["card_fields"] = sorted(k for k, v in model.card.items() if texts(v))
        out.append(entry)
    return out


def _changes(
    store: Store, runs: Sequence[RunInfo], stages: Mapping[str, list[StageResult]]
) -> list[dict[str, Any]]:
    history: dict[str, list[RunInfo]] = {}
    place: dict[str, int] = {}  # run id -> its index in its pipeline's history
    for name in unique(r.name for r in runs):
        history[name] = sorted(store.runs(pipeline=name), key=lambda r: (r.started_at, r.id))
        for i, r in enumerate(history[name]):
            place.setdefault(r.id, i)
    previous_of: dict[str, RunInfo | None] = {}
    for run in runs:
        index = place.get(run.id, 0)
        previous_of[run.id] = history[run.name][index - 1] if index > 0 else None
    missing = unique(p.id for p in previous_of.values() if p is not None and p.id not in stages)
    if missing:  # previous runs outside the scope: read in one go
        stages = {**stages, **store.stage_runs_by_run(missing)}
    out = []
    for run in runs:
        previous = previous_of[run.id]
        diff = compare_runs(None if previous is None else stages[previous.id], stages[run.id])
        out.append(
            {
                "run_id": run.id,
                "pipeline": run.name,
                "previous_run_id": None if previous is None else previous.id,
                "previous_started_at": None if previous is None else iso(previous.started_at),
                **diff,
            }
        )
    return out


def _environments(runs: Sequence[RunInfo]) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for run in runs:
        env = environment_entry(run)
        key = repr(sorted((k, repr(v)) for k, v in env.items() if k not in ("host", "command")))
        group = groups.get(key)
        if group is None:
            group = {**env, "runs": []}
            groups[key] = group
        group["runs"].append(run.id)
    return list(groups.values())


def _card_filled(
    stages: Sequence[StageResult], models: Sequence[Mapping[str, Any]]
) -> dict[str, bool]:
    cards = [s.model.card for s in stages if s.model is not None]
    filled = {
        field: any(texts(card.get(field)) for card in cards)
        for field in ("intended_use", "owners", "limitations", "description")
    }
    filled["approvals"] = any(m["approvals"] for m in models)
    return filled
