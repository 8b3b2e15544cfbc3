"""The standard's own example contracts (tests/contracts/upstream, Apache-2.0): each lints
against the ODCS JSON Schema, becomes a govern gate per schema object, and exports back to
a contract that lints clean and translates to the very same rules."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from govern.contracts import Contract, lint
from govern.contracts.document import load_document, parse_document
from govern.contracts.export import contract_from_rules
from govern.contracts.translate import translate

UPSTREAM = sorted((Path(__file__).parent / "upstream").glob("*.odcs.yaml"))


def test_the_examples_are_there() -> None:
    assert len(UPSTREAM) >= 18


@pytest.mark.parametrize("path", UPSTREAM, ids=[p.name for p in UPSTREAM])
def test_each_example_round_trips(path: Path) -> None:
    assert lint(path, allow_unsupported=True) == []
    doc = load_document(path)
    for obj in doc.data.get("schema") or []:
        rules = translate(doc, obj["name"], "not_run")
        gate = Contract(path, schema=obj["name"], unsupported="not_run")
        assert gate.rules == rules
        # a frame with every column, empty: the gate runs and reports every rule it has
        frame = pd.DataFrame({c.name: pd.Series([], dtype=object) for c in rules.columns})
        outcome = gate.run(frame, want_index=True, sample_size=3)
        assert {f.column for f in outcome.findings if f.column} <= {
            c.name for c in rules.columns
        } | {rules.label}
        exported = contract_from_rules(rules, api_version=doc.api_version)
        assert lint(exported) == [], exported
        again = translate(parse_document(exported), obj["name"])
        assert again == replace(rules, unsupported=())


def test_custom_rules_are_errors_unless_recorded_as_not_run() -> None:
    path = next(p for p in UPSTREAM if p.name == "column-custom.odcs.yaml")
    (problem, *_) = lint(path)
    assert problem.where.endswith(":22")
    assert "soda" in problem.message
    gate = Contract(path, unsupported="not_run")
    assert [r.column for r in gate.rules.unsupported] == ["UniqueID", "UniqueID"]


def test_rules_govern_cannot_run_are_recorded_as_not_run() -> None:
    import govern

    path = next(p for p in UPSTREAM if p.name == "column-custom.odcs.yaml")
    gate = Contract(path, unsupported="not_run")

    @govern.stage(outputs=gate)
    def air_quality() -> pd.DataFrame:
        return pd.DataFrame({"UniqueID": [1.0, 2.0]})

    with govern.run("air"):
        air_quality()
    result = govern.last_result()
    not_run = [c for c in result.checks if c.outcome.value == "not_run"]
    assert [c.column for c in not_run] == ["UniqueID", "UniqueID"]
    assert all("soda" in (c.message or "") for c in not_run)
    assert not any(c.passed for c in not_run)
    assert result.status.value == "passed"  # not run is not a failure, and not a pass
