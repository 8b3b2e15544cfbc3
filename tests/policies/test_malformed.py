"""Malformed policy files: exit 2, a message naming file and line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.policies import pipelines as p
from tests.policies.conftest import Result, write_pack

GOOD_RULE = """\
  - id: fresh
    description: runs weekly
    condition: freshness
    with: {max_age: 7d}
"""

CASES = {
    "bad YAML": (
        "version: 1\nrules:\n  - id: a\n   description: misindented\n",
        "pack.yaml:4: not valid YAML, column 4: ",
    ),
    "unknown condition": (
        "version: 1\nrules:\n  - id: a\n    description: d\n    condition: no_such_rule\n",
        "pack.yaml:5: rule 'a': unknown condition 'no_such_rule'; the rule library has: "
        "contract_sla, ",
    ),
    "wrong severity": (
        "version: 1\nrules:\n  - id: a\n    description: d\n    severity: fatal\n"
        "    condition: freshness\n    with: {max_age: 7d}\n",
        "pack.yaml:5: rule 'a': severity must be 'error' or 'warn', got 'fatal'",
    ),
    "wrong parameter type": (
        "version: 1\nrules:\n  - id: a\n    description: d\n    condition: quarantine_rate\n"
        "    with:\n      max_rate: lots\n",
        "pack.yaml:7: rule 'a': parameter 'max_rate' must be a finite number, got 'lots'",
    ),
    "parameter out of range": (
        "version: 1\nrules:\n  - id: a\n    description: d\n    condition: quarantine_rate\n"
        "    with: {max_rate: 5}\n",
        "pack.yaml:6: rule 'a': parameter 'max_rate' must be at most 1, got 5",
    ),
    "missing parameter": (
        "version: 1\nrules:\n  - id: a\n    description: d\n    condition: quarantine_rate\n",
        "pack.yaml:3: rule 'a': parameter 'max_rate' is required",
    ),
    "unknown top-level key": (
        "version: 1\nrulez: []\n",
        "pack.yaml:2: unknown key 'rulez' in the policy file; allowed keys: version, ",
    ),
    "unknown rule key": (
        "version: 1\nrules:\n  - id: a\n    description: d\n    condition: freshness\n"
        "    treshold: 3\n",
        "pack.yaml:6: unknown key 'treshold' in a rule; allowed keys: id, description, ",
    ),
    "unknown parameter": (
        "version: 1\nrules:\n  - id: a\n    description: d\n    condition: freshness\n"
        "    with:\n      max_age: 7d\n      max_agee: 8d\n",
        "pack.yaml:8: rule 'a': unknown parameter 'max_agee' in 'with'; this condition "
        "takes: max_age",
    ),
    "scope of another kind": (
        "version: 1\nrules:\n  - id: a\n    description: d\n    condition: freshness\n"
        "    scope:\n      models: [m]\n    with: {max_age: 7d}\n",
        "pack.yaml:7: rule 'a': scope key 'models' does not apply: condition 'freshness' "
        "judges pipelines",
    ),
    "duplicate key": (
        "version: 1\nrules:\n" + GOOD_RULE + "    description: again\n",
        "pack.yaml:7: not valid YAML, column 5: found duplicate key 'description' "
        "(first on line 4)",
    ),
    "missing version": (
        "rules:\n" + GOOD_RULE,
        "pack.yaml:1: missing 'version: 1'",
    ),
    "future version": (
        "version: 2\nrules:\n" + GOOD_RULE,
        "pack.yaml:1: unsupported policy format version 2",
    ),
    "rules not a list": (
        "version: 1\nrules: {id: a}\n",
        "pack.yaml:2: 'rules' must be a list, got a mapping",
    ),
    "waiver without expiry": (
        "version: 1\nrules:\n" + GOOD_RULE + "waivers:\n  - rule: fresh\n    target: x\n"
        "    reason: r\n    approver: a\n",
        "pack.yaml:8: a waiver needs 'expires'",
    ),
    "waiver with a bad date": (
        "version: 1\nrules:\n" + GOOD_RULE + "waivers:\n  - rule: fresh\n    target: x\n"
        "    reason: r\n    approver: a\n    expires: someday\n",
        "pack.yaml:12: a waiver: 'expires' must be a date (YYYY-MM-DD), got 'someday'",
    ),
    "waiver of an unknown rule": (
        "version: 1\nrules:\n" + GOOD_RULE + "waivers:\n  - rule: stale\n    target: x\n"
        "    reason: r\n    approver: a\n    expires: 2030-01-01\n",
        "pack.yaml:8: waiver names rule 'stale', which no policy file defines",
    ),
    "bad rule id": (
        "version: 1\nrules:\n  - id: 'a b'\n    description: d\n    condition: freshness\n",
        "pack.yaml:3: rule id 'a b' may hold only letters",
    ),
    "empty file": ("", "pack.yaml:1: the file is empty"),
    "a plug-in that cannot be imported": (
        "version: 1\nplugins: [no_such_module_xyz]\nrules:\n" + GOOD_RULE,
        "pack.yaml:2: plug-in module 'no_such_module_xyz' cannot be imported",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_pack_exits_2_naming_file_and_line(case: str, cli: Callable[..., Result]) -> None:
    text, expected = CASES[case]
    write_pack(text)
    p.run_orders()  # a store with a run: only the policy file is wrong
    result = cli("check", "--policies", "policies")
    assert result.code == 2
    assert result.err.startswith("govern: error: policies/")
    assert expected in result.err
    assert "Traceback" not in result.err + result.out


def test_duplicate_rule_ids_across_files(cli: Callable[..., Result]) -> None:
    write_pack("version: 1\nrules:\n" + GOOD_RULE, "a.yaml")
    write_pack(
        "version: 1\nrules:\n  - {id: x, description: d, condition: signoff}\n" + GOOD_RULE,
        "b.yaml",
    )
    result = cli("check")
    assert result.code == 2
    assert "policies/b.yaml:4: rule id 'fresh' is already used at policies/a.yaml:3" in result.err


def test_missing_or_empty_policy_directory(cli: Callable[..., Result]) -> None:
    result = cli("check", "--policies", "nowhere")
    assert result.code == 2 and "nowhere: no such policy directory or file" in result.err
    (write_pack("x: 1").parent / "pack.yaml").unlink()
    result = cli("check", "--policies", "policies")
    assert result.code == 2 and "no policy files (*.yaml, *.yml)" in result.err


def test_no_traceback_from_a_real_process() -> None:
    write_pack("version: 1\nrules:\n  - id: a\n    description: d\n    condition: nope\n")
    done = subprocess.run(
        [sys.executable, "-m", "govern", "check", "--policies", "policies"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "policies/pack.yaml:5: rule 'a': unknown condition 'nope'" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_unsafe_yaml_tags_are_refused(cli: Callable[..., Result]) -> None:
    write_pack("version: 1\nrules: !!python/object/apply:os.system ['echo pwned']\n")
    result = cli("check")
    assert result.code == 2
    assert "pack.yaml:2: not valid YAML" in result.err
    assert "could not determine a constructor" in result.err
