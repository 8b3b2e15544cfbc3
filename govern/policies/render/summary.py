"""The one-line verdict every format opens or closes with."""

from __future__ import annotations

from govern.policies.model import Evaluation, VerdictStatus

__all__ = ["headline", "summary_counts"]


def summary_counts(evaluation: Evaluation) -> dict[str, int]:
    """Counts of violations, warnings, waived, passed, errors and expired waivers."""
    return {
        "violations": len(evaluation.violations),
        "warnings": len(evaluation.warnings),
        "waived": evaluation.count(VerdictStatus.WAIVED),
        "passed": evaluation.count(VerdictStatus.PASS),
        "errors": evaluation.count(VerdictStatus.ERROR),
        "expired_waivers": len(evaluation.expired_waivers),
        "verdicts": len(evaluation.verdicts),
    }


def headline(evaluation: Evaluation) -> str:
    """``govern check: FAILED -- 2 violation(s) at fail level error; 1 warning; ...``."""
    c = summary_counts(evaluation)
    verdict = "passed" if evaluation.passed else "FAILED"
    parts = [
        f"{c['violations']} violation(s) at fail level {evaluation.fail_on}",
        f"{c['warnings']} warning(s)",
        f"{c['waived']} waived",
        f"{c['passed']} passed",
    ]
    if c["expired_waivers"]:
        parts.append(f"{c['expired_waivers']} expired waiver(s)")
    return f"{evaluation.title}: {verdict} -- " + "; ".join(parts)
