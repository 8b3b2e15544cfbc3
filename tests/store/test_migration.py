from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from govern.errors import StoreError
from govern.store import open_store
from govern.store.schema import CURRENT_VERSION
from govern.types import RunStatus, Status
from tests.store import factories as f
from tests.store.fixtures.make_v1_store import RUN_ID, TARGET

FIXTURE = TARGET


@pytest.fixture
def v1_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "old" / "govern.db"
    copy.parent.mkdir()
    shutil.copyfile(FIXTURE, copy)
    return copy


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    conn.close()
    return {r[0] for r in rows}


def test_fixture_is_schema_1() -> None:
    tables = _tables(FIXTURE)
    assert "ledger" in tables and "model_usages" not in tables and "chain_head" not in tables
    with sqlite3.connect(FIXTURE) as conn:
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    conn.close()
    assert version == ("1",)


def test_v1_store_opens_migrates_and_verifies(v1_copy: Path) -> None:
    assert CURRENT_VERSION == 6
    with open_store(str(v1_copy), signing_key="") as store:
        assert store.schema_version == 6
        assert {"model_usages", "chain_head", "signatures"} <= _tables(v1_copy)
        report = store.verify()
        assert report.ok, report.message
        assert report.records == 5

        run = store.run(RUN_ID)
        assert run.status is RunStatus.COMPLETED
        stages = store.stage_runs(RUN_ID)
        assert [s.stage for s in stages] == ["train", "evaluate", "clean"]
        assert stages[2].status is Status.QUARANTINED and stages[2].quarantine[0].rows == 3
        model = store.model("penguin-species")
        assert model.version == 1 and model.metrics == {"accuracy": 0.97}
        # backfilled from the ledger JSON by migration 2
        assert [s.stage for s in store.model_usages("penguin-species", 1)] == ["evaluate"]

        # and the chain goes on from the old head
        new = f.run_info()
        store.begin_run(new)
        store.record_stage(f.stage_result(new.id, models_used=(model.ref,)))
        assert len(store.model_usages("penguin-species", 1)) == 2
        assert store.verify().ok


def test_v1_store_opened_by_a_reader_is_migrated_too(v1_copy: Path) -> None:
    with open_store(str(v1_copy), signing_key="", create=False) as store:
        assert store.schema_version == 6
        assert store.verify().ok


def test_newer_schema_is_refused(v1_copy: Path) -> None:
    with sqlite3.connect(v1_copy) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(StoreError, match="schema version 99, newer than this govern"):
        open_store(str(v1_copy), signing_key="")


def test_migration_on_both_backends(store_url: str) -> None:
    """Take a fresh store back to schema 1 (as the fixture script does) and reopen it."""
    import sqlalchemy as sa

    from govern.store.sql import parse_target

    with open_store(store_url, signing_key="") as store:
        run = f.run_info()
        store.begin_run(run)
        trained = store.record_stage(f.full_stage_result(run.id))
        assert trained.model is not None
        store.record_stage(f.stage_result(run.id, models_used=(trained.model.ref,)))
    engine = sa.create_engine(parse_target(store_url).url)
    try:
        with engine.begin() as conn:
            for table in _V3_TABLES:
                conn.execute(sa.text(f"DROP TABLE {table}"))
            conn.execute(sa.text("DROP TABLE model_usages"))
            conn.execute(sa.text("DROP TABLE chain_head"))
            conn.execute(sa.text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    finally:
        engine.dispose()
    with open_store(store_url, signing_key="") as store:
        assert store.schema_version == 6
        assert len(store.model_usages(trained.model.name, trained.model.version)) == 1
        assert store.verify().ok


_V3_TABLES = (
    "imported_events",
    "lineage_io",
    "outbox_transports",
    "outbox",
    "signatures",
    "dataset_summaries",  # schema 5
)


def test_v2_store_gets_the_lineage_tables(store_url: str) -> None:
    """Schema 3 adds the lineage index (backfilled from the ledger) and the outbox."""
    import sqlalchemy as sa

    from govern.store.sql import parse_target

    with open_store(store_url, signing_key="") as store:
        run = f.run_info()
        store.begin_run(run)
        store.record_stage(f.stage_result(run.id))
    engine = sa.create_engine(parse_target(store_url).url)
    try:
        with engine.begin() as conn:
            for table in _V3_TABLES:
                conn.execute(sa.text(f"DROP TABLE {table}"))
            conn.execute(sa.text("UPDATE meta SET value = '2' WHERE key = 'schema_version'"))
    finally:
        engine.dispose()
    with open_store(store_url, signing_key="") as store:
        assert store.schema_version == 6
        rows = store.lineage.io(group=run.id)
        assert {(r.role, r.name) for r in rows} == {("input", "raw"), ("output", "clean")}
        assert {r.job_name for r in rows} == {"penguins.clean"}
        assert store.outbox.status() == []
        store.outbox.register([("file", "file")], after_seq=0)
        assert store.outbox.enqueue(["file"], now=0.0) == 3  # the run START, a stage START+END
        assert store.verify().ok
