"""Ibis tables through govern.stage: pass, warn, quarantine, fail; conformant lineage."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.ibis as pa
import pyarrow.parquet as pq
import pytest

import govern
from govern.engines.base import REASONS_COLUMN
from govern.types import DatasetKind
from tests.lineage.engine_events import conforming_events

SCHEMA = pa.DataFrameSchema({"id": pa.Column(int), "score": pa.Column(float, pa.Check.gt(0))})
_names = itertools.count()


def table(load: Any, scores: list[float]) -> Any:
    frame = pd.DataFrame({"id": range(len(scores)), "score": scores})
    return load(f"t{next(_names)}", frame)


def test_ibis_events_conform(load: Any) -> None:
    # created up front: the helper calls bad() inside pytest.warns, which re-raises
    # ibis's own pandas deprecation warning from there
    good, bad = table(load, [1.0, 2.0]), table(load, [1.0, -2.0, 3.0])
    produced = conforming_events(SCHEMA, lambda: good, lambda: bad)
    namespaces = {i["namespace"] for e in produced for i in e.get("inputs", ())}
    assert any(n.startswith(("duckdb://", "postgres://")) for n in namespaces)


def test_quarantine_writes_a_table_in_the_same_database(con: Any, load: Any) -> None:
    source = table(load, [1.0, -2.0, 3.0, -4.0, 5.0])

    @govern.stage(inputs={"df": SCHEMA}, on_fail="quarantine")
    def clean(df: Any) -> Any:
        return df

    with govern.run("ibis-quarantine-table") as run:
        out = clean(source)
    (record,) = run.stages[0].quarantine
    namespace, _, name = record.path.partition("::")
    assert namespace.startswith(("duckdb://", "postgres://")) and record.sha256 is None
    rejected = con.table(name.rsplit(".", 1)[-1]).to_pyarrow().to_pylist()
    assert record.rows == 2 == len(rejected)
    assert all(r[REASONS_COLUMN] == ["score: greater_than(0)"] for r in rejected)
    kept = [r["id"] for r in out.to_pyarrow().to_pylist()]
    assert sorted(kept + [r["id"] for r in rejected]) == [0, 1, 2, 3, 4]


def test_quarantine_to_parquet_when_configured(load: Any) -> None:
    govern.configure(sql_quarantine="parquet")
    source = table(load, [1.0, -2.0, 3.0, -4.0, 5.0])

    @govern.stage(inputs={"df": SCHEMA}, outputs=SCHEMA, on_fail="quarantine")
    def clean(df: Any) -> Any:
        return df.mutate(score=df.score * 2)

    with govern.run("ibis-quarantine") as run:
        out = clean(source)
    (stage,) = run.stages
    assert stage.status == "quarantined"
    (record,) = stage.quarantine
    rejected = pq.read_table(Path(record.path)).to_pylist()
    assert record.rows == 2 == len(rejected)
    assert all(r[REASONS_COLUMN] == ["score: greater_than(0)"] for r in rejected)
    kept = sorted(r["id"] for r in out.to_pyarrow().to_pylist())
    assert sorted(kept + [r["id"] for r in rejected]) == [0, 1, 2, 3, 4]
    (source_version,) = [d for d in stage.datasets if d.role == "input"]
    assert source_version.ref.kind is DatasetKind.SOURCE
    assert source_version.row_count == 5
    assert source_version.fingerprint is not None


def test_failing_gate_raises_with_counts_from_sql(load: Any) -> None:
    @govern.stage(inputs={"df": SCHEMA})
    def use(df: Any) -> int:  # pragma: no cover - the gate stops it
        return 1

    with pytest.raises(govern.GateError, match="score"), govern.run("ibis-fail") as run:
        use(table(load, [1.0, -2.0, -3.0]))
    (failed,) = [c for c in run.stages[0].checks if not c.passed]
    assert failed.failed_count == 2 and failed.checked_count == 3
