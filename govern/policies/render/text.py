"""Plain text for terminals and CI logs: violations first, then the rest."""

from __future__ import annotations

from govern.policies.model import Evaluation, Verdict, VerdictStatus
from govern.policies.render.summary import headline

__all__ = ["render_text"]


def _label(verdict: Verdict, evaluation: Evaluation) -> str:
    if verdict.status is VerdictStatus.WAIVED:
        return "WAIVED"
    if verdict.status is VerdictStatus.PASS:
        return "PASS"
    kind = "ERROR" if verdict.status is VerdictStatus.ERROR else "FAIL"
    return kind if verdict.violates(evaluation.fail_on) else "WARN"


def _order(verdict: Verdict, evaluation: Evaluation) -> int:
    label = _label(verdict, evaluation)
    return {"ERROR": 0, "FAIL": 0, "WARN": 1, "WAIVED": 2, "PASS": 3}[label]


def render_text(evaluation: Evaluation) -> str:
    """Every verdict on two lines (what, then where), worst first; the headline last."""
    lines: list[str] = []
    if evaluation.runs:
        lines.append(f"runs evaluated: {', '.join(evaluation.runs)}")
    for verdict in sorted(evaluation.verdicts, key=lambda v: _order(v, evaluation)):
        label = _label(verdict, evaluation)
        lines.append(f"{label:<6} [{verdict.severity}] {verdict.rule}  {verdict.target}")
        detail = verdict.message
        if verdict.waiver is not None:
            w = verdict.waiver
            detail += f" -- waived by {w.approver} until {w.expires.isoformat()}: {w.reason}"
        lines.append(f"       {detail}  ({verdict.file}:{verdict.line})")
    for expired in evaluation.expired_waivers:
        w = expired.waiver
        lines.append(
            f"EXPIRED waiver of {w.rule} for {w.target} (approved by {w.approver}, expired "
            f"{w.expires.isoformat()}): it no longer applies; renew or remove it  "
            f"({w.file}:{w.line})"
        )
    if evaluation.not_applicable:
        lines.append("no target in scope for: " + ", ".join(evaluation.not_applicable))
    lines.append(headline(evaluation))
    return "\n".join(lines) + "\n"
