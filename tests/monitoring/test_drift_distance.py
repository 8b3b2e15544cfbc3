"""Sketch distances against the exact values scipy and numpy compute on the raw data.

While a KLL sketch holds every value (n <= k) the distances are exact (1e-12). Past
that, a bin mass or CDF value read from a sketch is within ``rank_error`` of the truth
(DataSketches' 99% bound); the tests allow twice that bound (a failure would be a
> 5-sigma event), propagated to PSI through the convexity of its terms.
"""

from __future__ import annotations

import math
import warnings
from itertools import product

import numpy as np
import pytest
from datasketches import frequent_items_error_type, frequent_strings_sketch, kll_doubles_sketch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp

from govern.monitoring.distance import (
    PSI_FLOOR,
    bin_masses,
    js_distance,
    ks_distance,
    psi,
    psi_from_masses,
    rank_error,
    reference_splits,
)

K = 200
_floats = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
_samples = st.lists(st.one_of(_floats, st.sampled_from([0.0, 1.0, 2.5])), min_size=1, max_size=K)


def _sketch(values: np.ndarray | list[float]) -> kll_doubles_sketch:
    sketch = kll_doubles_sketch(K)
    sketch.update(np.asarray(values, dtype="float64"))
    return sketch


def _ks(a: np.ndarray | list[float], b: np.ndarray | list[float]) -> float:
    """scipy's two-sample KS statistic (its p-value, and warnings about it, unused)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(ks_2samp(a, b, method="asymp").statistic)


def _exact_splits(reference: np.ndarray, bins: int = 10) -> list[float]:
    cuts = np.quantile(reference, [i / bins for i in range(1, bins)], method="inverted_cdf")
    return sorted({float(c) for c in cuts})


def _exact_masses(values: np.ndarray, splits: list[float]) -> list[float]:
    ordered = np.sort(values)
    below = np.searchsorted(ordered, splits, side="right") / len(ordered)
    cdf = [*below, 1.0]
    return [cdf[0], *(cdf[i] - cdf[i - 1] for i in range(1, len(cdf)))]


def _exact_psi(reference: np.ndarray, current: np.ndarray) -> float:
    splits = _exact_splits(reference)
    e = np.maximum(_exact_masses(reference, splits), PSI_FLOOR)
    a = np.maximum(_exact_masses(current, splits), PSI_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def _psi_tolerance(expected: list[float], actual: list[float], delta: float) -> float:
    """Largest change of PSI when every mass moves by at most ``delta``.

    Each term (a - e) ln(a / e) is jointly convex, so over the box it is largest at a
    corner and smallest no lower than 0; the bound sums the per-term worst cases.
    """
    worst = 0.0
    for e, a in zip(expected, actual, strict=True):
        here = psi_from_masses([e], [a])
        corners = [
            psi_from_masses([max(e + de, 0.0)], [max(a + da, 0.0)])
            for de, da in product((-delta, delta), repeat=2)
        ]
        worst += max(max(corners) - here, here)
    return worst


@settings(max_examples=150, deadline=None)
@given(_samples, _samples)
def test_ks_exact_while_the_sketch_holds_every_value(a: list[float], b: list[float]) -> None:
    got = ks_distance(_sketch(a), _sketch(b))
    assert got == pytest.approx(_ks(a, b), abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(_samples, _samples)
def test_psi_exact_while_the_sketch_holds_every_value(a: list[float], b: list[float]) -> None:
    reference, current = _sketch(a), _sketch(b)
    assert reference_splits(reference) == _exact_splits(np.asarray(a))
    got = psi(reference, current)
    assert got == pytest.approx(_exact_psi(np.asarray(a), np.asarray(b)), rel=1e-9, abs=1e-12)


_labels = st.lists(st.sampled_from(list("abcdefgh")), min_size=1, max_size=300)


def _counts(values: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for value in values:
        found[value] = found.get(value, 0) + 1
    return found


def _frequent(values: list[str], lg_max: int = 6) -> tuple[dict[str, float], float]:
    sketch = frequent_strings_sketch(lg_max)
    for value in values:
        sketch.update(value)
    items = sketch.get_frequent_items(frequent_items_error_type.NO_FALSE_NEGATIVES)
    return {item: est for item, est, _, _ in items}, float(sketch.total_weight)


@settings(max_examples=150, deadline=None)
@given(_labels, _labels)
def test_js_equals_scipy_on_exact_frequent_items(a: list[str], b: list[str]) -> None:
    counts_a, total_a = _frequent(a)
    counts_b, total_b = _frequent(b)
    assert counts_a == _counts(a)  # few distinct values: the sketch counts exactly
    keys = sorted(set(a) | set(b))
    expected = jensenshannon(
        [_counts(a).get(k, 0) for k in keys], [_counts(b).get(k, 0) for k in keys], base=2
    )
    got = js_distance(counts_a, total_a, counts_b, total_b)
    assert got == pytest.approx(float(expected), abs=1e-9)


def test_js_other_bucket_holds_what_the_table_does_not_list() -> None:
    # a lists x only, the rest (3 of 4) is "other"; b is all x
    assert js_distance({"x": 1}, 4, {"x": 4}, 4) == pytest.approx(
        float(jensenshannon([1, 3], [4, 0], base=2))
    )
    assert js_distance({}, 0, {"x": 1}, 1) is None
    assert js_distance({"x": 3}, 3, {"x": 5}, 5) == 0.0


def test_empty_sketches_have_no_distance() -> None:
    empty, full = kll_doubles_sketch(K), _sketch([1.0, 2.0])
    assert ks_distance(empty, full) is None
    assert psi(full, empty) is None
    assert rank_error(empty) == 0.0
    assert bin_masses(full, []) == [1.0]


def _real_numeric_columns() -> list[tuple[str, np.ndarray]]:
    from sklearn.datasets import load_breast_cancer, load_wine

    cancer = load_breast_cancer()
    wine = load_wine()
    columns = [
        (f"breast_cancer:{n}", cancer.data[:, i]) for i, n in enumerate(cancer.feature_names[:6])
    ]
    columns += [(f"wine:{n}", wine.data[:, i]) for i, n in enumerate(wine.feature_names[:4])]
    return columns


def _check_within_bounds(a: np.ndarray, b: np.ndarray) -> None:
    sa, sb = _sketch(a), _sketch(b)
    bound = 2 * (rank_error(sa) + rank_error(sb))
    assert abs(ks_distance(sa, sb) - _ks(a, b)) <= bound + 1e-12  # type: ignore[operator]
    splits = reference_splits(sa)
    exact_e, exact_a = _exact_masses(a, splits), _exact_masses(b, splits)
    for got, want, err in (
        (bin_masses(sa, splits), exact_e, rank_error(sa)),
        (bin_masses(sb, splits), exact_a, rank_error(sb)),
    ):
        assert max(abs(g - w) for g, w in zip(got, want, strict=True)) <= 2 * err + 1e-12
    exact = psi_from_masses(exact_e, exact_a)
    tolerance = _psi_tolerance(exact_e, exact_a, 2 * max(rank_error(sa), rank_error(sb)))
    assert abs(psi(sa, sb) - exact) <= tolerance + 1e-12  # type: ignore[operator]


@pytest.mark.parametrize("name_values", _real_numeric_columns(), ids=lambda nv: nv[0])
def test_real_data_halves_within_the_sketch_bound(name_values: tuple[str, np.ndarray]) -> None:
    _, values = name_values
    half = len(values) // 2
    _check_within_bounds(values[:half], values[half:])
    _check_within_bounds(values, values * 1.1 + values.std() / 2)


def test_generated_large_samples_within_the_sketch_bound() -> None:
    rng = np.random.default_rng(15)
    reference = rng.normal(0, 1, 200_000)
    for current in (
        rng.normal(0, 1, 150_000),
        rng.normal(0.3, 1.2, 150_000),
        rng.exponential(1, 150_000),
    ):
        _check_within_bounds(reference, current)
    sa, sb = _sketch(reference), _sketch(rng.normal(0, 1, 150_000))
    assert rank_error(sa) > 0  # past k: really approximate
    assert psi(sa, sb) < 0.01 and ks_distance(sa, sb) < 0.02  # type: ignore[operator]
    assert psi(sa, _sketch(rng.normal(2, 1, 1000))) > 1  # type: ignore[operator]


def test_real_categorical_columns_against_scipy() -> None:
    from palmerpenguins import load_penguins

    frame = load_penguins()
    first, second = frame.iloc[: len(frame) // 2], frame.iloc[len(frame) // 2 :]
    for column in ("species", "island", "sex"):
        a = first[column].dropna().astype(str).tolist()
        b = second[column].dropna().astype(str).tolist()
        keys = sorted(set(a) | set(b))
        expected = jensenshannon([a.count(k) for k in keys], [b.count(k) for k in keys], base=2)
        got = js_distance(*_frequent(a), *_frequent(b))
        assert got == pytest.approx(float(expected), abs=1e-9), column
        assert not math.isnan(float(expected))
