"""The runtime writes the audit record before anything reaches the caller."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

import govern
from govern.recording import close_stores
from govern.store import open_store

SCHEMA = pa.DataFrameSchema({"x": pa.Column(int, pa.Check.ge(0))})


@govern.stage(inputs={"df": SCHEMA})
def gated(df: pd.DataFrame) -> int:
    govern.log_params(rows=len(df))
    return len(df)


@pytest.fixture(autouse=True)
def fresh_store_handles() -> None:
    close_stores()


def test_failed_gate_is_recorded_before_gate_error_reaches_caller() -> None:
    with pytest.raises(govern.GateError) as info:
        gated(pd.DataFrame({"x": [-1, 2]}))
    close_stores()
    with open_store(create=False) as store:
        run = store.run("latest")
        (recorded,) = store.stage_runs(run.id)
    assert recorded == info.value.result
    assert recorded.status == "failed" and run.status == "failed"
    assert recorded.failed_checks[0].failed_count == 1


def test_params_datasets_and_environment_are_recorded() -> None:
    with govern.run("pipe") as run:
        gated(pd.DataFrame({"x": [1, 2, 3]}))
    with open_store(create=False) as store:
        info = store.run(run.id)
        (stage,) = store.stage_runs(run.id)
    assert info.status == "completed" and info.name == "pipe"
    assert stage.params == {"rows": 3}
    assert stage.datasets[0].row_count == 3 and stage.datasets[0].fingerprint
    assert info.environment["python"]["version"].startswith("3.")
    assert info.pid == os.getpid()


def test_unwritable_store_fails_the_stage_with_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store's directory should be")
    govern.configure(store=str(blocker / "govern.db"))
    calls: list[int] = []

    @govern.stage(inputs={"df": SCHEMA})
    def f(df: pd.DataFrame) -> int:
        calls.append(1)
        return 1

    with pytest.raises(govern.StoreError, match=str(blocker)):
        f(pd.DataFrame({"x": [1]}))
    assert calls == []  # the run could not even be opened: nothing ran unrecorded


def test_on_store_error_warn_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    govern.configure(store=str(blocker / "govern.db"), on_store_error="warn")
    with pytest.warns(govern.StoreWarning, match="could not record"):
        assert gated(pd.DataFrame({"x": [1]})) == 1


def test_a_killed_pipeline_leaves_an_aborted_run(isolated_project: Path) -> None:
    script = isolated_project / "killed.py"
    script.write_text(
        "import os, signal, pandas as pd, pandera.pandas as pa, govern\n"
        "S = pa.DataFrameSchema({'x': pa.Column(int)})\n"
        "@govern.stage(outputs=S)\n"
        "def make(): return pd.DataFrame({'x': [1]})\n"
        "with govern.run('doomed'):\n"
        "    make()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, str(script)], cwd=isolated_project, timeout=120)
    assert done.returncode == -9
    with open_store() as store:
        (run,) = store.runs(pipeline="doomed")
        assert run.status == "aborted"
        assert [s.stage for s in store.stage_runs(run.id)] == ["make"]
        assert store.verify().ok
