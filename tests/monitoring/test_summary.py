"""The summary data model: what it computes, its serialised form, and merging parts."""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow as pa
import pytest
from datasketches import kll_doubles_sketch
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.monitoring.compute import SAMPLE, summarize_table
from govern.monitoring.summary import DatasetSummary


def _table(rows: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    score = rng.normal(10, 2, rows)
    score[rng.random(rows) < 0.1] = np.nan
    return pa.table(
        {
            "score": pa.array(score, from_pandas=True),
            "qty": pa.array(rng.integers(0, 50, rows)),
            "kind": pa.array(rng.choice(["a", "b", "c"], rows, p=[0.6, 0.3, 0.1])),
            "flag": pa.array(rng.random(rows) < 0.2),
            "day": pa.array(rng.integers(0, 1000, rows).astype("datetime64[D]")),
            "nested": pa.array([[1]] * rows),
        }
    )


def test_exact_statistics_equal_numpy_and_arrow() -> None:
    table = _table(5000)
    s = summarize_table(table)
    score = table.column("score").to_numpy(zero_copy_only=False)
    valid = score[~np.isnan(score)]
    col = s.column("score")
    assert col is not None and col.kind == "numeric" and col.step == 1
    assert col.nulls == int(np.isnan(score).sum()) and col.count == len(valid)
    assert col.mean == pytest.approx(valid.mean()) and col.std == pytest.approx(valid.std())
    assert (col.min, col.max) == (valid.min(), valid.max())
    assert col.distinct == len(np.unique(valid))
    bare = kll_doubles_sketch(200)
    bare.update(valid.copy())
    assert col.quantiles((0.5,)) is not None
    q = col.quantiles((0.1, 0.5, 0.9))
    assert q is not None
    for p, v in q.items():  # the same sketch of the same values, within KLL's rank error
        assert abs(bare.get_rank(v) - p) <= 2 * bare.normalized_rank_error(False)
    kind = s.column("kind")
    assert kind is not None and kind.kind == "categorical"
    counts = dict(
        zip(
            *np.unique(table.column("kind").to_numpy(zero_copy_only=False), return_counts=True),
            strict=True,
        )
    )
    assert dict(kind.top) == {k: int(v) for k, v in counts.items()}
    assert kind.top[0][0] == "a" and kind.other == 0 and kind.distinct == 3
    flag = s.column("flag")
    assert flag is not None and {v for v, _ in flag.top} == {"true", "false"}
    day = s.column("day")
    assert day is not None and day.kind == "numeric" and day.dtype == "date32[day]"
    nested = s.column("nested")
    assert nested is not None and nested.kind == "other" and nested.rows == 5000
    assert s.schema[0] == ("score", "double") and s.rows == 5000


def test_serialised_form_round_trips_through_json() -> None:
    s = summarize_table(_table(3000))
    again = DatasetSummary.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again == s
    assert again.column("score").quantiles() == s.column("score").quantiles()  # type: ignore[union-attr]


def test_newer_format_is_refused() -> None:
    d = summarize_table(_table(10)).to_dict()
    d["format"] = 99
    with pytest.raises(ValueError, match="newer"):
        DatasetSummary.from_dict(d)


def test_large_parts_are_sampled_and_statistics_stay_exact() -> None:
    table = _table(SAMPLE * 4 - 123)
    s = summarize_table(table)
    col = s.column("score")
    assert col is not None and col.step == 4
    score = table.column("score").to_numpy(zero_copy_only=False)
    valid = score[~np.isnan(score)]
    assert col.count == len(valid) and col.mean == pytest.approx(valid.mean())
    q = col.quantiles((0.25, 0.5, 0.75))
    assert q is not None
    for p, v in q.items():
        assert abs(float(np.mean(valid <= v)) - p) < 0.03
    kind = s.column("kind")
    assert kind is not None
    shares = kind.frequencies()
    assert shares["a"] == pytest.approx(0.6, abs=0.02) and shares["c"] == pytest.approx(
        0.1, abs=0.02
    )


def _assert_merged_equals_whole(merged: DatasetSummary, whole: DatasetSummary) -> None:
    assert merged.rows == whole.rows and merged.schema == whole.schema
    for a, b in zip(merged.columns, whole.columns, strict=True):
        assert (a.rows, a.nulls, a.count) == (b.rows, b.nulls, b.count), a.name
        if a.kind == "numeric" and b.count:
            assert (a.min, a.max) == (b.min, b.max)
            assert a.mean == pytest.approx(b.mean, rel=1e-9, abs=1e-9)
            assert a.std == pytest.approx(b.std, rel=1e-9, abs=1e-9)
        if a.kind == "categorical" and a.step == 1 and b.step == 1:
            assert dict(a.top) == dict(b.top)
        if b.distinct:
            assert a.distinct is not None
            assert abs(a.distinct - b.distinct) <= 0.05 * b.distinct + 1


def test_merged_parts_equal_the_whole_unsampled() -> None:
    table = _table(2000, seed=3)
    whole = summarize_table(table)
    parts = [summarize_table(table.slice(i, 300)) for i in range(0, 2000, 300)]
    merged = DatasetSummary.merge_all(parts)
    _assert_merged_equals_whole(merged, whole)
    # KLL in exact mode (each part under k values): the merged quantiles are exact too
    small = table.slice(0, 150)
    parts = [summarize_table(small.slice(i, 50)) for i in range(0, 150, 50)]
    col = DatasetSummary.merge_all(parts).column("qty")
    assert col is not None
    assert col.quantiles() == summarize_table(small).column("qty").quantiles()  # type: ignore[union-attr]


def test_merging_parts_sampled_at_different_steps_weighs_them_by_their_rows() -> None:
    low = pa.table({"x": pa.array(np.zeros(SAMPLE * 8))})  # step 8
    high = pa.table({"x": pa.array(np.ones(SAMPLE // 2))})  # step 1
    merged = summarize_table(low).merge(summarize_table(high))
    col = merged.column("x")
    assert col is not None and col.step == 1
    sketch = kll_doubles_sketch.deserialize(col.kll)
    # 8 * SAMPLE zeros against SAMPLE / 2 ones: ones are 1/17 of the values
    assert sketch.get_rank(0.5) == pytest.approx(16 / 17, abs=0.02)
    assert col.mean == pytest.approx(1 / 17)


def test_merge_refuses_different_schemas() -> None:
    a = summarize_table(pa.table({"x": [1, 2]}))
    b = summarize_table(pa.table({"x": ["1", "2"]}))
    with pytest.raises(ValueError, match="different schemas"):
        a.merge(b)
    with pytest.raises(ValueError, match="at least one"):
        DatasetSummary.merge_all([])


def test_empty_and_all_null_columns() -> None:
    s = summarize_table(
        pa.table(
            {"x": pa.array([None, None], pa.float64()), "s": pa.array([None, None], pa.string())}
        )
    )
    x, text = s.columns
    assert x.nulls == 2 and x.count == 0 and x.mean is None and x.quantiles() is None
    assert text.nulls == 2 and text.top == () and text.distinct == 0
    assert (
        summarize_table(pa.table({"x": pa.array([], pa.int64())})).columns[0].null_fraction is None
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=1, max_size=200),
    st.integers(1, 5),
)
def test_merge_is_exact_for_counts_and_moments(values: list[float | None], parts: int) -> None:
    table = pa.table(
        {
            "v": pa.array(values, pa.float64()),
            "t": pa.array([None if v is None else str(round(v)) for v in values]),
        }
    )
    size = math.ceil(len(values) / parts)
    pieces = [summarize_table(table.slice(i, size)) for i in range(0, len(values), size)]
    _assert_merged_equals_whole(DatasetSummary.merge_all(pieces), summarize_table(table))
