"""Distances between two distributions, computed from their sketches, never the data.

Numeric columns are compared through their KLL quantile sketches (Apache DataSketches'
``kll_doubles_sketch``): both CDFs are read at common split points. Categorical columns
are compared through their frequent items (value -> count, plus the total count, so
everything outside the listed items forms one "other" bucket).

- ``ks_distance``: the two-sample Kolmogorov-Smirnov statistic ``sup |F_a - F_b|``, read
  at every value each sketch can tell apart (its quantiles at ``1/retained`` rank steps).
  When a sketch still holds every value (n <= k) this is scipy's ``ks_2samp`` statistic
  exactly; otherwise it is within ``rank_error(a) + rank_error(b)`` of it (99% bound).
- ``psi``: the population stability index over ``bins`` bins cut at the reference's
  quantiles, bin masses floored at ``PSI_FLOOR`` so that an empty bin gives a large,
  finite index instead of infinity.
- ``js_distance``: the Jensen-Shannon distance (base 2, between 0 and 1; scipy's
  ``jensenshannon(p, q, base=2)``) of two frequency tables.

Bin masses read from a KLL sketch are within its ``normalized_rank_error(True)`` of the
truth (DataSketches' 99%-confidence bound for PMF and CDF queries).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

__all__ = [
    "OTHER",
    "PSI_FLOOR",
    "QuantileSketch",
    "bin_masses",
    "js_distance",
    "ks_distance",
    "psi",
    "psi_from_masses",
    "rank_error",
    "reference_splits",
]

PSI_FLOOR = 1e-4
"""The least mass a PSI bin is given (an empty bin would make the index infinite)."""

OTHER = "\x00other"
"""The bucket of everything a frequency table does not list (never a real value)."""

_MAX_GRID = 4096  # quantiles read per sketch for the KS supremum


class QuantileSketch(Protocol):
    """What the distances read of a quantile sketch (``datasketches.kll_doubles_sketch``)."""

    @property
    def n(self) -> int: ...  # noqa: D102

    @property
    def num_retained(self) -> int: ...  # noqa: D102

    def is_empty(self) -> bool: ...  # noqa: D102

    def get_cdf(self, split_points: Sequence[float], inclusive: bool = ...) -> list[float]: ...  # noqa: D102

    def get_quantiles(self, ranks: Sequence[float], inclusive: bool = ...) -> list[float]: ...  # noqa: D102

    def normalized_rank_error(self, pmf: bool) -> float: ...  # noqa: D102


def rank_error(sketch: QuantileSketch) -> float:
    """The sketch's bound on a CDF value or bin mass (0 while it holds every value)."""
    if sketch.is_empty() or sketch.num_retained >= sketch.n:
        return 0.0
    return float(sketch.normalized_rank_error(True))


def _grid(sketch: QuantileSketch) -> list[float]:
    # mid-step ranks: i / steps may round past an item and skip it
    steps = max(1, min(sketch.num_retained, _MAX_GRID))
    ranks = [0.0, *((i + 0.5) / steps for i in range(steps)), 1.0]
    return list(sketch.get_quantiles(ranks, True))


def _unique_sorted(values: Sequence[float]) -> list[float]:
    return sorted({float(v) for v in values if not math.isnan(float(v))})


def ks_distance(a: QuantileSketch, b: QuantileSketch) -> float | None:
    """``sup_x |F_a(x) - F_b(x)|``; None when either side has no values."""
    if a.is_empty() or b.is_empty():
        return None
    points = _unique_sorted(_grid(a) + _grid(b))
    cdf_a = a.get_cdf(points, True)[:-1]
    cdf_b = b.get_cdf(points, True)[:-1]
    return float(max(abs(x - y) for x, y in zip(cdf_a, cdf_b, strict=True)))


def reference_splits(reference: QuantileSketch, bins: int = 10) -> list[float]:
    """Inner cut points of ``bins`` equal-mass bins of the reference (fewer when tied)."""
    if reference.is_empty() or bins < 2:
        return []
    cuts = reference.get_quantiles([i / bins for i in range(1, bins)], True)
    return _unique_sorted(cuts)


def bin_masses(sketch: QuantileSketch, splits: Sequence[float]) -> list[float]:
    """Mass of each bin ``(-inf, s1], (s1, s2], ..., (sk, inf)`` read from the sketch."""
    if sketch.is_empty():
        return []
    if not splits:
        return [1.0]
    cdf = sketch.get_cdf(list(splits), True)
    masses = [cdf[0], *(cdf[i] - cdf[i - 1] for i in range(1, len(cdf)))]
    return [max(0.0, float(m)) for m in masses]


def psi_from_masses(expected: Sequence[float], actual: Sequence[float]) -> float:
    """``sum (a - e) * ln(a / e)`` with each mass floored at ``PSI_FLOOR``."""
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, PSI_FLOOR), max(a, PSI_FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def psi(reference: QuantileSketch, current: QuantileSketch, bins: int = 10) -> float | None:
    """Population stability index of ``current`` against ``reference``'s quantile bins."""
    if reference.is_empty() or current.is_empty():
        return None
    splits = reference_splits(reference, bins)
    return psi_from_masses(bin_masses(reference, splits), bin_masses(current, splits))


def _distribution(counts: Mapping[Any, float], total: float) -> dict[Any, float]:
    listed = {k: float(v) for k, v in counts.items() if v > 0}
    rest = float(total) - sum(listed.values())
    if rest > 1e-9 * max(float(total), 1.0):
        listed[OTHER] = rest
    return listed


def js_distance(
    a: Mapping[Any, float], a_total: float, b: Mapping[Any, float], b_total: float
) -> float | None:
    """Jensen-Shannon distance (base 2) of two frequency tables; None when one is empty.

    Values missing from a table count 0 there; what the totals hold beyond the listed
    values is one "other" bucket on each side.
    """
    p = _distribution(a, a_total)
    q = _distribution(b, b_total)
    p_sum, q_sum = sum(p.values()), sum(q.values())
    if p_sum <= 0 or q_sum <= 0:
        return None
    divergence = 0.0
    for key in p.keys() | q.keys():
        pi, qi = p.get(key, 0.0) / p_sum, q.get(key, 0.0) / q_sum
        mi = (pi + qi) / 2
        if pi > 0:
            divergence += pi * math.log2(pi / mi) / 2
        if qi > 0:
            divergence += qi * math.log2(qi / mi) / 2
    return math.sqrt(max(0.0, min(1.0, divergence)))
