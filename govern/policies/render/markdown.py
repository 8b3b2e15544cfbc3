"""Markdown for ``$GITHUB_STEP_SUMMARY`` (and pull-request comments).

Table cells are escaped so that no verdict text can break the table or inject HTML:
``|`` and backslashes are escaped, newlines become ``<br>``, ``<``, ``>`` and ``&`` become
entities, and backticks are escaped.
"""

from __future__ import annotations

from govern.policies.model import Evaluation, Verdict, VerdictStatus
from govern.policies.render.summary import summary_counts

__all__ = ["cell", "render_markdown"]

_MAX_PASSED_ROWS = 200


def cell(text: object) -> str:
    """One Markdown table cell's content, escaped."""
    value = str(text)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = value.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    return value.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")


def _row(v: Verdict) -> str:
    return (
        f"| {cell(v.rule)} | {cell(v.severity)} | {cell(v.target)} | {cell(v.message)} "
        f"| {cell(v.file)}:{v.line} |"
    )


_HEAD = "| rule | severity | target | message | policy |\n| --- | --- | --- | --- | --- |"


def render_markdown(evaluation: Evaluation) -> str:
    """A summary: the verdict, counts, then tables of violations, warnings, waivers."""
    c = summary_counts(evaluation)
    icon = "✅" if evaluation.passed else "❌"
    out = [
        f"## {icon} {cell(evaluation.title)}: {'passed' if evaluation.passed else 'failed'}",
        "",
        f"Fail level **{evaluation.fail_on}** · {c['violations']} violation(s) · "
        f"{c['warnings']} warning(s) · {c['waived']} waived · {c['passed']} passed"
        + (f" · {c['expired_waivers']} expired waiver(s)" if c["expired_waivers"] else ""),
        "",
    ]
    if evaluation.runs:
        out += ["Runs: " + ", ".join(f"`{cell(r)}`" for r in evaluation.runs), ""]
    sections = [
        ("Violations", evaluation.violations),
        ("Warnings (below the fail level)", evaluation.warnings),
    ]
    for title, verdicts in sections:
        if not verdicts:
            continue
        out += [f"### {title}", "", _HEAD, *(_row(v) for v in verdicts), ""]
    waived = [v for v in evaluation.verdicts if v.waiver is not None]
    if waived:
        out += [
            "### Waived",
            "",
            "| rule | target | message | reason | approver | expires |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        out += [
            f"| {cell(v.rule)} | {cell(v.target)} | {cell(v.message)} | {cell(v.waiver.reason)} "
            f"| {cell(v.waiver.approver)} | {v.waiver.expires.isoformat()} |"
            for v in waived
            if v.waiver is not None
        ]
        out.append("")
    if evaluation.expired_waivers:
        out += [
            "### Expired waivers (no longer applied)",
            "",
            "| rule | target | reason | approver | expired | policy |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for e in evaluation.expired_waivers:
            w = e.waiver
            out.append(
                f"| {cell(w.rule)} | {cell(w.target)} | {cell(w.reason)} | {cell(w.approver)} "
                f"| {w.expires.isoformat()} | {cell(w.file)}:{w.line} |"
            )
        out.append("")
    passed = [v for v in evaluation.verdicts if v.status is VerdictStatus.PASS]
    if passed:
        out += [
            f"<details><summary>{len(passed)} passed</summary>",
            "",
            _HEAD,
            *(_row(v) for v in passed[:_MAX_PASSED_ROWS]),
        ]
        if len(passed) > _MAX_PASSED_ROWS:
            out.append(f"\n… and {len(passed) - _MAX_PASSED_ROWS} more")
        out += ["", "</details>", ""]
    if evaluation.not_applicable:
        out += [
            "No target in scope for: "
            + ", ".join(f"`{cell(r)}`" for r in evaluation.not_applicable),
            "",
        ]
    return "\n".join(out)
