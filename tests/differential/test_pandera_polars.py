"""Differential: hypothesis-generated polars frames (eager and lazy), bare pandera vs govern.

Columns: integers with nulls, floats with NaN *and* null (distinct in polars), strings
with nulls, categoricals, tz-aware datetimes; unicode names; 0-7 rows. The same case is
compared as a DataFrame and as a LazyFrame (rows are positions in both).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pandera.polars as pa
import polars as pl
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.differential.pandera_harness import (
    bare_polars,
    compare,
    compare_mostly,
    compare_severity,
)

SETTINGS = settings(
    max_examples=45,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
NAMES = ["a", "b", "größe", "列", "x y"]
KINDS = ["int", "float", "str", "category", "dt_tz"]
WORDS = ["a", "b", "ab", "é", ""]
DAY0 = datetime(2024, 1, 1, tzinfo=UTC)


def _column(draw: Any, name: str, kind: str, n: int) -> pl.Series:
    if kind == "int":
        values = draw(st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=n, max_size=n))
        return pl.Series(name, values, dtype=pl.Int64)
    if kind == "float":
        pool = st.sampled_from([-1.5, 0.0, 2.5, 7.0, math.nan, None])
        return pl.Series(name, draw(st.lists(pool, min_size=n, max_size=n)), dtype=pl.Float64)
    if kind in ("str", "category"):
        pool = st.sampled_from([*WORDS, None])
        dtype = pl.Categorical if kind == "category" else pl.String
        return pl.Series(name, draw(st.lists(pool, min_size=n, max_size=n)), dtype=dtype)
    days = draw(st.lists(st.one_of(st.none(), st.integers(0, 9)), min_size=n, max_size=n))
    stamps = [None if d is None else DAY0 + timedelta(days=d) for d in days]
    return pl.Series(name, stamps, dtype=pl.Datetime("us", "UTC"))


def _checks(draw: Any, kind: str) -> list[pa.Check]:
    if kind in ("int", "float"):
        pool = [pa.Check.in_range(-2, 3), pa.Check.ge(0), pa.Check.lt(4), pa.Check.isin([0, 1, 2])]
    elif kind == "str":
        pool = [pa.Check.isin(["a", "b"]), pa.Check.str_length(0, 1), pa.Check.str_startswith("a")]
    elif kind == "category":
        pool = [pa.Check.isin(["a", "b"])]
    else:
        pool = [pa.Check.ge(DAY0 + timedelta(days=3))]
    return draw(st.lists(st.sampled_from(pool), max_size=2, unique_by=lambda c: c.name))


DTYPES = {"int": pl.Int64, "float": pl.Float64, "str": pl.String}


@st.composite
def cases(draw: Any) -> tuple[pa.DataFrameSchema, pl.DataFrame]:
    n = draw(st.integers(0, 7))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    kinds = {name: draw(st.sampled_from(KINDS)) for name in names}
    frame = pl.DataFrame([_column(draw, name, kind, n) for name, kind in kinds.items()])
    columns = {}
    for name, kind in kinds.items():
        dtype = DTYPES.get(kind) if draw(st.booleans()) else None
        if kind == "int" and draw(st.integers(0, 5)) == 0:
            dtype = pl.String  # a wrong dtype: the whole column fails, never quarantined
        columns[name] = pa.Column(
            dtype,
            checks=_checks(draw, kind),
            nullable=draw(st.booleans()),
            unique=draw(st.integers(0, 4)) == 0,
        )
    if draw(st.integers(0, 6)) == 0:
        columns["missing_col"] = pa.Column(pl.Float64, pa.Check.ge(0))
    return pa.DataFrameSchema(columns), frame


@SETTINGS
@given(cases())
def test_quarantine_verdicts_counts_and_rows_equal_pandera(case: Any) -> None:
    schema, frame = case
    compare(schema, frame, "polars eager")
    compare(schema, frame.lazy(), "polars lazy")


@SETTINGS
@given(cases(), st.sampled_from([0.5, 0.75, 0.9]), st.booleans())
def test_severity_and_mostly_semantics(case: Any, mostly: float, warn: bool) -> None:
    schema, frame = case
    bare = bare_polars(schema, frame)
    if warn:
        compare_severity(schema, frame, bare, "polars: severity=warn")
    else:
        compare_mostly(schema, frame, bare, mostly, "polars: mostly")
