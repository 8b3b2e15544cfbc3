"""`learn_bound` for many series of one history at once, with numpy (a long window's path).

A dataset's metrics over a window share their versions and times, so the model of
govern.monitoring.bounds (trend, weekly season, robust scale, prediction interval) is
fitted to all of them in one pass over an (m series x n versions) array instead of m
Python passes. Row for row the same arithmetic as `learn_bound`, which stays the
readable reference: tests hold the two equal on generated and recorded histories.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from govern.monitoring.bounds import (
    _DAY,
    _MAD,
    MAD_EFFICIENCY,
    ROBUST_FROM,
    SEASONAL_STRENGTH,
    TREND_FROM,
    Bound,
    Side,
    _pairs,
    _t_quantile,
    _weekday,
)

__all__ = ["learn_bounds"]


def learn_bounds(
    values: Any,
    times: Sequence[float] | None,
    at: float | None,
    *,
    sides: Sequence[Side],
    alphas: Sequence[float],
    floors: Sequence[float],
    logs: Sequence[bool],
) -> list[Bound]:
    """`learn_bound` for each row of ``values`` (m x n, no missing values), one call.

    Args:
        values: the m metrics over the same n versions, oldest first (n >= 2).
        times: the versions' times (epoch seconds), or None; shared by every row.
        at: the new version's time.
        sides: per row, which side is bounded (as `learn_bound`'s ``side``).
        alphas: per row, the false-alarm rate per side.
        floors: per row, the smallest residual scale.
        logs: per row, whether log1p(value) is modelled.
    """
    raw = np.asarray(values, dtype=float)
    m, n = raw.shape
    if n < 2:
        raise ValueError("a bound needs at least 2 history values")
    if times is not None and len(times) != n:
        raise ValueError("values and times differ in length")
    logged = np.asarray(logs, dtype=bool)
    y = np.where(logged[:, None], np.log1p(np.maximum(raw, 0.0)), raw)
    steps = np.arange(n, dtype=float)
    if n >= TREND_FROM:
        i, j = _pairs(n)
        slope = np.median((y[:, j] - y[:, i]) / (j - i), axis=1)
    else:
        slope = np.zeros(m)
    r = y - slope[:, None] * steps
    season, held, seasonal = np.zeros((m, 7)), np.zeros((m, n)), np.zeros(m, dtype=bool)
    if times is not None and at is not None and n >= 14:
        season, held, seasonal = _season(r, times)
    level = np.median(r - held, axis=1)
    fitted = level[:, None] + slope[:, None] * steps + held
    expected = level + slope * n
    if at is not None:
        expected = expected + np.where(seasonal, season[:, _weekday(at)], 0.0)
    residuals = y - fitted
    if n >= ROBUST_FROM:
        centre = np.median(residuals, axis=1)
        spread = _MAD * np.median(np.abs(residuals - centre[:, None]), axis=1)
    else:
        spread = np.sqrt(_variance(residuals) * n / (n - 1))
    scale = np.maximum(spread, np.asarray(floors, dtype=float))
    middle = (n - 1) / 2
    lever = np.where(slope != 0.0, (n - middle) ** 2 / float(np.sum((steps - middle) ** 2)), 0.0)
    dof = n - 1 if n < ROBUST_FROM else max(1, round(MAD_EFFICIENCY * (n - 1)))
    t = np.array([_t_quantile(1.0 - a, dof) for a in alphas])
    k = t * np.sqrt(1.0 + 1.0 / n + lever)
    out: list[Bound] = []
    for row in range(m):
        e, s, side = float(expected[row]), float(scale[row]), sides[row]
        low = e - float(k[row]) * s if side in ("both", "lower") else None
        high = e + float(k[row]) * s if side in ("both", "upper") else None
        if logged[row]:
            e = math.expm1(e)
            low = None if low is None else math.expm1(low)
            high = None if high is None else math.expm1(high)
        out.append(Bound(e, low, high, s, n, bool(seasonal[row]), float(slope[row])))
    return out


def _variance(rows: Any) -> Any:
    mean = rows.mean(axis=1, keepdims=True)
    return ((rows - mean) ** 2).mean(axis=1)


def _medians_without_each(group: Any) -> Any:
    """Row by row, for each value the median of the row's others (0 when alone)."""
    m, size = group.shape
    if size == 1:
        return np.zeros((m, 1))
    order = np.argsort(group, axis=1, kind="stable")
    ranked = np.take_along_axis(group, order, axis=1)
    removed = np.arange(size)[None, :]  # the sorted position taken out

    def kept(k: int) -> Any:  # the k-th smallest of the others, for each removal
        return np.where(k < removed, ranked[:, [k]], ranked[:, [min(k + 1, size - 1)]])

    rest = size - 1
    mid = rest // 2
    at = kept(mid) if rest % 2 else (kept(mid - 1) + kept(mid)) / 2
    out = np.empty((m, size))
    np.put_along_axis(out, order, at, axis=1)
    return out


def _season(r: Any, times: Sequence[float]) -> tuple[Any, Any, Any]:
    """Rows' weekday effects: (per weekday, per version held out, kept), as bounds._season."""
    m, n = r.shape
    none = (np.zeros((m, 7)), np.zeros((m, n)), np.zeros(m, dtype=bool))
    days = ((np.floor(np.asarray(times, dtype=float) / _DAY) + 3) % 7).astype(int)
    sizes = np.bincount(days, minlength=7)
    if int(np.count_nonzero(sizes >= 3)) < 5:
        return none
    present = [w for w in range(7) if sizes[w]]
    medians = np.stack([np.median(r[:, days == w], axis=1) for w in present], axis=1)
    centre = np.median(medians, axis=1)
    season = np.zeros((m, 7))
    season[:, present] = medians - centre[:, None]
    held = np.zeros((m, n))
    for w in present:
        where = np.flatnonzero(days == w)
        held[:, where] = _medians_without_each(r[:, where]) - centre[:, None]
    before = _variance(r)
    after = _variance(r - held)
    with np.errstate(divide="ignore", invalid="ignore"):
        kept = (before > 0.0) & (
            1.0 - after / np.where(before > 0.0, before, 1.0) >= SEASONAL_STRENGTH
        )
    season = np.where(kept[:, None], season, 0.0)
    held = np.where(kept[:, None], held, 0.0)
    return season, held, kept
