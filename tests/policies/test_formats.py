"""Every output format: JUnit read back by junitparser, SARIF against the official 2.1.0
schema, GitHub workflow commands escaped as @actions/core does, Markdown, JSON."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from govern.policies import Outcome, RuleContext, rule
from govern.policies.render.github import escape_data, escape_property, workflow_command
from govern.policies.render.markdown import cell
from govern.policies.targets import PipelineTarget
from tests.policies import pipelines as p
from tests.policies.conftest import Result, future, past, waiver, write_pack

SARIF_SCHEMA = Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json"
NASTY = "100% sure\r\nsecond line, with a:colon ::error::injected | `tick` <b>bold</b>"


@rule("test_nasty_message", target="pipeline")
def nasty(target: PipelineTarget, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome:
    """Fails with a message full of characters every format must escape."""
    return Outcome.fail(NASTY)


WAIVERS = waiver("nasty", "pipeline:b", future()) + waiver("fresh", "pipeline:gone", past())
PACK = f"""\
version: 1
rules:
  - id: quarantine
    description: at most 10% quarantined
    condition: quarantine_rate
    scope: {{datasets: {{names: ["*.csv"]}}}}
    with: {{max_rate: 0.1}}
  - id: quarantine-warning
    description: at most 5% quarantined
    severity: warn
    condition: quarantine_rate
    scope: {{datasets: {{names: ["*.csv"]}}}}
    with: {{max_rate: 0.05}}
  - id: nasty
    description: "escapes: commas, colons and 100%"
    condition: test_nasty_message
  - id: signoff
    description: production models are signed off
    condition: signoff
  - id: fresh
    description: runs daily
    condition: freshness
    with: {{max_age: 1d}}
waivers:
{textwrap.indent(WAIVERS, "  ")}"""


@pytest.fixture
def evaluated(cli: Callable[..., Result]) -> Callable[..., Result]:
    """Two runs: a (25% quarantined: fails) and b (the nasty rule waived)."""
    p.run_orders(bad=5, pipeline="a")
    p.run_orders(bad=0, pipeline="b")
    write_pack(PACK)
    return cli


def test_text_lists_everything(evaluated: Callable[..., Result]) -> None:
    result = evaluated("check", "--no-record")
    assert result.code == 1
    assert "no target in scope for: signoff" in result.out
    assert "EXPIRED waiver of fresh for pipeline:gone" in result.out
    assert (
        "govern check: FAILED -- 2 violation(s) at fail level error; 1 warning(s); 1 waived; "
        in result.out
    )


def test_junit_read_back_by_junitparser(evaluated: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    assert evaluated("check", "--format", "junit", "-o", str(out), "--no-record").code == 1
    xml = JUnitXml.fromfile(str(out))
    (suite,) = list(xml)
    assert suite.name == "policies/pack.yaml"
    cases = {(c.classname, c.name): c for c in suite}
    # one testcase per rule x target, plus one for the rule with no target and the waiver
    assert ("pack.quarantine", "dataset:file:/data/a.csv") in cases
    assert ("pack.quarantine", "dataset:file:/data/b.csv") in cases
    failing = cases[("pack.quarantine", "dataset:file:/data/a.csv")]
    (failure,) = failing.result
    assert isinstance(failure, Failure) and failure.type == "error"
    assert "5 of 20 row(s) quarantined" in (failure.message or "")
    assert not cases[("pack.quarantine", "dataset:file:/data/b.csv")].result  # passed
    warned = cases[("pack.quarantine-warning", "dataset:file:/data/a.csv")]
    assert not warned.result and "WARNING" in (warned.system_out or "")  # below the fail level
    (skipped,) = cases[("pack.nasty", "pipeline:b")].result
    assert isinstance(skipped, Skipped) and "waived by dana@example.org" in (skipped.message or "")
    (nasty_a,) = cases[("pack.nasty", "pipeline:a")].result
    assert isinstance(nasty_a, Failure) and nasty_a.message == NASTY
    (na,) = cases[("pack.signoff", "(no target)")].result
    assert isinstance(na, Skipped)
    assert ("pack.waivers", "fresh pipeline:gone") in cases
    assert suite.tests == len(cases) and suite.failures == 2 and suite.skipped == 2
    assert not any(isinstance(r, Error) for c in suite for r in c.result)


def test_sarif_validates_against_the_official_schema(
    evaluated: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "check.sarif"
    assert evaluated("check", "--format", "sarif", "-o", str(out), "--no-record").code == 1
    log = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, errors[0]
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == ["quarantine", "quarantine-warning", "nasty", "fresh", "govern/expired-waiver"]
    by_key = {(r["ruleId"], r.get("properties", {}).get("target")): r for r in run["results"]}
    failing = by_key[("quarantine", "dataset:file:/data/a.csv")]
    assert failing["level"] == "error" and failing["kind"] == "fail"
    location = failing["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "policies/pack.yaml"},
        "region": {"startLine": 3},
    }
    assert by_key[("quarantine", "dataset:file:/data/b.csv")]["kind"] == "pass"
    assert by_key[("quarantine-warning", "dataset:file:/data/a.csv")]["level"] == "warning"
    (suppression,) = by_key[("nasty", "pipeline:b")]["suppressions"]
    assert (
        suppression["status"] == "accepted" and "dana@example.org" in suppression["justification"]
    )
    assert [r["ruleId"] for r in run["results"]].count("govern/expired-waiver") == 1


def test_github_escaping_follows_actions_core() -> None:
    assert escape_data("100%\r\nx") == "100%25%0D%0Ax"
    assert escape_property("a:b, 100%\n") == "a%3Ab%2C 100%25%0A"
    assert escape_data("a:b,c") == "a:b,c"  # only properties escape : and ,
    assert (
        workflow_command("error", "x\ny", file="p.yaml", line=3, title="t: a, b")
        == "::error file=p.yaml,line=3,title=t%3A a%2C b::x%0Ay"
    )


def test_github_annotations(evaluated: Callable[..., Result]) -> None:
    result = evaluated("check", "--format", "github", "--no-record")
    assert result.code == 1
    lines = result.out.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    # a: quarantine error, quarantine-warning warning, nasty error; b: nasty waived (notice);
    # the expired waiver (warning); each on exactly one line
    assert len(commands) == 5 and len(lines) == 6
    assert commands[0].startswith(
        "::error file=policies/pack.yaml,line=3,title=quarantine (error)%3A at most 10%25 "
        "quarantined::dataset:file:/data/a.csv: too many rows quarantined: 5 of 20 row(s)"
    )
    assert commands[1].startswith(
        "::warning file=policies/pack.yaml,line=8,title=quarantine-warning"
    )
    nasty_a = next(c for c in commands if c.startswith("::error") and "nasty" in c)
    assert "title=nasty (error)%3A escapes%3A commas%2C colons and 100%25::" in nasty_a
    assert nasty_a.endswith(
        "pipeline:a: 100%25 sure%0D%0Asecond line, with a:colon ::error::injected | `tick` "
        "<b>bold</b>"
    )
    nasty_line = PACK.splitlines().index("  - id: nasty") + 1
    assert any(
        c.startswith(f"::notice file=policies/pack.yaml,line={nasty_line},") for c in commands
    )
    expired = next(c for c in commands if "expired waiver" in c)
    assert expired.startswith("::warning file=policies/pack.yaml,line=")


def test_markdown_summary(evaluated: Callable[..., Result]) -> None:
    result = evaluated("check", "--format", "markdown", "--no-record")
    assert result.code == 1
    md = result.out
    assert md.startswith("## ❌ govern check: failed\n")
    assert "### Violations" in md and "### Waived" in md and "### Expired waivers" in md
    assert "<b>" not in md and "&lt;b&gt;bold&lt;/b&gt;" in md
    assert "\\| \\`tick\\`" in md and "sure<br>second line" in md
    for line in md.splitlines():
        if line.startswith("| ") and "---" not in line:
            unescaped = line.replace("\\|", "")
            assert unescaped.count("|") in (6, 7), line  # 5 or 6 columns: nothing broke out


def test_markdown_cell_escaping() -> None:
    assert cell("a|b\nc `d` <e> & f\\") == "a\\|b<br>c \\`d\\` &lt;e&gt; &amp; f\\\\"


def test_json(evaluated: Callable[..., Result]) -> None:
    result = evaluated("check", "--format", "json", "--no-record")
    document = json.loads(result.out)
    assert document["title"] == "govern check" and document["passed"] is False
    assert document["summary"] == {
        "violations": 2,
        "warnings": 1,
        "waived": 1,
        "passed": document["summary"]["passed"],
        "errors": 0,
        "expired_waivers": 1,
        "verdicts": len(document["verdicts"]),
    }
    assert document["not_applicable"] == ["signoff"]
