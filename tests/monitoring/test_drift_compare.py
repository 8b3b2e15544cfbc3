"""Drift of whole versions: row and null changes, schema changes, thresholds, windows."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp

from govern.errors import ConfigError
from govern.monitoring.compute import summarize_table
from govern.monitoring.drift import Profile, Thresholds, compare, of_summary, window
from govern.monitoring.summary import DatasetSummary


def summary_of(frame: pd.DataFrame, level: str = "full") -> DatasetSummary:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return summarize_table(table, [str(frame[c].dtype) for c in frame.columns], level=level)  # type: ignore[arg-type]


def profile_of(frame: pd.DataFrame, label: str = "") -> Profile:
    """The drift view of the frame's recorded summary."""
    return of_summary(summary_of(frame), label)


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(ks_2samp(a, b, method="asymp").statistic)


_frames = (
    st.integers(1, 120)
    .flatmap(
        lambda n: st.tuples(
            st.lists(
                st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)),
                min_size=n,
                max_size=n,
            ),
            st.lists(
                st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])), min_size=n, max_size=n
            ),
        )
    )
    .map(
        lambda t: pd.DataFrame(
            {"x": pd.array(t[0], dtype="Float64"), "c": pd.Series(t[1], dtype="str")}
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(_frames, _frames)
def test_compare_matches_the_raw_data(a: pd.DataFrame, b: pd.DataFrame) -> None:
    drift = compare(profile_of(a, "v1"), profile_of(b, "v2"))
    assert drift.rows_before == len(a) and drift.rows_after == len(b)
    assert drift.row_change == pytest.approx((len(b) - len(a)) / len(a))
    x, c = drift.columns
    assert (x.column, x.kind, c.column, c.kind) == ("x", "numeric", "c", "categorical")
    assert x.null_change == pytest.approx(b["x"].isna().mean() - a["x"].isna().mean())
    xa, xb = a["x"].dropna().to_numpy(float), b["x"].dropna().to_numpy(float)
    if len(xa) and len(xb):
        assert x.ks == pytest.approx(_ks(xa, xb), abs=1e-12)
    else:
        assert x.ks is None and x.psi is None
    ca, cb = a["c"].dropna(), b["c"].dropna()
    if len(ca) and len(cb):
        keys = sorted(set(ca) | set(cb))
        expected = jensenshannon(
            [(ca == k).sum() for k in keys], [(cb == k).sum() for k in keys], base=2
        )
        assert c.js == pytest.approx(float(expected), abs=1e-9)
    t = drift.thresholds
    assert ("rows" in drift.crossed) == (abs(drift.row_change or 0) > t.rows)  # type: ignore[operator]
    assert ("x:psi" in drift.crossed) == (x.psi is not None and x.psi > t.psi)  # type: ignore[operator]
    assert ("c:js" in drift.crossed) == (c.js is not None and c.js > t.js)  # type: ignore[operator]


def test_schema_changes_are_findings() -> None:
    before = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"], "c": [1, 2]})
    after = pd.DataFrame({"a": [1.0, 2.0], "c": ["1", "2"], "d": [0.5, 0.5]})
    drift = compare(profile_of(before), profile_of(after))
    changes = {c.column: c.change for c in drift.columns}
    assert changes == {"a": "same", "c": "retyped", "d": "added", "b": "removed"}
    assert set(drift.crossed) == {"c:schema:retyped", "d:schema:added", "b:schema:removed"}
    retyped = next(c for c in drift.columns if c.column == "c")
    assert (retyped.type_before, retyped.type_after, retyped.kind) == ("int64", "str", "other")
    quiet = compare(profile_of(before), profile_of(after), Thresholds(schema=False))
    assert quiet.crossed == ()


def test_thresholds_cross_on_each_measure() -> None:
    rng = np.random.default_rng(3)
    base = pd.DataFrame({"x": rng.normal(0, 1, 1000), "c": rng.choice(["a", "b"], 1000)})
    shifted = pd.DataFrame({"x": rng.normal(2, 1, 600), "c": rng.choice(["a", "b", "new"], 600)})
    shifted.loc[:69, "x"] = np.nan
    drift = compare(profile_of(base), profile_of(shifted))
    assert set(drift.crossed) == {"rows", "x:psi", "x:nulls", "c:js"}
    assert drift.row_change == pytest.approx(-0.4)
    loose = Thresholds.parse(
        {"psi": "none", "js": 0.9, "rows": 0.5, "nulls": 0.2, "ks": 0.5}, "test"
    )
    assert compare(profile_of(base), profile_of(shifted), loose).crossed == ("x:ks",)


def test_threshold_parsing_names_what_to_fix() -> None:
    assert Thresholds.parse({"psi": "0.3", "schema": "off"}, "t") == Thresholds(
        psi=0.3, schema=False
    )
    with pytest.raises(ConfigError, match=r"unknown drift threshold 'pis'.*known: js, ks"):
        Thresholds.parse({"pis": 1}, "--threshold")
    for bad in ("lots", -1, float("nan"), float("inf"), True):
        with pytest.raises(ConfigError, match="finite number >= 0"):
            Thresholds.parse({"js": bad}, "t")
    with pytest.raises(ConfigError, match="true or false"):
        Thresholds.parse({"schema": "maybe"}, "t")


def test_a_window_is_the_pooled_history() -> None:
    rng = np.random.default_rng(7)
    parts = [
        pd.DataFrame({"x": rng.normal(i, 1, 40), "c": rng.choice(["a", "b", "c"], 40)})
        for i in range(4)
    ]
    for part in parts:
        part.loc[:4, "x"] = np.nan
    pooled_window = window([summary_of(p) for p in parts], [f"v{i}" for i in range(4)])
    pooled = profile_of(pd.concat(parts, ignore_index=True))
    assert pooled_window.rows == 40 and pooled_window.label == "4 version(s) v0..v3"
    current = pd.DataFrame({"x": rng.normal(1, 2, 50), "c": rng.choice(["a", "d"], 50)})
    got = compare(pooled_window, profile_of(current))
    want = compare(pooled, profile_of(current))
    for g, w in zip(got.columns, want.columns, strict=True):
        assert g.null_fraction_before == pytest.approx(w.null_fraction_before)
        assert g.ks == pytest.approx(w.ks, abs=1e-12) if w.ks is not None else g.ks is None
        assert g.psi == pytest.approx(w.psi) if w.psi is not None else g.psi is None
        assert g.js == pytest.approx(w.js) if w.js is not None else g.js is None
    assert got.row_change == pytest.approx(0.25)
    with pytest.raises(ValueError, match="at least one"):
        window([])


def test_to_dict_is_json() -> None:
    import json

    a = pd.DataFrame({"x": [1.0, 2.0, None]})
    data = compare(profile_of(a, "v1"), profile_of(a.iloc[:2], "v2")).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["columns"][0]["null_change"] == pytest.approx(-1 / 3)
    assert data["reference"] == "v1" and data["row_change"] == pytest.approx(-1 / 3)
