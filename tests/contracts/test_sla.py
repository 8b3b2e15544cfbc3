"""contract_sla: the record judges a contract's freshness and frequency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

import govern
from govern.cli import main
from govern.contracts.document import load_document
from govern.contracts.sla import sla_terms
from govern.errors import ContractError
from tests.contracts.conftest import CUSTOMERS


def test_judged_and_unjudged_terms() -> None:
    terms, skipped = sla_terms(load_document(CUSTOMERS))
    assert [(t.kind, t.limit) for t in terms] == [
        ("freshness", timedelta(days=1)),
        ("frequency", timedelta(days=2)),
    ]
    assert skipped == ["retention"]


def test_bad_sla_values_are_named(tmp_path: Path) -> None:
    path = tmp_path / "c.odcs.yaml"
    path.write_text(
        "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\n"
        "slaProperties:\n  - property: latency\n    value: -3\n    unit: d\n"
    )
    with pytest.raises(ContractError, match=r"c.odcs.yaml:6: latency needs a positive number"):
        sla_terms(load_document(path))


def _policy(tmp_path: Path, contract: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "sla.yaml").write_text(
        "version: 1\nname: sla\nrules:\n"
        "  - id: customers-sla\n    description: customers meet their SLA\n"
        "    severity: error\n    condition: contract_sla\n"
        "    scope:\n      datasets: {names: ['*customers*']}\n"
        f"    with:\n      contract: {contract}\n"
    )
    return folder


def _record_customers() -> None:
    @govern.stage(outputs=govern.Contract(CUSTOMERS))
    def customers() -> pd.DataFrame:
        return pd.DataFrame(
            {
                "region": ["EU"],
                "customer_id": [1],
                "email": ["a@b.co"],
                "joined": pd.to_datetime(["2020-01-01"]),
                "profile": [{}],
            }
        )

    with govern.run("crm"):
        customers()


def test_a_fresh_dataset_passes_govern_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _record_customers()
    assert main(["check", "--policies", str(_policy(tmp_path, CUSTOMERS)), "--no-record"]) == 0
    out = capsys.readouterr().out
    assert "customers-sla" in out


def test_a_stale_or_irregular_dataset_fails(tmp_path: Path) -> None:
    from govern.policies import evaluate, load_packs
    from govern.store import open_store

    _record_customers()
    packs = load_packs(_policy(tmp_path, CUSTOMERS))
    with open_store(None) as store:
        fresh = evaluate(store, packs, latest=True)
        stale = evaluate(store, packs, latest=True, now=datetime.now(UTC) + timedelta(days=3))
    (verdict,) = [v for v in fresh.verdicts if v.rule == "customers-sla"]
    assert verdict.status.value == "pass", verdict.message
    assert "not judged from the record: retention" in verdict.message
    (late,) = [v for v in stale.verdicts if v.rule == "customers-sla"]
    assert late.status.value == "fail"
    assert "newest version 3d" in late.message
