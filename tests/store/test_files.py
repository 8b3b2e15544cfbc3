"""Quarantine files next to the record: ``govern verify`` fails when a file a record names
is missing or changed, lists leftovers of crashes as a warning, and only ``govern sweep``
removes them."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

import govern.config
from govern.cli import main
from govern.store import open_store
from govern.store.files import check_quarantine, find_leftovers
from govern.types import QuarantineRecord, RunStatus
from tests.store import factories as f


def _write(path: Path, content: bytes) -> QuarantineRecord:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return QuarantineRecord("raw", 2, str(path), hashlib.sha256(content).hexdigest())


@pytest.fixture
def quarantined(store_url: str, tmp_path: Path) -> tuple[str, Path, str, list[Path]]:
    """A finished run whose two stage calls each quarantined rows into their own file."""
    qdir = tmp_path / "quarantine"
    govern.config.configure(store=store_url, quarantine_dir=str(qdir))
    with open_store(store_url, signing_key="") as store:
        run = f.run_info()
        store.begin_run(run)
        files = []
        for call in range(2):
            path = qdir / "penguins" / run.id / f"clean.df.{call}.parquet"
            q = _write(path, f"PAR1 rows of call {call} PAR1".encode())
            store.record_stage(f.stage_result(run.id, quarantine=(q,)))
            files.append(path)
        store.end_run(run.id, RunStatus.COMPLETED, f.T0)
    return store_url, qdir, run.id, files


def _verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["verify", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out + captured.err


def test_intact_quarantine_verifies(
    quarantined: tuple[str, Path, str, list[Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _, _, files = quarantined
    code, out = _verify(capsys)
    assert code == 0 and "warning" not in out
    with open_store(url, create=False) as store:
        entries = store.quarantine_entries()
    assert [e["path"] for _, _, e in entries] == [str(p) for p in files]
    assert all(len(e["sha256"]) == 64 for _, _, e in entries)


def test_missing_and_changed_files_fail(
    quarantined: tuple[str, Path, str, list[Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _, _, files = quarantined
    files[0].unlink()
    files[1].write_bytes(b"PAR1 someone edited the rejected rows PAR1")
    code, out = _verify(capsys)
    assert code == 1
    assert "ok:" in out  # the chain itself is intact
    assert "quarantine files: 2 missing or changed" in out
    assert f"quarantine file {files[0]} is missing" in out
    assert f"quarantine file {files[1]} has changed" in out
    code, out = _verify(capsys, "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["chain_ok"] is True
    assert [p["problem"] for p in report["quarantine_problems"]] == ["missing", "changed"]
    with open_store(url, create=False) as store:
        problems = check_quarantine(store, Path.cwd())
    assert [p.seq for p in problems] == [2, 3]


def test_leftovers_are_listed_and_only_swept_on_request(
    quarantined: tuple[str, Path, str, list[Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, qdir, run_id, files = quarantined
    orphan = qdir / "penguins" / run_id / "clean.df.2.parquet"  # killed before its record
    orphan.write_bytes(b"PAR1 never recorded PAR1")
    tmp = qdir / "penguins" / run_id / ".clean.df.3.parquet.4242.tmp"
    tmp.write_bytes(b"half written")
    spark = qdir / "other" / "run" / "x.parquet"  # a Spark quarantine is a directory
    (spark / "part-0.parquet").parent.mkdir(parents=True)
    (spark / "part-0.parquet").write_bytes(b"PAR1")

    code, out = _verify(capsys)
    assert code == 0  # a warning, not a failure
    assert "warning: 3 leftover file(s)" in out
    assert f"unrecorded {orphan}" in out and f"temporary  {tmp}" in out
    assert str(spark) in out and "part-0" not in out
    assert orphan.exists() and tmp.exists()  # never removed silently

    assert main(["sweep", "--dry-run", "--min-age", "0"]) == 0
    assert "would remove 3 leftover file(s)" in capsys.readouterr().out
    assert orphan.exists() and tmp.exists() and spark.exists()

    assert main(["sweep"]) == 0  # all younger than the default --min-age
    assert "removed 0 leftover file(s)" in capsys.readouterr().out
    old = 10_000_000
    for path in (orphan, tmp, spark):
        os.utime(path, (old, old))
    assert main(["sweep"]) == 0
    assert "removed 3 leftover file(s)" in capsys.readouterr().out
    assert not orphan.exists() and not tmp.exists() and not spark.exists()
    assert all(p.exists() for p in files)
    assert _verify(capsys)[0] == 0


def test_files_of_a_running_run_are_not_leftovers(store_url: str, tmp_path: Path) -> None:
    qdir = tmp_path / "q"
    with open_store(store_url, signing_key="") as store:
        run = f.run_info()
        store.begin_run(run)  # still running: its stage is about to record this file
        (qdir / "p" / run.id).mkdir(parents=True)
        (qdir / "p" / run.id / "s.df.0.parquet").write_bytes(b"PAR1")
        assert find_leftovers(store, qdir, tmp_path) == []
        store.end_run(run.id, RunStatus.FAILED, f.T0)
        assert [x.kind for x in find_leftovers(store, qdir, tmp_path)] == ["unrecorded"]


def test_relative_paths_and_records_without_a_hash(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url, signing_key="") as store:
        run = f.run_info()
        store.begin_run(run)
        q = _write(tmp_path / "rel" / "a.parquet", b"PAR1")
        store.record_stage(f.stage_result(run.id, quarantine=(replace(q, path="rel/a.parquet"),)))
        old = QuarantineRecord("raw", 1, str(tmp_path / "old.parquet"))  # before sha256
        store.record_stage(f.stage_result(run.id, quarantine=(old,)))
        problems = check_quarantine(store, tmp_path)
        assert [(p.path, p.problem) for p in problems] == [(old.path, "missing")]
        (tmp_path / "old.parquet").write_bytes(b"anything")
        assert check_quarantine(store, tmp_path) == []


def test_a_real_quarantining_stage_and_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pandas as pd
    import pandera.pandas as pa

    import govern
    from govern.recording import close_stores

    govern.config.configure(quarantine_dir=str(tmp_path / "q"))
    schema = pa.DataFrameSchema({"x": pa.Column(int, pa.Check.ge(0))})

    @govern.stage(outputs=schema, on_fail="quarantine")
    def clean(df: pd.DataFrame) -> pd.DataFrame:
        return df

    close_stores()
    try:
        with govern.run("files"):
            clean(pd.DataFrame({"x": [1, -2, 3]}))
    finally:
        close_stores()
    with open_store(create=False) as store:
        ((_, stage, entry),) = store.quarantine_entries()
    assert stage == "clean" and entry["rows"] == 1 and Path(entry["path"]).is_file()
    assert main(["verify"]) == 0
    capsys.readouterr()
    Path(entry["path"]).unlink()
    assert main(["verify"]) == 1
    assert f"quarantine file {entry['path']} is missing" in capsys.readouterr().out
