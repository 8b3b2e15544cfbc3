"""The fast paths of Stable equal the reference ones.

`learn_bounds` (many series, numpy) gives, row for row, `learn_bound`'s bound;
`category_series` (a share matrix) the per-version category measures; a history
read from the index's packed numbers (`History.from_series`) judges a version exactly as
the same history built from the recorded summaries (`History.from_points`).
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govern
from govern.monitoring.batch import learn_bounds
from govern.monitoring.bounds import Bound, learn_bound
from govern.monitoring.categories import CATEGORY_METRICS, category_series
from govern.monitoring.frames import summarize_frame
from govern.monitoring.rules import History, HistoryPoint, Options, evaluate
from govern.monitoring.summary import DatasetSummary
from govern.recording import close_stores
from govern.store import open_store

DAY = 86400.0
MONDAY = 1_767_571_200.0  # 2026-01-05 00:00 UTC


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def assert_same_bound(batch: Bound, alone: Bound) -> None:
    assert (batch.n, batch.seasonal) == (alone.n, alone.seasonal)
    for field in ("expected", "low", "high", "scale", "trend"):
        assert _same(getattr(batch, field), getattr(alone, field)), (field, batch, alone)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 90),
    m=st.integers(1, 6),
    timed=st.booleans(),
    weekly=st.floats(0.0, 3.0),
)
def test_learn_bounds_equals_learn_bound_row_for_row(
    seed: int, n: int, m: int, timed: bool, weekly: float
) -> None:
    rng = np.random.default_rng(seed)
    days = np.arange(n)
    effect = np.array([0.0, 0.2, 0.1, 0.0, -0.1, -1.0, -1.2]) * weekly
    weekday = (days + rng.integers(0, 7)) % 7
    values = (
        rng.normal(0, 1, (m, n))
        + rng.normal(0, 0.05, (m, 1)) * days
        + effect[weekday]
        + rng.uniform(0, 50, (m, 1))
    )
    values[rng.random(m) < 0.2] = 3.0  # constant rows: the floor decides
    times = (MONDAY + (weekday - weekday[0]) * DAY + days // 7 * 7 * DAY).tolist()
    times = sorted(times) if timed else None
    at = (times[-1] + DAY) if times else None
    sides: list[Any] = [rng.choice(["both", "upper", "lower"]) for _ in range(m)]
    alphas = [float(rng.choice([1e-4, 1e-3, 1e-2])) for _ in range(m)]
    floors = [float(rng.choice([0.0, 0.01, 0.5])) for _ in range(m)]
    logs = [bool(rng.random() < 0.4) for _ in range(m)]
    batch = learn_bounds(values, times, at, sides=sides, alphas=alphas, floors=floors, logs=logs)
    for row in range(m):
        alone = learn_bound(
            values[row].tolist(),
            times,
            at,
            side=sides[row],
            alpha=alphas[row],
            floor=floors[row],
            log=logs[row],
        )
        assert_same_bound(batch[row], alone)


def test_learn_bounds_refuses_what_learn_bound_refuses() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        learn_bounds(np.ones((2, 1)), None, None, sides=["both"] * 2, alphas=[1e-3] * 2,
                     floors=[0.0] * 2, logs=[False] * 2)  # fmt: skip
    with pytest.raises(ValueError, match="differ in length"):
        learn_bounds(np.ones((1, 3)), [1.0], 2.0, sides=["both"], alphas=[1e-3],
                     floors=[0.0], logs=[False])  # fmt: skip


def daily(day: int) -> pd.DataFrame:
    """A batch whose schema and values change over the days (every path of the history)."""
    rng = np.random.default_rng(day)
    n = 300 + int(rng.integers(-20, 20)) + (0 if day % 7 < 5 else -120)
    frame = pd.DataFrame(
        {
            "amount": rng.normal(100 + day, 10, n),
            "qty": rng.poisson(3, n).astype(np.int64),
            "region": pd.Series(rng.choice(["n", "s", "e"], n, p=[0.5, 0.3, 0.2]), dtype="str"),
            "score": np.where(rng.random(n) < 0.05, np.nan, rng.random(n)),
        }
    )
    if day % 9 == 4:
        frame["region"] = frame["region"].where(rng.random(n) < 0.9, "west")  # a new one
    if day >= 20:
        frame["late"] = rng.normal(size=n)  # a column added on day 20
    if day % 11 == 5:
        frame["qty"] = frame["qty"].astype(float)  # retyped for a day
    if day == 13:
        frame = frame.drop(columns=["score"])  # a column missing for a day
    return frame


@govern.stage(
    name="load", outputs=govern.Gate(govern.Stable(window=5, min_history=3), severity="warn")
)
def load(day: int) -> pd.DataFrame:
    return daily(day)


def _results(found: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (r.check, r.column, r.ran, r.passed, r.observed, r.low, r.high, r.expected, r.message)
        for r in found
    ]


@pytest.mark.parametrize("window", [7, 30])
def test_a_history_from_packed_numbers_judges_as_the_summaries_do(window: int) -> None:
    govern.configure(summaries="sample")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with govern.run("daily"):
            for day in range(34):
                load(day)
    close_stores()
    current = summarize_frame(daily(40))
    with open_store() as store:
        packed = History.from_series(store.dataset_series("daily.load.return", limit=window))
        rows = store.dataset_summaries("daily.load.return", limit=window)
    points = [HistoryPoint(r.seq, r.ts, DatasetSummary.from_dict(r.summary)) for r in rows]
    assert packed.seq == [p.seq for p in points] and len(packed) == window
    for at in (None, time.time()):
        opts = Options(min_history=5)
        fast = _results(evaluate(current, at, packed, opts))
        reference = _results(evaluate(current, at, points, opts))
        assert len(fast) == len(reference) > 30
        for a, b in zip(fast, reference, strict=True):
            assert a[:4] == b[:4] and a[7:] == b[7:], (a, b)
            assert all(_same(x, y) for x, y in zip(a[4:7], b[4:7], strict=True)), (a, b)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    versions=st.integers(1, 40),
    categories=st.integers(1, 9),
)
def test_category_series_equals_the_per_version_measures(
    seed: int, versions: int, categories: int
) -> None:
    rng = np.random.default_rng(seed)
    names = [f"v{i}" for i in range(categories + 2)]
    # each version lists some of the values (a value can come, go, or appear once)
    listed = rng.random((versions, categories)) < rng.uniform(0.3, 1.0, categories)
    counts = np.where(listed, rng.integers(1, 500, (versions, categories)), 0).astype(float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), 0.0)
    per_version = [
        {names[k]: float(shares[i, k]) for k in range(categories) if listed[i, k]}
        for i in range(versions)
    ]
    now_counts = rng.integers(0, 300, categories + 2).astype(float)  # two values never seen
    now_counts[rng.random(categories + 2) < 0.3] = 0.0
    total = now_counts.sum() or 1.0
    now = {names[k]: now_counts[k] / total for k in range(categories + 2) if now_counts[k]}
    found = category_series(now, names[:categories], shares)
    for metric, measure in CATEGORY_METRICS.items():
        observed, series = measure(now, per_version)
        fast_observed, fast_series = found[metric]
        assert math.isclose(fast_observed, observed, rel_tol=1e-9, abs_tol=1e-12), metric
        assert np.allclose(fast_series, series, rtol=1e-9, atol=1e-12), metric
