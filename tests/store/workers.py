"""Code run in child processes by the concurrency and fault tests (spawned, so importable)."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from govern.store import open_store
from govern.types import RunStatus
from tests.store import factories as f


def write_stages(url: str, count: int) -> int:
    """One run with ``count`` stage records; returns how many were recorded."""
    with open_store(url, signing_key="") as store:
        run = f.run_info()
        store.begin_run(run)
        for _ in range(count):
            store.record_stage(f.stage_result(run.id))
        store.end_run(run.id, RunStatus.COMPLETED, datetime.now(UTC))
        return count


def write_until_killed(url: str) -> None:
    """Begin a run and record stages forever, saying "ready" after the first few."""
    store = open_store(url, signing_key="")
    run = f.run_info()
    store.begin_run(run)
    for i in range(1_000_000):
        store.record_stage(f.stage_result(run.id, stage=f"s{i}"))
        if i == 20:
            print(run.id, flush=True)
    time.sleep(600)


if __name__ == "__main__":
    write_until_killed(sys.argv[1])
