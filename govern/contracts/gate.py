"""``govern.Contract``: an ODCS contract (one of its schema objects) used as a gate."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govern.checks.base import CheckOutcome, Finding
from govern.contracts.document import ContractDocument, parse_document
from govern.contracts.rules import ObjectRules, SqlRule
from govern.contracts.translate import Unsupported, translate
from govern.engines import Engine, engine_for
from govern.errors import ContractError, GateDefinitionError, NotAFrameError
from govern.types import ContractRef, Severity

__all__ = ["Contract", "contract_ref"]


class Contract:
    """A data contract enforced at a function boundary.

    ``govern.Contract("contracts/orders.odcs.yaml", schema="orders")`` is accepted
    anywhere a gate is (alone, in a list, inside ``govern.Gate``). The contract is read,
    validated and translated when the stage is decorated, so a bad contract fails at
    import time with its file and line; each call then checks the frame against the
    schema object's properties and quality rules with the contract's own severities.

    Args:
        contract: a file path, a YAML string, a mapping, or an ``OpenDataContractStandard``
            object (the ``open-data-contract-standard`` package's model).
        schema: the schema object's name; optional when the contract has only one.
        unsupported: ``"error"`` (default): a rule govern cannot evaluate (a custom Soda
            or dbt rule) fails the declaration; ``"not_run"``: it is recorded on every
            call as a check that did not run (never as passed).

    Raises:
        ContractError: an unreadable, invalid or unsupported contract, or a rule no
            engine here can evaluate (never a silent skip).
    """

    def __init__(
        self, contract: Any, schema: str | None = None, *, unsupported: Unsupported = "error"
    ) -> None:
        self.document: ContractDocument = parse_document(
            Path(contract) if isinstance(contract, str) and "\n" not in contract else contract
        )
        if unsupported not in ("error", "not_run"):
            raise ContractError(f"unsupported= must be 'error' or 'not_run', got {unsupported!r}")
        self.rules: ObjectRules = translate(self.document, schema, unsupported)
        self.name = self.rules.label
        # recorded with every check (CheckResult.backend): which contract, which version
        self.backend = self.rules.label
        # recorded with the dataset version it gates (and emitted in its lineage facets)
        self.contract_ref: ContractRef = contract_ref(self.document, self.rules)
        self._schemas: dict[str, Any] = {}  # by engine name
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Contract({self.document.source!r}, schema={self.rules.name!r})"

    def _check_for(self, engine: Engine) -> Any:
        from govern.checks.pandera import PanderaCheck

        with self._lock:
            if engine.name not in self._schemas:
                self._schemas[engine.name] = PanderaCheck(engine.contract_schema(self.rules))
            return self._schemas[engine.name]

    def run(self, frame: Any, *, want_index: bool, sample_size: int) -> CheckOutcome:
        """Validate ``frame``: row-level rules through pandera, the rest measured here."""
        engine = engine_for(frame)
        if engine is None:
            raise NotAFrameError(f"{self.name}: not a data frame: {type(frame).__qualname__}")
        try:
            outcome = self._check_for(engine).run(
                frame, want_index=want_index, sample_size=sample_size
            )
        except ContractError as exc:
            raise GateDefinitionError(f"{self.name}: {exc}") from exc
        severities = self._severities()
        findings = [
            dataclasses.replace(f, severity=severities[f.check])
            if f.check in severities and f.severity is None
            else f
            for f in outcome.findings
        ]
        present = set(engine.columns(frame))
        measured = engine.measure(frame, self.rules, present)
        findings.extend(self._type_findings(measured))
        findings.extend(self._metric_findings(measured))
        findings.extend(self._sql_findings(frame, engine, present))
        findings.extend(  # kept with unsupported="not_run": recorded as not run, never passed
            Finding(
                check=rule.name,
                column=rule.column,
                failed_count=0,
                passed=False,
                message=rule.reason,
                row_level=False,
                ran=False,
            )
            for rule in self.rules.unsupported
        )
        return CheckOutcome(frame=outcome.frame, findings=findings)

    def _severities(self) -> dict[str, Severity]:
        out: dict[str, Severity] = {}
        for column in self.rules.columns:
            for rule in column.row_checks:
                out[rule.name] = rule.severity
        for i, (cols, severity) in enumerate(self.rules.unique_together):
            # the first is pandera's own schema-level unique, the others named checks
            out[
                "multiple_fields_uniqueness" if i == 0 else f"unique_together({', '.join(cols)})"
            ] = severity
        return out

    def _type_findings(self, measured: dict[str, float]) -> list[Finding]:
        findings = []
        for column in self.rules.columns:
            value = measured.get(f"type:{column.name}")
            if value is None:
                continue
            findings.append(
                Finding(
                    check=f"logicalType({column.logical_type})",
                    column=column.name,
                    failed_count=0 if value else 1,
                    passed=bool(value),
                    expected=f"a {column.logical_type} column",
                    message=None
                    if value
                    else f"column {column.name!r} is not of logical type {column.logical_type}",
                    row_level=False,
                )
            )
        return findings

    def _metric_findings(self, measured: dict[str, float]) -> list[Finding]:
        findings = []
        for rule in self.rules.metrics:
            value = measured.get(rule.name)
            if value is None:
                continue  # its column is missing: the presence check already failed
            ok = all(b.holds(value) for b in rule.bounds)
            findings.append(
                Finding(
                    check=rule.name,
                    column=rule.column,
                    failed_count=0 if ok else 1,
                    passed=ok,
                    severity=rule.severity,
                    expected=rule.expected,
                    message=None if ok else f"{rule.metric} = {value:g}; expected {rule.expected}",
                    row_level=False,
                )
            )
        return findings

    def _sql_findings(self, frame: Any, engine: Engine, present: set[str]) -> list[Finding]:
        if not self.rules.sql:
            return []
        from govern.contracts.sql import run_sql_rule

        findings = []
        for rule in self.rules.sql:
            if rule.column is not None and rule.column not in present:
                continue
            value = run_sql_rule(engine.sql_relation(frame), self.rules.name, rule)
            ok = all(b.holds(value) for b in rule.bounds)
            findings.append(_sql_finding(rule, value, ok))
        return findings


def _sql_finding(rule: SqlRule, value: float, ok: bool) -> Finding:
    expected = " and ".join(str(b) for b in rule.bounds)
    return Finding(
        check=rule.name,
        column=rule.column,
        failed_count=0 if ok else 1,
        passed=ok,
        severity=rule.severity,
        expected=f"query result {expected}",
        message=None if ok else f"query returned {value:g}; expected {expected}",
        row_level=False,
    )


def contract_ref(document: ContractDocument, rules: ObjectRules) -> ContractRef:
    """What the record keeps of a contract: its identity, owners, tags and description.

    Owners are the contract's team members (``username``, else ``name``) with their
    ``role``; tags are the contract's then the schema object's (without repeats); the
    description is the schema object's, else the contract's ``description.purpose``.
    """
    data = document.data
    team = data.get("team")
    members = team.get("members") if isinstance(team, Mapping) else team
    owners = tuple(
        (str(m.get("username") or m.get("name")), str(m["role"]) if m.get("role") else None)
        for m in (members if isinstance(members, list) else ())
        if isinstance(m, Mapping) and (m.get("username") or m.get("name"))
    )
    top = data.get("tags")
    tags = tuple(
        dict.fromkeys([*(str(t) for t in top or () if isinstance(top, list)), *rules.tags])
    )
    about = data.get("description")
    purpose = about.get("purpose") if isinstance(about, Mapping) else about
    description = rules.description or (str(purpose) if purpose else None)
    return ContractRef(
        id=rules.contract_id,
        version=rules.contract_version,
        schema=rules.name,
        owners=owners,
        tags=tags,
        description=description,
    )
