"""WAL checkpoints of a SQLite store run on a background thread, not inside a stage call."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from govern.store import Store, open_store
from tests.conftest import REPO_ROOT, wait_for
from tests.store import factories as f

THREAD = "govern-store-checkpoint"


def record(store: Store, stages: int) -> None:
    run = f.run_info()
    store.begin_run(run)
    for _ in range(stages):
        store.record_stage(f.stage_result(run.id))


def checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD]


def test_the_wal_reaches_the_database_without_a_writer_checkpointing(tmp_path: Path) -> None:
    db = tmp_path / "govern.db"
    with open_store(str(db)) as store:
        record(store, 10)  # a short pipeline: no thread
        assert checkpoint_threads() == []
        size = db.stat().st_size
        # ~150 records write far fewer WAL pages than the writers' automatic limit (4,000),
        # so only the background checkpoint copies them into the database file
        record(store, 140)
        wait_for(lambda: db.stat().st_size > size, "a background checkpoint")
        assert len(checkpoint_threads()) == 1
        assert store.verify().ok
    assert checkpoint_threads() == []  # close() stopped it


FORK = """
import multiprocessing, sys, threading, time
from govern.store import open_store
from tests.conftest import wait_for
from tests.store.test_checkpoint import checkpoint_threads, record

def child(store):
    assert checkpoint_threads() == []  # threads do not survive a fork
    record(store, 70)
    wait_for(lambda: len(checkpoint_threads()) == 1, "the child's own checkpoint thread")
    assert store.verify().ok
    store.close()

if __name__ == "__main__":
    store = open_store(sys.argv[1])
    record(store, 70)
    wait_for(lambda: len(checkpoint_threads()) == 1, "the parent's checkpoint thread")
    ctx = multiprocessing.get_context("fork")
    for _ in range(3):  # forks that may land mid-checkpoint: each waits for it
        proc = ctx.Process(target=child, args=(store,))
        proc.start()
        proc.join(120)
        assert proc.exitcode == 0, proc.exitcode
        record(store, 5)
    assert store.verify().ok and len(store.runs()) == 7
    store.close()
    print("ok")
"""


def test_forked_children_run_their_own_checkpoints(tmp_path: Path) -> None:
    # in a fresh interpreter: forking pytest itself would copy every other test's threads
    script = tmp_path / "fork.py"
    script.write_text(FORK)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "govern.db")],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"
