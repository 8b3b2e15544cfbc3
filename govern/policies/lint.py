"""``govern check --lint``: the policy files alone, with no store (like ``conftest verify``).

Loading a pack already checks everything a file can get wrong on its own: YAML syntax,
keys, rule ids, condition names (built-in, plug-in and entry-point rules), parameters
and their ranges, scopes, waiver fields and dates, and waivers that name no rule. Linting
is that load, reported as an :class:`Evaluation` with one passing verdict per valid rule
(target ``lint``), so every ``--format`` works; waivers past their expiry are reported
as expired (they fail it only at ``--fail-on warn``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from govern.policies.loader import load_packs
from govern.policies.model import Evaluation, ExpiredWaiver, Verdict, VerdictStatus
from govern.types import Severity

__all__ = ["LINT_TARGET", "lint_policies"]

LINT_TARGET = "lint"


def lint_policies(
    locations: str | Path | Sequence[str | Path],
    *,
    fail_on: Severity | str = Severity.ERROR,
    today: date | None = None,
) -> Evaluation:
    """Load and validate policy files without a store.

    Args:
        locations: directories, files or ``builtin:NAME`` packs.
        fail_on: ``warn`` makes an expired waiver fail the lint.
        today: the date waivers are judged against (default: today, UTC).

    Raises:
        PolicyError: the first problem found, naming file and line.
    """
    now = datetime.now(UTC)
    day = today or now.date()
    packs = load_packs(locations)
    verdicts = tuple(
        Verdict(
            rule=rule.id,
            description=rule.description,
            severity=rule.severity,
            target=LINT_TARGET,
            status=VerdictStatus.PASS,
            message=f"valid: condition {rule.condition!r}",
            file=rule.file,
            line=rule.line,
        )
        for pack in packs
        for rule in pack.rules
    )
    expired = tuple(
        ExpiredWaiver(waiver) for pack in packs for waiver in pack.waivers if waiver.expired(day)
    )
    return Evaluation(
        title="govern check --lint",
        evaluated_at=now,
        policies=tuple(pack.file for pack in packs),
        fail_on=Severity(fail_on),
        verdicts=verdicts,
        expired_waivers=expired,
        extra={
            "lint": True,
            "files": [
                {"file": p.file, "name": p.name, "rules": len(p.rules), "waivers": len(p.waivers)}
                for p in packs
            ],
        },
    )
