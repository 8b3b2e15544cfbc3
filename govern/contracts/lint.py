"""``govern contract lint``: a contract checked against the standard and against govern.

Two layers, both reported with file:line: the ODCS JSON Schema (what the standard allows)
and govern's own translation (what a gate can enforce: supported versions, known logical
types, rules an engine can evaluate). A contract that lints clean becomes gates.
"""

from __future__ import annotations

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


def _schema_problems(doc: ContractDocument) -> list[LintProblem]:
    import jsonschema

    validator_cls = jsonschema.validators.validator_for(json_schema())
    validator = validator_cls(json_schema())
    problems = []
    for error in sorted(
        validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))
    ):
        path = tuple(error.absolute_path)
        at = "/".join(str(p) for p in path) or "(top level)"
        message = error.message if len(error.message) < 300 else error.message[:297] + "..."
        problems.append(LintProblem(doc.where(path), f"{at}: {message}"))
    return problems


def lint(contract: Any) -> list[LintProblem]:
    """Every problem of ``contract`` (empty when it is valid and enforceable).

    Raises:
        ContractError: the file cannot be read or is not YAML (nothing else to report).
    """
    doc = parse_document(contract)
    problems = _schema_problems(doc)
    if problems:
        return problems
    from govern.contracts.translate import translate_all

    try:
        translate_all(doc)
    except ContractError as exc:
        return [LintProblem(*_split(str(exc), doc.source))]
    return []


def _split(text: str, source: str) -> tuple[str, str]:
    head, sep, rest = text.partition(": ")
    if sep and head.startswith(source):
        return head, rest
    return source, text
