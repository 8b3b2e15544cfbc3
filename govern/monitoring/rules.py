"""The metrics `govern.Stable` watches, each judged against its learned bound.

``evaluate`` compares one dataset version's summary with the summaries of the versions
before it (`HistoryPoint`, oldest first) and returns one `MetricResult` per metric and
column. Pure: no store, no frame; what the bound of each metric is learned from is in
govern.monitoring.bounds, the reasons for each metric's side and floor beside it below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from govern.monitoring.bounds import Bound, Side, learn_bound
from govern.monitoring.categories import CATEGORY_METRICS, tracked
from govern.monitoring.summary import QUANTILES, ColumnSummary, DatasetSummary

__all__ = [
    "COLUMN_METRICS",
    "METRICS",
    "TABLE_METRICS",
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
class HistoryPoint:
    """One earlier version of the dataset: its place in the record, time and summary."""

    seq: int
    ts: float | None
    summary: DatasetSummary


@dataclass(frozen=True, slots=True)
class MetricResult:
    """One metric of one column (or of the table) judged.

    Attributes:
        check: ``stable:<metric>``.
        column: the column, None for a table metric.
        ran: False when it could not be judged (too little history ...): never passed.
        passed: inside the bound.
        observed: the metric's value for this version, when a number.
        low, high: the bound (None: that side is open).
        expected: the bound in words.
        message: why it failed or did not run.
    """

    check: str
    column: str | None
    ran: bool
    passed: bool
    observed: float | None = None
    low: float | None = None
    high: float | None = None
    expected: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Options:
    """What to watch and how strictly (see `govern.Stable`)."""

    min_history: int = 7
    alpha: float = 1e-3
    columns: tuple[str, ...] | None = None
    metrics: tuple[str, ...] = METRICS


def _not_run(check: str, column: str | None, why: str) -> MetricResult:
    return MetricResult(f"stable:{check}", column, ran=False, passed=False, message=why)


def _judged(
    metric: str, column: str | None, observed: float, bound: Bound, what: str
) -> MetricResult:
    passed = bound.admits(observed)
    return MetricResult(
        f"stable:{metric}",
        column,
        ran=True,
        passed=passed,
        observed=observed,
        low=bound.low,
        high=bound.high,
        expected=bound.describe(),
        message=None if passed else f"{what} {observed:.6g} is outside {bound.describe()}",
    )


def _columns(current: DatasetSummary, history: Sequence[HistoryPoint], opts: Options) -> list[str]:
    if opts.columns is not None:
        return list(opts.columns)
    names = [c.name for c in current.columns]
    if history:
        names += [n for n, _ in history[-1].summary.schema if current.column(n) is None]
    return names


def not_run_all(
    current: DatasetSummary, history: Sequence[HistoryPoint], opts: Options, why: str
) -> list[MetricResult]:
    """Every selected metric x column as not run, for ``why``."""
    out = [_not_run(m, None, why) for m in TABLE_METRICS if m in opts.metrics]
    for name in _columns(current, history, opts):
        col = current.column(name)
        for metric in COLUMN_METRICS:
            if metric in opts.metrics and _applies(metric, col):
                out.append(_not_run(metric, name, why))
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
    history: Sequence[HistoryPoint],
    opts: Options,
) -> list[MetricResult]:
    """Judge ``current`` (the version at time ``at``) against ``history`` (oldest first)."""
    if len(history) < opts.min_history:
        why = (
            f"too little history: {len(history)} earlier version(s) of this dataset in the "
            f"record, {opts.min_history} needed (min_history)"
        )
        return not_run_all(current, history, opts, why)
    timed = at is not None and all(p.ts is not None for p in history)
    times = [float(p.ts) for p in history if p.ts is not None] if timed else None
    when = at if timed else None
    out: list[MetricResult] = []

    def scalar(
        metric: str,
        column: str | None,
        observed: float | None,
        values: Sequence[float | None],
        *,
        side: Side,
        floor: float,
        log: bool = False,
        what: str,
    ) -> None:
        stamps: list[float | None] = list(times) if times is not None else [None] * len(values)
        pairs = [(v, t) for v, t in zip(values, stamps, strict=True) if v is not None]
        if observed is None:
            out.append(_not_run(metric, column, "no value for this version"))
            return
        if len(pairs) < max(opts.min_history, 2):
            out.append(
                _not_run(
                    metric,
                    column,
                    f"too little history: {len(pairs)} earlier value(s), "
                    f"{opts.min_history} needed (min_history)",
                )
            )
            return
        vs = [float(v) for v, _ in pairs]
        ts = [float(t) for _, t in pairs if t is not None] if times is not None else None
        bound = learn_bound(vs, ts, when, side=side, alpha=opts.alpha, floor=floor, log=log)
        out.append(_judged(metric, column, float(observed), bound, what))

    if "row_count" in opts.metrics:
        scalar(
            "row_count",
            None,
            current.rows,
            [p.summary.rows for p in history],
            side="both",
            floor=0.01,
            log=True,
            what="row count",
        )
    if "freshness" in opts.metrics:
        _freshness(out, at, history, opts)
    for name in _columns(current, history, opts):
        _column(out, scalar, name, current, history, opts)
    return out


def _freshness(
    out: list[MetricResult], at: float | None, history: Sequence[HistoryPoint], opts: Options
) -> None:
    stamps = [p.ts for p in history]
    if at is None or any(t is None for t in stamps):
        out.append(_not_run("freshness", None, "versions without a time in the record"))
        return
    ts = [float(t) for t in stamps if t is not None]
    gaps = [b - a for a, b in pairwise(ts)]
    if len(gaps) < max(opts.min_history - 1, 2):
        out.append(_not_run("freshness", None, f"too little history: {len(gaps)} gap(s)"))
        return
    # upper: a late version is the failure; on log1p(seconds): gaps vary by ratios;
    # seasonal by the weekday a gap ends on (Monday after a weekend)
    bound = learn_bound(gaps, ts[1:], at, side="upper", alpha=opts.alpha, floor=0.05, log=True)
    out.append(_judged("freshness", None, at - ts[-1], bound, "seconds since the previous version"))


_Scalar = Callable[..., None]


def _column(
    out: list[MetricResult],
    scalar: _Scalar,
    name: str,
    current: DatasetSummary,
    history: Sequence[HistoryPoint],
    opts: Options,
) -> None:
    col = current.column(name)
    past = [p.summary.column(name) for p in history]
    if "schema" in opts.metrics:
        out.append(_schema(name, col, past[-1]))
    if col is None:
        return
    same = [c if c is not None and c.kind == col.kind else None for c in past]
    if "null_fraction" in opts.metrics:
        # upper: more missing values is the failure; floor 0.2 points (sampling noise)
        scalar(
            "null_fraction",
            name,
            col.null_fraction,
            [None if c is None else c.null_fraction for c in same],
            side="upper",
            floor=0.002,
            what="null fraction",
        )
    if "distinct_count" in opts.metrics and col.kind != "other":
        counts = sorted(c.distinct for c in same if c is not None and c.distinct is not None)
        usual = counts[len(counts) // 2] if counts else 0.0
        scalar(
            "distinct_count",
            name,
            col.distinct,
            [None if c is None else c.distinct for c in same],
            side="both",
            # 2%, and at least ~0.4 of a value for few values (one more is no alarm)
            floor=max(0.02, 0.4 / (usual + 1.0)),
            log=True,
            what="distinct count",
        )
    if col.kind == "numeric":
        _numeric(scalar, name, col, same, opts)
    elif col.kind == "categorical":
        _categorical(out, scalar, name, col, same, opts)


def _schema(name: str, col: ColumnSummary | None, last: ColumnSummary | None) -> MetricResult:
    check = "stable:schema"
    if col is None and last is None:
        return MetricResult(check, name, ran=False, passed=False, message="no such column")
    if col is None:
        assert last is not None
        why = f"column removed (was {last.dtype})"
        return MetricResult(check, name, True, False, expected=f"{last.dtype}", message=why)
    if last is None:
        why = f"column added ({col.dtype})"
        return MetricResult(check, name, True, False, expected="absent", message=why)
    if col.dtype != last.dtype:
        why = f"column retyped: {last.dtype} -> {col.dtype}"
        return MetricResult(check, name, True, False, expected=last.dtype, message=why)
    return MetricResult(check, name, True, True, expected=last.dtype)


def _numeric(
    scalar: _Scalar,
    name: str,
    col: ColumnSummary,
    past: Sequence[ColumnSummary | None],
    opts: Options,
) -> None:
    stds = sorted(c.std for c in past if c is not None and c.std is not None)
    spread = stds[len(stds) // 2] if stds else 0.0
    scale = abs(col.mean or 0.0)
    # location and spread: floors at 1% of the column's usual standard deviation
    floor = 0.01 * spread if spread > 0 else 1e-9 * max(1.0, scale)
    if "mean" in opts.metrics:
        values = [None if c is None else c.mean for c in past]
        scalar("mean", name, col.mean, values, side="both", floor=floor, what="mean")
    if "std" in opts.metrics:
        values = [None if c is None else c.std for c in past]
        scalar("std", name, col.std, values, side="both", floor=floor, what="standard deviation")
    for metric, q in _QUANTILE.items():
        if metric not in opts.metrics:
            continue
        observed = _quantile(col, q)
        values = [None if c is None else _quantile(c, q) for c in past]
        # a quantile of whole numbers moves in steps of one: a step alone is no alarm
        steps = all(v is None or float(v).is_integer() for v in [observed, *values])
        scalar(
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
    out: list[MetricResult],
    scalar: _Scalar,
    name: str,
    col: ColumnSummary,
    past: Sequence[ColumnSummary | None],
    opts: Options,
) -> None:
    wanted = [m for m in CATEGORY_METRICS if m in opts.metrics]
    if not wanted:
        return
    known = [c for c in past if c is not None]
    if not tracked(col) or not all(tracked(c) for c in known):
        why = "too many distinct values to track categories (more than the summary's top_k)"
        out.extend(_not_run(m, name, why) for m in wanted)
        return
    shares = [c.frequencies() for c in known]
    now = col.frequencies()
    for metric in wanted:
        observed, series = CATEGORY_METRICS[metric](now, shares)
        it = iter(series)  # back in the history's positions
        padded = [None if c is None else next(it) for c in past]
        floor, what = _CATEGORY_TERMS[metric]
        scalar(metric, name, observed, padded, side="upper", floor=floor, what=what)


_CATEGORY_TERMS = {
    "new_categories": (0.001, "share of rows in new categories"),
    "vanished_categories": (0.001, "usual share of the categories gone"),
    "frequency_shift": (0.005, "total variation distance from the usual frequencies"),
}
