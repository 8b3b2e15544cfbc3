"""govern gates vs the bare libraries, in one run, as ratios.

    python bench/bench_gates.py [--rows 1000000] [--repeat 7] [--only pandera|gx]

On a rows x 6 frame with not-null, range, isin, regex and unique checks:
- govern + pandera gate (metrics "cheap", fingerprint and the audit record included)
  / bare ``schema.validate(df, lazy=True)``: target <= 1.15
- govern + GX gate / bare ``ValidationDefinition.run``: target <= 1.10
- the share of a 1M-row gated stage call spent writing its audit record
  (``Store.record_stage``, hash chain included): target <= 5%
Both sides see the same frame; each govern call is one stage call inside a pipeline run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd
from _common import paired, reference_frame, report

import govern


def pandera_case(df: pd.DataFrame, repeat: int) -> bool:
    import pandera.pandas as pa

    schema = pa.DataFrameSchema(
        {
            "a": pa.Column(float, pa.Check.in_range(0, 100), nullable=False),
            "b": pa.Column(str, pa.Check.isin(["x", "y", "z"])),
            "c": pa.Column(str, pa.Check.str_matches(r"^[a-z]+\d$")),
            "d": pa.Column(int, unique=True),
            "e": pa.Column(float, nullable=True),
            "f": pa.Column(int, pa.Check.ge(0)),
        }
    )

    @govern.stage(inputs={"df": schema})
    def gated(df: pd.DataFrame) -> int:
        return len(df)

    with govern.run("bench-pandera") as run:
        figures = paired(lambda: gated(df), lambda: schema.validate(df, lazy=True), repeat)
        ok = report("pandera gate (1 stage call)", figures, 1.15)
        ok &= recording_share(run.stages[-1], figures["a"], repeat)
    return ok


def recording_share(result: govern.StageResult, stage_seconds: float, repeat: int) -> bool:
    """Time writing one more copy of a real stage record, against the whole stage call."""
    import dataclasses
    import statistics
    import time

    from govern.ids import uuid7
    from govern.store import open_store

    with open_store() as store:
        times = []
        for _ in range(max(repeat, 20)):
            copy = dataclasses.replace(result, stage_run_id=uuid7())
            start = time.perf_counter()
            store.record_stage(copy)
            times.append(time.perf_counter() - start)
    record = statistics.median(times)
    share = record / stage_seconds
    ok = share <= 0.05
    print(
        f"{'recording share of the stage call':<34} record {record * 1000:6.2f} ms"
        f" of {stage_seconds * 1000:.1f} ms = {share:.1%}   target <= 5%  {'ok' if ok else 'OVER'}"
    )
    return ok


def gx_case(df: pd.DataFrame, repeat: int) -> bool:
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    def suite(name: str) -> Any:
        s = gx.ExpectationSuite(name=name)
        s.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="a"))
        s.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="a", min_value=0, max_value=100))
        s.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="b", value_set=["x", "y", "z"]))
        s.add_expectation(gxe.ExpectColumnValuesToMatchRegex(column="c", regex=r"^[a-z]+\d$"))
        s.add_expectation(gxe.ExpectColumnValuesToBeUnique(column="d"))
        return s

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        ctx.data_sources.add_pandas("bare")
        .add_dataframe_asset("frame")
        .add_batch_definition_whole_dataframe("all")
    )
    bare = ctx.validation_definitions.add(
        gx.ValidationDefinition(name="bare", data=batch, suite=ctx.suites.add(suite("bare")))
    )

    @govern.stage(inputs={"df": suite("governed")})
    def gated(df: pd.DataFrame) -> int:
        return len(df)

    with govern.run("bench-gx"):
        figures = paired(
            lambda: gated(df), lambda: bare.run(batch_parameters={"dataframe": df}), repeat
        )
    return report("GX gate (1 stage call)", figures, 1.10)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", choices=["pandera", "gx"])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a ratio is over its target"
    )
    args = parser.parse_args()
    df = reference_frame(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        govern.configure(store=str(Path(tmp) / "govern.db"), quarantine_dir=str(Path(tmp) / "q"))
        print(
            f"{args.rows:,} rows x 6 columns, {args.repeat} paired runs, "
            "metrics=cheap, fingerprint on"
        )
        ok = True
        if args.only in (None, "pandera"):
            ok &= pandera_case(df, args.repeat)
        if args.only in (None, "gx"):
            ok &= gx_case(df, args.repeat)
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
