"""Cost of govern.metrics.profile next to the bare libraries, measured in one run.

    python bench/bench_metrics.py [--rows 1000000] [--repeat 5]

Budget: profile(level="cheap", fingerprint=True) must stay under ~10% of a bare pandera
``schema.validate(df, lazy=True)`` on the same frame (govern's whole overhead: <= 15%).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from govern.metrics import profile


def build_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """float, str, str, unique int, float with NaNs, int."""
    rng = np.random.default_rng(seed)
    score = rng.normal(size=rows)
    score[rng.random(rows) < 0.1] = np.nan
    codes = np.char.add("C", np.char.zfill(rng.integers(0, 10**7, rows).astype(str), 7))
    return pd.DataFrame(
        {
            "amount": rng.normal(size=rows),
            "category": pd.Series(rng.choice(["a", "b", "c", "d"], rows), dtype="str"),
            "code": pd.Series(codes, dtype="str"),
            "id": np.arange(rows),
            "score": score,
            "qty": rng.integers(0, 100, rows),
        }
    )


def pandera_schema() -> pa.DataFrameSchema:
    """Not-null (the default), range, isin, regex and unique checks."""
    return pa.DataFrameSchema(
        {
            "amount": pa.Column(float, pa.Check.in_range(-10, 10)),
            "category": pa.Column(str, pa.Check.isin(["a", "b", "c", "d"])),
            "code": pa.Column(str, pa.Check.str_matches(r"^C\d{7}$")),
            "id": pa.Column(int, unique=True),
            "score": pa.Column(float, pa.Check.in_range(-10, 10), nullable=True),
            "qty": pa.Column(int, pa.Check.in_range(0, 99)),
        }
    )


def median_seconds(func: Callable[[], Any], repeat: int) -> float:
    func()  # warm up: lazy imports, allocator
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def numeric_extrema(table: pyarrow.Table) -> None:
    """What min/max/sum on every numeric column would add to 'cheap' (Arrow kernels)."""
    for column in table.columns:
        if pyarrow.types.is_integer(column.type) or pyarrow.types.is_floating(column.type):
            pc.min_max(column)
            pc.sum(column)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    df = build_frame(args.rows)
    schema = pandera_schema()
    schema.validate(df, lazy=True)  # the frame must be valid: we time checks, not errors
    baseline = median_seconds(lambda: schema.validate(df, lazy=True), args.repeat)

    table = pyarrow.Table.from_pandas(df, preserve_index=False)
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("pa.Table.from_pandas (reference)", lambda: pyarrow.Table.from_pandas(df)),
        ("numeric min/max/sum on it (reference)", lambda: numeric_extrema(table)),
    ]
    for level in ("off", "cheap", "full"):
        for fingerprint in (False, True):
            label = f"profile {level}{' + fingerprint' if fingerprint else ''}"
            cases.append((label, lambda lv=level, fp=fingerprint: profile(df, lv, fingerprint=fp)))
    try:
        import polars as pl
    except ImportError:
        pass
    else:
        polars_df = pl.from_pandas(df)
        cases.append(("polars: profile cheap + fingerprint", lambda: profile(polars_df)))

    print(f"{args.rows:,} rows x {df.shape[1]} columns, median of {args.repeat}")
    print(f"{'':38} {'seconds':>9} {'vs pandera':>10}")
    print(f"{'pandera validate(lazy=True) (baseline)':38} {baseline:9.4f} {1.0:10.1%}")
    for label, func in cases:
        seconds = median_seconds(func, args.repeat)
        print(f"{label:38} {seconds:9.4f} {seconds / baseline:10.1%}")


if __name__ == "__main__":
    main()
