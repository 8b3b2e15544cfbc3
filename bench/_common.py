"""Shared helpers of the benchmark scripts: the reference frame and paired timing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


def reference_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """rows x 6 columns: float, two strings, a unique int, a float with NaNs, an int."""
    rng = np.random.default_rng(seed)
    e = rng.normal(size=rows)
    e[rng.random(rows) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "a": rng.uniform(0, 100, rows),
            "b": rng.choice(["x", "y", "z"], rows),
            "c": rng.choice(["ab1", "cd2", "ef3"], rows),
            "d": np.arange(rows),
            "e": e,
            "f": rng.integers(0, 10, rows),
        }
    )


def paired(
    a: Callable[[], Any], b: Callable[[], Any], repeat: int, warmup: int = 1
) -> dict[str, float]:
    """Time a and b alternately (after ``warmup`` runs each); medians and the median of
    pairwise ratios a/b, which holds when the machine's speed drifts."""
    for _ in range(warmup):
        a()
        b()
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        a()
        ta.append(time.perf_counter() - start)
        start = time.perf_counter()
        b()
        tb.append(time.perf_counter() - start)
    ratios = [x / y for x, y in zip(ta, tb, strict=True)]
    return {
        "a": statistics.median(ta),
        "b": statistics.median(tb),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
    }


def report(name: str, figures: dict[str, float], target: float) -> bool:
    ok = figures["ratio"] <= target
    print(
        f"{name:<34} govern {figures['a'] * 1000:8.1f} ms   bare {figures['b'] * 1000:8.1f} ms   "
        f"ratio {figures['ratio']:.3f} "
        f"(min {figures['ratio_min']:.3f}, max {figures['ratio_max']:.3f})"
        f"   target <= {target:.2f}  {'ok' if ok else 'OVER'}"
    )
    return ok
