"""Linting contracts: the standard's JSON Schema and govern's translation, with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.contracts import lint
from govern.contracts.document import SUPPORTED_VERSIONS, parse_document
from govern.errors import ContractError
from tests.contracts.conftest import CUSTOMERS, DATA, ORDERS

HEAD = "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "c.odcs.yaml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", [ORDERS, CUSTOMERS])
def test_the_test_contracts_lint_clean(path: Path) -> None:
    assert lint(path) == []


def test_schema_violations_name_file_line_and_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEAD
        + "schema:\n  - name: t\n    properties:\n      - name: a\n        logicalType: strin\n",
    )
    (problem,) = lint(path)
    assert problem.where == f"{path}:9"
    assert "schema/0/properties/0/logicalType" in problem.message
    assert "'strin'" in problem.message


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("apiVersion: v2.2.2\nkind: DataContract\nid: x\nversion: 1.0.0\n", 1, "not supported"),
        (
            HEAD + "schema:\n  - name: t\n    properties:\n      - name: a\n"
            "        logicalType: integer\n        quality:\n          - metric: nullValues\n",
            11,
            "metric",
        ),
        (
            HEAD + "schema:\n  - name: t\n    properties:\n      - name: a\n"
            "        logicalType: integer\n        quality:\n          - metric: nullValues\n"
            "            mustBe: .nan\n",
            11,
            "must be a number",
        ),
        (
            HEAD + "schema:\n  - name: t\n    properties:\n      - name: a\n"
            "        logicalType: string\n        logicalTypeOptions:\n"
            "          format: hostname\n",
            10,
            "cannot be checked",
        ),
        (
            HEAD + "schema:\n  - name: t\n    properties:\n      - name: a\n"
            "        logicalType: integer\n        logicalTypeOptions:\n          format: i7\n",
            11,
            "not one of",
        ),
        (
            HEAD + "schema:\n  - name: t\n    quality:\n      - metric: duplicateValues\n"
            "        mustBe: 0\n        arguments:\n          properties: [a, b]\n"
            "    properties:\n      - name: a\n        logicalType: integer\n",
            8,
            "unknown properties",
        ),
        (
            HEAD + "schema:\n  - name: t\n    properties:\n      - name: a\n"
            "        logicalType: date\n        logicalTypeOptions:\n"
            "          minimum: 2026-02-30\n",
            10,
            "ISO 8601 date",
        ),
        (
            HEAD + "schema:\n  - name: t\n    properties:\n      - name: a\n"
            "        logicalType: object\n        properties:\n          - name: b\n"
            "            logicalType: integer\n            unique: true\n",
            11,
            "nested",
        ),
    ],
    ids=[
        "v2",
        "no-operator",
        "nan-bound",
        "string-format",
        "int-format",
        "unknown-key-column",
        "impossible-date",
        "nested-constraint",
    ],
)
def test_what_govern_cannot_enforce_is_named_with_its_line(
    tmp_path: Path, body: str, line: int, words: str
) -> None:
    path = write(tmp_path, body)
    problems = lint(path)
    assert problems, body
    assert problems[0].where == f"{path}:{line}", problems
    assert words in problems[0].message


def test_an_alias_bomb_is_refused_in_bounded_time(tmp_path: Path) -> None:
    lines = [HEAD.rstrip("\n"), 'a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{','.join('*' + prev for _ in range(9))}]")
    with pytest.raises(ContractError, match="aliases expand"):
        lint(write(tmp_path, "\n".join(lines) + "\n"))


def test_deep_nesting_and_garbage_are_errors_not_crashes(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="nested"):
        lint(write(tmp_path, HEAD + "x: " + "[" * 5000 + "]" * 5000 + "\n"))
    with pytest.raises(ContractError, match="not valid YAML"):
        lint(write(tmp_path, "a: [\n"))
    with pytest.raises(ContractError, match="a contract is a mapping"):
        lint(write(tmp_path, "- 1\n"))
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ContractError, match="not UTF-8"):
        lint(tmp_path / "bin.yaml")
    with pytest.raises(ContractError, match="no such contract file"):
        lint(tmp_path / "missing.odcs.yaml")


def test_every_supported_version_is_one_the_standard_knows() -> None:
    from govern.contracts.document import json_schema

    assert set(SUPPORTED_VERSIONS) <= set(json_schema()["properties"]["apiVersion"]["enum"])


def test_custom_and_unsupported_contracts_are_reported() -> None:
    assert "greatExpectations" in lint(DATA / "custom-rule.odcs.yaml")[0].message
    assert "v2.2.2" in lint(DATA / "unsupported-v2.odcs.yaml")[0].message


def test_lines_follow_the_yaml(tmp_path: Path) -> None:
    doc = parse_document(ORDERS)
    text = ORDERS.read_text().splitlines()
    line = doc.line_of(("schema", 0, "properties", 3, "quality", 0, "arguments"))
    assert line is not None
    assert "arguments:" in text[line - 1]
