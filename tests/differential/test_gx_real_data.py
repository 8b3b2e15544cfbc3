"""Differential: real data that ships in packages (sklearn's bundled datasets,
palmerpenguins), bare GX vs a govern GX gate, on several index kinds."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tests.differential.gx_harness import compare

pytest.importorskip("great_expectations")
datasets = pytest.importorskip("sklearn.datasets")
palmerpenguins = pytest.importorskip("palmerpenguins")


def load(name: str) -> pd.DataFrame:
    if name == "penguins":
        return palmerpenguins.load_penguins()
    loader = getattr(datasets, f"load_{name}")
    frame: pd.DataFrame = loader(as_frame=True).frame
    return frame


def between(column: str, low: float, high: float, **extra: Any) -> dict[str, Any]:
    kwargs = {"column": column, "min_value": low, "max_value": high, **extra}
    return {"type": "expect_column_values_to_be_between", "kwargs": kwargs}


def quantile_cases(name: str, columns: int) -> list[Any]:
    frame = load(name)
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])][:columns]
    cases = []
    for column in numeric:
        low, high = (float(frame[column].quantile(q)) for q in (0.1, 0.9))
        cases.append(pytest.param(name, [between(column, low, high)], None, id=f"{name}-{column}"))
        cases.append(
            pytest.param(name, [between(column, low, high)], 0.75, id=f"{name}-{column}-mostly")
        )
    return cases


PENGUIN_SUITES: dict[str, list[dict[str, Any]]] = {
    "not-null-all": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": c}}
        for c in ("bill_length_mm", "sex", "body_mass_g")
    ],
    "species-set": [
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "species", "value_set": ["Adelie", "Gentoo"]},
        }
    ],
    "island-regex": [
        {
            "type": "expect_column_values_to_match_regex",
            "kwargs": {"column": "island", "regex": "^[BD]"},
        }
    ],
    "bills": [
        between("bill_length_mm", 35, 50),
        between("bill_depth_mm", 14, 20, severity="warning"),
    ],
    "pair": [
        {
            "type": "expect_column_pair_values_a_to_be_greater_than_b",
            "kwargs": {"column_A": "flipper_length_mm", "column_B": "bill_length_mm"},
        }
    ],
    "unique-mass": [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "body_mass_g"}}
    ],
    "compound": [
        {
            "type": "expect_compound_columns_to_be_unique",
            "kwargs": {"column_list": ["species", "island", "year"]},
        }
    ],
    "table": [
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"min_value": 300, "max_value": 400},
        },
        {
            "type": "expect_column_mean_to_be_between",
            "kwargs": {"column": "body_mass_g", "min_value": 4000, "max_value": 4100},
        },
    ],
    "lengths": [
        {
            "type": "expect_column_value_lengths_to_be_between",
            "kwargs": {"column": "sex", "min_value": 5, "max_value": 5},
        }
    ],
    "missing": [between("bill_length", 0, 100), between("bill_length_mm", 0, 45)],
}
INDEXES = {
    "range": lambda f: f,
    "by-species": lambda f: f.set_index("species", drop=False),  # named, non-unique
    "by-island-year": lambda f: f.set_index(["island", "year"], drop=False),  # MultiIndex
    "by-bill": lambda f: f.set_index(pd.Index(f["bill_length_mm"].to_numpy())),  # NaN labels
    "by-time": lambda f: f.set_index(
        pd.date_range("2020-01-01", periods=len(f), freq="D", tz="UTC")
    ),
    "shuffled": lambda f: f.sample(frac=1.0, random_state=7),
}


@pytest.mark.parametrize(
    ("dataset", "suite", "mostly"),
    quantile_cases("iris", 4)
    + quantile_cases("wine", 6)
    + quantile_cases("breast_cancer", 6)
    + quantile_cases("diabetes", 5)
    + quantile_cases("penguins", 5),
)
def test_bundled_datasets(dataset: str, suite: list[dict[str, Any]], mostly: float | None) -> None:
    assert compare(load(dataset), suite, mostly) == []


@pytest.mark.parametrize("index", sorted(INDEXES))
@pytest.mark.parametrize("suite", sorted(PENGUIN_SUITES))
def test_penguins(suite: str, index: str) -> None:
    frame = INDEXES[index](load("penguins"))
    assert compare(frame, PENGUIN_SUITES[suite]) == []
