"""The categorical metrics of `govern.Stable`: new, vanished and shifted categories.

Each takes the current version's value shares and the history's (oldest first) and gives
the observed value and the same measure for each history version, from which
govern.monitoring.rules learns the bound. All are rates that hurt when they rise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from govern.monitoring.summary import ColumnSummary

__all__ = ["CATEGORY_METRICS", "CORE_SHARE", "category_series", "tracked"]

CORE_SHARE = 0.005
"""A category whose median share in the history is at least this is expected to stay."""

Shares = dict[str, float]


def tracked(col: ColumnSummary | None) -> bool:
    """All of a categorical column's values are listed (few values, none left out)."""
    return col is not None and col.other == 0 and bool(col.top)


def new_categories(now: Shares, shares: Sequence[Shares]) -> tuple[float, list[float]]:
    """The share of rows in values no earlier version had.

    Learned from each version against the others (a column whose values come and go
    learns that): a version's new values are those present in it alone (O(values)).
    """
    presence: dict[str, int] = {}
    for version in shares:
        for key in version:
            presence[key] = presence.get(key, 0) + 1
    series = [sum(v for k, v in version.items() if presence[k] == 1) for version in shares]
    return sum(v for k, v in now.items() if k not in presence), series


def vanished_categories(now: Shares, shares: Sequence[Shares]) -> tuple[float, list[float]]:
    """The usual share of the usual categories gone.

    Each version is judged against the usual categories of the whole window (one of n
    versions barely moves a median: leaving it out would cost n times as much).
    """
    core = _core(shares)
    series = [_vanished(version, core) for version in shares]
    return _vanished(now, core), series


def frequency_shift(now: Shares, shares: Sequence[Shares]) -> tuple[float, list[float]]:
    """Total variation distance from the median shares of the window."""
    base = _baseline(shares)
    return _tv(now, base), [_tv(s, base) for s in shares]


CATEGORY_METRICS: dict[str, Callable[[Shares, Sequence[Shares]], tuple[float, list[float]]]] = {
    "new_categories": new_categories,
    "vanished_categories": vanished_categories,
    "frequency_shift": frequency_shift,
}


def _core(shares: Sequence[Shares]) -> Shares:
    """Categories whose median share is at least CORE_SHARE, with that median."""
    if not shares:
        return {}
    out: Shares = {}
    for key in set().union(*shares):
        values = sorted(s.get(key, 0.0) for s in shares)
        median = values[len(values) // 2]
        if median >= CORE_SHARE:
            out[key] = median
    return out


def _vanished(shares: Shares, core: Shares) -> float:
    return sum(v for k, v in core.items() if shares.get(k, 0.0) == 0.0)


def _baseline(shares: Sequence[Shares]) -> Shares:
    keys = set().union(*shares) if shares else set()
    medians = {k: sorted(s.get(k, 0.0) for s in shares)[len(shares) // 2] for k in keys}
    total = sum(medians.values())
    return {k: v / total for k, v in medians.items()} if total else medians


def _tv(p: Shares, q: Shares) -> float:
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in set(p) | set(q))


def category_series(
    now: Shares, values: Sequence[str], shares: Any
) -> dict[str, tuple[float, Any]]:
    """Every `CATEGORY_METRICS` at once, on a history's share matrix (numpy).

    ``shares`` holds each version's share of each of ``values`` (versions x values; 0:
    not listed). The same measures as the functions above, which take one dict per
    version and stay the reference (tests hold the two equal).
    """
    import numpy as np

    present = shares > 0
    presence = present.sum(axis=0)
    at = {v: i for i, v in enumerate(values)}
    alone = present & (presence == 1)  # listed by this version only
    new_series = np.where(alone, shares, 0.0).sum(axis=1)
    new_now = _sum_absent(now, at, presence)
    n = shares.shape[0]
    median = np.sort(shares, axis=0)[n // 2] if n else np.zeros(len(values))
    core = median >= CORE_SHARE
    gone = np.where(core & (shares == 0.0), median, 0.0).sum(axis=1)
    vanished = float(sum(median[i] for v, i in at.items() if core[i] and now.get(v, 0.0) == 0.0))
    total = float(median.sum())
    base = median / total if total else median
    shift = 0.5 * np.abs(shares - base).sum(axis=1)
    drift = sum(abs(now.get(v, 0.0) - base[i]) for v, i in at.items())
    drift += sum(s for v, s in now.items() if v not in at)
    return {
        "new_categories": (new_now, new_series),
        "vanished_categories": (vanished, gone),
        "frequency_shift": (0.5 * float(drift), shift),
    }


def _sum_absent(now: Shares, at: Mapping[str, int], presence: Any) -> float:
    """The share of ``now`` in values no version listed."""
    return float(sum(s for v, s in now.items() if v not in at or presence[at[v]] == 0))
