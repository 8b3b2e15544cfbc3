from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from govern.errors import StoreError, StoreLockedError
from govern.store import StoreNotFoundError, open_store
from govern.store.sql import parse_target, translate
from govern.types import RunStatus
from tests.conftest import REPO_ROOT
from tests.store import factories as f


def _make_store(path: Path) -> None:
    with open_store(str(path), signing_key="") as store:
        run = f.run_info()
        store.begin_run(run)
        store.end_run(run.id, RunStatus.COMPLETED, datetime.now(UTC))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_store_file(tmp_path: Path) -> None:
    path = tmp_path / "govern.db"
    _make_store(path)
    path.chmod(0o444)
    try:
        with pytest.raises(StoreError, match=r"is read-only.*GOVERN_STORE"):
            open_store(str(path), signing_key="")
        with open_store(str(path), signing_key="", create=False) as reader:
            assert len(reader.runs()) == 1
    finally:
        path.chmod(0o644)


_ON_READ_ONLY_MOUNT = """
import sys
from govern.errors import StoreError
from govern.store import open_store
try:
    open_store(sys.argv[1], signing_key="")
except StoreError as err:
    print(type(err).__name__, err)
else:
    sys.exit("writer: no error")
with open_store(sys.argv[1], signing_key="", create=False) as reader:
    print("reader:", [r.status.value for r in reader.runs()], reader.verify().ok)
"""


def test_read_only_filesystem() -> None:
    """A real read-only mount (a private mount namespace; needs root and unshare)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to make a read-only mount")
    root = Path(tempfile.mkdtemp(prefix="govern-ro-"))
    try:
        path = root / "govern.db"
        _make_store(path)
        script = f'mount --bind -o ro {root} {root} && exec {sys.executable} -c "$0" {path}'
        done = subprocess.run(
            ["unshare", "--mount", "sh", "-c", script, _ON_READ_ONLY_MOUNT],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            check=False,
            timeout=60,
        )
        if "mount" in done.stderr and done.returncode != 0 and not done.stdout:
            pytest.skip(f"cannot make a read-only mount here: {done.stderr.strip()}")
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.startswith(f"StoreError store {path} is read-only")
        assert "set GOVERN_STORE to a writable path" in done.stdout
        assert "reader: ['completed'] True" in done.stdout
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_read_only_database_error_is_translated(tmp_path: Path) -> None:
    path = tmp_path / "govern.db"
    _make_store(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            conn.execute("DELETE FROM meta")
    finally:
        conn.close()
    err = sa.exc.OperationalError("DELETE", {}, caught.value)
    translated = translate(err, parse_target(str(path)), "record stage 'x'", 30)
    assert type(translated) is StoreError
    assert f"store {path} is read-only: cannot record stage 'x'" in str(translated)


def test_uncreatable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create the store's directory"):
        open_store(str(blocker / "sub" / "govern.db"), signing_key="")


def test_locked_past_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "govern.db"
    _make_store(path)
    with open_store(str(path), signing_key="", timeout=0.2) as store:
        run = f.run_info()
        store.begin_run(run)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreLockedError, match=r"stayed locked .* more than 0.2s"):
                store.record_stage(f.stage_result(run.id))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        store.record_stage(f.stage_result(run.id))  # and it recovers
        assert store.verify().ok


def test_disk_full(tmp_path: Path) -> None:
    path = tmp_path / "govern.db"
    _make_store(path)
    with open_store(str(path), signing_key="") as store:
        run = f.run_info()
        store.begin_run(run)
        engine: sa.Engine = store._engine
        pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]

        @sa.event.listens_for(engine, "connect")
        def _cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        store._connections.close()  # reconnect with the cap
        big = f.stage_result(run.id, doc="x" * 200_000)
        with pytest.raises(StoreError, match="disk is full"):
            store.record_stage(big)
        assert store.verify().ok


def test_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "govern.db"
    path.write_bytes(b"this is not a database file at all" * 100)
    with pytest.raises(StoreError, match="not a govern store or is damaged"):
        open_store(str(path), signing_key="")


def test_reading_never_creates(tmp_path: Path, store_url: str, backend: str) -> None:
    missing = tmp_path / "nothing" / "govern.db"
    with pytest.raises(StoreNotFoundError, match="no govern store at"):
        open_store(str(missing), create=False)
    assert not missing.parent.exists()
    if backend == "postgresql":  # an empty database is not a store either
        with pytest.raises(StoreNotFoundError, match="holds no govern tables"):
            open_store(store_url, create=False)


def test_bad_locations() -> None:
    with pytest.raises(StoreError, match="in-memory"):
        open_store("sqlite://", signing_key="")
    with pytest.raises(StoreError, match="unsupported store URL scheme"):
        open_store("mysql://u@h/db", signing_key="")
    with pytest.raises(StoreError, match="no store location"):
        open_store(" ", signing_key="")
    # ~user of a user this machine does not know (found by tests/fuzz: a RuntimeError)
    with pytest.raises(StoreError, match="no home directory for '~no-such-user-0'"):
        open_store("~no-such-user-0/govern.db", signing_key="")


def test_unreachable_postgres_hides_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://user:hunter2@127.0.0.1:1/db", signing_key="", timeout=2)
    assert "hunter2" not in str(caught.value)
    assert "PostgreSQL server is reachable" in str(caught.value)
