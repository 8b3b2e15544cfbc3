"""What recognising a derived frame costs (in-process identity), as ratios.

    python bench/bench_identity.py [--rows 1000000] [--repeat 5] [--check]
    .venv-spark/bin/python bench/bench_identity.py --spark [--rows 100000]

A stage input that is not itself identified is looked up once per call
(`govern.derivation.derived_from`); these lines time that lookup against the bare
operation that derived the frame (the ``govern`` column is the lookup, ``bare`` the
operation), on bench/_common.py's reference frame with one identified source and one
identified stage output alive:

- polars eager, ``with_columns`` (found by shared buffers: absolute, well under 1 ms);
- polars eager, ``sort`` and a scattered ``filter`` (found by rows: ``hash_rows`` of 1,024
  probed rows of the derived frame and of each live identified frame sharing a column
  with it -- one pass over each candidate's shared columns);
- polars eager, ``join`` of the two identified frames (rows of each side);
- polars lazy, ``filter`` of an identified LazyFrame (its plan walked and explained; the
  bare figure is building the plan, which is why the ratio is large and the absolute
  figure is what counts);
- Spark (``--spark``, in .venv-spark): ``filter`` + ``join`` of identified frames (their
  analyzed plans compared), against ``count()`` of the derived frame.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import paired, reference_frame, report

import govern
from govern.derivation import derived_from


def _polars(rows: int, repeat: int) -> bool:
    import polars as pl

    source = govern.source(pl.from_pandas(reference_frame(rows)), "/bench/source.parquet")
    from govern.derivation import mark
    from govern.types import DatasetKind, DatasetRef

    out = source.with_columns(g=pl.col("a") * 2)
    mark(out, DatasetRef("bench", "bench.stage.return", DatasetKind.STAGE_OUTPUT))
    other = source.select("d", h=pl.col("f") + 1)
    mark(other, DatasetRef("bench", "bench.other.return", DatasetKind.STAGE_OUTPUT))
    derived = out.with_columns(z=pl.lit(1))
    figures = paired(lambda: _fresh(derived), lambda: out.with_columns(z=pl.lit(1)), repeat)
    print(f"{'polars with_columns (buffers)':<34} lookup {figures['a'] * 1000:8.2f} ms (absolute)")
    cases: list[tuple[str, Any, float]] = [
        ("polars sort (rows)", lambda: out.sort("a"), 0.5),
        ("polars scattered filter (rows)", lambda: out.filter(pl.col("f") % 2 == 0), 3.0),
        ("polars join (rows, both sides)", lambda: out.join(other, on="d"), 1.0),
    ]
    ok = True
    for name, derive, target in cases:
        derived = derive()
        assert derived_from(derived), name  # the bench times a lookup that finds something
        mark(pl.DataFrame({"x": [1]}), DatasetRef("bench", "x", DatasetKind.SOURCE))
        figures = paired(lambda d=derived: _fresh(d), derive, repeat)
        ok &= report(name, figures, target)
    lazy_source = govern.source(out.lazy(), "/bench/lazy.parquet")
    build = lambda: lazy_source.filter(pl.col("f") > 3).with_columns(y=pl.col("a") + 1)  # noqa: E731
    derived = build()
    assert derived_from(derived)
    figures = paired(lambda: _fresh(derived), build, repeat)
    print(f"{'polars lazy filter (plan)':<34} lookup {figures['a'] * 1000:8.2f} ms (absolute)")
    return ok


def _fresh(frame: Any) -> Any:
    """The lookup itself, not its one-entry cache (a mark clears it)."""
    from govern import derivation

    derivation._marks[0] += 1
    return derived_from(frame)


def _spark(rows: int, repeat: int) -> bool:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    source = govern.source(spark.createDataFrame(reference_frame(rows)), "/bench/source")
    from govern.derivation import mark
    from govern.types import DatasetKind, DatasetRef

    out = source.withColumn("g", F.col("a") * 2)
    mark(out, DatasetRef("bench", "bench.stage.return", DatasetKind.STAGE_OUTPUT))
    other = source.select("d", (F.col("f") + 1).alias("h"))
    mark(other, DatasetRef("bench", "bench.other.return", DatasetKind.STAGE_OUTPUT))
    derived = out.filter(F.col("f") > 3).join(other, "d")
    assert derived_from(derived)
    figures = paired(lambda: _fresh(derived), derived.count, repeat)
    return report("spark filter+join (plans)", figures, 0.5)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--spark", action="store_true", help="the Spark line (in .venv-spark)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    print(f"{args.rows:,} rows x 6 columns, {args.repeat} paired runs")
    ok = _spark(args.rows, args.repeat) if args.spark else _polars(args.rows, args.repeat)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    raise SystemExit(main())
