"""Monitoring: what summaries cost, how fast Stable judges, how much the store grows, and
how well Stable detects shifts on generated daily batches. One run prints every figure.

    python bench/bench_monitoring.py [--rows 1000000] [--polars-rows 10000000]
        [--versions 1000] [--days 300] [--repeat 5] [--only cost,stable,store,accuracy]

Targets (issue 15):
(a) the default summary of a 1M x 6 frame costs <= 25% of a bare pandera validate of the
    same frame; Polars at 10M rows is reported the same way;
(b) judging a version with Stable against 1,000 stored versions <= 50 ms;
(c) store growth per version: stated;
(d) accuracy: a few hundred clean daily batches (trend, weekly season, noise), then
    shifts of each kind injected into otherwise clean batches: detection >= 90%, false
    alarms <= 1% of the metric checks run on clean batches.
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _daily import SHIFTS, arrival, batch


def accuracy(days: int, window: int, injections: int, seed: int = 15) -> dict[str, Any]:
    """Detection and false-alarm rates of Stable's metrics on generated batches."""
    from govern.monitoring.frames import summarize_frame
    from govern.monitoring.rules import HistoryPoint, Options, evaluate

    rng = np.random.default_rng(seed)
    frames = [batch(d, rng) for d in range(days)]
    times = [arrival(d, rng) for d in range(days)]
    summaries = [summarize_frame(f) for f in frames]
    points = [HistoryPoint(i, t, s) for i, (t, s) in enumerate(zip(times, summaries, strict=True))]
    opts = Options(min_history=7)
    clean_checks = clean_alarms = 0
    alarms: dict[str, int] = {}
    for day in range(opts.min_history, days):
        history = points[max(0, day - window) : day]
        for result in evaluate(summaries[day], times[day], history, opts):
            if result.ran:
                clean_checks += 1
                if not result.passed:
                    clean_alarms += 1
                    key = f"{result.check}" + (f"[{result.column}]" if result.column else "")
                    alarms[key] = alarms.get(key, 0) + 1
    # shifts go into days after a full window, spread over the rest of the history
    first = window + opts.min_history
    chosen = np.linspace(first, days - 1, injections).round().astype(int)
    detected: dict[str, tuple[int, int]] = {}
    for shift in SHIFTS:
        hits = 0
        for day in chosen:
            shifted = summarize_frame(shift.apply(frames[day], rng))
            history = points[max(0, day - window) : day]
            results = evaluate(shifted, times[day] + shift.late, history, opts)
            hits += any(
                r.ran and not r.passed and shift.detects(r.check, r.column) for r in results
            )
        detected[shift.name] = (hits, len(chosen))
    return {
        "clean_checks": clean_checks,
        "clean_alarms": clean_alarms,
        "alarms": alarms,
        "detected": detected,
    }


def report_accuracy(args: argparse.Namespace) -> bool:
    found = accuracy(args.days, args.window, args.injections)
    total_hits = sum(h for h, _ in found["detected"].values())
    total = sum(n for _, n in found["detected"].values())
    rate = total_hits / total
    false_rate = found["clean_alarms"] / max(found["clean_checks"], 1)
    print(f"\n(d) accuracy: {args.days} clean daily batches,", end=" ")
    print(f"Stable(window={args.window}, min_history=7)")
    for name, (hits, n) in found["detected"].items():
        print(f"    {name:<24} detected {hits:3d} of {n:3d} ({hits / n:6.1%})")
    ok_detect = rate >= 0.90
    ok_false = false_rate <= 0.01
    print(
        f"    detection rate {rate:.1%} ({total_hits}/{total})   target >= 90%  "
        f"{'ok' if ok_detect else 'MISSED'}"
    )
    print(
        f"    false alarms {false_rate:.2%} of {found['clean_checks']:,} metric checks on clean "
        f"batches ({found['clean_alarms']})   target <= 1%  {'ok' if ok_false else 'OVER'}"
    )
    if found["alarms"]:
        worst = sorted(found["alarms"].items(), key=lambda kv: -kv[1])[:6]
        print("    false alarms by check: " + ", ".join(f"{k} {v}" for k, v in worst))
    return ok_detect and ok_false


# --- (a) summary cost ---------------------------------------------------------------------


def report_cost(args: argparse.Namespace) -> bool:
    print("(a) summary cost (level 'sample', the default) vs a bare pandera validate(lazy=True)")
    ok = _pandas_cost(args)
    return _polars_cost(args) and ok


def _pandas_cost(args: argparse.Namespace) -> bool:
    from _common import paired, report
    from bench_metrics import build_frame, pandera_schema

    from govern.monitoring.frames import summarize_frame

    df = build_frame(args.rows)
    schema = pandera_schema()
    schema.validate(df, lazy=True)
    figures = paired(
        lambda: summarize_frame(df), lambda: schema.validate(df, lazy=True), args.repeat
    )
    ok = report(f"pandas {args.rows:,} x 6", figures, 0.25)
    full = paired(lambda: summarize_frame(df, "full"), lambda: schema.validate(df, lazy=True), 2)
    print(f"    (level 'full', every value: ratio {full['ratio']:.2f}; not the default)")
    return ok


def _polars_cost(args: argparse.Namespace) -> bool:
    import polars as pl
    from _common import paired, reference_frame, report
    from bench_polars import schema as polars_schema

    from govern.monitoring.frames import summarize_frame

    frame = pl.from_pandas(reference_frame(args.polars_rows))
    checks = polars_schema()
    checks.validate(frame, lazy=True)
    figures = paired(
        lambda: summarize_frame(frame),
        lambda: checks.validate(frame, lazy=True),
        max(2, args.repeat // 2),
    )
    ok = report(f"polars {args.polars_rows:,} x 6", figures, 0.25)
    lazy = frame.lazy()  # pandera validates a LazyFrame's schema only: the eager one is the bar
    figures = paired(lambda: summarize_frame(lazy), lambda: checks.validate(frame, lazy=True), 2)
    report(f"polars lazy {args.polars_rows:,} x 6 (vs eager)", figures, 0.25)
    return ok


# --- (b) Stable against 1,000 stored versions, (c) store growth ----------------------------


def _schema() -> Any:
    import pandera.pandas as pa

    return pa.DataFrameSchema({"amount": pa.Column(float), "id": pa.Column(int)})


_SCHEMA = _schema()


_TEMP: list[Path] = []  # stores to remove at exit


def _daily_store(versions: int, summaries: str) -> tuple[Path, float]:
    """A store with ``versions`` versions of one dataset; its size per version (bytes)."""
    import govern
    from govern.recording import close_stores

    root = Path(tempfile.mkdtemp(prefix="bench-monitoring-"))
    _TEMP.append(root)
    store = root / "govern.db"
    govern.configure(store=str(store), summaries=summaries, namespace="bench")

    @govern.stage(name="load", outputs=_SCHEMA)
    def load(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    rng = np.random.default_rng(1)
    with govern.run("daily"):
        load(batch(0, rng))
    close_stores()
    base = _size(root)
    with govern.run("daily"):
        for day in range(1, versions + 1):
            load(batch(day, rng, base_rows=1000))
    close_stores()
    return store, (_size(root) - base) / versions


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def report_stable(args: argparse.Namespace) -> bool:
    import govern

    print(f"\n(b) Stable on a store of {args.versions:,} versions of one dataset (6 columns)")
    started = time.perf_counter()
    store_path, per_version = _daily_store(args.versions, "sample")
    built = time.perf_counter() - started
    frame = batch(args.versions + 1, np.random.default_rng(2), base_rows=1000)
    ok = True
    for window in sorted({30, args.versions}):
        ok &= _judge(store_path, frame, window, args.repeat if window <= 100 else 2)
    print(f"    (store of {args.versions:,} versions built in {built:.0f} s)")
    print("\n(c) store growth per version (6 columns, ~1,000 rows a version)")
    _, without = _daily_store(min(args.versions, 300), "off")
    print(
        f"    with summaries {per_version / 1024:6.1f} KiB/version, without "
        f"{without / 1024:6.1f} KiB/version: the summary adds {(per_version - without) / 1024:.1f} "
        f"KiB/version ({args.versions:,} versions: {per_version * args.versions / 2**20:.1f} MiB)"
    )
    govern.configure()
    return ok


def _judge(store_path: Path, frame: pd.DataFrame, window: int, repeat: int) -> bool:
    """Read the last ``window`` summaries and judge a version against them; a gated call."""
    import warnings

    from _common import paired

    import govern
    from govern.monitoring.frames import summarize_frame
    from govern.monitoring.rules import History, Options, evaluate
    from govern.recording import close_stores
    from govern.store import open_store

    current = summarize_frame(frame)
    opts = Options(min_history=7)

    def history() -> History:  # what the gate reads: the index's packed numbers
        with open_store(str(store_path)) as store:
            found = store.dataset_series("daily.load.return", "bench", limit=window)
        return History.from_series(found)

    points = history()
    assert len(points) == window, len(points)
    judged = statistics.median(
        [_timed(lambda: evaluate(current, time.time(), history(), opts)) for _ in range(repeat)]
    )
    only = statistics.median(
        [_timed(lambda: evaluate(current, time.time(), points, opts)) for _ in range(repeat)]
    )
    stable = govern.Gate(govern.Stable(window=window, min_history=7), severity="warn")

    @govern.stage(name="load", outputs=[_SCHEMA, stable])
    def watched(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    @govern.stage(name="load", outputs=_SCHEMA)
    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    def call(stage: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[], None]:
        def go() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with govern.run("daily"):
                    stage(frame)

        return go

    figures = paired(call(watched), call(plain), repeat)
    close_stores()
    ok = judged <= 0.050
    print(
        f"    Stable(window={window}): read {window:,} summaries + judge {judged * 1000:8.1f} ms "
        f"(judging alone {only * 1000:.1f} ms)   target <= 50 ms  {'ok' if ok else 'OVER'}"
    )
    print(
        f"      a stage call with the gate vs without: {figures['a'] * 1000:.1f} ms vs "
        f"{figures['b'] * 1000:.1f} ms (+{(figures['a'] - figures['b']) * 1000:.1f} ms, "
        "includes summarising the frame)"
    )
    return ok


def _timed(func: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    func()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--polars-rows", type=int, default=10_000_000)
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--days", type=int, default=300)
    parser.add_argument("--window", type=int, default=30)
    parser.add_argument("--injections", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="cost,stable,store,accuracy")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    ok = True
    atexit.register(lambda: [shutil.rmtree(p, ignore_errors=True) for p in _TEMP])
    if "cost" in parts:
        ok &= report_cost(args)
    if "stable" in parts or "store" in parts:
        ok &= report_stable(args)
    if "accuracy" in parts:
        ok &= report_accuracy(args)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
