"""Policy verdicts, waivers and sign-offs, read from their ledger records.

``policy_evaluation`` records are written by ``govern check`` (one per evaluation, with
the evaluated run's id); ``approval`` records by ``govern approve``. A report shows every
evaluation of the runs in scope; the latest one of each run decides the waivers in force.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from govern.reports.context.common import safe

if TYPE_CHECKING:
    from govern.store import Store

__all__ = ["POLICY_KIND", "approvals", "policies_section"]

POLICY_KIND = "policy_evaluation"
APPROVAL_KIND = "approval"


def _verdict(v: Mapping[str, Any]) -> dict[str, Any]:
    waiver = v.get("waiver")
    return {
        "rule": safe(v.get("rule")),
        "description": safe(v.get("description")),
        "severity": safe(v.get("severity")),
        "target": safe(v.get("target")),
        "status": safe(v.get("status")),
        "message": safe(v.get("message")),
        "file": safe(v.get("file")),
        "line": safe(v.get("line")),
        "waiver": safe(dict(waiver)) if isinstance(waiver, Mapping) else None,
    }


def policies_section(store: Store, run_ids: Iterable[str]) -> dict[str, Any]:
    """Every policy evaluation of these runs, and the waivers in force."""
    evaluations: list[dict[str, Any]] = []
    wanted = set(run_ids)
    # one query for all evaluations (few), not one per run (a report may cover thousands)
    for record in store.records(kind=POLICY_KIND):
        if record.run_id in wanted:
            data = record.data
            found = data.get("verdicts")
            verdicts: list[Any] = found if isinstance(found, list) else []
            expired = data.get("expired_waivers")
            evaluations.append(
                {
                    "record_id": record.record_id,
                    "seq": record.seq,
                    "run_id": record.run_id,
                    "evaluated_at": safe(data.get("evaluated_at")),
                    "policies": safe(data.get("policies") or []),
                    "fail_on": safe(data.get("fail_on")),
                    "passed": bool(data.get("passed")),
                    "verdicts": [_verdict(v) for v in verdicts if isinstance(v, Mapping)],
                    "expired_waivers": safe(expired) if isinstance(expired, list) else [],
                }
            )
    evaluations.sort(key=lambda e: e["seq"])
    latest: dict[str | None, dict[str, Any]] = {}
    for evaluation in evaluations:
        latest[evaluation["run_id"]] = evaluation
    in_force = [
        {**v, "run_id": e["run_id"], "evaluation": e["record_id"]}
        for e in latest.values()
        for v in e["verdicts"]
        if v["status"] == "waived"
    ]
    expired = [
        {**w, "run_id": e["run_id"]}
        for e in latest.values()
        for w in e["expired_waivers"]
        if isinstance(w, dict)
    ]
    failing = [
        {**v, "run_id": e["run_id"]}
        for e in latest.values()
        for v in e["verdicts"]
        if v["status"] in ("fail", "error")
    ]
    return {
        "evaluated": bool(evaluations),
        "evaluations": evaluations,
        "verdict_groups": _groups(evaluations),
        "waivers_in_force": in_force,
        "expired_waivers": expired,
        "violations": failing,
        "passed": all(e["passed"] for e in latest.values()) if latest else None,
    }


def _groups(evaluations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Verdicts deduped across evaluations: one row per (rule, target, status, message)."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for evaluation in evaluations:
        for v in evaluation["verdicts"]:
            key = (v["rule"], v["target"], v["status"], v["message"])
            group = groups.get(key)
            if group is None:
                group = {**v, "evaluations": 0, "runs": [], "last_evaluated_at": None}
                groups[key] = group
            group["evaluations"] += 1
            if evaluation["run_id"] not in group["runs"]:
                group["runs"].append(evaluation["run_id"])
            group["last_evaluated_at"] = evaluation["evaluated_at"]
    order = {"fail": 0, "error": 1, "waived": 2, "pass": 3}
    return sorted(
        groups.values(), key=lambda g: (order.get(str(g["status"]), 4), -g["evaluations"])
    )


def approvals(store: Store, refs: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    """Sign-offs of these model versions, in record order."""
    wanted = {f"{name}@{version}" for name, version in refs}
    if not wanted:
        return []
    found = []
    for record in store.records(kind=APPROVAL_KIND):
        if record.record_id in wanted:
            data = record.data
            found.append(
                {
                    "model": f"{data.get('model')}@{data.get('version')}",
                    "by": safe(data.get("by")),
                    "note": safe(data.get("note")),
                    "approved_at": safe(data.get("approved_at")),
                }
            )
    return found
