"""A batch against one reference version (a model's training data): drift at inference.

One reference gives no history to learn a bound from, so the bounds here are those of
the usual two-sample tests, with a floor on the effect that matters:

- ``schema``: each column present, of the training data's kind (numeric, categorical:
  training and inference may run on different engines, whose type names differ).
- ``null_fraction``: upper bound p_ref + z * sqrt(p(1 - p)(1/n1 + 1/n2)) (the pooled
  two-proportion z-test at the false-alarm rate), and at least one point above p_ref.
- ``distribution`` of a numeric column: the two-sample Kolmogorov-Smirnov distance read
  off the two KLL sketches, bounded by the KS critical value c(alpha) sqrt((n + m)/(n m))
  plus both sketches' rank error, and at least 0.1.
- ``distribution`` of a categorical column: the Jensen-Shannon distance (base 2, in
  [0, 1]) of the frequencies, bounded at 0.1 (a common drift threshold, e.g. Evidently's
  default for categorical features).
- ``new_categories``: the share of rows in values the training data never had, at most
  0.1% (above sampling noise).
"""

from __future__ import annotations

import math
from statistics import NormalDist

from govern.monitoring.rules import MetricResult, Options
from govern.monitoring.summary import KLL_K, ColumnSummary, DatasetSummary, kll_from_bytes

__all__ = ["REFERENCE_METRICS", "compare_to_reference", "js_distance", "ks_distance"]

REFERENCE_METRICS = ("schema", "null_fraction", "distribution", "new_categories")
KS_FLOOR = 0.1
JS_BOUND = 0.1
NEW_SHARE = 0.001


def ks_distance(a: ColumnSummary, b: ColumnSummary) -> float | None:
    """The largest gap between the two columns' distribution functions (KLL sketches)."""
    sa, sb = kll_from_bytes(a.kll), kll_from_bytes(b.kll)
    if sa is None or sb is None or sa.is_empty() or sb.is_empty():
        return None
    grid = [i / 100 for i in range(1, 100)]
    points = sorted(set(sa.get_quantiles(grid)) | set(sb.get_quantiles(grid)))
    points += [sa.get_min_value(), sa.get_max_value(), sb.get_min_value(), sb.get_max_value()]
    return float(max(abs(sa.get_rank(x) - sb.get_rank(x)) for x in points))


def js_distance(p: dict[str, float], q: dict[str, float]) -> float:
    """Jensen-Shannon distance (base 2) of two frequency tables."""

    def kl(x: dict[str, float], m: dict[str, float]) -> float:
        return sum(v * math.log2(v / m[k]) for k, v in x.items() if v > 0)

    keys = set(p) | set(q)
    m = {k: (p.get(k, 0.0) + q.get(k, 0.0)) / 2 for k in keys}
    value = 0.5 * kl(p, m) + 0.5 * kl(q, m)
    return math.sqrt(max(value, 0.0))


def _result(
    metric: str, column: str, observed: float, high: float, what: str, expected: str
) -> MetricResult:
    passed = observed <= high
    return MetricResult(
        f"stable:{metric}",
        column,
        ran=True,
        passed=passed,
        observed=observed,
        high=high,
        expected=expected,
        message=None if passed else f"{what} {observed:.4g} is above {high:.4g} ({expected})",
    )


def compare_to_reference(
    current: DatasetSummary, reference: DatasetSummary, opts: Options, label: str
) -> list[MetricResult]:
    """Judge ``current`` against one ``reference`` summary (``label`` names it)."""
    out: list[MetricResult] = []
    z = NormalDist().inv_cdf(1.0 - opts.alpha)
    names = list(opts.columns) if opts.columns is not None else [n for n, _ in reference.schema]
    for name in names:
        col, ref = current.column(name), reference.column(name)
        if "schema" in opts.metrics:
            # by kind: training and inference may run on different engines (pandas
            # float64, Polars Float64), whose type names differ for the same values
            if ref is None or col is None or col.kind != ref.kind:
                why = (
                    f"column not in {label}"
                    if ref is None
                    else "column missing"
                    if col is None
                    else f"column retyped: {ref.dtype} in {label}, {col.dtype} now"
                )
                out.append(MetricResult("stable:schema", name, True, False, message=why))
                continue
            out.append(MetricResult("stable:schema", name, True, True, expected=ref.dtype))
        if col is None or ref is None:
            continue
        if "null_fraction" in opts.metrics and col.rows and ref.rows:
            p1, p2 = ref.nulls / ref.rows, col.nulls / col.rows
            pooled = (ref.nulls + col.nulls) / (ref.rows + col.rows)
            spread = math.sqrt(pooled * (1 - pooled) * (1 / ref.rows + 1 / col.rows))
            high = p1 + max(z * spread, 0.01)
            what = "null fraction"
            out.append(_result("null_fraction", name, p2, high, what, f"{label}: {p1:.4g}"))
        if "distribution" in opts.metrics:
            _distribution(out, name, col, ref, opts.alpha, label)
        if "new_categories" in opts.metrics and col.kind == "categorical" and ref.other == 0:
            seen = {v for v, _ in ref.top}
            share = sum(v for k, v in col.frequencies().items() if k not in seen)
            what = "share of rows in categories unseen in training"
            out.append(_result("new_categories", name, share, NEW_SHARE, what, label))
    return out


def _distribution(
    out: list[MetricResult],
    name: str,
    col: ColumnSummary,
    ref: ColumnSummary,
    alpha: float,
    label: str,
) -> None:
    if col.kind == "numeric":
        distance = ks_distance(col, ref)
        if distance is None or not col.count or not ref.count:
            return
        n, m = col.count, ref.count
        critical = math.sqrt(-math.log(alpha / 2) / 2) * math.sqrt((n + m) / (n * m))
        rank_error = 2 * 1.65 / 100 * (200 / KLL_K)  # both sketches, k=200: ~1.65% each
        high = max(critical + rank_error, KS_FLOOR)
        what = "Kolmogorov-Smirnov distance"
        out.append(_result("distribution", name, distance, high, what, f"vs {label}"))
    elif col.kind == "categorical" and col.top and ref.top:
        distance = js_distance(col.frequencies(), ref.frequencies())
        what = "Jensen-Shannon distance"
        out.append(_result("distribution", name, distance, JS_BOUND, what, f"vs {label}"))
