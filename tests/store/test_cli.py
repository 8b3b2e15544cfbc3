from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import govern.config
from govern.cli import main
from govern.store import open_store
from govern.types import QuarantineRecord, RunStatus, Status
from tests.conftest import REPO_ROOT
from tests.store import factories as f


@pytest.fixture
def recorded(store_url: str, tmp_path: Path) -> dict[str, str]:
    """A finished run with a model, a failing quarantined stage and a model user."""
    rejected = tmp_path / "q" / "raw-1.parquet"
    rejected.parent.mkdir()
    rejected.write_bytes(b"PAR1 rejected rows PAR1")
    with open_store(store_url, signing_key="") as store:
        run = f.run_info(name="penguins")
        store.begin_run(run)
        full = f.full_stage_result(run.id)
        digest = hashlib.sha256(rejected.read_bytes()).hexdigest()
        full = replace(full, quarantine=(QuarantineRecord("raw", 3, str(rejected), digest),))
        trained = store.record_stage(full)
        assert trained.model is not None
        store.record_stage(
            f.stage_result(run.id, stage="evaluate", models_used=(trained.model.ref,))
        )
        store.record_stage(
            f.stage_result(
                run.id, stage="clean", status=Status.FAILED, error="GateError: 1 check failed",
                checks=(f.check(0), f.check(1, passed=False)),
            )
        )  # fmt: skip
        store.end_run(run.id, RunStatus.FAILED, f.T0)
    govern.config.configure(store=store_url)
    return {"run_id": run.id, "url": store_url}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_runs_table_and_json(recorded: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "runs")
    assert code == 0
    assert recorded["run_id"][:12] in out and "penguins" in out and "failed" in out
    code, out, _ = _run(capsys, "runs", "--format", "json", "--limit", "5")
    assert code == 0
    (run,) = json.loads(out)
    assert run["id"] == recorded["run_id"] and run["status"] == "failed"
    assert run["stages"] == 3 and run["stages_failed"] == 1


def test_runs_show(recorded: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "runs", "show", "latest")
    assert code == 0
    for text in ("train", "evaluate", "clean", "Failing checks", "in_range(0, 101)",
                 "raw-1.parquet", "Timings", "penguin-species@1", "GateError"):  # fmt: skip
        assert text in out, text
    code, out, _ = _run(capsys, "runs", "show", recorded["run_id"][:8], "--format", "json")
    assert code == 0
    shown = json.loads(out)
    assert shown["run"]["id"] == recorded["run_id"]
    assert [s["stage"] for s in shown["stages"]] == ["train", "evaluate", "clean"]
    assert shown["stages"][2]["checks"][1]["failed_count"] == 3


def test_models(recorded: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "models")
    assert code == 0 and "penguin-species" in out and "accuracy=0.97" in out
    code, out, _ = _run(capsys, "models", "--format", "json")
    assert [m["version"] for m in json.loads(out)] == [1]
    for ref in ("penguin-species", "penguin-species@1", "penguin-species@latest"):
        code, out, _ = _run(capsys, "models", "show", ref)
        assert code == 0
        assert "penguin-species@1" in out and "Used by" in out and "evaluate" in out
        assert "Training datasets" in out and "sex=female" in out
    code, out, _ = _run(capsys, "models", "show", "penguin-species@1", "--format", "json")
    shown = json.loads(out)
    assert shown["model"]["card"] == {"license": "Apache-2.0", "owners": ["ml-team"]}
    assert [u["stage"] for u in shown["used_by"]] == ["evaluate"]


def test_not_found_and_usage_errors(
    recorded: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "runs", "show", "nosuchrun")
    assert code == 3 and "no run 'nosuchrun'" in err and "Traceback" not in err
    code, _, err = _run(capsys, "models", "show", "nope")
    assert code == 3 and "recorded models: penguin-species" in err
    code, _, err = _run(capsys, "models", "show", "penguin-species@9")
    assert code == 3 and "has no version 9" in err
    code, _, err = _run(capsys, "models", "show", "penguin-species@x")
    assert code == 2 and "NAME@VERSION" in err
    code, _, err = _run(capsys, "runs", "--format", "yaml")
    assert code == 2 and "--format must be table or json" in err
    code, _, err = _run(capsys, "runs", "--limit", "0")
    assert code == 2 and "--limit must be between 1 and" in err


def test_verify_ok(recorded: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "verify")
    assert code == 0 and "ok: 5 record(s) verified" in out
    code, out, _ = _run(capsys, "verify", "--format", "json")
    report = json.loads(out)
    assert report["ok"] is True and report["records"] == 5 and report["first_bad"] is None


def test_no_store_exits_3_and_creates_nothing(
    isolated_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ["runs"],
        ["runs", "show", "latest"],
        ["models"],
        ["models", "show", "m"],
        ["verify"],
    ):
        code, _, err = _run(capsys, *args)
        assert code == 3, args
        assert "no govern store at" in err
    assert not (isolated_project / ".govern").exists()


def test_empty_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(tmp_path / "empty.db")
    open_store(url, signing_key="").close()
    code, out, _ = _run(capsys, "runs", "--store", url)
    assert code == 0 and "No runs recorded yet" in out
    code, out, _ = _run(capsys, "models", "--store", url)
    assert code == 0 and "No models recorded yet" in out
    code, out, _ = _run(capsys, "runs", "show", "latest", "--store", url)
    assert code == 3


def test_as_a_program(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "govern", "runs"],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "no govern store at" in done.stderr and "Traceback" not in done.stderr
