"""Differential: hypothesis-generated pandas frames and schemas, bare pandera vs govern.

Frames: 0-7 rows; int, float (NaN), string (None and NaN), categorical, tz-aware
datetime and mixed-object columns; unicode column names; every index kind (range,
named, non-unique, MultiIndex, NaN-labelled, datetime, string). Schemas: dtype,
nullable, unique and value checks per column, frame-level checks, missing columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.differential.pandera_harness import (
    bare_pandas,
    compare,
    compare_mostly,
    compare_severity,
)

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: keep it fast
)
NAMES = ["a", "b", "größe", "列", "x y", "Ω_1", "value.1"]
KINDS = ["int", "float", "str", "str_none", "category", "dt_tz", "mixed", "num_text"]
INDEXES = ["range", "named", "non_unique", "multi", "nan", "datetime", "string", "multi_nan"]
WORDS = ["a", "b", "ab", "é", ""]


def _column(draw: Any, kind: str, n: int) -> pd.Series:
    if kind == "int":
        return pd.Series(draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)), dtype="int64")
    if kind == "float":
        values = st.sampled_from([-1.5, 0.0, 2.5, 7.0, np.nan])
        return pd.Series(draw(st.lists(values, min_size=n, max_size=n)), dtype="float64")
    if kind in ("str", "str_none", "category"):
        pool = WORDS + ([None, np.nan] if kind == "str_none" else [])
        values = draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
        if kind == "category":
            return pd.Series(pd.Categorical(values, categories=WORDS))
        return pd.Series(values, dtype=object if kind == "str_none" else "str")
    if kind == "dt_tz":
        days = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))
        stamps = pd.to_datetime(days, unit="D", origin="2024-01-01").tz_localize("Europe/Paris")
        return pd.Series(stamps)
    if kind == "num_text":  # numbers as text, some not numbers: coerce=True territory
        pool = st.sampled_from(["1", "2", "-3", "x", "7"])
        return pd.Series(draw(st.lists(pool, min_size=n, max_size=n)), dtype=object)
    values = draw(st.lists(st.sampled_from([1, "a", None, 2.5, "b"]), min_size=n, max_size=n))
    return pd.Series(values, dtype=object)


def _index(kind: str, n: int) -> pd.Index:
    if kind == "range":
        return pd.RangeIndex(n)
    if kind == "named":
        return pd.RangeIndex(10, 10 + n, name="row_id")
    if kind == "non_unique":
        return pd.Index([i // 2 for i in range(n)], name="k")
    if kind == "multi":
        groups = [f"g{i % 2}" for i in range(n)]
        return pd.MultiIndex.from_arrays([groups, [i // 2 for i in range(n)]])
    if kind == "nan":
        return pd.Index([np.nan if i % 3 == 0 else float(i) for i in range(n)])
    if kind == "datetime":
        return pd.date_range("2024-03-01", periods=n, freq="h", tz="UTC")
    if kind == "string":
        return pd.Index([f"r{i}" for i in range(n)], dtype="str")
    levels = [[np.nan if i % 2 else "x" for i in range(n)], [0] * n]
    return pd.MultiIndex.from_arrays(levels, names=["l1", "l2"])


def _checks(draw: Any, kind: str) -> list[pa.Check]:
    if kind in ("int", "float", "num_text"):
        pool = [
            pa.Check.in_range(-2, 3),
            pa.Check.ge(0),
            pa.Check.lt(4),
            pa.Check.isin([0, 1, 2, 2.5, -1.5]),
            pa.Check.notin([7]),
        ]
    elif kind in ("str", "str_none", "category"):
        pool = [pa.Check.isin(["a", "b"]), pa.Check.str_length(0, 1), pa.Check.str_startswith("a")]
    elif kind == "dt_tz":
        pool = [pa.Check.ge(pd.Timestamp("2024-01-04", tz="Europe/Paris"))]
    else:
        pool = [pa.Check(lambda s: s.map(lambda v: isinstance(v, str)), name="is_text")]
    return draw(st.lists(st.sampled_from(pool), max_size=2, unique_by=lambda c: c.name))


DTYPES = {"int": "int64", "float": "float64", "str": str, "mixed": None}


@st.composite
def cases(draw: Any) -> tuple[pa.DataFrameSchema, pd.DataFrame]:
    n = draw(st.integers(0, 7))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    kinds = {name: draw(st.sampled_from(KINDS)) for name in names}
    frame = pd.DataFrame({name: _column(draw, kind, n) for name, kind in kinds.items()})
    frame.index = _index(draw(st.sampled_from(INDEXES)), n)
    columns = {}
    for name, kind in kinds.items():
        dtype = DTYPES.get(kind) if draw(st.booleans()) else None
        if kind == "mixed" and draw(st.integers(0, 3)) == 0:
            dtype = str  # element-wise type check on an object column: row-level
        if kind == "int" and draw(st.integers(0, 5)) == 0:
            dtype = str  # a whole column of the wrong dtype: never quarantined
        columns[name] = pa.Column(
            "int64" if kind == "num_text" else dtype,
            checks=_checks(draw, kind),
            nullable=draw(st.booleans()),
            unique=draw(st.integers(0, 4)) == 0,
            coerce=kind == "num_text",
        )
    if draw(st.integers(0, 6)) == 0:
        columns["missing_col"] = pa.Column(float, pa.Check.ge(0))
    checks = []
    if draw(st.integers(0, 4)) == 0:
        checks.append(pa.Check(lambda df: df.notna().all(axis=1), name="no_nulls_in_row"))
    return pa.DataFrameSchema(columns, checks=checks), frame


@SETTINGS
@given(cases())
def test_quarantine_verdicts_counts_and_rows_equal_pandera(case: Any) -> None:
    schema, frame = case
    compare(schema, frame, "pandas: hypothesis, quarantine")


@SETTINGS
@given(cases(), st.sampled_from([0.5, 0.75, 0.9]), st.booleans())
def test_severity_and_mostly_semantics(case: Any, mostly: float, warn: bool) -> None:
    schema, frame = case
    bare = bare_pandas(schema, frame)
    if warn:
        compare_severity(schema, frame, bare, "pandas: hypothesis, severity=warn")
    else:
        compare_mostly(schema, frame, bare, mostly, "pandas: hypothesis, mostly")


@pytest.mark.parametrize("index", INDEXES)
def test_every_index_kind_quarantines_exactly_the_flagged_rows(index: str) -> None:
    frame = pd.DataFrame({"v": [1, -1, 2, -3, 4, -5]}, index=_index(index, 6))
    schema = pa.DataFrameSchema({"v": pa.Column(int, pa.Check.ge(0))})
    bare = compare(schema, frame, "pandas: index kinds")
    assert bare.flagged == {1, 3, 5}
