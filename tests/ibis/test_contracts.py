"""A data contract gating a DuckDB table gives the verdicts it gives on pandas.

The pandas contract gate equals the hand-written pandera schema
(tests/contracts/test_equivalence.py); here the same contract on the same rows, loaded
into DuckDB and gated through Ibis, must flag the same rows and pass or fail the same
dataset-level rules.
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd
from hypothesis import HealthCheck, given, settings

from govern.contracts import Contract
from tests.contracts.conftest import ORDERS, failing_rows
from tests.contracts.test_equivalence import order_frames

GATE = Contract(ORDERS)
CON = ibis.duckdb.connect()


def _pandas_verdict(frame: pd.DataFrame) -> tuple[set[int], dict[str, bool]]:
    outcome = GATE.run(frame, want_index=True, sample_size=3)
    rows = {
        int(i) for f in outcome.findings if f.row_level and f.failed_count for i in failing_rows(f)
    }
    return rows, {f.check: bool(f.passed) for f in outcome.findings if not f.row_level}


def _ibis_verdict(frame: pd.DataFrame) -> tuple[set[int], dict[str, bool]]:
    typed = frame.astype({c: "string" for c in ("currency", "email", "status")})  # no NULL type
    table = CON.create_table("orders", typed.assign(_rid=range(len(frame))), overwrite=True)
    outcome = GATE.run(table, want_index=True, sample_size=3)
    rows: set[int] = set()
    for finding in outcome.findings:
        if finding.row_level and finding.failed_count:
            for p in finding.failing_index or ():
                hit = p.table.filter(p.table[p.flag]).select("_rid").to_pyarrow()
                rows |= {int(r) for r in hit.column("_rid").to_pylist()}
    return rows, {f.check: bool(f.passed) for f in outcome.findings if not f.row_level}


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(frame=order_frames())
def test_duckdb_contract_gate_equals_the_pandas_one(frame: pd.DataFrame) -> None:
    assert _ibis_verdict(frame) == _pandas_verdict(frame)


def test_engine_measures_metrics_in_sql(load: Any) -> None:
    frame = pd.DataFrame(
        {
            "tenant_id": [1, 1],
            "order_id": [1, 2],
            "amount": [1.0, 5.0],
            "currency": ["EUR", "USD"],
            "email": pd.Series([None, None], dtype="string"),
            "status": ["open", "N/A"],
        }
    )
    outcome = GATE.run(load("orders", frame), want_index=False, sample_size=1)
    found = {f.check: f for f in outcome.findings if not f.row_level}
    assert not found["email_nulls_percent"].passed
    assert found["orders_row_count"].passed
