"""govern.run(): ids, status, stages; implicit runs; last_result."""

from __future__ import annotations

import uuid

import pandas as pd
import pandera.pandas as pa
import pytest

import govern

SCHEMA = pa.DataFrameSchema({"x": pa.Column(int, pa.Check.ge(0))})


@govern.stage(outputs=SCHEMA)
def make(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": list(range(n))})


@govern.stage(outputs=SCHEMA)
def bad() -> pd.DataFrame:
    return pd.DataFrame({"x": [-1]})


def test_run_collects_stages_and_completes() -> None:
    with govern.run("pipeline") as run:
        assert run.status == "running"
        make(2)
        make(3)
    assert run.status == "completed"
    assert uuid.UUID(run.id).version == 7
    assert [s.stage for s in run.stages] == ["make", "make"]
    assert {s.run_id for s in run.stages} == {run.id}
    assert len({s.stage_run_id for s in run.stages}) == 2
    assert run.stages[1].row_counts == {"output:return": 3}
    assert set(run.stages[0].timings) >= {"input_gates", "call", "output_gates", "profile"}
    assert run.stages[0].duration_s >= 0


def test_run_fails_when_a_stage_fails() -> None:
    with pytest.raises(govern.GateError), govern.run("pipeline") as run:
        make(1)
        bad()
    assert run.status == "failed"
    assert [s.status for s in run.stages] == ["passed", "failed"]


def test_run_fails_even_if_gate_error_is_caught_inside() -> None:
    with govern.run("pipeline") as run, pytest.raises(govern.GateError):
        bad()
    assert run.status == "failed"


def test_stage_outside_a_run_opens_its_own() -> None:
    make(1)
    first = govern.last_result()
    make(1)
    second = govern.last_result()
    assert first is not None and second is not None
    assert first.run_id != second.run_id


def test_run_needs_a_name() -> None:
    with pytest.raises(govern.GovernError, match="non-empty pipeline name"):
        govern.run("")


def test_stage_result_is_frozen() -> None:
    make(1)
    result = govern.last_result()
    assert result is not None
    with pytest.raises(AttributeError):
        result.status = "failed"  # type: ignore[misc]
