from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from govern.cli import main
from govern.errors import IntegrityError
from govern.store import Store, open_store
from govern.store.chain import record_hash
from govern.store.sql import parse_target
from govern.types import RunStatus
from tests.conftest import REPO_ROOT
from tests.store import factories as f


@pytest.fixture
def filled(store: Store) -> Store:
    """A run with three stages (the second has a failed check) and an end record."""
    run = f.run_info()
    store.begin_run(run)
    for i in range(3):
        checks = (f.check(0), f.check(1, passed=i != 1))
        store.record_stage(f.stage_result(run.id, stage=f"stage{i}", checks=checks))
    store.end_run(run.id, RunStatus.COMPLETED, f.T0)
    assert store.verify().ok
    return store


@pytest.fixture
def db(store_url: str) -> Iterator[sa.Engine]:
    """A plain SQLAlchemy engine on the store, for editing it 'by hand'."""
    engine = sa.create_engine(parse_target(store_url).url)
    yield engine
    engine.dispose()


def _stage_row(db: sa.Engine, stage: str) -> tuple[int, str, str]:
    with db.connect() as conn:
        row = conn.execute(
            sa.text("SELECT seq, id, status FROM stage_runs WHERE stage = :s"), {"s": stage}
        ).one()
    return int(row.seq), str(row.id), str(row.status)


def _exec(db: sa.Engine, sql: str, **params: object) -> None:
    with db.begin() as conn:
        assert conn.execute(sa.text(sql), params).rowcount >= 1


def test_index_table_edit_is_named(filled: Store, db: sa.Engine, store_url: str) -> None:
    seq, sid, _ = _stage_row(db, "stage1")
    _exec(db, "UPDATE stage_runs SET status = 'passes' WHERE id = :i", i=sid)
    report = filled.verify()
    assert not report.ok
    assert report.first_bad is not None
    assert f"record seq {seq} (stage {sid})" in report.first_bad
    assert "status is 'passes' but the record says 'passed'" in report.first_bad
    with pytest.raises(IntegrityError, match=f"record seq {seq} "):
        filled.verify(strict=True)
    # the reading API is rebuilt from the ledger, not the edited index row
    assert filled.stage_runs("latest")[1].status == "passed"


def test_check_count_edit_in_index_is_named(filled: Store, db: sa.Engine) -> None:
    seq, sid, _ = _stage_row(db, "stage1")
    _exec(db, "UPDATE checks SET failed_count = 4 WHERE stage_run_id = :i AND position = 1", i=sid)
    report = filled.verify()
    assert not report.ok and report.first_bad is not None
    assert f"record seq {seq} (stage {sid})" in report.first_bad
    assert "failed_count is 4 but the record says 3" in report.first_bad


def test_ledger_json_edit_is_named(
    filled: Store, db: sa.Engine, capsys: pytest.CaptureFixture[str], store_url: str
) -> None:
    seq, sid, _ = _stage_row(db, "stage1")
    with db.begin() as conn:
        body = conn.execute(
            sa.text("SELECT body FROM ledger WHERE seq = :s"), {"s": seq}
        ).scalar_one()
        assert body.count('"failed_count":3') == 1
        edited = body.replace('"failed_count":3', '"failed_count":0')
        conn.execute(sa.text("UPDATE ledger SET body = :b WHERE seq = :s"), {"b": edited, "s": seq})
    report = filled.verify()
    assert not report.ok and report.first_bad is not None
    assert report.first_bad.startswith(
        f"record seq {seq} (stage {sid}): its content does not match"
    )

    code = main(["verify", "--store", store_url])
    out = capsys.readouterr().out
    assert code == 1
    assert f"record seq {seq} (stage {sid})" in out


def test_recomputing_one_hash_breaks_the_next_link(filled: Store, db: sa.Engine) -> None:
    seq, _sid, _ = _stage_row(db, "stage1")
    with db.begin() as conn:
        row = conn.execute(
            sa.text("SELECT prev_hash, body FROM ledger WHERE seq = :s"), {"s": seq}
        ).one()
        body = row.body.replace('"failed_count":3', '"failed_count":0')
        digest = record_hash(row.prev_hash, body, None)
        conn.execute(
            sa.text("UPDATE ledger SET body = :b, hash = :h WHERE seq = :s"),
            {"b": body, "h": digest, "s": seq},
        )
    report = filled.verify()
    assert not report.ok and report.first_bad is not None
    # the edited record now hashes fine, but the index row and the next link do not match
    assert f"record seq {seq} " in report.first_bad


def test_removed_records_are_noticed(filled: Store, db: sa.Engine) -> None:
    last = filled.records()[-1]
    _exec(db, "DELETE FROM ledger WHERE seq = :s", s=last.seq)
    report = filled.verify()
    assert not report.ok and report.first_bad is not None
    assert f"record seq {last.seq}" in report.first_bad

    seq, _sid, _ = _stage_row(db, "stage0")
    _exec(db, "DELETE FROM ledger WHERE seq = :s", s=seq)
    report = filled.verify()
    assert report.first_bad is not None
    assert report.first_bad.startswith(f"record seq {seq} (missing)")


def test_extra_index_row_is_noticed(filled: Store, db: sa.Engine) -> None:
    seq, sid, _ = _stage_row(db, "stage2")
    _exec(
        db,
        "INSERT INTO quarantine (stage_run_id, position, seq, dataset, row_count, path) "
        "VALUES (:i, 0, :s, 'raw', 5, '/tmp/x.parquet')",
        i=sid,
        s=seq,
    )
    report = filled.verify()
    assert not report.ok and report.first_bad is not None
    assert "no record explains" in report.first_bad and f"seq {seq}" in report.first_bad


def test_one_byte_of_the_sqlite_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "govern.db"
    with open_store(str(path), signing_key="") as store:
        run = f.run_info()
        store.begin_run(run)
        store.record_stage(f.stage_result(run.id, checks=(f.check(0, passed=False),)))
    assert not Path(f"{path}-wal").exists()  # checkpointed on close
    data = bytearray(path.read_bytes())
    at = data.find(b'"failed_count":3')
    assert at > 0
    data[at + len('"failed_count":')] = ord("2")
    path.write_bytes(bytes(data))

    assert main(["verify", "--store", str(path)]) == 1
    assert "record seq 2 (stage " in capsys.readouterr().out
    done = subprocess.run(
        [sys.executable, "-m", "govern", "verify", "--store", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "record seq 2 (stage " in done.stdout
    assert "Traceback" not in done.stderr
