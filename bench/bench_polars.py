"""govern + polars gates vs bare pandera-polars, in one run, as ratios.

    python bench/bench_polars.py [--rows 10000000] [--repeat 5] [--check]

On a rows x 6 polars frame (bench/_common.py's reference frame) with not-null, range,
isin, regex and unique checks:
- eager DataFrame: govern gate (one stage call in a pipeline run: metrics "cheap",
  fingerprint and the audit record included) / bare ``schema.validate(df, lazy=True)``.
- LazyFrame: govern gate / bare ``schema.validate(lf, lazy=True)`` under
  ``validation_depth=SCHEMA_AND_DATA`` (pandera's default for a LazyFrame checks only the
  schema, which would time nothing). govern adds one ``select`` of aggregates (metrics
  and fingerprint) to pandera's per-check queries.
Target for both: <= 1.15.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import polars as pl
from _common import paired, reference_frame, report

import govern


def schema() -> Any:
    import pandera.polars as pa

    return pa.DataFrameSchema(
        {
            "a": pa.Column(float, pa.Check.in_range(0, 100), nullable=False),
            "b": pa.Column(str, pa.Check.isin(["x", "y", "z"])),
            "c": pa.Column(str, pa.Check.str_matches(r"^[a-z]+\d$")),
            "d": pa.Column(int, unique=True),
            "e": pa.Column(float, nullable=True),
            "f": pa.Column(int, pa.Check.ge(0)),
        }
    )


def eager_case(df: pl.DataFrame, repeat: int) -> bool:
    gate = schema()

    @govern.stage(inputs={"df": gate})
    def gated(df: pl.DataFrame) -> int:
        return df.height

    with govern.run("bench-polars"):
        figures = paired(lambda: gated(df), lambda: gate.validate(df, lazy=True), repeat)
    return report("polars DataFrame gate", figures, 1.15)


def lazy_case(df: pl.DataFrame, repeat: int) -> bool:
    from pandera.config import ValidationDepth, config_context

    gate = schema()
    lf = df.lazy()

    @govern.stage(inputs={"df": gate})
    def gated(df: pl.LazyFrame) -> int:
        return 1

    def bare() -> Any:
        with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            return gate.validate(lf, lazy=True)

    with govern.run("bench-polars-lazy"):
        figures = paired(lambda: gated(lf), bare, repeat)
    return report("polars LazyFrame gate", figures, 1.15)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=["eager", "lazy"])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a ratio is over its target"
    )
    args = parser.parse_args()
    df = pl.from_pandas(reference_frame(args.rows))
    with tempfile.TemporaryDirectory() as tmp:
        govern.configure(store=str(Path(tmp) / "govern.db"), quarantine_dir=str(Path(tmp) / "q"))
        print(
            f"{args.rows:,} rows x 6 columns, polars {pl.__version__}, {args.repeat} paired runs, "
            "metrics=cheap, fingerprint on"
        )
        ok = True
        if args.only in (None, "eager"):
            ok &= eager_case(df, args.repeat)
        if args.only in (None, "lazy"):
            ok &= lazy_case(df, args.repeat)
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
