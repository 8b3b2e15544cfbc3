"""``govern check`` over a store holding 10,000 runs (target: <= 2 s, as a process).

The store is filled through the store API (``begin_run`` / ``record_stage`` /
``end_run``): N runs spread over P pipelines, each run with a gated cleaning stage that
quarantines a few rows and a training stage that records a model version with metrics,
slices and a card -- what the policy packs judge. Then, in one session, the bench times
as processes, alternately:

- ``govern check --policies policies/`` (this repository's packs; the latest run of each
  pipeline is judged, freshness reads each pipeline's history, the verdicts are
  recorded), and
- ``govern runs --limit 1`` (the CLI's floor: interpreter, imports, opening the store),

and prints the medians and the median ratio check / floor; then the same for
``govern check --lint`` (the pre-commit hook: the policy files alone, no store).

    python bench/bench_check.py [--runs 10000] [--pipelines 10] [--repeat 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import paired

from govern.ids import uuid7
from govern.store import open_store
from govern.types import (
    CheckResult,
    DatasetKind,
    DatasetRef,
    DatasetVersion,
    ModelVersion,
    OnFail,
    QuarantineRecord,
    RunInfo,
    RunStatus,
    Severity,
    StageResult,
    Status,
)

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 2.0
CARD = {
    "description": "Synthetic model.",
    "owners": [{"name": "bench"}],
    "license": "apache-2.0",
    "intended_use": "Benchmarks.",
    "out_of_scope_uses": "Anything else.",
    "limitations": "Synthetic.",
    "ethical_considerations": "None.",
}


def _checks(dataset: str, failing: int) -> tuple[CheckResult, ...]:
    return tuple(
        CheckResult(
            dataset=dataset,
            check=f"in_range(0, {100 + i})",
            column=f"c{i}",
            severity=Severity.ERROR,
            passed=not (failing and i == 0),
            failed_count=failing if i == 0 else 0,
            backend="pandera",
            checked_count=344,
        )
        for i in range(6)
    )


def _version(ref: DatasetRef, role: str, rows: int) -> DatasetVersion:
    return DatasetVersion(
        ref=ref,
        role=role,
        parameter="raw" if role == "input" else "return",
        fingerprint="xxh3:9f8e7d6c5b4a3921",
        row_count=rows,
        schema=(("c0", "float64"), ("c1", "float64")),
        metrics={"rowCount": rows},
    )


def fill(url: str, runs: int, pipelines: int) -> None:
    """Record ``runs`` runs of ``pipelines`` pipelines through the store API."""
    started = datetime.now(UTC) - timedelta(hours=1)
    host = socket.gethostname()
    with open_store(url, signing_key="") as store:
        for n in range(runs):
            name = f"pipeline-{n % pipelines}"
            at = started + timedelta(milliseconds=n)
            run = RunInfo(uuid7(), name, "bench", RunStatus.RUNNING, at, pid=1, host=host)
            store.begin_run(run)
            source = DatasetRef("file", f"/data/{name}.csv", DatasetKind.SOURCE)
            clean = DatasetRef("bench", f"{name}.clean.return", DatasetKind.STAGE_OUTPUT)
            store.record_stage(
                StageResult(
                    stage="clean",
                    run_id=run.id,
                    stage_run_id=uuid7(),
                    status=Status.QUARANTINED,
                    on_fail=OnFail.QUARANTINE,
                    started_at=at,
                    ended_at=at,
                    checks=_checks(source.name, 0) + _checks(clean.name, 5),
                    quarantine=(QuarantineRecord(clean.name, 5, "/q/x.parquet"),),
                    datasets=(_version(source, "input", 344), _version(clean, "output", 339)),
                )
            )
            stage_run = uuid7()
            training = (_version(clean, "input", 339),)
            store.record_stage(
                StageResult(
                    stage="train",
                    run_id=run.id,
                    stage_run_id=stage_run,
                    status=Status.PASSED,
                    on_fail=OnFail.RAISE,
                    started_at=at,
                    ended_at=at,
                    checks=_checks(clean.name, 0),
                    datasets=training,
                    model=ModelVersion(
                        name=f"model-{n % pipelines}",
                        version=0,
                        framework="sklearn",
                        model_class="sklearn.linear_model.LogisticRegression",
                        hyperparameters={"C": 1.0},
                        artifact_fingerprint="sha256:00",
                        input_signature=(("c0", "float64"),),
                        training_datasets=training,
                        metrics={"accuracy": 0.97, "f1_macro": 0.96},
                        slices={
                            "a": {"accuracy": 0.96, "support": 40},
                            "b": {"accuracy": 0.98, "support": 40},
                        },
                        card=CARD,
                        run_id=run.id,
                        stage_run_id=stage_run,
                        created_at=at,
                    ),
                )
            )
            store.end_run(run.id, RunStatus.COMPLETED, at)


def _command(*args: str, store: str) -> list[str]:
    return [sys.executable, "-m", "govern", *args, "--store", store]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--pipelines", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="reuse/keep the store in this directory")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="govern-bench-check-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = str(folder / "govern.db")
    try:
        if not Path(url).exists():
            began = time.perf_counter()
            fill(url, args.runs, args.pipelines)
            print(
                f"filled {url}: {args.runs} runs x 2 stages of {args.pipelines} pipelines in "
                f"{time.perf_counter() - began:.1f} s"
            )
        env = {**os.environ, "GOVERN_STORE": url}
        # as CI runs it: the verdicts are recorded (one policy_evaluation per run judged)
        check = _command("check", "--policies", str(ROOT / "policies"), store=url)
        floor = _command("runs", "--limit", "1", store=url)
        done = subprocess.run(check, capture_output=True, text=True, env=env, check=False)
        print(done.stdout.strip().splitlines()[-1])
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        figures = paired(
            lambda: subprocess.run(check, capture_output=True, env=env, check=True),
            lambda: subprocess.run(floor, capture_output=True, env=env, check=True),
            repeat=args.repeat,
        )
        ok = figures["a"] <= TARGET_SECONDS
        print(
            f"govern check over {args.runs} runs: median {figures['a']:.2f} s "
            f"(target <= {TARGET_SECONDS:.1f} s) {'ok' if ok else 'OVER'}; "
            f"CLI floor (govern runs --limit 1) {figures['b']:.2f} s; "
            f"ratio check/floor {figures['ratio']:.2f} "
            f"(min {figures['ratio_min']:.2f}, max {figures['ratio_max']:.2f})"
        )
        # what the pre-commit hook runs: the policy files alone, no store
        lint = [
            sys.executable,
            "-m",
            "govern",
            "check",
            "--lint",
            "--policies",
            str(ROOT / "policies"),
        ]
        linted = paired(
            lambda: subprocess.run(lint, capture_output=True, env=env, check=True),
            lambda: subprocess.run(floor, capture_output=True, env=env, check=True),
            repeat=args.repeat,
        )
        print(
            f"govern check --lint (no store): median {linted['a']:.2f} s; "
            f"ratio lint/floor {linted['ratio']:.2f}"
        )
        return 0 if ok else 1
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
