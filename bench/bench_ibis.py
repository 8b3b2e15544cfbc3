"""govern's Ibis engine on DuckDB vs bare pandera.ibis, in one run, as ratios.

    python bench/bench_ibis.py [--rows 10000000] [--repeat 3] [--check]

A rows x 6 table generated inside DuckDB (a float, two strings, an int key, a float
with 5% NULLs, a small int: bench/_common.py's reference frame, in SQL), in a database
file, with range, isin, regex, not-null and comparison checks:

- gate: a governed stage gating its input table (in a run, recorded in a SQLite store):
  every check in one aggregate query, plus the profile a gated input gets (``cheap``
  metrics and the content version, one more aggregate query) / bare
  ``schema.validate(table, lazy=True)``. Target <= 1.15.
- scans: SQL statements DuckDB executes per gated call (govern) and per bare validate.
  Goal <= 2 for govern.
- memory: peak RSS of a fresh process gating the table at --small-rows and at --rows.
- quarantine: 1% of rows failing one check; a governed stage (``on_fail="quarantine"``)
  profiles and validates its input, and writes the rejected rows to a DuckDB table
  (valid rows go on as an expression; the engine does not re-validate them:
  ``revalidates`` is False, pandera.ibis coerces nothing) / bare
  ``validate`` of the same table (which raises, pulling failure cases and the check
  outputs into pandas). Target <= 1.5.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import paired, report

GENERATE = """
CREATE OR REPLACE TABLE {name} AS
SELECT
    random() * 100 AS a,
    ['x', 'y', 'z'][1 + (i % 3)::INTEGER] AS b,
    ['ab1', 'cd2', 'ef3'][1 + ((i * 7) % 3)::INTEGER] AS c,
    i AS d,
    CASE WHEN random() < 0.05 THEN NULL ELSE random() - 0.5 END AS e,
    (i % 10) AS f
FROM range({rows}) t(i)
"""


def schema() -> Any:
    import pandera.ibis as pa

    return pa.DataFrameSchema(
        {
            "a": pa.Column(float, pa.Check.in_range(0, 100)),
            "b": pa.Column(str, pa.Check.isin(["x", "y", "z"])),
            "c": pa.Column(str, pa.Check.str_matches(r"^[a-z]+\d$")),
            "d": pa.Column(int, pa.Check.ge(0)),
            "e": pa.Column(float, nullable=True),
            "f": pa.Column(int, pa.Check.in_range(0, 9)),
        }
    )


def make(path: Path, rows: int) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute(GENERATE.format(name="good", rows=rows))
    con.execute(GENERATE.format(name="bad", rows=rows))
    con.execute("UPDATE bad SET f = 10 WHERE d % 100 = 0")  # 1% fail in_range(0, 9)
    con.close()


class Counter:
    """SQL statements sent to DuckDB through Ibis (every execution path compiles here)."""

    def __init__(self) -> None:
        import ibis.backends.duckdb as backend

        self.count = 0
        original = backend.Backend._to_duckdb_relation
        outer = self

        def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            outer.count += 1
            return original(self, *args, **kwargs)

        backend.Backend._to_duckdb_relation = counted


def gate(engine: Any, prepared: Any, table: Any) -> Any:
    done = engine.run_pandera(prepared, table, want_index=False, sample_size=5)
    engine.profile(table, "cheap", True)
    return done


def staged(declared: Any) -> Any:
    """A governed stage gating its input: what a pipeline pays (record included)."""
    import govern

    @govern.stage(inputs={"table": declared})
    def use(table: Any) -> int:
        return 1

    def call(table: Any) -> None:
        with govern.run("bench-ibis"):
            use(table)

    return call


def bare(schema: Any, table: Any) -> None:
    import pandera.ibis as pa

    with contextlib.suppress(pa.errors.SchemaErrors):
        schema.validate(table, lazy=True)


def quarantining(declared: Any) -> Any:
    """A governed stage quarantining its input's failing rows (to a DuckDB table)."""
    import govern

    @govern.stage(inputs={"table": declared}, on_fail="quarantine")
    def use(table: Any) -> Any:
        return table

    def call(table: Any) -> None:
        with govern.run("bench-ibis-quarantine") as run:
            use(table)
        assert run.stages[-1].quarantine[0].rows > 0

    return call


def child(path: str, rows: int) -> None:
    """Gate the table once in this process; print peak RSS (MiB) as JSON."""
    import ibis

    from govern.checks.pandera_schema import prepare
    from govern.engines import engine_for

    con = ibis.duckdb.connect(path, read_only=True)
    table = con.table("good")
    engine = engine_for(table)
    done = gate(engine, prepare(schema()).schema, table)
    assert done.failures == [], done.failures
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "rss_mib": peak}))


def rss(rows: int, workdir: Path) -> float:
    path = workdir / f"rss-{rows}.duckdb"
    make(path, rows)
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--rows", str(rows)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["rss_mib"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--small-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows)
        return 0

    import ibis

    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        import govern

        govern.configure(store=str(workdir / "govern.db"), quarantine_dir=str(workdir / "q"))
        path = workdir / "bench.duckdb"
        make(path, args.rows)
        con = ibis.duckdb.connect(str(path))
        good, bad = con.table("good"), con.table("bad")
        declared = schema()
        print(f"DuckDB {args.rows:,} rows x 6 columns")

        stage = staged(declared)
        figures = paired(lambda: stage(good), lambda: bare(declared, good), args.repeat)
        ok &= report("stage gate + cheap metrics / bare pandera.ibis validate", figures, 1.15)

        counter = Counter()
        stage(good)
        mine = counter.count
        counter.count = 0
        bare(declared, good)
        theirs = counter.count
        print(
            f"SQL statements per call: govern gate + profile {mine} (goal <= 2), "
            f"bare validate {theirs}"
        )
        ok &= mine <= 2

        quarantine = quarantining(declared)
        figures = paired(lambda: quarantine(bad), lambda: bare(declared, bad), args.repeat)
        ok &= report("quarantine 1% bad rows / bare pandera.ibis validate", figures, 1.5)
        con.disconnect()

        small, large = rss(args.small_rows, workdir), rss(args.rows, workdir)
        print(
            f"peak RSS of a process gating the table: {small:.0f} MiB at {args.small_rows:,} "
            f"rows, {large:.0f} MiB at {args.rows:,} rows (ratio {large / small:.2f})"
        )
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
