"""Differential on real data shipped in packages: sklearn's bundled datasets, palmerpenguins.

Each dataset is checked as pandas (under several index kinds, including a non-unique
label index and a MultiIndex) and as polars (eager and lazy), with schemas whose checks
fail some rows (quantile bounds, allowed values, nullability, uniqueness), some that pass,
and one whose column is misspelled.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pandera.polars as pap
import polars as pl
import pytest

from tests.differential.pandera_harness import bare_pandas, compare, compare_mostly

DATASETS = ["iris", "wine", "breast_cancer", "penguins"]
INDEXES = ["range", "label", "multi", "datetime", "string", "shuffled"]
SCHEMAS = ["quantiles", "values", "nulls_unique", "passing", "misspelled"]


@cache
def load(name: str) -> pd.DataFrame:
    if name == "penguins":
        from palmerpenguins import load_penguins

        return load_penguins()
    from sklearn import datasets

    loaded = getattr(datasets, f"load_{name}")(as_frame=True).frame
    loaded.columns = [str(c).replace(" ", "_").replace("(", "").replace(")", "") for c in loaded]
    loaded["target"] = loaded["target"].map(lambda t: f"class_{t}")
    return loaded


def _label(frame: pd.DataFrame) -> str:
    return "species" if "species" in frame else "target"


def indexed(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    label = _label(frame)
    if kind == "label":  # non-unique string labels
        return frame.set_index(frame[label].rename("group"))
    if kind == "multi":
        return frame.set_index([frame[label].rename("group"), frame.index.rename("n") % 7])
    if kind == "datetime":
        return frame.set_index(pd.date_range("2020-01-01", periods=len(frame), freq="D"))
    if kind == "string":
        return frame.set_index(pd.Index([f"row-{i}" for i in range(len(frame))]))
    if kind == "shuffled":
        return frame.sample(frac=1.0, random_state=7)
    return frame


def numeric(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])][:4]


def pandas_schema(frame: pd.DataFrame, kind: str) -> pa.DataFrameSchema:
    cols = numeric(frame)
    label = _label(frame)
    labels = sorted(frame[label].dropna().unique())
    if kind == "quantiles":
        return pa.DataFrameSchema(
            {
                c: pa.Column(float, pa.Check.le(float(frame[c].quantile(0.9))), nullable=True)
                for c in cols
            }
        )
    if kind == "values":
        return pa.DataFrameSchema({label: pa.Column(str, pa.Check.isin(labels[:-1]))})
    if kind == "nulls_unique":
        return pa.DataFrameSchema(
            {cols[0]: pa.Column(float, unique=True), cols[1]: pa.Column(float, nullable=False)}
        )
    if kind == "passing":
        return pa.DataFrameSchema({label: pa.Column(str, pa.Check.isin(labels))})
    return pa.DataFrameSchema({cols[0] + "s": pa.Column(float, pa.Check.ge(0))})


def polars_schema(frame: pd.DataFrame, kind: str) -> pap.DataFrameSchema:
    cols = numeric(frame)
    label = _label(frame)
    labels = sorted(frame[label].dropna().unique())
    if kind == "quantiles":
        return pap.DataFrameSchema(
            {
                c: pap.Column(
                    pl.Float64, pap.Check.le(float(frame[c].quantile(0.9))), nullable=True
                )
                for c in cols
            }
        )
    if kind == "values":
        return pap.DataFrameSchema({label: pap.Column(pl.String, pap.Check.isin(labels[:-1]))})
    if kind == "nulls_unique":
        return pap.DataFrameSchema(
            {cols[0]: pap.Column(pl.Float64, unique=True), cols[1]: pap.Column(pl.Float64)}
        )
    if kind == "passing":
        return pap.DataFrameSchema({label: pap.Column(pl.String, pap.Check.isin(labels))})
    return pap.DataFrameSchema({cols[0] + "s": pap.Column(pl.Float64, pap.Check.ge(0))})


@pytest.mark.parametrize("schema_kind", SCHEMAS)
@pytest.mark.parametrize("index", INDEXES)
@pytest.mark.parametrize("dataset", DATASETS)
def test_pandas_real_data(dataset: str, index: str, schema_kind: str) -> None:
    frame = indexed(load(dataset), index)
    compare(pandas_schema(load(dataset), schema_kind), frame, f"pandas: real data ({dataset})")


@pytest.mark.parametrize("schema_kind", SCHEMAS)
@pytest.mark.parametrize("dataset", DATASETS)
def test_polars_real_data(dataset: str, schema_kind: str) -> None:
    frame = pl.from_pandas(load(dataset))
    schema = polars_schema(load(dataset), schema_kind)
    compare(schema, frame, f"polars eager: real data ({dataset})")
    compare(schema, frame.lazy(), f"polars lazy: real data ({dataset})")


@pytest.mark.parametrize("mostly", [0.8, 0.95])
@pytest.mark.parametrize("dataset", DATASETS)
def test_mostly_on_real_data(dataset: str, mostly: float) -> None:
    frame = indexed(load(dataset), "label")
    schema = pandas_schema(load(dataset), "quantiles")
    bare = bare_pandas(schema, frame)
    assert not bare.passed
    compare_mostly(schema, frame, bare, mostly, f"pandas: real data, mostly ({dataset})")


def test_real_data_cases_are_not_all_alike() -> None:
    """The schemas above do fail rows on every dataset (a differential that never fails
    compares nothing)."""
    for dataset in DATASETS:
        frame = load(dataset)
        bare: Any = bare_pandas(pandas_schema(frame, "quantiles"), frame)
        assert bare.flagged and len(bare.flagged) < len(frame)
