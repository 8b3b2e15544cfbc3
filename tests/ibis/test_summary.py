"""Monitoring summaries of Ibis tables are computed in the database (issues 15 and 16).

The summary of a table must agree with govern's in-memory summary of the same rows
(exact counts and moments; quantiles and shares within the sample's error), and no table
may be streamed into Python to make it: `arrow_batches` is never called.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import govern
from govern.engines import engine_for
from govern.monitoring.compute import SAMPLE
from govern.monitoring.frames import summarize_frame


def _frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    amount = rng.normal(100.0, 15.0, rows)
    amount[rng.random(rows) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "amount": amount,
            "qty": rng.integers(0, 50, rows),
            "country": rng.choice(["DE", "FR", "NL", "PL"], rows, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )


@pytest.fixture
def no_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = type(engine_for_ibis())

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("the table was streamed into Python")

    monkeypatch.setattr(engine, "arrow_batches", refuse)


def engine_for_ibis() -> Any:
    import ibis

    found = engine_for(ibis.memtable({"a": [1]}))
    assert found is not None
    return found


@pytest.mark.parametrize("rows", [500, 4 * SAMPLE + 17])
def test_summary_in_the_database_agrees_with_memory(
    load: Any, no_streaming: None, rows: int
) -> None:
    frame = _frame(rows)
    table = load("orders", frame)
    sql = summarize_frame(table)
    memory = summarize_frame(frame)
    assert sql.rows == memory.rows == rows
    for name in ("amount", "qty"):
        a, b = sql.column(name), memory.column(name)
        assert a is not None and b is not None
        assert a.kind == b.kind == "numeric"
        assert (a.nulls, a.count) == (b.nulls, b.count)
        assert a.min == pytest.approx(b.min) and a.max == pytest.approx(b.max)
        assert a.mean == pytest.approx(b.mean) and a.std == pytest.approx(b.std)
        qa, qb = a.quantiles(), b.quantiles()
        assert qa is not None and qb is not None
        spread = float(np.nanstd(frame[name]))
        for q in qa:  # sampled sketches: within a few percent of the spread
            assert qa[q] == pytest.approx(qb[q], abs=0.15 * spread)
    c, d = sql.column("country"), memory.column("country")
    assert c is not None and d is not None and c.kind == d.kind == "categorical"
    assert set(c.frequencies()) == set(d.frequencies()) == {"DE", "FR", "NL", "PL"}
    for value, share in d.frequencies().items():
        assert c.frequencies()[value] == pytest.approx(share, abs=0.03)
    assert c.distinct == 4
    assert (sql.column("amount").step > 1) is (rows > SAMPLE)  # type: ignore[union-attr]


def test_a_stable_gate_on_a_table_judges_its_history(
    load: Any, no_streaming: None, tmp_path: Any
) -> None:
    govern.configure(store=str(tmp_path / "s.db"), quarantine_dir=str(tmp_path / "q"))
    try:
        gate = govern.Stable(window=10, min_history=3, metrics=["row_count"])

        @govern.stage(outputs=[govern.Gate(gate, severity="warn")])
        def daily(table: Any) -> Any:
            return table

        outcomes = []
        for day in range(5):
            rows = 200 if day < 4 else 4000  # the last day's volume jumps twentyfold
            table = load("orders", _frame(rows))
            if day == 4:
                with pytest.warns(govern.GateWarning, match="stable:row_count"):
                    daily(table)
            else:
                daily(table)
            result = govern.last_result()
            assert result is not None
            (check,) = [c for c in result.checks if c.check == "stable:row_count"]
            outcomes.append(str(check.outcome))
        assert outcomes == ["not_run", "not_run", "not_run", "passed", "failed"]
    finally:
        govern.configure()
