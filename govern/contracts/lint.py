"""``govern contract lint``: a contract checked against the standard and against govern.

Two layers, both reported with file:line: the ODCS JSON Schema (what the standard allows)
and govern's own translation (what a gate can enforce: supported versions, known logical
types, rules an engine can evaluate). A contract that lints clean becomes gates.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from govern.contracts.document import ContractDocument, json_schema, parse_document
from govern.errors import ContractError

__all__ = ["LintProblem", "lint"]


@dataclass(frozen=True)
class LintProblem:
    """One problem in a contract, where it is and what to fix."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@functools.cache
def _validator() -> Any:
    import jsonschema

    schema = json_schema()
    return jsonschema.validators.validator_for(schema)(schema)


def _schema_problems(doc: ContractDocument) -> list[LintProblem]:
    validator = _validator()
    problems = []
    for error in sorted(
        validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))
    ):
        path = tuple(error.absolute_path)
        at = "/".join(str(p) for p in path) or "(top level)"
        message = error.message if len(error.message) < 300 else error.message[:297] + "..."
        problems.append(LintProblem(doc.where(path), f"{at}: {message}"))
    return problems


def lint(contract: Any, *, allow_unsupported: bool = False) -> list[LintProblem]:
    """Every problem of ``contract`` (empty when it is valid and enforceable).

    With ``allow_unsupported``, rules govern cannot evaluate (custom Soda, dbt... rules:
    valid ODCS) are not problems; gates built with ``unsupported="not_run"`` record them
    as checks that did not run.

    Raises:
        ContractError: the file cannot be read or is not YAML (nothing else to report).
    """
    doc = parse_document(contract)
    problems = _schema_problems(doc)
    if problems:
        return problems
    from govern.contracts.translate import translate_all

    try:
        translate_all(doc, "not_run" if allow_unsupported else "error")
    except ContractError as exc:
        return [LintProblem(*_split(str(exc), doc.source))]
    return []


def _split(text: str, source: str) -> tuple[str, str]:
    head, sep, rest = text.partition(": ")
    if sep and head.startswith(source):
        return head, rest
    return source, text
