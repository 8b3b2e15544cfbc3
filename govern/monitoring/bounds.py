"""Bounds learned from a metric's own history: robust, one-sided where it matters, seasonal.

In the spirit of Auto-Validate-by-History (Song et al., VLDB 2023): each metric of a
dataset (its row count, a column's null fraction ...) is a time series over the dataset's
recorded versions, and the bound for the next version is learned from that series with a
stated false-alarm rate ``alpha`` per side, instead of written by hand.

The model, fitted to the last ``window`` versions (oldest first):

1. trend: the Theil-Sen slope per version in run order (the median of pairwise slopes;
   robust to a few outliers, ~29% breakdown point), from ``TREND_FROM`` (14) versions on;
   the next version is one step on, whatever the time between versions;
2. weekly season: the median residual per weekday (UTC), kept only when, fitted without
   the version it predicts (leave-one-out), it explains at least ``SEASONAL_STRENGTH`` of
   the residual variance, and the history has three versions or more of five weekdays or
   more (14 versions or more);
3. scale: from ``ROBUST_FROM`` (15) versions on, 1.4826 x the median absolute deviation
   of the leave-one-out residuals (the standard deviation
   of a normal distribution; an outlier in the history does not widen the bound); with
   fewer, their standard deviation (the MAD of a few values is too often near zero);
   floored by a metric-specific ``floor`` so that a constant history does not alarm on
   noise below what matters.

The bound is ``expected +/- k * scale`` with ``k`` the (1 - alpha) quantile of Student's t
with n - 1 degrees of freedom (0.37 (n - 1) with the MAD, as efficient as that many), times
sqrt(1 + 1/n + h), h the trend's leverage one step past the window (a prediction interval:
the new value, the fitted level and the slope are all uncertain). With roughly normal
residuals a clean version falls outside with probability ~``alpha`` per side. Residuals
far from normal (heavy tails, regime changes inside the window) raise that rate;
Cantelli's inequality gives the distribution-free worst case, 1 / (1 + k^2) (~9% at
k = 3.1): the stated rate is the normal-model one.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

__all__ = [
    "ROBUST_FROM",
    "SEASONAL_STRENGTH",
    "TREND_FROM",
    "Bound",
    "Side",
    "alpha_for",
    "learn_bound",
]

Side = Literal["both", "upper", "lower"]
SEASONAL_STRENGTH = 0.3
ROBUST_FROM = 15
"""From this many history values the scale is the MAD's (robust), below it the SD's."""
TREND_FROM = 14
"""From this many history values a trend is fitted."""
_DAY = 86400.0
_MAD = 1.4826  # MAD -> standard deviation under normality
MAD_EFFICIENCY = 0.37  # of the MAD against the SD, for normal data
_SENSITIVITY = {"low": 1e-4, "medium": 1e-3, "high": 1e-2}


def alpha_for(sensitivity: str | float) -> float:
    """The false-alarm rate per side of a sensitivity name or rate.

    ``low`` is 0.01%, ``medium`` 0.1% (the default), ``high`` 1%; a number is the rate.

    Raises:
        ValueError: an unknown name or a rate outside (0, 0.5).
    """
    if isinstance(sensitivity, str):
        try:
            return _SENSITIVITY[sensitivity]
        except KeyError:
            raise ValueError(
                f"sensitivity must be low, medium, high or a false-alarm rate in (0, 0.5), "
                f"got {sensitivity!r}"
            ) from None
    if isinstance(sensitivity, bool) or not 0.0 < float(sensitivity) < 0.5:
        raise ValueError(f"a sensitivity rate must be in (0, 0.5), got {sensitivity!r}")
    return float(sensitivity)


@dataclass(frozen=True, slots=True)
class Bound:
    """What the history allows for the next value.

    Attributes:
        expected: the value predicted for the new version.
        low: the lowest value allowed, None for no lower bound.
        high: the highest value allowed, None for no upper bound.
        scale: the robust residual scale used (after the floor).
        n: history values used.
        seasonal: a weekly season was fitted.
        trend: the fitted slope per version (0 when none was fitted).
    """

    expected: float
    low: float | None
    high: float | None
    scale: float
    n: int
    seasonal: bool = False
    trend: float = 0.0

    def admits(self, value: float) -> bool:
        """Whether ``value`` is inside the bound."""
        if self.low is not None and value < self.low:
            return False
        return self.high is None or value <= self.high

    def describe(self) -> str:
        """The bound in words, e.g. ``<= 0.031`` or ``in [97.5, 103.2]``."""
        if self.low is None and self.high is not None:
            text = f"<= {_num(self.high)}"
        elif self.high is None and self.low is not None:
            text = f">= {_num(self.low)}"
        else:
            text = f"in [{_num(self.low)}, {_num(self.high)}]"
        model = "trend + weekly season" if self.seasonal else "trend" if self.trend else "level"
        return f"{text} (learned from {self.n} versions: {model}, expected {_num(self.expected)})"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


_SMALL = 64  # below this many values plain Python beats numpy's per-call overhead


def _median(values: Sequence[float]) -> float:
    if len(values) >= _SMALL:
        import numpy as np

        return float(np.median(np.asarray(values, dtype=float)))
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _mad(values: Sequence[float]) -> float:
    centre = _median(values)
    return _MAD * _median([abs(v - centre) for v in values])


def _variance(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


def _theil_sen(y: Sequence[float]) -> float:
    """The median slope per step over pairs of versions (numpy: windows may be long)."""
    import numpy as np

    values = np.asarray(y, dtype=float)
    i, j = _pairs(len(values))
    return float(np.median((values[j] - values[i]) / (j - i)))


@functools.lru_cache(maxsize=64)
def _pairs(n: int) -> tuple[Any, Any]:
    import numpy as np

    if n <= 60:
        return np.triu_indices(n, k=1)
    i = np.arange(n - n // 2)  # long windows: the slopes across half the window
    return i, i + n // 2


def _weekday(seconds: float) -> int:
    return int(math.floor(seconds / _DAY) + 3) % 7  # 1970-01-01 was a Thursday: Monday is 0


def _t_quantile(p: float, dof: int) -> float:
    """Student's t quantile (Cornish-Fisher expansion around the normal one)."""
    z = NormalDist().inv_cdf(p)
    if dof <= 0:
        return z
    v = float(dof)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
    )


def learn_bound(
    values: Sequence[float],
    times: Sequence[float] | None,
    at: float | None,
    *,
    side: Side = "both",
    alpha: float = 1e-3,
    floor: float = 0.0,
    log: bool = False,
) -> Bound:
    """The bound for the value of the version at time ``at``, learned from ``values``.

    Args:
        values: the metric over the history, oldest first (at least 2).
        times: each version's time (epoch seconds), or None (no weekly season).
        at: the new version's time (needed for the season).
        side: which side is bounded (``upper`` for rates that must not rise ...).
        alpha: the false-alarm rate per side under the normal residual model.
        floor: the smallest residual scale (in the metric's units, or of log1p with
            ``log``): differences well below it never alarm.
        log: model log1p(value) (multiplicative changes: row and distinct counts).

    Raises:
        ValueError: fewer than 2 values, or times of another length.
    """
    if len(values) < 2:
        raise ValueError("a bound needs at least 2 history values")
    if times is not None and len(times) != len(values):
        raise ValueError("values and times differ in length")
    y = [math.log1p(max(v, 0.0)) if log else float(v) for v in values]
    n = len(y)
    # the trend is per version, in run order (the record's sequence): arrival times may be
    # irregular, and a slope per day would be extrapolated over any gap
    steps = [float(i) for i in range(n)]
    slope = _theil_sen(y) if n >= TREND_FROM else 0.0
    r = [v - slope * i for v, i in zip(y, steps, strict=True)]
    season, held_out, seasonal = [0.0] * 7, [0.0] * n, False
    if times is not None and at is not None and n >= 14:
        season, held_out, seasonal = _season(r, times)
    level = _median([v - h for v, h in zip(r, held_out, strict=True)])
    # each version's residual against a season fitted without it: in-sample weekday
    # medians of a few versions each would absorb the noise and understate the scale
    fitted = [level + slope * i + h for i, h in zip(steps, held_out, strict=True)]
    expected = level + slope * n + (season[_weekday(at)] if seasonal and at is not None else 0.0)
    residuals = [v - f for v, f in zip(y, fitted, strict=True)]
    # MAD ignores outliers in the history but is a poor estimate from a few values (37%
    # efficiency); below ROBUST_FROM values the standard deviation, whose t interval is exact
    spread = _mad(residuals) if n >= ROBUST_FROM else math.sqrt(_variance(residuals) * n / (n - 1))
    scale = max(spread, floor)
    # prediction interval: the new value's own noise, the fitted level's, and (with a
    # trend) the slope's, extrapolated one step past the window
    centre = (n - 1) / 2
    lever = (n - centre) ** 2 / sum((i - centre) ** 2 for i in steps) if slope else 0.0
    # the MAD is 37% as efficient as the SD: its t has that share of the degrees of freedom
    dof = n - 1 if n < ROBUST_FROM else max(1, round(MAD_EFFICIENCY * (n - 1)))
    k = _t_quantile(1.0 - alpha, dof) * math.sqrt(1.0 + 1.0 / n + lever)
    low = expected - k * scale if side in ("both", "lower") else None
    high = expected + k * scale if side in ("both", "upper") else None
    if log:
        expected = math.expm1(expected)
        low = None if low is None else math.expm1(low)
        high = None if high is None else math.expm1(high)
    return Bound(expected, low, high, scale, n, seasonal, slope)


def _medians_without_each(group: Any) -> Any:
    """For each value of ``group``, the median of the others (0 when it is alone); O(m log m)."""
    import numpy as np

    m = len(group)
    if m == 1:
        return np.zeros(1)
    order = np.argsort(group, kind="stable")
    ranked = group[order]
    removed = np.arange(m)  # the sorted position taken out

    def kept(k: int) -> Any:  # the k-th smallest of the others, for each removal
        return np.where(k < removed, ranked[k], ranked[np.minimum(k + 1, m - 1)])

    rest = m - 1
    mid = rest // 2
    at = kept(mid) if rest % 2 else (kept(mid - 1) + kept(mid)) / 2
    out = np.empty(m)
    out[order] = at
    return out


def _season(r: Sequence[float], times: Sequence[float]) -> tuple[list[float], list[float], bool]:
    """Weekday effects of the detrended series: (per weekday, per version held out, kept).

    The held-out effect of a version is its weekday's median without it. The season is
    kept when those held-out effects explain at least SEASONAL_STRENGTH of the robust
    variance: noise alone explains none of it out of sample.
    """
    import numpy as np

    none = ([0.0] * 7, [0.0] * len(r), False)
    values = np.asarray(r, dtype=float)
    days = ((np.floor(np.asarray(times, dtype=float) / _DAY) + 3) % 7).astype(int)
    sizes = np.bincount(days, minlength=7)
    if int(np.count_nonzero(sizes >= 3)) < 5:
        return none
    medians = {w: _median(values[days == w].tolist()) for w in range(7) if sizes[w]}
    centre = _median(list(medians.values()))
    season = [medians.get(w, centre) - centre for w in range(7)]
    held = np.zeros(len(values))
    for w in medians:
        where = np.flatnonzero(days == w)
        held[where] = _medians_without_each(values[where]) - centre
    held_out = [float(h) for h in held]
    # plain variances here: a robust one would take the weekend for outliers
    before = _variance(r)
    after = _variance([v - h for v, h in zip(r, held_out, strict=True)])
    if before <= 0.0 or 1.0 - after / before < SEASONAL_STRENGTH:
        return none
    return season, held_out, True
