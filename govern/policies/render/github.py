"""GitHub Actions workflow commands: one annotation per failing, waived or expired item.

``::error file=F,line=L,title=T::MESSAGE`` puts the message on the rule's line of the
policy file in the pull request. Escaping follows @actions/core (``toCommandValue`` /
``escapeData`` / ``escapeProperty``): in the message ``%``, CR and LF become ``%25``,
``%0D``, ``%0A``; in a property value ``:`` and ``,`` become ``%3A`` and ``%2C`` too. So
no verdict text (a dataset path, a check's failure case) can end the command early or
inject a command of its own.
"""

from __future__ import annotations

from govern.policies.model import Evaluation, Verdict, VerdictStatus
from govern.policies.render.summary import headline

__all__ = ["escape_data", "escape_property", "render_github", "workflow_command"]


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (``file``, ``title``...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: str | int) -> str:
    """``::command k=v,k=v::message`` with everything escaped."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items())
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def _command(verdict: Verdict, evaluation: Evaluation) -> str | None:
    if verdict.status is VerdictStatus.PASS:
        return None
    if verdict.status is VerdictStatus.WAIVED:
        return "notice"
    return "error" if verdict.violates(evaluation.fail_on) else "warning"


def render_github(evaluation: Evaluation) -> str:
    """Annotations for failing (error/warning), waived (notice) and expired waivers."""
    lines: list[str] = []
    for verdict in evaluation.verdicts:
        command = _command(verdict, evaluation)
        if command is None:
            continue
        message = f"{verdict.target}: {verdict.message}"
        if verdict.waiver is not None:
            w = verdict.waiver
            message += f"\nwaived by {w.approver} until {w.expires.isoformat()}: {w.reason}"
        lines.append(
            workflow_command(
                command,
                message,
                file=verdict.file,
                line=verdict.line,
                title=f"{verdict.rule} ({verdict.severity}): {verdict.description}",
            )
        )
    fail_on_warn = str(evaluation.fail_on) == "warn"
    for expired in evaluation.expired_waivers:
        w = expired.waiver
        lines.append(
            workflow_command(
                "error" if fail_on_warn else "warning",
                f"the waiver of {w.rule} for {w.target} (approved by {w.approver}: "
                f"{w.reason}) expired on {w.expires.isoformat()} and no longer applies; "
                "renew it or remove it",
                file=w.file,
                line=w.line,
                title=f"expired waiver: {w.rule}",
            )
        )
    lines.append(headline(evaluation))
    return "\n".join(lines) + "\n"
