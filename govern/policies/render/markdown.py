"""Markdown for ``$GITHUB_STEP_SUMMARY`` (and pull-request comments).

Every user-controlled field (rule ids, targets, stage and dataset names, messages,
waiver reasons, approvers, file names) goes through :func:`cell`, so no name can become
a link, an image, HTML or table structure: the punctuation that means something inline
is backslash-escaped (``![x](u)``, ``[x](u)``, ``*``, ``_``, ``` `` ```, ``~``, ``$``,
``#``, ``|``), ``<``, ``>`` and ``&`` become entities, newlines become ``<br>``; and a
word GitHub would auto-link bare (``https://...``, ``www....``, an e-mail address,
``mailto:``/``xmpp:``, an ``@mention``) is shown as inline code instead.
"""

from __future__ import annotations

import re

from govern.policies.model import Evaluation, Verdict, VerdictStatus
from govern.policies.render.summary import summary_counts

__all__ = ["cell", "render_markdown"]

_MAX_PASSED_ROWS = 200
# what means something inline in GitHub Markdown (links, images, emphasis, code, tables,
# strikethrough, math, heading closers); ".", ":" and "/" stay readable
_PUNCTUATION = frozenset("\\`*_{}[]()#!|~$")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_WHITESPACE = re.compile(r"(\s+)")
_SCHEME = re.compile(r"(?i)^(?:mailto|xmpp):")
_UNSAFE_IN_CODE = re.compile(r"([|\\`])")  # split off: they would end or break a code span


def _escape(text: str) -> str:
    return "".join(_ENTITIES.get(ch) or ("\\" + ch if ch in _PUNCTUATION else ch) for ch in text)


def _linkable(token: str) -> bool:
    """Would GitHub's autolink extension turn (part of) this word into a link?"""
    # "@" too: an e-mail address auto-links, and "@name" notifies someone in a comment
    return "://" in token or "www." in token.lower() or "@" in token or bool(_SCHEME.match(token))


def _as_code(token: str) -> str:
    pieces = _UNSAFE_IN_CODE.split(token)
    return "".join(("\\" + piece if piece in "|\\`" else f"`{piece}`") for piece in pieces if piece)


def cell(text: object) -> str:
    """User text for a table cell or a line of prose: inert (no link, image, HTML)."""
    out: list[str] = []
    for token in _WHITESPACE.split(str(text)):
        if not token:
            continue
        if token.isspace():
            out.append(token.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>"))
        elif _linkable(token):
            out.append(_as_code(token))
        else:
            out.append(_escape(token))
    return "".join(out)


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
        out += ["Runs: " + ", ".join(cell(r) for r in evaluation.runs), ""]
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
            "No target in scope for: " + ", ".join(cell(r) for r in evaluation.not_applicable),
            "",
        ]
    return "\n".join(out)
