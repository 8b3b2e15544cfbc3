"""Learned bounds (govern.monitoring.bounds) and the metrics judged with them (rules)."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.monitoring.bounds import alpha_for, learn_bound
from govern.monitoring.compute import summarize_table
from govern.monitoring.rules import HistoryPoint, Options, evaluate

DAY = 86400.0
MONDAY = 1_700_438_400.0  # 2023-11-20, a Monday (UTC)


def test_false_alarm_rate_of_iid_normal_history_is_near_alpha() -> None:
    rng = np.random.default_rng(0)
    alpha, trials, alarms = 0.01, 3000, 0
    for _ in range(trials):
        values = rng.normal(100, 5, 31)
        bound = learn_bound(list(values[:30]), None, None, alpha=alpha)
        alarms += not bound.admits(float(values[30]))
    # two sides at 1% each: ~2%
    assert 0.005 < alarms / trials < 0.035


def test_small_history_uses_an_exact_t_interval() -> None:
    rng = np.random.default_rng(1)
    alarms = 0
    for _ in range(3000):
        values = rng.normal(0, 1, 9)
        alarms += not learn_bound(list(values[:8]), None, None, alpha=0.01).admits(values[8])
    assert alarms / 3000 < 0.035


def test_one_sided_bounds_leave_the_other_side_open() -> None:
    upper = learn_bound([0.01, 0.012, 0.011, 0.009], None, None, side="upper")
    assert upper.low is None and upper.high is not None and upper.admits(0.0)
    lower = learn_bound([5.0, 5.1, 4.9, 5.0], None, None, side="lower")
    assert lower.high is None and lower.admits(1e9) and not lower.admits(0.0)


def test_the_floor_keeps_a_constant_history_from_alarming_on_noise() -> None:
    bound = learn_bound([1000.0] * 10, None, None, floor=0.01, log=True)
    assert bound.admits(1005.0) and not bound.admits(1300.0) and not bound.admits(700.0)


def test_a_trend_is_followed_one_version_ahead() -> None:
    values = [100.0 + 2.0 * i + (0.3 if i % 2 else -0.3) for i in range(20)]
    bound = learn_bound(values, None, None)
    assert bound.trend == pytest.approx(2.0, abs=0.1)
    assert bound.admits(140.0) and not bound.admits(120.0)


def test_a_weekly_season_is_learned_and_used() -> None:
    rng = np.random.default_rng(2)
    times = [MONDAY + d * DAY for d in range(28)]
    values = [(600.0 if d % 7 >= 5 else 1000.0) + rng.normal(0, 10) for d in range(28)]
    saturday, monday = MONDAY + 33 * DAY, MONDAY + 35 * DAY
    weekend = learn_bound(values, times, saturday)
    weekday = learn_bound(values, times, monday)
    assert weekend.seasonal and weekday.seasonal
    assert weekend.admits(600.0) and not weekend.admits(1000.0)
    assert weekday.admits(1000.0) and not weekday.admits(700.0)  # a 30% drop on a Monday
    # noise alone is no season
    flat = [1000.0 + rng.normal(0, 10) for _ in range(28)]
    assert not learn_bound(flat, times, monday).seasonal


def test_sensitivity_names_and_rates() -> None:
    assert alpha_for("medium") == 1e-3 and alpha_for("low") < alpha_for("high")
    assert alpha_for(0.05) == 0.05
    for bad in ("loud", 0.0, 0.5, True):
        with pytest.raises(ValueError, match=r"sensitivity|rate"):
            alpha_for(bad)  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=40),
    st.sampled_from(["both", "upper", "lower"]),
)
def test_a_bound_is_well_formed_for_any_history(values: list[float], side: str) -> None:
    bound = learn_bound(values, None, None, side=side, floor=1e-9)  # type: ignore[arg-type]
    assert math.isfinite(bound.expected) and bound.scale >= 1e-9
    if bound.low is not None and bound.high is not None:
        assert bound.low <= bound.expected <= bound.high
    assert bound.admits(bound.expected)


def _version(rows: int, seed: int, **cols: object) -> object:
    rng = np.random.default_rng(seed)
    data = {"x": pa.array(rng.normal(0, 1, rows)), "c": pa.array(rng.choice(["a", "b"], rows))}
    data.update(cols)  # type: ignore[arg-type]
    return summarize_table(pa.table(data))


def _history(n: int, start: float = MONDAY) -> list[HistoryPoint]:
    return [
        HistoryPoint(i + 1, start + i * DAY, _version(1000, i))  # type: ignore[arg-type]
        for i in range(n)
    ]


def test_freshness_fails_a_late_version_and_passes_an_on_time_one() -> None:
    history = _history(21)
    opts = Options(min_history=7, metrics=("freshness",))
    on_time = evaluate(_version(1000, 99), MONDAY + 21 * DAY + 300, history, opts)  # type: ignore[arg-type]
    late = evaluate(_version(1000, 99), MONDAY + 22.5 * DAY, history, opts)  # type: ignore[arg-type]
    assert [r.passed for r in on_time] == [True]
    assert [r.passed for r in late] == [False] and "seconds since" in (late[0].message or "")
    assert late[0].observed == pytest.approx(2.5 * DAY)  # the last version was day 20


def test_schema_changes_are_named() -> None:
    history = _history(7)
    now = summarize_table(pa.table({"x": pa.array(["1"] * 10), "extra": pa.array([1] * 10)}))
    results = {
        (r.check, r.column): r for r in evaluate(now, None, history, Options(metrics=("schema",)))
    }
    assert "retyped: double -> string" in (results[("stable:schema", "x")].message or "")
    assert "removed" in (results[("stable:schema", "c")].message or "")
    assert "added" in (results[("stable:schema", "extra")].message or "")


def test_too_little_history_is_not_run_for_every_metric_and_column() -> None:
    results = evaluate(_version(100, 1), MONDAY, _history(3), Options(min_history=7))  # type: ignore[arg-type]
    assert results and all(not r.ran and not r.passed for r in results)
    assert {r.column for r in results} == {None, "x", "c"}
    assert all("3 earlier version(s)" in (r.message or "") for r in results)


def test_categories_of_a_high_cardinality_column_are_not_tracked() -> None:
    def ids(seed: int) -> object:
        return summarize_table(pa.table({"id": pa.array([f"u{seed}-{i}" for i in range(500)])}))

    history = [HistoryPoint(i, None, ids(i)) for i in range(8)]  # type: ignore[arg-type]
    metrics = ("new_categories", "vanished_categories", "frequency_shift")
    results = evaluate(ids(99), None, history, Options(metrics=metrics))  # type: ignore[arg-type]
    assert len(results) == 3 and all(not r.ran for r in results)
    assert all("too many distinct values" in (r.message or "") for r in results)
