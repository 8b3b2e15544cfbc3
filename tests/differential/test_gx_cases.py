"""Differential: one case per expectation kind and edge (nulls, strict bounds, mostly,
empty columns, row conditions, severity), bare GX vs a govern GX gate.

Written for govern in the style of GX's documented examples (small named columns, one
expectation each); no GX test files are copied.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tests.differential.gx_harness import compare

pytest.importorskip("great_expectations")

DATA: dict[str, Any] = {
    "x": [1, 2, 4, 8, 16],
    "y": [1.5, None, 3.0, None, 10.0],
    "z": ["hello", "jello", "mello", None, "yellow"],
    "n": [None, None, None, None, None],
    "d": ["2021-01-01", "2021-13-01", "not a date", None, "2021-02-28"],
    "j": ['{"a": 1}', "{bad", '"s"', None, "[1, 2]"],
    "u": [1, 2, 2, 3, 3],
    "w": [0, 2, 3, 8, 15],
}


def e(kind: str, **kwargs: Any) -> dict[str, Any]:
    severity = kwargs.pop("severity", None)
    spec: dict[str, Any] = {"type": kind, "kwargs": kwargs}
    if severity:
        spec["severity"] = severity
    return spec


CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "between-pass",
        e("expect_column_values_to_be_between", column="x", min_value=1, max_value=16),
    ),
    ("between-fail", e("expect_column_values_to_be_between", column="x", min_value=2, max_value=8)),
    (
        "between-strict",
        e(
            "expect_column_values_to_be_between",
            column="x",
            min_value=1,
            max_value=16,
            strict_min=True,
            strict_max=True,
        ),
    ),
    ("between-min-only", e("expect_column_values_to_be_between", column="x", min_value=3)),
    ("between-max-only", e("expect_column_values_to_be_between", column="x", max_value=3)),
    (
        "between-nulls",
        e("expect_column_values_to_be_between", column="y", min_value=1, max_value=5),
    ),
    (
        "between-nulls-mostly",
        e("expect_column_values_to_be_between", column="y", min_value=1, max_value=5, mostly=0.6),
    ),
    (
        "between-nulls-mostly-fail",
        e("expect_column_values_to_be_between", column="y", min_value=1, max_value=5, mostly=0.7),
    ),
    (
        "between-all-null",
        e("expect_column_values_to_be_between", column="n", min_value=0, max_value=1),
    ),
    (
        "between-strings",
        e("expect_column_values_to_be_between", column="z", min_value=0, max_value=1),
    ),
    (
        "between-warning",
        e("expect_column_values_to_be_between", column="x", max_value=3, severity="warning"),
    ),
    (
        "between-info",
        e("expect_column_values_to_be_between", column="x", max_value=3, severity="info"),
    ),
    ("in-set", e("expect_column_values_to_be_in_set", column="x", value_set=[1, 2, 4])),
    ("in-set-all", e("expect_column_values_to_be_in_set", column="x", value_set=[1, 2, 4, 8, 16])),
    ("in-set-empty", e("expect_column_values_to_be_in_set", column="z", value_set=[])),
    (
        "in-set-strings-mostly",
        e(
            "expect_column_values_to_be_in_set",
            column="z",
            value_set=["hello", "jello", "mello"],
            mostly=0.75,
        ),
    ),
    ("not-in-set", e("expect_column_values_to_not_be_in_set", column="z", value_set=["hello"])),
    ("not-null", e("expect_column_values_to_not_be_null", column="y")),
    ("not-null-mostly", e("expect_column_values_to_not_be_null", column="y", mostly=0.6)),
    ("not-null-all-null", e("expect_column_values_to_not_be_null", column="n")),
    ("null", e("expect_column_values_to_be_null", column="y")),
    ("null-all", e("expect_column_values_to_be_null", column="n")),
    ("unique", e("expect_column_values_to_be_unique", column="u")),
    ("unique-pass", e("expect_column_values_to_be_unique", column="x")),
    ("unique-mostly", e("expect_column_values_to_be_unique", column="u", mostly=0.2)),
    ("regex", e("expect_column_values_to_match_regex", column="z", regex="^[hj]ello$")),
    ("regex-search", e("expect_column_values_to_match_regex", column="z", regex="ell")),
    ("not-regex", e("expect_column_values_to_not_match_regex", column="z", regex="^y")),
    (
        "regex-list-any",
        e(
            "expect_column_values_to_match_regex_list",
            column="z",
            regex_list=["^h", "^j"],
            match_on="any",
        ),
    ),
    (
        "regex-list-all",
        e(
            "expect_column_values_to_match_regex_list",
            column="z",
            regex_list=["ello", "^m"],
            match_on="all",
        ),
    ),
    (
        "not-regex-list",
        e("expect_column_values_to_not_match_regex_list", column="z", regex_list=["^h", "^y"]),
    ),
    (
        "lengths-between",
        e("expect_column_value_lengths_to_be_between", column="z", min_value=5, max_value=5),
    ),
    ("lengths-equal", e("expect_column_value_lengths_to_equal", column="z", value=5)),
    (
        "strftime",
        e("expect_column_values_to_match_strftime_format", column="d", strftime_format="%Y-%m-%d"),
    ),
    ("dateutil", e("expect_column_values_to_be_dateutil_parseable", column="d")),
    ("json-parseable", e("expect_column_values_to_be_json_parseable", column="j")),
    (
        "json-schema",
        e("expect_column_values_to_match_json_schema", column="j", json_schema={"type": "object"}),
    ),
    ("increasing", e("expect_column_values_to_be_increasing", column="x")),
    ("increasing-strict", e("expect_column_values_to_be_increasing", column="u", strictly=True)),
    ("decreasing", e("expect_column_values_to_be_decreasing", column="x")),
    (
        "z-scores",
        e(
            "expect_column_value_z_scores_to_be_less_than",
            column="x",
            threshold=1.2,
            double_sided=True,
        ),
    ),
    ("of-type", e("expect_column_values_to_be_of_type", column="x", type_="int64")),
    ("of-type-fail", e("expect_column_values_to_be_of_type", column="x", type_="float64")),
    (
        "in-type-list",
        e("expect_column_values_to_be_in_type_list", column="z", type_list=["object", "str"]),
    ),
    (
        "pair-greater",
        e("expect_column_pair_values_a_to_be_greater_than_b", column_A="x", column_B="w"),
    ),
    (
        "pair-greater-or-equal",
        e(
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A="x",
            column_B="w",
            or_equal=True,
        ),
    ),
    ("pair-equal", e("expect_column_pair_values_to_be_equal", column_A="x", column_B="w")),
    (
        "pair-in-set",
        e(
            "expect_column_pair_values_to_be_in_set",
            column_A="u",
            column_B="x",
            value_pairs_set=[[1, 1], [2, 2], [3, 8]],
        ),
    ),
    ("multicolumn-sum", e("expect_multicolumn_sum_to_equal", column_list=["u", "x"], sum_total=4)),
    ("compound-unique", e("expect_compound_columns_to_be_unique", column_list=["u", "z"])),
    (
        "within-record",
        e("expect_select_column_values_to_be_unique_within_record", column_list=["u", "x", "w"]),
    ),
    ("row-count", e("expect_table_row_count_to_be_between", min_value=1, max_value=4)),
    ("row-count-equal", e("expect_table_row_count_to_equal", value=5)),
    ("column-count", e("expect_table_column_count_to_equal", value=8)),
    (
        "columns-set",
        e("expect_table_columns_to_match_set", column_set=["x", "y"], exact_match=False),
    ),
    ("columns-ordered", e("expect_table_columns_to_match_ordered_list", column_list=["x", "y"])),
    ("column-exists", e("expect_column_to_exist", column="missing")),
    ("mean", e("expect_column_mean_to_be_between", column="x", min_value=0, max_value=5)),
    ("median", e("expect_column_median_to_be_between", column="x", min_value=3, max_value=5)),
    ("stdev", e("expect_column_stdev_to_be_between", column="x", max_value=1)),
    ("sum", e("expect_column_sum_to_be_between", column="x", min_value=31, max_value=31)),
    ("min", e("expect_column_min_to_be_between", column="y", min_value=2)),
    ("max", e("expect_column_max_to_be_between", column="y", max_value=3)),
    ("unique-count", e("expect_column_unique_value_count_to_be_between", column="u", min_value=4)),
    (
        "unique-proportion",
        e("expect_column_proportion_of_unique_values_to_be_between", column="u", min_value=0.8),
    ),
    (
        "distinct-in-set",
        e("expect_column_distinct_values_to_be_in_set", column="u", value_set=[1, 2]),
    ),
    (
        "distinct-contain",
        e("expect_column_distinct_values_to_contain_set", column="u", value_set=[1, 9]),
    ),
    (
        "distinct-equal",
        e("expect_column_distinct_values_to_equal_set", column="u", value_set=[1, 2, 3]),
    ),
    ("most-common", e("expect_column_most_common_value_to_be_in_set", column="u", value_set=[1])),
    (
        "quantiles",
        e(
            "expect_column_quantile_values_to_be_between",
            column="x",
            quantile_ranges={"quantiles": [0.5], "value_ranges": [[0, 3]]},
        ),
    ),
    ("missing-column", e("expect_column_values_to_not_be_null", column="missing")),
    (
        "parameter-unset",
        e("expect_column_values_to_be_between", column="x", min_value={"$PARAMETER": "low"}),
    ),
]
INDEXES = {
    "range": pd.RangeIndex(5),
    "named-non-unique": pd.Index(["a", "a", "b", "b", "b"], name="k"),
    "multi": pd.MultiIndex.from_tuples([(1, "a"), (1, "b"), (2, "a"), (2, "b"), (3, "a")]),
}


ROW_LEVEL = [c for c in CASES if c[0] != "row-count" and not c[0].startswith(("row-", "column-"))]
ROW_LEVEL = ROW_LEVEL[: [t for t, _ in ROW_LEVEL].index("within-record") + 1]


@pytest.mark.parametrize(("title", "spec"), CASES, ids=[t for t, _ in CASES])
def test_case(title: str, spec: dict[str, Any]) -> None:
    assert compare(pd.DataFrame(DATA), [spec]) == []


@pytest.mark.parametrize("index", sorted(set(INDEXES) - {"range"}))
@pytest.mark.parametrize(("title", "spec"), ROW_LEVEL, ids=[t for t, _ in ROW_LEVEL])
def test_case_on_other_indexes(title: str, spec: dict[str, Any], index: str) -> None:
    frame = pd.DataFrame(DATA, index=INDEXES[index])
    assert compare(frame, [spec]) == []


@pytest.mark.parametrize("mostly", [0.2, 0.5, 0.61, 0.8])
@pytest.mark.parametrize(
    ("title", "spec"),
    [
        c
        for c in CASES
        if c[0]
        in {
            "between-nulls",
            "not-null",
            "unique",
            "in-set",
            "pair-greater",
            "compound-unique",
            "regex",
        }
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_gate_mostly(title: str, spec: dict[str, Any], mostly: float) -> None:
    assert compare(pd.DataFrame(DATA), [spec], mostly) == []
