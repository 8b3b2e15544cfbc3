"""Judging metrics against bounds learned from history, and what a judgement says.

`Judge` collects the metrics of one version to judge (each with its values over the
history, side, floor and scale) and learns their bounds together: every metric with a
value in each version in one numpy pass (govern.monitoring.batch), the others one by one
(govern.monitoring.bounds), results in the order they were asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from govern.monitoring.batch import learn_bounds
from govern.monitoring.bounds import Bound, Side, learn_bound

__all__ = ["Judge", "MetricResult", "judged", "not_run"]


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


def not_run(check: str, column: str | None, why: str) -> MetricResult:
    """``stable:<check>`` of ``column`` could not be judged, for ``why``."""
    return MetricResult(f"stable:{check}", column, ran=False, passed=False, message=why)


def judged(
    metric: str, column: str | None, observed: float, bound: Bound, what: str
) -> MetricResult:
    """``observed`` judged against ``bound`` (``what``: the metric in words)."""
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


@dataclass(frozen=True, slots=True)
class _Pending:
    """A metric waiting for its bound: where its result goes, and how to learn the bound."""

    index: int
    metric: str
    column: str | None
    observed: float
    values: Any  # one per version, NaN where there is no value
    side: Side
    floor: float
    log: bool
    what: str

    def judged(self, bound: Bound) -> MetricResult:
        return judged(self.metric, self.column, self.observed, bound, self.what)


class Judge:
    """Collects the metrics to judge, learns their bounds together, keeps result order."""

    def __init__(
        self, alpha: float, min_history: int, times: list[float] | None, at: float | None
    ) -> None:
        self.alpha = alpha
        self.min_history = min_history
        self.times = times
        self.at = at
        self.out: list[MetricResult | None] = []
        self.pending: list[_Pending] = []

    def add(self, result: MetricResult) -> None:
        """A result reached without a bound (not run, schema ...), in its place."""
        self.out.append(result)

    def scalar(
        self,
        metric: str,
        column: str | None,
        observed: float | None,
        values: Any,
        *,
        side: Side,
        floor: float,
        log: bool = False,
        what: str,
    ) -> None:
        """Judge ``observed`` against ``values`` (one per version; NaN: no value)."""
        if observed is None:
            self.add(not_run(metric, column, "no value for this version"))
            return
        have = int(np.count_nonzero(~np.isnan(values)))
        if have < max(self.min_history, 2):
            why = (
                f"too little history: {have} earlier value(s), "
                f"{self.min_history} needed (min_history)"
            )
            self.add(not_run(metric, column, why))
            return
        self.pending.append(
            _Pending(len(self.out), metric, column, float(observed), values, side, floor, log, what)
        )
        self.out.append(None)

    def results(self) -> list[MetricResult]:
        """Every result, the pending ones judged."""
        whole = [p for p in self.pending if not np.isnan(p.values).any()]
        if whole:  # the same versions and times: one numpy pass
            bounds = learn_bounds(
                np.stack([p.values for p in whole]),
                self.times,
                self.at,
                sides=[p.side for p in whole],
                alphas=[self.alpha] * len(whole),
                floors=[p.floor for p in whole],
                logs=[p.log for p in whole],
            )
            for p, bound in zip(whole, bounds, strict=True):
                self.out[p.index] = p.judged(bound)
        for p in self.pending:
            kept = ~np.isnan(p.values)
            if kept.all():
                continue
            # gaps (a column missing or retyped in some versions): its own times
            ts = None if self.times is None else np.asarray(self.times)[kept].tolist()
            bound = learn_bound(
                p.values[kept].tolist(),
                ts,
                self.at,
                side=p.side,
                alpha=self.alpha,
                floor=p.floor,
                log=p.log,
            )
            self.out[p.index] = p.judged(bound)
        return [r for r in self.out if r is not None]
