from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from govern.metrics import Profile, profile

REPO_ROOT = Path(__file__).resolve().parents[1]


def make_frame(rows: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    floats = rng.normal(10.0, 3.0, rows)
    floats[::7] = np.nan
    strings = pd.Series(rng.choice(["ant", "bee", "cat", "dog"], rows), dtype="str")
    strings[::11] = None
    stamps = pd.Series(pd.date_range("2024-01-01", periods=rows, freq="h", unit="us"))
    stamps[::13] = pd.NaT
    return pd.DataFrame(
        {
            "f": floats,
            "s": strings,
            "i": rng.integers(-50, 50, rows),
            "t": stamps,
            "b": rng.random(rows) < 0.3,
        }
    )


def columns(frame: Any, level: str = "full") -> dict[str, dict[str, Any]]:
    metrics = profile(frame, level).metrics  # type: ignore[arg-type]
    assert metrics is not None
    result: dict[str, dict[str, Any]] = metrics["columnMetrics"]
    return result


def fingerprint(frame: Any) -> str:
    value = profile(frame, "off").fingerprint
    assert value is not None
    return value


# --- metrics -------------------------------------------------------------------------


def test_full_metrics_match_pandas_reference() -> None:
    df = make_frame()
    metrics = profile(df, "full").metrics
    assert metrics is not None
    assert metrics["rowCount"] == len(df)
    assert metrics["bytes"] > 0
    got = metrics["columnMetrics"]
    assert list(got) == list(df.columns)
    for name in df.columns:
        series = df[name]
        assert got[name]["nullCount"] == int(series.isna().sum()), name
        assert got[name]["count"] == int(series.count()), name
        assert got[name]["distinctCount"] == series.nunique(), name
    for name in ("f", "i"):
        series = df[name]
        assert got[name]["min"] == pytest.approx(series.min())
        assert got[name]["max"] == pytest.approx(series.max())
        assert got[name]["sum"] == pytest.approx(series.sum())
        spread = series.max() - series.min()
        for q, value in got[name]["quantiles"].items():
            assert abs(value - series.quantile(float(q))) <= 0.05 * spread, (name, q)
    assert (got["s"]["min"], got["s"]["max"]) == (df["s"].min(), df["s"].max())
    assert got["t"]["min"] == df["t"].min().isoformat()
    assert got["t"]["max"] == df["t"].max().isoformat()
    assert set(got["b"]) == {"nullCount", "count", "distinctCount"}
    assert "sum" not in got["s"] and "quantiles" not in got["t"]


def test_cheap_is_counts_only() -> None:
    df = make_frame()
    metrics = profile(df).metrics
    assert metrics is not None
    assert set(metrics) == {"rowCount", "bytes", "columnMetrics"}
    assert metrics["columnMetrics"]["f"] == {
        "nullCount": int(df["f"].isna().sum()),
        "count": int(df["f"].count()),
    }
    assert all(set(m) == {"nullCount", "count"} for m in metrics["columnMetrics"].values())


def test_polars_frame_gives_the_same_metrics_as_pandas() -> None:
    df = make_frame()
    pandas_metrics = profile(df, "full").metrics
    polars_metrics = profile(pl.from_pandas(df), "full").metrics
    assert pandas_metrics is not None and polars_metrics is not None
    # bytes differ by design: polars strings are measured as Arrow string views
    assert polars_metrics["rowCount"] == pandas_metrics["rowCount"]
    assert polars_metrics["columnMetrics"] == pandas_metrics["columnMetrics"]


def test_level_off_has_no_metrics_but_a_fingerprint() -> None:
    df = make_frame()
    result = profile(df, "off")
    assert result.metrics is None
    assert result.fingerprint is not None and result.fingerprint.startswith("xxh3-128:")
    assert result.row_count == len(df)
    assert result.schema == (
        ("f", "float64"),
        ("s", "str"),
        ("i", "int64"),
        ("t", "datetime64[us]"),
        ("b", "bool"),
    )
    assert profile(df, "off", fingerprint=False) == Profile(None, len(df), result.schema, None)


def test_polars_schema_uses_polars_type_names() -> None:
    result = profile(pl.DataFrame({"a": [1, 2], "s": ["x", None]}), "cheap", fingerprint=False)
    assert result.schema == (("a", "Int64"), ("s", "String"))
    assert result.fingerprint is None


def test_empty_frame() -> None:
    df = pd.DataFrame({"a": pd.Series([], dtype="float64"), "s": pd.Series([], dtype="str")})
    result = profile(df, "full")
    assert result.row_count == 0 and result.metrics is not None
    a = result.metrics["columnMetrics"]["a"]
    assert (a["nullCount"], a["count"], a["distinctCount"]) == (0, 0, 0)
    assert a["min"] is None and a["sum"] is None
    assert a["quantiles"] == {"0.25": None, "0.5": None, "0.75": None}
    json.dumps(result.metrics, allow_nan=False)
    assert fingerprint(df) != fingerprint(pd.DataFrame({"a": pd.Series([], dtype="float64")}))
    no_columns = profile(pd.DataFrame(), "full")
    assert no_columns.metrics == {"rowCount": 0, "bytes": 0, "columnMetrics": {}}


def test_all_null_columns() -> None:
    df = pd.DataFrame({"f": [np.nan] * 4, "o": pd.Series([None] * 4, dtype=object)})
    got = columns(df)
    for name in ("f", "o"):
        assert (got[name]["nullCount"], got[name]["count"]) == (4, 0)
        assert got[name]["distinctCount"] == 0
    assert got["f"]["min"] is None and got["f"]["max"] is None and got["f"]["sum"] is None
    json.dumps(got, allow_nan=False)


def test_metrics_are_json_scalars() -> None:
    df = make_frame()
    df["inf"] = [math.inf, -math.inf] + [1.0] * (len(df) - 2)
    df["tz"] = pd.date_range("2024-03-01", periods=len(df), freq="D", tz="UTC")
    df["d"] = pd.Series(pd.date_range("2024-03-01", periods=len(df)).date, dtype=object)
    df["cat"] = pd.Categorical(["x", "y"] * (len(df) // 2))
    got = columns(df)
    text = json.dumps(got, allow_nan=False)  # raises on NaN/inf or non-JSON values
    assert "NaN" not in text
    assert got["inf"]["min"] is None and got["inf"]["max"] is None and got["inf"]["sum"] is None
    assert got["tz"]["min"] == "2024-03-01T00:00:00+00:00"
    assert got["d"]["min"] == "2024-03-01"
    assert (got["cat"]["min"], got["cat"]["max"], got["cat"]["distinctCount"]) == ("x", "y", 2)


def test_column_arrow_cannot_hold_gets_counts_and_a_fingerprint() -> None:
    df = pd.DataFrame({"mixed": [1, "1", None, 2.5]})
    got = columns(df)["mixed"]
    assert got == {"nullCount": 1, "count": 3, "distinctCount": 3}
    assert fingerprint(df) != fingerprint(pd.DataFrame({"mixed": ["1", 1, None, 2.5]}))
    objects = pl.DataFrame({"o": pl.Series([{1}, None], dtype=pl.Object)})
    assert columns(objects)["o"] == {"nullCount": 1, "count": 1, "distinctCount": 1}
    assert fingerprint(objects) == fingerprint(
        pl.DataFrame({"o": pl.Series([{1}, None], dtype=pl.Object)})
    )


def test_lazy_and_unsupported_frames() -> None:
    lazy = pl.DataFrame({"a": [1], "s": ["x"]}).lazy()
    profiled = profile(lazy)
    assert profiled.row_count == 1
    assert profiled.schema == (("a", "Int64"), ("s", "String"))
    assert profiled.fingerprint is not None and profiled.fingerprint.startswith("rowhash-polars:")
    assert profiled.metrics == {
        "rowCount": 1,
        "columnMetrics": {"a": {"nullCount": 0, "count": 1}, "s": {"nullCount": 0, "count": 1}},
    }
    with pytest.raises(TypeError, match="not a data frame"):
        profile([1, 2, 3])
    with pytest.raises(ValueError, match="level"):
        profile(make_frame(), "everything")  # type: ignore[arg-type]


# --- fingerprint: stability ----------------------------------------------------------


def test_same_content_same_fingerprint() -> None:
    assert fingerprint(make_frame()) == fingerprint(make_frame())
    assert fingerprint(pl.from_pandas(make_frame())) == fingerprint(pl.from_pandas(make_frame()))


def test_slice_hashes_its_own_rows() -> None:
    df = make_frame(50)
    fresh = pd.DataFrame({name: df[name].tolist()[3:] for name in df.columns}).astype(df.dtypes)
    assert fingerprint(df.iloc[3:]) == fingerprint(fresh)
    assert fingerprint(df.iloc[3:]) != fingerprint(df)
    polars = pl.from_pandas(df)
    assert fingerprint(polars.slice(3)) == fingerprint(pl.from_pandas(fresh))


def test_nested_and_categorical_polars_columns() -> None:
    df = pl.DataFrame(
        {
            "l": [[1, 2], None, [3], []],
            "s": [{"a": 1, "b": "x"}, None, {"a": 2, "b": None}, {"a": 3, "b": "y"}],
            "e": pl.Series(["a", "b", None, "a"], dtype=pl.Enum(["a", "b", "c"])),
            "c": pl.Series(["x", "y", None, "x"], dtype=pl.Categorical),
        }
    )
    fresh = pl.DataFrame(df.slice(1).to_dicts(), schema=df.schema)
    assert fingerprint(df.slice(1)) == fingerprint(fresh)
    assert fingerprint(df.slice(1)) != fingerprint(df.slice(2))
    got = columns(df)
    assert got["e"] == {"nullCount": 1, "count": 3, "distinctCount": 2, "min": "a", "max": "b"}
    assert (got["c"]["distinctCount"], got["c"]["min"], got["c"]["max"]) == (2, "x", "y")
    assert got["l"]["nullCount"] == 1 and got["s"]["count"] == 3
    json.dumps(got, allow_nan=False)


def test_chunking_does_not_change_the_fingerprint() -> None:
    chunked = pa.chunked_array([["a", None], ["c", "d", "e"]])
    single = pa.chunked_array([["a", None, "c", "d", "e"]])
    as_pandas = [
        pd.DataFrame({"s": pd.Series(pd.arrays.ArrowExtensionArray(a))}) for a in (chunked, single)
    ]
    assert fingerprint(as_pandas[0]) == fingerprint(as_pandas[1])
    first, second = pl.DataFrame({"x": [1.5, None]}), pl.DataFrame({"x": [2.5, 3.5, None]})
    many = pl.concat([first, second], rechunk=False)
    assert many.n_chunks() == 2
    assert fingerprint(many) == fingerprint(many.rechunk())


def test_values_under_nulls_do_not_matter() -> None:
    plain_nan = pd.DataFrame({"f": [1.0, np.nan]})
    payload = np.array([1.0, 0.0])
    payload.view(np.uint64)[1] = 0xFFF8_0000_0000_0001  # a NaN with sign and payload bits
    assert np.isnan(payload[1]) and payload.tobytes() != np.array([1.0, np.nan]).tobytes()
    assert fingerprint(plain_nan) == fingerprint(pd.DataFrame({"f": payload}))

    validity = pa.py_buffer(bytes([0b101]))
    ints = [
        pa.Array.from_buffers(pa.int64(), 3, [validity, pa.array(v).buffers()[1]], null_count=1)
        for v in ([1, 0, 3], [1, 99, 3])
    ]
    strings = [
        pa.Array.from_buffers(
            pa.large_string(),
            3,
            [validity, pa.array(offsets, pa.int64()).buffers()[1], pa.py_buffer(data)],
            null_count=1,
        )
        for offsets, data in (([0, 1, 1, 2], b"ac"), ([0, 1, 4, 5], b"axyzc"))
    ]
    for left, right in (ints, strings):
        assert left.to_pylist() == right.to_pylist()
        frames = [
            pd.DataFrame({"c": pd.Series(pd.arrays.ArrowExtensionArray(a))}) for a in (left, right)
        ]
        assert fingerprint(frames[0]) == fingerprint(frames[1])


def test_unused_categories_do_not_matter() -> None:
    few = pd.DataFrame({"c": pd.Categorical(["a", "b", "a"], categories=["a", "b"])})
    more = pd.DataFrame({"c": pd.Categorical(["a", "b", "a"], categories=["b", "a", "z"])})
    assert fingerprint(few) == fingerprint(more)


# --- fingerprint: sensitivity ------------------------------------------------------


def test_changes_change_the_fingerprint() -> None:
    df = make_frame()
    base = fingerprint(df)
    changed = df.copy()
    changed.loc[5, "i"] += 1
    assert fingerprint(changed) != base
    text = df.copy()
    text.loc[1, "s"] = "bea"
    assert fingerprint(text) != base
    assert fingerprint(df.rename(columns={"i": "j"})) != base
    assert fingerprint(df[["i", "f", "s", "t", "b"]]) != base
    assert fingerprint(df.astype({"i": "int32"})) != base
    assert fingerprint(df.astype({"i": "float64"})) != base
    assert fingerprint(df.astype({"b": "boolean"})) != base
    assert fingerprint(df.iloc[:-1]) != base
    flipped = df.copy()
    flipped.loc[3, "b"] = not flipped.loc[3, "b"]
    assert fingerprint(flipped) != base


def test_null_and_value_differ() -> None:
    assert fingerprint(pd.DataFrame({"f": [0.0, 1.0]})) != fingerprint(
        pd.DataFrame({"f": [np.nan, 1.0]})
    )
    assert fingerprint(pd.DataFrame({"s": ["", "x"]})) != fingerprint(
        pd.DataFrame({"s": [None, "x"]})
    )


# --- import cost ---------------------------------------------------------------------


def test_importing_metrics_imports_no_frame_library() -> None:
    code = (
        "import sys, govern.metrics\n"
        "loaded = {'pyarrow', 'pandas', 'polars'} & {m.split('.')[0] for m in sys.modules}\n"
        "assert not loaded, loaded\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
