"""Stage records per second into a SQLite store, hash chain on (target: >= 1,000/s).

Each record is a realistic stage call: 6 check results (one failing, with a sample), two
dataset versions with column metrics, timings, params and metrics -- one transaction per
record_stage, as the runtime does. Also times ``verify`` over the records written.

For scale, each repeat also times the bare floor: the same record's JSON appended with the
sqlite3 module to a one-table log, one transaction each, with the store's pragmas (WAL,
synchronous=NORMAL) -- no hash chain, no index tables, no retries.

With ``--signing all`` it alternates the three ways a chain can be protected -- plain
SHA-256, HMAC-SHA256 (``GOVERN_SIGNING_KEY``) and Ed25519 signatures of each record
(``GOVERN_SIGNING_KEY_FILE``) -- and prints each one's records/s and its cost per record
against plain.

    python bench/bench_store.py [--n 2000] [--repeat 3] [--signing plain|hmac|ed25519|all]
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

from govern.store import Store, open_store
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


def _key_file(directory: Path) -> tuple[str, bytes]:
    """A fresh Ed25519 private key as a PEM file; its path and raw public key."""
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    path = directory / "signing.pem"
    path.write_bytes(
        key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    )
    return str(path), key.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)


def once(n: int, mode: str) -> tuple[float, float]:
    """Records/s of ``n`` record_stage calls, and seconds to verify them."""
    with tempfile.TemporaryDirectory() as tmp:
        key_file, public = _key_file(Path(tmp)) if mode == "ed25519" else ("", b"")
        hmac_key = "bench-signing-key" if mode == "hmac" else ""
        with open_store(
            str(Path(tmp) / "govern.db"), signing_key=hmac_key, signing_key_file=key_file
        ) as store:
            return _measure(store, n, [public] if public else None)


def _measure(store: Store, n: int, public_keys: list[bytes] | None) -> tuple[float, float]:
    """Records/s of ``n`` record_stage calls into ``store``, and seconds to verify them."""
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
    report = store.verify(public_keys=public_keys)
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


def crypto_costs(directory: Path, n: int = 5000) -> str:
    """Microseconds per record of the hashing and signing alone (no I/O)."""
    from govern.store.signing import Signer, signature_valid

    body = json.dumps(encode_stage(stage_result(uuid.uuid4().hex)), sort_keys=True)
    key_file, public = _key_file(directory)
    signers = {
        "sha256": Signer.create(None, None),
        "hmac": Signer.create("bench-signing-key", None),
        "ed25519": Signer.create(None, key_file),
    }
    costs: dict[str, float] = {}
    for name, signer in signers.items():
        started = time.perf_counter()
        for _ in range(n):
            digest = signer.record_hash("0" * 64, body)
            if name == "ed25519":
                signature = signer.sign_record(digest)
        costs[name] = (time.perf_counter() - started) / n * 1e6
    started = time.perf_counter()
    for _ in range(n):
        signature_valid(public, digest.encode(), signature, record=True)
    check = (time.perf_counter() - started) / n * 1e6
    return (
        f"per record, CPU only ({len(body):,} byte record): SHA-256 {costs['sha256']:.1f} us, "
        f"HMAC-SHA256 {costs['hmac']:.1f} us, SHA-256 + Ed25519 sign {costs['ed25519']:.1f} us; "
        f"Ed25519 verify {check:.1f} us"
    )


_CHAINS = {"plain": "SHA-256", "hmac": "HMAC-SHA256", "ed25519": "SHA-256 + Ed25519-signed"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keyed", action="store_true", help="same as --signing hmac")
    parser.add_argument("--signing", choices=[*_CHAINS, "all"], default="plain")
    args = parser.parse_args()
    modes = list(_CHAINS) if args.signing == "all" else ["hmac" if args.keyed else args.signing]
    runs: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
    floor: list[float] = []
    for _ in range(args.repeat):  # alternated, so drift in the machine's speed hits all
        for mode in modes:
            runs[mode].append(once(args.n, mode))
        floor.append(bare(args.n))
    plain_s = None
    for mode in modes:
        rates = [r for r, _ in runs[mode]]
        ratios = [b / g for (g, _), b in zip(runs[mode], floor, strict=True)]
        print(
            f"record_stage on SQLite ({_CHAINS[mode]} chain, 6 checks + 2 datasets per "
            f"record, N={args.n}, {args.repeat} runs): median "
            f"{statistics.median(rates):,.0f} records/s (min {min(rates):,.0f}, max "
            f"{max(rates):,.0f}); target >= 1,000/s; time per record govern/bare = "
            f"{statistics.median(ratios):.2f}"
        )
        per_record = 1 / statistics.median(rates)
        if mode == "plain":
            plain_s = per_record
        elif plain_s is not None:
            print(
                f"  {mode}: {(per_record - plain_s) * 1e6:+,.0f} us per record against "
                f"plain ({per_record / plain_s:.2f}x)"
            )
        verify_s = statistics.median(v for _, v in runs[mode])
        print(
            f"  verify of {args.n + 1} records: {verify_s:.2f} s ({(args.n + 1) / verify_s:,.0f}/s)"
        )
    print(f"bare sqlite3 JSON log of the same records: median {statistics.median(floor):,.0f}/s")
    if "ed25519" in modes:
        with tempfile.TemporaryDirectory() as tmp:
            print(crypto_costs(Path(tmp)))


if __name__ == "__main__":
    main()
