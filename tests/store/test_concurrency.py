from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time

from govern.store import open_store
from govern.types import RunStatus
from tests.conftest import REPO_ROOT
from tests.store import workers

PROCESSES = 8
PER_PROCESS = 250


def test_many_processes_lose_nothing(store_url: str) -> None:
    open_store(store_url, signing_key="").close()  # create once; the workers race to append
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(PROCESSES) as pool:
        jobs = pool.starmap_async(workers.write_stages, [(store_url, PER_PROCESS)] * PROCESSES)
        counts = jobs.get(timeout=600)  # a hang guard (a lock never released), not a timing
    assert counts == [PER_PROCESS] * PROCESSES

    with open_store(store_url, signing_key="", create=False) as store:
        runs = store.runs()
        assert len(runs) == PROCESSES
        assert all(r.status is RunStatus.COMPLETED for r in runs)
        total = sum(len(store.stage_runs(r.id)) for r in runs)
        assert total == PROCESSES * PER_PROCESS
        report = store.verify()
    assert report.ok, report.message
    assert report.records == PROCESSES * (PER_PROCESS + 2)


def test_killed_writer_leaves_a_consistent_store_and_an_aborted_run(store_url: str) -> None:
    open_store(store_url, signing_key="").close()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with subprocess.Popen(
        [sys.executable, "-m", "tests.store.workers", store_url],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    ) as child:
        try:
            assert child.stdout is not None
            run_id = child.stdout.readline().strip()
            assert run_id, "the child process did not start writing"
            time.sleep(0.2)  # let it write more, mid-transaction with luck
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    with open_store(store_url, signing_key="") as store:
        run = store.run(run_id)
        assert run.status is RunStatus.ABORTED
        assert run.ended_at is not None
        assert len(store.stage_runs(run_id)) > 20
        assert store.verify().ok
        kinds = [r.kind for r in store.records(run_id=run_id)]
        assert kinds[-1] == "run_ended"
        assert store.records(kind="run_ended")[-1].data["reason"] == "process gone"
    # a second open does not abort it again
    with open_store(store_url, signing_key="") as store:
        assert len(store.records(kind="run_ended")) == 1


def test_live_runs_are_not_aborted(store_url: str) -> None:
    from tests.store import factories as f

    with open_store(store_url, signing_key="") as store:
        mine = f.run_info()  # this process: alive
        elsewhere = f.run_info(host="another-host", pid=1)
        unknown = f.run_info(pid=None)
        for run in (mine, elsewhere, unknown):
            store.begin_run(run)
    with open_store(store_url, signing_key="") as store:
        assert {r.status for r in store.runs()} == {RunStatus.RUNNING}


def test_verify_and_read_while_another_thread_writes(store_url: str) -> None:
    import threading

    from tests.store import factories as f

    with open_store(store_url, signing_key="") as store:
        run = f.run_info()
        store.begin_run(run)
        done = threading.Event()
        errors: list[BaseException] = []

        def writer() -> None:
            try:
                for _ in range(150):
                    store.record_stage(f.stage_result(run.id))
            except BaseException as err:  # pragma: no cover - reported below
                errors.append(err)
            finally:
                done.set()

        thread = threading.Thread(target=writer)
        thread.start()
        checks = 0
        while not done.is_set() or checks < 3:
            report = store.verify()
            assert report.ok, report.message
            store.stage_runs(run.id)
            checks += 1
        thread.join()
        assert not errors
        assert len(store.stage_runs(run.id)) == 150
        assert store.verify().ok
