"""The metrics `govern.Stable` watches, each judged against its learned bound.

``evaluate`` compares one dataset version's summary with the versions before it (a
`History`, or `HistoryPoint` summaries, oldest first) and returns one `MetricResult` per
metric and column. Pure: no store, no frame; what the bound of each metric is learned
from is in govern.monitoring.bounds, the reasons for each metric's side and floor beside
it below. The bounds of every metric with a value in each version are learned in one
numpy pass (govern.monitoring.batch); the others one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from govern.monitoring.bounds import learn_bound
from govern.monitoring.categories import CATEGORY_METRICS, category_series, tracked
from govern.monitoring.history import ColumnHistory, History, HistoryPoint
from govern.monitoring.judging import Judge, MetricResult, judged, not_run
from govern.monitoring.summary import QUANTILES, ColumnSummary, DatasetSummary

__all__ = [
    "COLUMN_METRICS",
    "METRICS",
    "TABLE_METRICS",
    "History",
    "HistoryPoint",
    "MetricResult",
    "Options",
    "evaluate",
    "not_run_all",
]

TABLE_METRICS = ("row_count", "freshness")
COLUMN_METRICS = (
    "schema",
    "null_fraction",
    "distinct_count",
    "mean",
    "std",
    "median",
    "p05",
    "p95",
    "new_categories",
    "vanished_categories",
    "frequency_shift",
)
METRICS = TABLE_METRICS + COLUMN_METRICS
"""Every metric name ``Stable(metrics=...)`` accepts."""
_NUMERIC = {"mean", "std", "median", "p05", "p95"}
_CATEGORICAL = {"new_categories", "vanished_categories", "frequency_shift"}
_QUANTILE = {"p05": 0.05, "median": 0.5, "p95": 0.95}


@dataclass(frozen=True, slots=True)
class Options:
    """What to watch and how strictly (see `govern.Stable`)."""

    min_history: int = 7
    alpha: float = 1e-3
    columns: tuple[str, ...] | None = None
    metrics: tuple[str, ...] = METRICS


def _columns(current: DatasetSummary, history: History, opts: Options) -> list[str]:
    if opts.columns is not None:
        return list(opts.columns)
    names = [c.name for c in current.columns]
    return names + [n for n in history.last if current.column(n) is None]


def _history(history: History | Sequence[HistoryPoint]) -> History:
    return history if isinstance(history, History) else History.from_points(history)


def not_run_all(
    current: DatasetSummary,
    history: History | Sequence[HistoryPoint],
    opts: Options,
    why: str,
) -> list[MetricResult]:
    """Every selected metric x column as not run, for ``why``."""
    out = [not_run(m, None, why) for m in TABLE_METRICS if m in opts.metrics]
    for name in _columns(current, _history(history), opts):
        col = current.column(name)
        for metric in COLUMN_METRICS:
            if metric in opts.metrics and _applies(metric, col):
                out.append(not_run(metric, name, why))
    return out


def _applies(metric: str, col: ColumnSummary | None) -> bool:
    if col is None:
        return metric == "schema"
    if metric in _NUMERIC:
        return col.kind == "numeric"
    if metric in _CATEGORICAL:
        return col.kind == "categorical"
    if metric == "distinct_count":
        return col.kind != "other"
    return True


def evaluate(
    current: DatasetSummary,
    at: float | None,
    history: History | Sequence[HistoryPoint],
    opts: Options,
) -> list[MetricResult]:
    """Judge ``current`` (the version at time ``at``) against ``history`` (oldest first)."""
    past = _history(history)
    if len(past) < opts.min_history:
        why = (
            f"too little history: {len(past)} earlier version(s) of this dataset in the "
            f"record, {opts.min_history} needed (min_history)"
        )
        return not_run_all(current, past, opts, why)
    timed = at is not None and all(t is not None for t in past.ts)
    times = [float(t) for t in past.ts if t is not None] if timed else None
    judge = Judge(opts.alpha, opts.min_history, times, at if timed else None)
    if "row_count" in opts.metrics:
        judge.scalar(
            "row_count",
            None,
            current.rows,
            past.rows,
            side="both",
            floor=0.01,
            log=True,
            what="row count",
        )
    if "freshness" in opts.metrics:
        judge.add(_freshness(at, past.ts, opts))
    for name in _columns(current, past, opts):
        _column(judge, name, current, past, opts)
    return judge.results()


def _freshness(at: float | None, stamps: Sequence[float | None], opts: Options) -> MetricResult:
    if at is None or any(t is None for t in stamps):
        return not_run("freshness", None, "versions without a time in the record")
    ts = [float(t) for t in stamps if t is not None]
    gaps = [b - a for a, b in pairwise(ts)]
    if len(gaps) < max(opts.min_history - 1, 2):
        return not_run("freshness", None, f"too little history: {len(gaps)} gap(s)")
    # upper: a late version is the failure; on log1p(seconds): gaps vary by ratios;
    # seasonal by the weekday a gap ends on (Monday after a weekend)
    bound = learn_bound(gaps, ts[1:], at, side="upper", alpha=opts.alpha, floor=0.05, log=True)
    return judged("freshness", None, at - ts[-1], bound, "seconds since the previous version")


def _middle(values: Any) -> float:
    """The upper median of the values present (0 for none), as the floors use it."""
    known = np.sort(values[~np.isnan(values)])
    return float(known[len(known) // 2]) if len(known) else 0.0


def _column(judge: Judge, name: str, current: DatasetSummary, past: History, opts: Options) -> None:
    col = current.column(name)
    seen = past.columns.get(name)
    if "schema" in opts.metrics:
        judge.add(_schema(name, col, None if seen is None else seen.dtypes[-1]))
    if col is None:
        return
    n = len(past)
    # versions where the column had this kind: the others give no value
    same = (
        np.zeros(n, dtype=bool)
        if seen is None
        else np.array([k == col.kind for k in seen.kinds], dtype=bool)
    )

    def series(field: str) -> Any:
        if seen is None:
            return np.full(n, np.nan)
        return np.where(same, seen.series(field), np.nan)

    if "null_fraction" in opts.metrics:
        # upper: more missing values is the failure; floor 0.2 points (sampling noise)
        judge.scalar(
            "null_fraction",
            name,
            col.null_fraction,
            series("null_fraction"),
            side="upper",
            floor=0.002,
            what="null fraction",
        )
    if "distinct_count" in opts.metrics and col.kind != "other":
        counts = series("distinct")
        judge.scalar(
            "distinct_count",
            name,
            col.distinct,
            counts,
            side="both",
            # 2%, and at least ~0.4 of a value for few values (one more is no alarm)
            floor=max(0.02, 0.4 / (_middle(counts) + 1.0)),
            log=True,
            what="distinct count",
        )
    if col.kind == "numeric":
        _numeric(judge, name, col, series, opts)
    elif col.kind == "categorical":
        _categorical(judge, name, col, seen, np.flatnonzero(same), opts, n)


def _schema(name: str, col: ColumnSummary | None, last: str | None) -> MetricResult:
    check = "stable:schema"
    if col is None and last is None:
        return MetricResult(check, name, ran=False, passed=False, message="no such column")
    if col is None:
        why = f"column removed (was {last})"
        return MetricResult(check, name, True, False, expected=f"{last}", message=why)
    if last is None:
        why = f"column added ({col.dtype})"
        return MetricResult(check, name, True, False, expected="absent", message=why)
    if col.dtype != last:
        why = f"column retyped: {last} -> {col.dtype}"
        return MetricResult(check, name, True, False, expected=last, message=why)
    return MetricResult(check, name, True, True, expected=last)


def _numeric(
    judge: Judge,
    name: str,
    col: ColumnSummary,
    series: Callable[[str], Any],
    opts: Options,
) -> None:
    spread = _middle(series("std"))
    scale = abs(col.mean or 0.0)
    # location and spread: floors at 1% of the column's usual standard deviation
    floor = 0.01 * spread if spread > 0 else 1e-9 * max(1.0, scale)
    if "mean" in opts.metrics:
        judge.scalar("mean", name, col.mean, series("mean"), side="both", floor=floor, what="mean")
    if "std" in opts.metrics:
        judge.scalar(
            "std", name, col.std, series("std"), side="both", floor=floor, what="standard deviation"
        )
    for metric, q in _QUANTILE.items():
        if metric not in opts.metrics:
            continue
        observed = _quantile(col, q)
        values = series(metric)
        known = values[~np.isnan(values)]
        # a quantile of whole numbers moves in steps of one: a step alone is no alarm
        steps = (observed is None or float(observed).is_integer()) and bool(
            np.all(np.isfinite(known) & (known == np.floor(known)))
        )
        judge.scalar(
            metric,
            name,
            observed,
            values,
            side="both",
            floor=max(floor, 0.4) if steps else floor,
            what=f"{q:g} quantile",
        )


def _quantile(col: ColumnSummary, q: float) -> float | None:
    if q in QUANTILES and col.q is not None:
        return col.q[QUANTILES.index(q)]
    found = col.quantiles((q,))
    return None if found is None else found[q]


def _categorical(
    judge: Judge,
    name: str,
    col: ColumnSummary,
    seen: ColumnHistory | None,
    known: Any,
    opts: Options,
    n: int,
) -> None:
    wanted = [m for m in CATEGORY_METRICS if m in opts.metrics]
    if not wanted:
        return
    if not tracked(col) or (seen is not None and not all(seen.tracked(int(i)) for i in known)):
        why = "too many distinct values to track categories (more than the summary's top_k)"
        for m in wanted:
            judge.add(not_run(m, name, why))
        return
    if seen is None:  # no version had the column: nothing to learn from
        for metric in wanted:
            floor, what = _CATEGORY_TERMS[metric]
            nothing = np.full(n, np.nan)
            judge.scalar(metric, name, 0.0, nothing, side="upper", floor=floor, what=what)
        return
    found = category_series(col.frequencies(), seen.values, seen.shares(known))
    for metric in wanted:
        observed, series = found[metric]
        values = np.full(len(seen.kinds), np.nan)
        values[known] = series  # back in the history's positions
        floor, what = _CATEGORY_TERMS[metric]
        judge.scalar(metric, name, observed, values, side="upper", floor=floor, what=what)


_CATEGORY_TERMS = {
    "new_categories": (0.001, "share of rows in new categories"),
    "vanished_categories": (0.001, "usual share of the categories gone"),
    "frequency_shift": (0.005, "total variation distance from the usual frequencies"),
}
