"""Stage records per second into a SQLite store, hash chain on (target: >= 1,000/s).

Each record is a realistic stage call: 6 check results (one failing, with a sample), two
dataset versions with column metrics, timings, params and metrics -- one transaction per
record_stage, as the runtime does. Also times ``verify`` over the records written.

For scale, each repeat also times the bare floor: the same record's JSON appended with the
sqlite3 module to a one-table log, one transaction each, with the store's pragmas (WAL,
synchronous=NORMAL) -- no hash chain, no index tables, no retries.

    python bench/bench_store.py [--n 2000] [--repeat 3] [--keyed]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from govern.store import open_store
from govern.store.codec import encode_stage
from govern.types import (
    CheckResult,
    DatasetKind,
    DatasetRef,
    DatasetVersion,
    FailureCase,
    OnFail,
    RunInfo,
    RunStatus,
    Severity,
    StageResult,
    Status,
)

COLUMNS = ("species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "sex")


def _dataset(name: str, role: str) -> DatasetVersion:
    return DatasetVersion(
        ref=DatasetRef("file:///data/penguins", name, DatasetKind.SOURCE),
        role=role,
        parameter="df" if role == "input" else "return",
        fingerprint="xxh3:9f8e7d6c5b4a3921",
        row_count=344,
        schema=tuple((c, "float64") for c in COLUMNS),
        metrics={
            "rowCount": 344,
            "bytes": 27_520,
            "columnMetrics": {
                c: {"nullCount": 2, "min": 32.1, "max": 59.6, "sum": 15021.3} for c in COLUMNS
            },
        },
    )


def _checks() -> tuple[CheckResult, ...]:
    checks = [
        CheckResult(
            dataset="raw",
            check=f"in_range(0, {100 + i})",
            column=COLUMNS[i],
            severity=Severity.ERROR,
            passed=True,
            failed_count=0,
            backend="pandera",
            checked_count=344,
        )
        for i in range(5)
    ]
    checks.append(
        CheckResult(
            dataset="raw",
            check="not_nullable",
            column="sex",
            severity=Severity.WARN,
            passed=False,
            failed_count=11,
            sample=(FailureCase("3", "nan"), FailureCase("8", "nan"), FailureCase("9", "nan")),
            backend="pandera",
            checked_count=344,
            message="11 null values",
        )
    )
    return tuple(checks)


def stage_result(run_id: str) -> StageResult:
    """One realistic stage call's result."""
    started = datetime.now(UTC)
    return StageResult(
        stage="clean",
        run_id=run_id,
        stage_run_id=uuid.uuid4().hex,
        status=Status.WARNED,
        on_fail=OnFail.RAISE,
        started_at=started,
        ended_at=started + timedelta(milliseconds=12),
        checks=_checks(),
        datasets=(_dataset("raw", "input"), _dataset("clean", "output")),
        timings={"input_gates": 0.004, "call": 0.002, "output_gates": 0.004, "metrics": 0.001},
        row_counts={"raw": 344, "clean": 333},
        params={"drop_na": True, "threshold": 0.5},
        metrics={"dropped": 11},
    )


def once(n: int, key: str) -> tuple[float, float]:
    """Records/s of ``n`` record_stage calls, and seconds to verify them."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_store(str(Path(tmp) / "govern.db"), signing_key=key) as store,
    ):
        run = RunInfo(
            id=uuid.uuid4().hex,
            name="bench",
            namespace="bench",
            status=RunStatus.RUNNING,
            started_at=datetime.now(UTC),
            pid=os.getpid(),
            host=socket.gethostname(),
        )
        store.begin_run(run)
        results = [stage_result(run.id) for _ in range(n)]
        store.record_stage(results[0])  # warm up caches and compiled statements
        started = time.perf_counter()
        for result in results[1:]:
            store.record_stage(result)
        rate = (n - 1) / (time.perf_counter() - started)
        started = time.perf_counter()
        report = store.verify()
        verify_s = time.perf_counter() - started
        assert report.ok, report.message
    return rate, verify_s


def bare(n: int) -> float:
    """Records/s of the same stage records as JSON in a one-table SQLite log."""
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "log.db", isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, body TEXT)")
        results = [stage_result(uuid.uuid4().hex) for _ in range(n)]
        started = time.perf_counter()
        for result in results:
            body = json.dumps(encode_stage(result), sort_keys=True)
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO log (id, body) VALUES (?, ?)", (result.stage_run_id, body))
            db.execute("COMMIT")
        rate = n / (time.perf_counter() - started)
        db.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keyed", action="store_true", help="HMAC-keyed chain")
    args = parser.parse_args()
    key = "bench-signing-key" if args.keyed else ""
    runs, floor = [], []
    for _ in range(args.repeat):  # alternated, so drift in the machine's speed hits both
        runs.append(once(args.n, key))
        floor.append(bare(args.n))
    rates = [r for r, _ in runs]
    ratios = [b / g for (g, _), b in zip(runs, floor, strict=True)]
    chain = "HMAC-SHA256" if args.keyed else "SHA-256"
    print(
        f"record_stage on SQLite ({chain} chain, 6 checks + 2 datasets per record, "
        f"N={args.n}, {args.repeat} runs): median {statistics.median(rates):,.0f} records/s "
        f"(min {min(rates):,.0f}, max {max(rates):,.0f}); target >= 1,000/s"
    )
    print(
        f"bare sqlite3 JSON log of the same records: median {statistics.median(floor):,.0f}/s; "
        f"time per record govern/bare = {statistics.median(ratios):.2f} "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f})"
    )
    verify_s = statistics.median(v for _, v in runs)
    print(f"verify of {args.n + 1} records: {verify_s:.2f} s ({(args.n + 1) / verify_s:,.0f}/s)")


if __name__ == "__main__":
    main()
