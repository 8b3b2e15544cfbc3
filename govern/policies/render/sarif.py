"""SARIF 2.1.0 (OASIS), as GitHub code scanning and other SARIF viewers read it.

Each policy rule is a ``reportingDescriptor``; each verdict a ``result`` located at the
rule's line in its policy file: violations ``kind: fail`` at level error (or warning
below the fail level), passes ``kind: pass`` at level none, waived verdicts carry an
accepted external ``suppression`` whose justification is the waiver. Expired waivers
are results of the synthetic rule ``govern/expired-waiver``.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from govern.policies.model import Evaluation, Verdict, VerdictStatus

__all__ = ["INFORMATION_URI", "SARIF_SCHEMA", "location", "render_sarif", "sarif_log"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_EXPIRED = "govern/expired-waiver"
INFORMATION_URI = "https://github.com/govern-dev/govern/blob/main/docs/policies.md"


def _level(verdict: Verdict, evaluation: Evaluation) -> str:
    if verdict.status is VerdictStatus.PASS:
        return "none"
    if verdict.status is VerdictStatus.WAIVED:
        return "error" if str(verdict.severity) == "error" else "warning"
    return "error" if verdict.violates(evaluation.fail_on) else "warning"


def location(file: str, line: int | None) -> dict[str, Any]:
    """A SARIF location: the file, and its line when known."""
    physical: dict[str, Any] = {"artifactLocation": {"uri": file}}
    if line is not None:
        physical["region"] = {"startLine": max(1, line)}
    return {"physicalLocation": physical}


def sarif_log(
    *,
    rules: list[dict[str, Any]],
    results: list[dict[str, Any]],
    invocation: dict[str, Any],
    properties: dict[str, Any],
    notifications: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one govern run (the envelope every govern SARIF shares)."""
    from govern._version import __version__

    driver: dict[str, Any] = {
        "name": "govern",
        "version": __version__,
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }
    if notifications is not None:
        driver["notifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [invocation],
                "results": results,
                "properties": properties,
            }
        ],
    }


def render_sarif(evaluation: Evaluation) -> str:
    """The evaluation as a SARIF 2.1.0 log (one run, tool ``govern``)."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for verdict in evaluation.verdicts:
        if verdict.rule in index:
            continue
        index[verdict.rule] = len(rules)
        rules.append(
            {
                "id": verdict.rule,
                "shortDescription": {"text": verdict.description},
                "defaultConfiguration": {
                    "level": "error" if str(verdict.severity) == "error" else "warning"
                },
                "helpUri": INFORMATION_URI,
            }
        )
    results: list[dict[str, Any]] = []
    for verdict in evaluation.verdicts:
        result: dict[str, Any] = {
            "ruleId": verdict.rule,
            "ruleIndex": index[verdict.rule],
            "kind": "pass" if verdict.status is VerdictStatus.PASS else "fail",
            "level": _level(verdict, evaluation),
            "message": {"text": f"{verdict.target}: {verdict.message}"},
            "locations": [location(verdict.file, verdict.line)],
            "properties": {"target": verdict.target, "status": str(verdict.status)},
        }
        if verdict.waiver is not None:
            w = verdict.waiver
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": (
                        f"{w.reason} (approved by {w.approver}, until {w.expires.isoformat()})"
                    ),
                    "location": location(w.file, w.line),
                }
            ]
        results.append(result)
    if evaluation.expired_waivers:
        index[_EXPIRED] = len(rules)
        rules.append(
            {
                "id": _EXPIRED,
                "shortDescription": {"text": "A waiver past its expiry no longer applies"},
                "defaultConfiguration": {"level": "warning"},
                "helpUri": INFORMATION_URI,
            }
        )
        for expired in evaluation.expired_waivers:
            w = expired.waiver
            results.append(
                {
                    "ruleId": _EXPIRED,
                    "ruleIndex": index[_EXPIRED],
                    "kind": "fail",
                    "level": "error" if str(evaluation.fail_on) == "warn" else "warning",
                    "message": {
                        "text": f"the waiver of {w.rule} for {w.target} (approved by "
                        f"{w.approver}: {w.reason}) expired on {w.expires.isoformat()}"
                    },
                    "locations": [location(w.file, w.line)],
                }
            )
    log = sarif_log(
        rules=rules,
        results=results,
        invocation={
            "executionSuccessful": True,
            "endTimeUtc": evaluation.evaluated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        properties={
            "title": evaluation.title,
            "passed": evaluation.passed,
            "failOn": str(evaluation.fail_on),
            "runs": list(evaluation.runs),
        },
    )
    return json.dumps(log, indent=2, allow_nan=False) + "\n"
