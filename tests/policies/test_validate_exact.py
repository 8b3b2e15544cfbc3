"""``govern validate`` in chunks gives the backend's own answer on the whole file.

Whole-table checks (unique, compound unique, row counts, means, a GX mostly) see every
row; a missing column is one failure however many chunks; chunked == unchunked always
(issue 11 item 14).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandera.io import pandas_io

from govern.validate import validate_file
from govern.validate.plan import GX_ROW_WISE, PANDERA_ROW_WISE
from tests.policies.conftest import Result

ROWS = 300_000


def duplicated_keys() -> pd.DataFrame:
    keys = np.arange(ROWS)
    keys[250_000] = keys[5]  # the one repeat, 249,995 rows apart: different chunks
    return pd.DataFrame({"key": keys, "part": keys % 7, "value": np.ones(ROWS)})


def pandera_file(schema: pa.DataFrameSchema, name: str = "schema.yaml") -> Path:
    path = Path(name)
    path.write_text(pandas_io.to_yaml(schema), encoding="utf-8")
    return path


def suite_file(*expectations: dict[str, Any], name: str = "suite.json") -> Path:
    path = Path(name)
    path.write_text(json.dumps({"name": "s", "expectations": list(expectations)}, indent=2))
    return path


def verdicts(result: Any) -> dict[str, tuple[str, str]]:
    return {v.rule: (v.status.value, v.message) for v in result.verdicts}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_key_repeated_far_apart_fails_pandera_unique(fmt: str) -> None:
    data = Path(f"keys.{fmt}")
    frame = duplicated_keys()
    frame.to_parquet(data) if fmt == "parquet" else frame.to_csv(data, index=False)
    schema = pandera_file(pa.DataFrameSchema({"key": pa.Column(int, unique=True)}))
    result = validate_file(data, schema, record=False)  # default chunking: 100,000 rows
    assert not result.passed
    (violation,) = result.violations
    assert violation.rule == "key: field_uniqueness"
    assert "2 failing rows of" in violation.message
    assert verdicts(result) == verdicts(validate_file(data, schema, chunk_rows=None, record=False))


def test_a_key_repeated_far_apart_fails_gx_unique() -> None:
    data = Path("keys.parquet")
    duplicated_keys().to_parquet(data)
    unique = {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "key"}}
    compound = {
        "type": "expect_compound_columns_to_be_unique",
        "kwargs": {"column_list": ["key", "part"]},
    }
    suite = suite_file(unique, compound)
    result = validate_file(data, suite, record=False)
    failed = {v.rule: v.message for v in result.violations}
    assert set(failed) == {
        "key: expect_column_values_to_be_unique()",
        "expect_compound_columns_to_be_unique(column_list=['key', 'part'])",
    }
    assert "2 failing rows of 300000" in failed["key: expect_column_values_to_be_unique()"]
    assert verdicts(result) == verdicts(validate_file(data, suite, chunk_rows=None, record=False))


def test_pandera_compound_unique_across_chunks() -> None:
    data = Path("pairs.parquet")
    frame = pd.DataFrame({"a": np.arange(1000) % 500, "b": np.arange(1000) // 500})
    frame.loc[999, ["a", "b"]] = [0, 0]  # repeats row 0's pair, 7 chunks later
    frame.to_parquet(data)
    schema = pandera_file(
        pa.DataFrameSchema({"a": pa.Column(int), "b": pa.Column(int)}, unique=["a", "b"])
    )
    chunked = validate_file(data, schema, chunk_rows=128, record=False)
    assert not chunked.passed
    assert verdicts(chunked) == verdicts(validate_file(data, schema, chunk_rows=None, record=False))


def test_row_counts_and_means_are_of_the_whole_file() -> None:
    data = Path("values.parquet")
    pd.DataFrame({"v": np.r_[np.zeros(900), np.full(100, 100.0)]}).to_parquet(data)
    suite = suite_file(
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"min_value": 1000, "max_value": 1000},
        },
        {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "v", "max_value": 5}},
        {"type": "expect_column_max_to_be_between", "kwargs": {"column": "v", "max_value": 50}},
    )
    result = validate_file(data, suite, chunk_rows=100, record=False)
    # 10 chunks of 100 rows each: every chunk's row count (100) would fail and 9 of 10
    # chunk means (0) would pass; the whole file has 1000 rows and a mean of 10
    status = {rule: s for rule, (s, _) in verdicts(result).items()}
    assert status == {
        "expect_table_row_count_to_be_between(min_value=1000, max_value=1000)": "pass",
        "v: expect_column_mean_to_be_between(max_value=5)": "fail",
        "v: expect_column_max_to_be_between(max_value=50)": "fail",
    }
    assert "observed 10" in verdicts(result)["v: expect_column_mean_to_be_between(max_value=5)"][1]
    assert verdicts(result) == verdicts(validate_file(data, suite, chunk_rows=None, record=False))


def test_gx_mostly_is_of_the_whole_file() -> None:
    data = Path("mostly.parquet")
    # 10% bad overall, but all of them in the first chunk (100% bad there)
    pd.DataFrame({"v": np.r_[np.full(100, -1.0), np.ones(900)]}).to_parquet(data)
    suite = suite_file(
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "v", "min_value": 0, "mostly": 0.85},
        }
    )
    result = validate_file(data, suite, chunk_rows=100, record=False)
    assert result.passed  # 90% >= 85% on the whole file
    assert verdicts(result) == verdicts(validate_file(data, suite, chunk_rows=None, record=False))


def test_a_row_condition_sees_the_columns_it_names() -> None:
    data = Path("cond.parquet")
    pd.DataFrame({"v": np.arange(300.0), "g": np.arange(300) % 3}).to_parquet(data)
    suite = suite_file(
        {
            "type": "expect_column_mean_to_be_between",
            "kwargs": {
                "column": "v",
                "min_value": 150,
                "max_value": 151,
                "row_condition": {  # rows with g == 2: v = 2, 5, ..., 299; mean 150.5
                    "type": "comparison",
                    "column": {"name": "g"},
                    "operator": "==",
                    "parameter": 2,
                },
            },
        }
    )
    chunked = validate_file(data, suite, chunk_rows=100, record=False)
    assert verdicts(chunked) == verdicts(validate_file(data, suite, chunk_rows=None, record=False))
    assert chunked.passed


@pytest.mark.parametrize("kind", ["pandera", "gx"])
def test_a_missing_column_is_reported_once(kind: str) -> None:
    data = Path("rows.csv")
    pd.DataFrame({"a": range(300)}).to_csv(data, index=False)
    if kind == "pandera":
        schema = pandera_file(pa.DataFrameSchema({"a": pa.Column(int), "gone": pa.Column(int)}))
    else:
        schema = suite_file(
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "gone"}}
        )
    result = validate_file(data, schema, chunk_rows=100, record=False)  # 3 chunks
    (violation,) = result.violations
    assert "gone" in violation.rule + violation.message
    assert "3 failing" not in violation.message
    assert "'gone', 'gone'" not in violation.message
    assert verdicts(result) == verdicts(validate_file(data, schema, chunk_rows=None, record=False))


def test_unknown_checks_run_on_the_whole_file() -> None:
    # the allow-lists name only checks that look at one row at a time
    assert "unique_values_eq" not in PANDERA_ROW_WISE
    assert "expect_column_values_to_be_unique" not in GX_ROW_WISE
    assert "expect_column_value_z_scores_to_be_less_than" not in GX_ROW_WISE
    data = Path("z.parquet")
    pd.DataFrame({"c": ["x"] * 150 + ["y"] * 150}).to_parquet(data)
    schema = pandera_file(
        pa.DataFrameSchema({"c": pa.Column(str, pa.Check.unique_values_eq(["x", "y"]))})
    )
    # each chunk of 100 holds one value or both; the whole file holds both
    assert validate_file(data, schema, chunk_rows=100, record=False).passed


SCHEMA = pa.DataFrameSchema(
    {
        "k": pa.Column(int, unique=True),
        "v": pa.Column(float, pa.Check.in_range(0, 10), nullable=True),
        "s": pa.Column(str, pa.Check.isin(["a", "b"])),
    },
    unique=["k", "s"],
)
SUITE = (
    {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "k"}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "v", "max_value": 10}},
    {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "v", "min_value": 0, "mostly": 0.9},
    },
    {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "s", "value_set": ["a"]}},
    {"type": "expect_table_row_count_to_be_between", "kwargs": {"max_value": 30}},
    {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "v", "max_value": 3}},
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    keys=st.lists(st.integers(0, 40), min_size=1, max_size=60),
    values=st.data(),
    chunk=st.integers(1, 25),
    kind=st.sampled_from(["pandera", "gx"]),
)
def test_chunked_equals_whole(keys: list[int], values: Any, chunk: int, kind: str) -> None:
    n = len(keys)
    v = values.draw(st.lists(st.none() | st.floats(-5, 15), min_size=n, max_size=n))
    s = values.draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    data = Path("prop.parquet")
    pd.DataFrame({"k": keys, "v": pd.array(v, dtype="Float64").astype(float), "s": s}).to_parquet(
        data
    )
    schema = pandera_file(SCHEMA) if kind == "pandera" else suite_file(*SUITE)
    whole = validate_file(data, schema, chunk_rows=None, record=False)
    chunked = validate_file(data, schema, chunk_rows=chunk, record=False)
    assert verdicts(chunked) == verdicts(whole)


# -- the CLI: one exit code and message per case -------------------------------------------


def test_duplicate_column_names_in_parquet(cli: Callable[..., Result]) -> None:
    import pyarrow as pa_arrow
    import pyarrow.parquet as pq

    table = pa_arrow.table([[1, 2], [3, 4]], names=["a", "a"])
    pq.write_table(table, "dup.parquet")
    schema = pandera_file(pa.DataFrameSchema({"a": pa.Column(int)}))
    result = cli("validate", "dup.parquet", "--schema", str(schema), "--no-record")
    assert result.code == 2
    assert "dup.parquet: duplicate column names ('a')" in result.err
    assert "Traceback" not in result.err
