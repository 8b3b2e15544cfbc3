"""JUnit XML: one testsuite per policy file, one testcase per rule x target.

A violation is a ``<failure>`` (an ``<error>`` when the rule could not be evaluated); a
waived verdict is ``<skipped>`` with the waiver; a failing verdict below the fail level
passes, its message in ``<system-out>`` prefixed ``WARNING``. A rule whose scope matched
nothing is one skipped testcase, so it does not silently disappear. Expired waivers are
testcases of a ``waivers`` class (failures at ``--fail-on warn``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC
from pathlib import PurePosixPath

from govern.policies.model import Evaluation, Verdict, VerdictStatus

__all__ = ["render_junit"]


def _classname(file: str, rule: str) -> str:
    stem = PurePosixPath(file).stem or "policies"
    return f"{stem}.{rule}"


def _case(suite: ET.Element, verdict: Verdict, evaluation: Evaluation) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=_classname(verdict.file, verdict.rule),
        name=verdict.target,
        file=verdict.file,
        line=str(verdict.line),
        time="0",
    )
    if verdict.status is VerdictStatus.WAIVED and verdict.waiver is not None:
        w = verdict.waiver
        ET.SubElement(
            case,
            "skipped",
            message=f"waived by {w.approver} until {w.expires.isoformat()}: {w.reason}",
        ).text = verdict.message
    elif verdict.violates(evaluation.fail_on):
        tag = "error" if verdict.status is VerdictStatus.ERROR else "failure"
        ET.SubElement(
            case, tag, message=verdict.message, type=str(verdict.severity)
        ).text = f"{verdict.description}\n{verdict.message}\n({verdict.file}:{verdict.line})"
    elif verdict.status in (VerdictStatus.FAIL, VerdictStatus.ERROR):
        ET.SubElement(case, "system-out").text = f"WARNING: {verdict.message}"
    else:
        ET.SubElement(case, "system-out").text = verdict.message


def _totals(suite: ET.Element) -> dict[str, int]:
    cases = suite.findall("testcase")
    return {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }


def render_junit(evaluation: Evaluation) -> str:
    """The evaluation as a JUnit XML document."""
    stamp = evaluation.evaluated_at.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat()
    root = ET.Element("testsuites", name=evaluation.title)
    suites: dict[str, ET.Element] = {}

    def suite_for(file: str) -> ET.Element:
        if file not in suites:
            suites[file] = ET.SubElement(root, "testsuite", name=file, timestamp=stamp)
        return suites[file]

    for file in evaluation.policies:
        suite_for(file)
    rule_files = {v.rule: v.file for v in evaluation.verdicts}
    for verdict in evaluation.verdicts:
        _case(suite_for(verdict.file), verdict, evaluation)
    for rule in evaluation.not_applicable:
        file = rule_files.get(rule, evaluation.policies[0] if evaluation.policies else "")
        case = ET.SubElement(
            suite_for(file), "testcase", classname=_classname(file, rule), name="(no target)"
        )
        ET.SubElement(case, "skipped", message="no target in scope")
    fail_on_warn = str(evaluation.fail_on) == "warn"
    for expired in evaluation.expired_waivers:
        w = expired.waiver
        case = ET.SubElement(
            suite_for(w.file),
            "testcase",
            classname=_classname(w.file, "waivers"),
            name=f"{w.rule} {w.target}",
            file=w.file,
            line=str(w.line),
        )
        text = f"waiver expired on {w.expires.isoformat()} (approved by {w.approver}: {w.reason})"
        if fail_on_warn:
            ET.SubElement(case, "failure", message=text, type="warn").text = text
        else:
            ET.SubElement(case, "system-out").text = f"WARNING: {text}"
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites.values():
        counts = _totals(suite)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
