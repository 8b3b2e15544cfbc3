"""``govern check --lint`` (the policy files alone, no store), the packs shipped with
govern (``builtin:NAME``), and a bad policy file in the CI formats (GitHub annotations,
a SARIF log with a tool execution notification)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from govern.policies.sources import builtin_packs
from tests.conftest import REPO_ROOT
from tests.policies import pipelines as p
from tests.policies.conftest import Result, pack, past, waiver, write_pack

SARIF_SCHEMA = Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json"
FRESH = "- {id: fresh, description: runs weekly, condition: freshness, with: {max_age: 7d}}"
BAD = (
    "version: 1\nrules:\n  - id: q\n    description: d\n    condition: quarantine_rate\n"
    "    with:\n      max_rate: .nan\n"
)
BAD_MESSAGE = "rule 'q': parameter 'max_rate' must be a finite number, got nan"


def sarif_errors(log: dict[str, Any]) -> list[str]:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return [e.message for e in jsonschema.Draft4Validator(schema).iter_errors(log)]


# -- --lint -----------------------------------------------------------------------------


def test_lint_passes_the_repository_packs_without_any_store(cli: Callable[..., Result]) -> None:
    result = cli("check", "--lint", "--policies", str(REPO_ROOT / "policies"))
    assert result.code == 0, result.err
    assert "PASS   [error] quarantine-rate  lint" in result.out
    assert "govern check --lint: passed -- 0 violation(s) at fail level error" in result.out
    assert "13 passed" in result.out
    assert not Path(".govern").exists()  # nothing was opened or created


def test_lint_names_file_and_line_of_each_kind_of_problem(cli: Callable[..., Result]) -> None:
    cases = {
        "version: 1\nrules:\n  - {id: a, description: d, condition: nope}\n": (
            "policies/pack.yaml:3: rule 'a': unknown condition 'nope'"
        ),
        "version: 1\nrules:\n  - id: a\n    description: d\n    condition: freshness\n"
        "    scope: {models: [m]}\n    with: {max_age: 7d}\n": (
            "policies/pack.yaml:6: rule 'a': scope key 'models' does not apply"
        ),
        pack(
            FRESH, waivers=waiver("fresh", "x", past()).replace(past().isoformat(), "2026-02-30")
        ): (
            "policies/pack.yaml:9: not valid YAML, column 14: '2026-02-30' is not a valid "
            "timestamp (day is out of range for month)"
        ),
        BAD: f"policies/pack.yaml:7: {BAD_MESSAGE}",
    }
    for text, expected in cases.items():
        write_pack(text)
        result = cli("check", "--lint")
        assert result.code == 2, (text, result.out)
        assert expected in result.err, result.err
        assert "Traceback" not in result.err


def test_lint_reports_expired_waivers_and_fails_on_them_only_at_warn(
    cli: Callable[..., Result],
) -> None:
    write_pack(pack(FRESH, waivers=waiver("fresh", "pipeline:orders", past())))
    result = cli("check", "--lint")
    assert result.code == 0
    assert "EXPIRED waiver of fresh for pipeline:orders" in result.out
    assert cli("check", "--lint", "--fail-on", "warn").code == 1


def test_lint_takes_no_run(cli: Callable[..., Result]) -> None:
    write_pack(pack(FRESH))
    result = cli("check", "--lint", "--latest")
    assert result.code == 2 and "--lint reads no run" in result.err


def test_lint_json_lists_the_files(cli: Callable[..., Result]) -> None:
    write_pack(pack(FRESH))
    result = cli("check", "--lint", "--format", "json")
    document = json.loads(result.out)
    assert result.code == 0 and document["lint"] is True and document["passed"] is True
    assert document["files"] == [
        {"file": "policies/pack.yaml", "name": "pack", "rules": 1, "waivers": 0}
    ]


# -- packs shipped with govern ------------------------------------------------------------


def test_builtin_packs_are_the_repository_packs_byte_for_byte() -> None:
    shipped = builtin_packs()
    assert sorted(shipped) == ["baseline", "ml-model"]
    for name, path in shipped.items():
        ours = REPO_ROOT / "policies" / f"{name}.yaml"
        assert path.read_bytes() == ours.read_bytes(), f"policies/{name}.yaml differs from {path}"
    assert sorted(p.name for p in (REPO_ROOT / "policies").iterdir()) == [
        "baseline.yaml",
        "ml-model.yaml",
    ]


def test_builtin_packs_are_package_data() -> None:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "policies/packs/*.yaml" in config["tool"]["setuptools"]["package-data"]["govern"]


def test_builtin_packs_lint_and_evaluate(cli: Callable[..., Result]) -> None:
    result = cli("check", "--lint", "-p", "builtin:baseline", "-p", "builtin:ml-model")
    assert result.code == 0, result.err
    assert "(builtin:baseline:" in result.out and "(builtin:ml-model:" in result.out
    p.run_orders(bad=0, train=True)
    result = cli("check", "--policies", "builtin:baseline", "--no-record")
    assert result.code in (0, 1), result.err
    assert "stage-gates" in result.out and "(builtin:baseline:" in result.out


def test_builtin_and_own_packs_combine_and_unknown_names_are_listed(
    cli: Callable[..., Result],
) -> None:
    write_pack(pack(FRESH.replace("id: fresh", "id: my-fresh")))
    result = cli("check", "--lint", "-p", "builtin:baseline", "-p", "policies")
    assert result.code == 0 and "my-fresh" in result.out and "stage-gates" in result.out
    result = cli("check", "--lint", "-p", "builtin:nope")
    assert result.code == 2
    assert "builtin:nope: no such built-in pack; govern ships: builtin:baseline, " in result.err


# -- a bad policy file in the CI formats ----------------------------------------------------


@pytest.mark.parametrize("lint", [False, True])
def test_github_format_annotates_a_bad_policy(lint: bool, cli: Callable[..., Result]) -> None:
    write_pack(BAD)
    p.run_orders()
    result = cli("check", *(["--lint"] if lint else []), "--format", "github")
    assert result.code == 2
    title = "govern check --lint%3A bad policy file" if lint else "govern check%3A bad policy file"
    assert result.out == (f"::error file=policies/pack.yaml,line=7,title={title}::{BAD_MESSAGE}\n")
    assert f"govern: error: policies/pack.yaml:7: {BAD_MESSAGE}" in result.err


def test_github_annotation_without_a_location(cli: Callable[..., Result]) -> None:
    result = cli("check", "--lint", "--policies", "nowhere", "--format", "github")
    assert result.code == 2
    assert result.out.startswith(
        "::error title=govern check --lint%3A bad policy file::nowhere: no such policy "
        "directory or file"
    )


@pytest.mark.parametrize("where", ["file", "stdout"])
def test_sarif_on_exit_2_carries_the_error(
    where: str, cli: Callable[..., Result], tmp_path: Path
) -> None:
    write_pack(BAD)
    p.run_orders()
    out = tmp_path / "reports" / "policies.sarif"
    args = ["-o", str(out)] if where == "file" else []
    result = cli("check", "--format", "sarif", *args)
    assert result.code == 2
    assert f"govern: error: policies/pack.yaml:7: {BAD_MESSAGE}" in result.err
    log = json.loads(out.read_text(encoding="utf-8") if where == "file" else result.out)
    assert sarif_errors(log) == []
    (run,) = log["runs"]
    assert run["results"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == f"policies/pack.yaml:7: {BAD_MESSAGE}"
    location = note["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "policies/pack.yaml"},
        "region": {"startLine": 7},
    }
    assert note["descriptor"]["id"] in {d["id"] for d in run["tool"]["driver"]["notifications"]}


def test_sarif_of_a_yaml_syntax_error_and_of_a_lint_pass(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    write_pack("version: 1\nrules:\n  - id: a\n   description: misindented\n")
    out = tmp_path / "lint.sarif"
    assert cli("check", "--lint", "-f", "sarif", "-o", str(out)).code == 2
    log = json.loads(out.read_text(encoding="utf-8"))
    assert sarif_errors(log) == []
    note = log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]
    assert note["locations"][0]["physicalLocation"]["region"] == {"startLine": 4}
    write_pack(pack(FRESH))
    assert cli("check", "--lint", "-f", "sarif", "-o", str(out)).code == 0
    log = json.loads(out.read_text(encoding="utf-8"))
    assert sarif_errors(log) == []
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["fresh"]
