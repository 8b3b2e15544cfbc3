"""Differential: hypothesis-generated frames and suites, bare GX vs a govern GX gate.

Frames carry nulls (NaN and None), infinities, categoricals, tz-aware datetimes, mixed
object columns, a unicode column name, empty and one-row frames and every index kind; the
suites mix row-level, set-level and table-level expectations with both severities, and a
Gate ``mostly`` (GX's own meaning) half of the time.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.gx_harness import compare

pytest.importorskip("great_expectations")

UNICODE = "größe_清"
EXAMPLES = 40


def index_of(kind: str, n: int) -> pd.Index:
    if kind == "range":
        return pd.RangeIndex(n)
    if kind == "offset":
        return pd.RangeIndex(100, 100 + 2 * n, 2)
    if kind == "named":
        return pd.Index([f"r{i}" for i in range(n)], name="rid")
    if kind == "non_unique":
        return pd.Index([i // 2 for i in range(n)])
    if kind == "nan":
        return pd.Index([float("nan") if i % 3 == 1 else float(i) for i in range(n)])
    if kind == "multi":
        return pd.MultiIndex.from_arrays(
            [[i // 2 for i in range(n)], ["a", "b"] * (n // 2) + ["a"] * (n % 2)], names=["g", "h"]
        )
    if kind == "datetime":
        return pd.date_range("2024-03-01", periods=n, freq="h", tz="Europe/Berlin")
    return pd.Index([f"ß{i}é" for i in range(n)], dtype="string")


INDEX_KINDS = ["range", "offset", "named", "non_unique", "nan", "multi", "datetime", "string"]


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 12))
    floats = st.one_of(st.none(), st.just(float("nan")), st.floats(-20, 120), st.just(float("inf")))
    num = draw(st.lists(floats, min_size=n, max_size=n))
    ints = draw(st.lists(st.integers(-3, 8), min_size=n, max_size=n))
    text = draw(
        st.lists(
            st.none() | st.sampled_from(["a", "bb", "ccc", "Ä", "", "x1", "清洗"]),
            min_size=n,
            max_size=n,
        )
    )
    mixed = draw(
        st.lists(
            st.none() | st.integers(0, 3) | st.sampled_from(["u", "v"]), min_size=n, max_size=n
        )
    )
    stamps = draw(st.lists(st.none() | st.integers(0, 10_000), min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "num": pd.Series(num, dtype="float64"),
            "int": pd.Series(ints, dtype="int64"),
            "s": pd.Series(text, dtype=object),
            "cat": pd.Categorical([t if t in ("a", "bb") else None for t in text]),
            "mixed": pd.Series(mixed, dtype=object),
            "ts": pd.to_datetime(
                [None if s is None else s * 3600 for s in stamps], unit="s", utc=True
            ),
            UNICODE: pd.Series(ints, dtype="int64") * 2,
        }
    )
    frame.index = index_of(draw(st.sampled_from(INDEX_KINDS)), n)
    return frame


def spec(kind: str, severity: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "severity": severity}


@st.composite
def suites(draw: st.DrawFn) -> list[dict[str, Any]]:
    severity = st.sampled_from(["critical", "critical", "warning"])
    lo = draw(st.integers(-5, 50))
    menu = [
        spec(
            "expect_column_values_to_be_between",
            draw(severity),
            column="num",
            min_value=lo,
            max_value=lo + draw(st.integers(0, 80)),
        ),
        spec(
            "expect_column_values_to_be_between",
            draw(severity),
            column="int",
            min_value=0,
            strict_min=draw(st.booleans()),
        ),
        spec(
            "expect_column_values_to_not_be_null",
            draw(severity),
            column=draw(st.sampled_from(["num", "s", "cat", "ts", "mixed"])),
        ),
        spec("expect_column_values_to_be_null", draw(severity), column="num"),
        spec(
            "expect_column_values_to_be_in_set",
            draw(severity),
            column="s",
            value_set=draw(
                st.lists(st.sampled_from(["a", "bb", "ccc", "Ä", ""]), max_size=4, unique=True)
            ),
        ),
        spec(
            "expect_column_values_to_not_be_in_set", draw(severity), column="cat", value_set=["a"]
        ),
        spec(
            "expect_column_values_to_be_unique",
            draw(severity),
            column=draw(st.sampled_from(["int", "s", UNICODE])),
        ),
        spec(
            "expect_column_values_to_match_regex",
            draw(severity),
            column="s",
            regex=draw(st.sampled_from(["^[a-c]+$", "\\d", "^.{2,}$"])),
        ),
        spec(
            "expect_column_value_lengths_to_be_between",
            draw(severity),
            column="s",
            min_value=1,
            max_value=2,
        ),
        spec(
            "expect_column_pair_values_a_to_be_greater_than_b",
            draw(severity),
            column_A="num",
            column_B="int",
            or_equal=draw(st.booleans()),
        ),
        spec("expect_compound_columns_to_be_unique", draw(severity), column_list=["int", "s"]),
        spec(
            "expect_multicolumn_sum_to_equal",
            draw(severity),
            column_list=["int", UNICODE],
            sum_total=draw(st.integers(0, 9)),
        ),
        spec(
            "expect_column_values_to_be_in_set",
            draw(severity),
            column="mixed",
            value_set=[0, 1, "u"],
        ),
        spec(
            "expect_column_values_to_be_between",
            draw(severity),
            column="mixed",
            min_value=0,
            max_value=2,
        ),
        spec(
            "expect_table_row_count_to_be_between",
            draw(severity),
            min_value=draw(st.integers(0, 6)),
            max_value=12,
        ),
        spec(
            "expect_column_to_exist", draw(severity), column=draw(st.sampled_from(["num", "nope"]))
        ),
        spec(
            "expect_column_mean_to_be_between",
            draw(severity),
            column="int",
            min_value=0,
            max_value=4,
        ),
        spec(
            "expect_column_distinct_values_to_be_in_set",
            draw(severity),
            column="s",
            value_set=["a", "bb"],
        ),
        spec("expect_column_max_to_be_between", draw(severity), column=UNICODE, max_value=10),
        spec(
            "expect_column_values_to_be_between",
            draw(severity),
            column="missing_column",
            min_value=0,
        ),
    ]
    picked = draw(st.lists(st.integers(0, len(menu) - 1), min_size=1, max_size=5, unique=True))
    return [menu[i] for i in picked]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(frame=frames(), suite=suites(), mostly=st.sampled_from([None, None, 0.5, 0.8, 0.95]))
def test_govern_agrees_with_bare_gx(
    frame: pd.DataFrame, suite: list[dict[str, Any]], mostly: float | None
) -> None:
    assert compare(frame, suite, mostly) == []
