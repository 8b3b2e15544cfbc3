"""Summaries in the record: the stage record, the compact index, verify, and old stores."""

from __future__ import annotations

import shutil
import sqlite3
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import govern
from govern.monitoring.frames import summarize_frame
from govern.monitoring.summary import DatasetSummary
from govern.recording import close_stores
from govern.store import open_store
from govern.types import Outcome
from tests.store.fixtures.make_v1_store import TARGET as V1_STORE


def frame(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"x": rng.normal(size=500), "c": pd.Series(rng.choice(["a", "b"], 500), dtype="str")}
    )


@govern.stage(outputs=govern.Gate(govern.Stable(window=5, min_history=3), severity="warn"))
def load(seed: int) -> pd.DataFrame:
    return frame(seed)


def load_closed(versions: int) -> None:
    """Record ``versions`` versions (early ones warn: too little history), then close."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", govern.GateWarning)
        for seed in range(versions):
            load(seed)
    close_stores()


def _store() -> str:
    return str(govern.config.settings().store)


def test_the_record_keeps_the_summary_and_the_index_its_compact_form() -> None:
    load(1)
    result = govern.last_result()
    assert result is not None
    with open_store(_store()) as store:
        (stage,) = store.stage_runs(result.run_id)
        (version,) = [d for d in stage.datasets if d.role == "output"]
        assert version.summary is not None
        recorded = DatasetSummary.from_dict(version.summary)
        fresh = summarize_frame(frame(1))
        # KLL compacts with random bits: equal but for the sketch, within its rank error
        assert recorded.compact() == fresh.compact()
        got, want = recorded.column("x"), fresh.column("x")
        assert got is not None and want is not None and got.hll == want.hll
        values = frame(1)["x"].to_numpy()
        for q, value in (got.quantiles() or {}).items():  # ranks: KLL's error is in rank
            assert abs(float(np.mean(values <= value)) - q) < 0.04
        (row,) = store.dataset_summaries(version.ref.name, version.ref.namespace)
        assert row.seq > 0 and row.role == "output" and row.stage_run_id == stage.stage_run_id
        assert row.fingerprint == version.fingerprint and row.fingerprint is not None
        assert all("kll" not in c and "hll" not in c for c in row.summary["columns"])
        compact = DatasetSummary.from_dict(row.summary).column("x")
        assert compact is not None and compact.q is not None
        whole = store.dataset_summaries(version.ref.name, whole=True)[0]
        assert DatasetSummary.from_dict(whole.summary) == recorded


def test_history_reads_the_latest_versions_in_record_order() -> None:
    for seed in range(6):
        load(seed)
    with open_store(_store()) as store:
        name = store.dataset_summaries("load.load.return")[0].name
        rows = store.dataset_summaries(name, limit=3)
        every = store.dataset_summaries(name)
        assert [r.seq for r in rows] == [r.seq for r in every][-3:]
        assert [r.seq for r in every] == sorted(r.seq for r in every)
        before = store.dataset_summaries(name, before_seq=every[2].seq)
        assert [r.seq for r in before] == [r.seq for r in every[:2]]


def test_verify_finds_an_edited_summary_row() -> None:
    load(1)
    close_stores()
    with sqlite3.connect(_store()) as conn:
        conn.execute(
            "UPDATE dataset_summaries SET compact = replace(compact, '\"rows\":500', '\"rows\":5')"
        )
    conn.close()
    with open_store(_store()) as store:
        report = store.verify()
    assert not report.ok and "dataset_summaries" in report.message


def test_a_schema_4_store_migrates_and_backfills_summaries_from_the_ledger() -> None:
    load_closed(4)
    with open_store(_store()) as store:
        before = [(r.seq, r.summary) for r in store.dataset_summaries("load.load.return")]
    # the store as govern 4 left it: no summary index, schema version 4
    with sqlite3.connect(_store()) as conn:
        conn.execute("DROP TABLE dataset_summaries")
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    conn.close()
    with open_store(_store()) as store:
        assert store.schema_version == 6
        after = [(r.seq, r.summary) for r in store.dataset_summaries("load.load.return")]
        assert store.verify().ok
    assert after == before and len(after) == 4
    load(9)  # and history goes on from the backfilled rows
    result = govern.last_result()
    assert result is not None
    assert all(
        c.outcome is not Outcome.NOT_RUN for c in result.checks if c.check != "stable:freshness"
    )


def test_a_store_from_before_summaries_opens_and_stable_waits_for_history(tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    shutil.copyfile(V1_STORE, copy)
    govern.configure(store=str(copy), signing_key="")
    with open_store(str(copy), signing_key="") as store:
        assert store.schema_version == 6 and store.verify().ok
        names = [d.name for d in store.datasets()]
        assert names and all(store.dataset_summaries(n) == [] for n in names)
    load(1)
    result = govern.last_result()
    assert result is not None
    assert {c.outcome for c in result.checks} == {Outcome.NOT_RUN}


@pytest.mark.parametrize("columns", [6])
def test_store_growth_per_version_is_a_few_kilobytes(columns: int) -> None:
    """Not a timing: the recorded size of a 6-column version, a regression guard."""
    rng = np.random.default_rng(0)
    wide = pd.DataFrame(
        {f"n{i}": rng.normal(size=100_000) for i in range(columns - 2)}
        | {f"s{i}": pd.Series(rng.choice(list("abcd"), 100_000), dtype="str") for i in range(2)}
    )
    summary = summarize_frame(wide)
    from govern.store.codec import canonical_json

    whole = len(canonical_json(summary.to_dict()))
    compact = len(canonical_json(summary.compact().to_dict()))
    assert compact < 4_000 < whole < 40_000  # sketches: ~6.2 KB of base64 per numeric column


def test_a_schema_5_store_migrates_to_packed_numbers_and_judges_the_same() -> None:
    load_closed(6)
    with open_store(_store()) as store:
        before = store.dataset_series("load.load.return")
    # the store as schema 5 left it: the summary index without the packed numbers
    with sqlite3.connect(_store()) as conn:
        conn.execute("ALTER TABLE dataset_summaries DROP COLUMN layout")
        conn.execute("ALTER TABLE dataset_summaries DROP COLUMN numbers")
        conn.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    conn.close()
    with open_store(_store()) as store:
        assert store.schema_version == 6
        assert store.dataset_series("load.load.return") == before and len(before) == 6
        assert store.verify().ok
    load(9)
    result = govern.last_result()
    assert result is not None
    assert all(
        c.outcome is not Outcome.NOT_RUN for c in result.checks if c.check != "stable:freshness"
    )


def test_verify_catches_a_tampered_packed_number() -> None:
    load(1)
    close_stores()
    with sqlite3.connect(_store()) as conn:
        conn.execute("UPDATE dataset_summaries SET numbers = zeroblob(length(numbers))")
    conn.close()
    with open_store(_store()) as store:
        report = store.verify()
    assert not report.ok and "dataset_summaries" in report.message
