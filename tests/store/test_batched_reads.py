"""Batched reads: the stage calls of many runs in a few queries, or from the records verified.

``stage_runs_by_run`` must give exactly what one ``stage_runs`` per run gives, and
``verified_stage_runs`` exactly ``verify()`` plus those stage calls -- on an intact
store, a tampered one and one whose chain cannot be checked.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from govern.store import RunNotFoundError, Store, open_store, query
from govern.store.codec import decode_stage, encode_stage
from govern.store.sql import parse_target
from govern.types import RunStatus
from tests.store import factories as f


@pytest.fixture
def runs(store: Store) -> list[str]:
    """Four runs: three stages, none, one with every field set, one with NaN metrics."""
    ids = []
    for n in range(4):
        run = f.run_info()
        store.begin_run(run)
        if n == 0:
            for i in range(3):
                checks = (f.check(0), f.check(1, passed=i != 1))
                store.record_stage(f.stage_result(run.id, stage=f"stage{i}", checks=checks))
        elif n == 2:
            store.record_stage(f.full_stage_result(run.id))
        elif n == 3:
            metrics = {"loss": math.nan, "gain": math.inf, "drop": -math.inf, "ok": 1.0}
            store.record_stage(f.stage_result(run.id, metrics=metrics, params={"x": math.nan}))
        store.end_run(run.id, RunStatus.COMPLETED, f.T0)
        ids.append(run.id)
    return ids


@pytest.fixture
def db(store_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(parse_target(store_url).url)
    yield engine
    engine.dispose()


def _same(a: object, b: object) -> bool:
    # NaN != NaN: compare through the canonical encoding, which tags non-finite floats
    return repr(a) == repr(b)


def test_by_run_equals_one_read_per_run(store: Store, runs: list[str]) -> None:
    one_by_one = {run_id: store.stage_runs(run_id) for run_id in runs}
    batched = store.stage_runs_by_run([*reversed(runs), runs[0]])  # order and repeats
    assert set(batched) == set(runs)
    for run_id in runs:
        assert _same(batched[run_id], one_by_one[run_id])
    assert batched[runs[1]] == []
    assert [s.stage for s in batched[runs[0]]] == ["stage0", "stage1", "stage2"]
    (nan_stage,) = batched[runs[3]]
    assert math.isnan(nan_stage.metrics["loss"]) and nan_stage.metrics["gain"] == math.inf
    assert nan_stage.metrics["drop"] == -math.inf and math.isnan(nan_stage.params["x"])


def test_by_run_reads_in_chunks(
    store: Store, runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query, "_CHUNK", 1)
    whole = {run_id: store.stage_runs(run_id) for run_id in runs}
    assert _same(store.stage_runs_by_run(runs), whole)


def test_by_run_refuses_an_unknown_run(store: Store, runs: list[str]) -> None:
    with pytest.raises(RunNotFoundError, match="no run 'nope'"):
        store.stage_runs_by_run([runs[0], "nope"])
    with pytest.raises(RunNotFoundError, match="no run 'nope'"):
        store.verified_stage_runs(["nope"])


def test_verified_read_equals_verify_and_the_batched_read(store: Store, runs: list[str]) -> None:
    report, stages = store.verified_stage_runs(runs)
    assert report == store.verify() and report.ok
    assert _same(stages, store.stage_runs_by_run(runs))


def test_verified_read_of_a_tampered_store_reports_what_verify_reports(
    store: Store, runs: list[str], db: sa.Engine
) -> None:
    with db.begin() as conn:  # a hand edit of one stage record's JSON (its hash now wrong)
        seq, body = conn.execute(
            sa.text("SELECT seq, body FROM ledger WHERE kind = 'stage' ORDER BY seq LIMIT 1")
        ).one()
        edited = body.replace('"stage":"stage0"', '"stage":"stageX"')
        assert edited != body
        conn.execute(sa.text("UPDATE ledger SET body = :b WHERE seq = :s"), {"b": edited, "s": seq})
        # and an index row that no longer matches its record
        conn.execute(sa.text("UPDATE checks SET failed_count = 9 WHERE position = 1"))
    report, stages = store.verified_stage_runs(runs)
    plain = store.verify()
    assert not report.ok and report == plain
    assert report.first_bad is not None and f"record seq {seq}" in report.first_bad
    # what the report shows is what the ledger holds (the edit included), as stage_runs reads
    assert stages[runs[0]][0].stage == "stageX"
    assert _same(stages, store.stage_runs_by_run(runs))


def test_verified_read_of_an_uncheckable_chain_reads_through_the_index(
    store_url: str, backend: str
) -> None:
    keyed = open_store(store_url, signing_key="k" * 32)
    run = f.run_info()
    keyed.begin_run(run)
    keyed.record_stage(f.stage_result(run.id))
    keyed.close()
    with open_store(store_url, signing_key="", create=False) as unkeyed:
        report, stages = unkeyed.verified_stage_runs([run.id])
        assert not report.ok and not report.checked
        assert _same(stages, unkeyed.stage_runs_by_run([run.id]))
        assert len(stages[run.id]) == 1


def test_untagged_decoding_equals_the_full_walk() -> None:
    result = f.full_stage_result(f.new_id())
    data = encode_stage(result)
    assert decode_stage(data, tagged=False) == decode_stage(data) == result


def test_the_collector_pause_restores_what_it_found() -> None:
    import gc

    from govern.store.gcpause import paused_gc

    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():  # nested: the outer pause stays in charge
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # a caller's own pause is left alone
    finally:
        gc.enable()
    with pytest.raises(ValueError), paused_gc():
        raise ValueError
    assert gc.isenabled()
