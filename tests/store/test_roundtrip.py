from __future__ import annotations

import math
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from govern.errors import StoreError
from govern.store import ModelNotFoundError, RunNotFoundError, Store, open_store
from govern.types import (
    DatasetKind,
    DatasetRef,
    ModelRef,
    RunStatus,
    Status,
)
from tests.store import factories as f


def test_every_field_round_trips(store: Store) -> None:
    run = f.run_info(
        namespace="ns",
        started_at=datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=timezone(timedelta(hours=2))),
        environment={"git": {"commit": "abc", "dirty": True}, "argv": ["a", "b"], "n": 1.5},
    )
    store.begin_run(run)
    result = f.full_stage_result(run.id)
    recorded = store.record_stage(result)
    assert recorded.model is not None and recorded.model.version == 1
    assert result.model is not None
    assert recorded == replace(result, model=replace(result.model, version=1))

    (back,) = store.stage_runs(run.id)
    assert back == recorded
    # every field, explicitly, so a silently dropped field cannot hide behind __eq__
    for name in recorded.__dataclass_fields__:
        assert getattr(back, name) == getattr(recorded, name), name
    assert back.checks[1].sample == recorded.checks[1].sample
    assert back.datasets[0].metrics == recorded.datasets[0].metrics
    assert back.datasets[0].ref.kind is DatasetKind.SOURCE

    assert store.run(run.id) == run
    ended = datetime(2025, 1, 2, 4, 0, tzinfo=UTC)
    store.end_run(run.id, RunStatus.FAILED, ended)
    assert store.run(run.id) == replace(run, status=RunStatus.FAILED, ended_at=ended)
    assert store.model("penguin-species") == recorded.model
    assert store.models() == [recorded.model]
    assert store.verify().ok


def test_minimal_stage_and_naive_datetimes(store: Store) -> None:
    run = f.run_info(started_at=datetime(2025, 1, 1, 12, 0), pid=None, host=None, environment={})
    store.begin_run(run)
    minimal = f.stage_result(
        run.id,
        started_at=datetime(2025, 1, 1, 12, 0, 1),
        ended_at=datetime(2025, 1, 1, 12, 0, 2),
        checks=(),
        datasets=(),
        timings={},
        row_counts={},
    )
    store.record_stage(minimal)
    assert store.stage_runs(run.id) == [minimal]
    assert store.run(run.id) == run
    assert store.verify().ok


def test_non_finite_floats_and_free_form_values(store: Store) -> None:
    run = f.run_info()
    store.begin_run(run)
    result = f.stage_result(
        run.id,
        metrics={"nan": math.nan, "inf": math.inf, "ninf": -math.inf, "ok": 1.0},
        params={
            "tuple": (1, 2),
            "set": {3},
            "when": datetime(2025, 1, 1, tzinfo=UTC),
            4: "int key",
        },
    )
    store.record_stage(result)
    (back,) = store.stage_runs(run.id)
    assert math.isnan(back.metrics["nan"])
    assert back.metrics["inf"] == math.inf and back.metrics["ninf"] == -math.inf
    assert back.params == {
        "tuple": [1, 2],
        "set": [3],
        "when": "2025-01-01T00:00:00+00:00",
        "4": "int key",
    }
    assert store.verify().ok


def test_runs_newest_first_with_filters(store: Store) -> None:
    base = datetime(2025, 6, 1, tzinfo=UTC)
    made = []
    for i in range(5):
        run = f.run_info(name="a" if i % 2 else "b", started_at=base + timedelta(hours=i))
        store.begin_run(run)
        made.append(run)
    assert [r.id for r in store.runs()] == [r.id for r in reversed(made)]
    assert [r.id for r in store.runs(limit=2)] == [made[4].id, made[3].id]
    assert [r.id for r in store.runs(pipeline="a")] == [made[3].id, made[1].id]
    assert [r.id for r in store.runs(since=base + timedelta(hours=3))] == [made[4].id, made[3].id]
    assert store.run("latest").id == made[4].id
    assert store.run(made[2].id[:10]).id == made[2].id


def test_unknown_run_and_model_say_what_exists(store: Store) -> None:
    with pytest.raises(RunNotFoundError, match="no runs are recorded yet"):
        store.run("latest")
    with pytest.raises(RunNotFoundError, match="govern runs"):
        store.run("nope")
    with pytest.raises(ModelNotFoundError, match="recorded models: none"):
        store.model("m")
    run = f.run_info()
    store.begin_run(run)
    store.record_stage(f.full_stage_result(run.id))
    with pytest.raises(ModelNotFoundError, match="has no version 7; recorded: 1"):
        store.model("penguin-species", 7)
    with pytest.raises(ModelNotFoundError, match="recorded models: penguin-species"):
        store.model("other")


def test_stage_order_usages_and_datasets(store: Store) -> None:
    run = f.run_info()
    store.begin_run(run)
    first = store.record_stage(f.full_stage_result(run.id))
    assert first.model is not None
    names = [f"s{i}" for i in range(5)]
    for name in names:
        store.record_stage(f.stage_result(run.id, stage=name, models_used=(first.model.ref,)))
    assert [s.stage for s in store.stage_runs(run.id)] == ["train", *names]
    assert [s.stage for s in store.model_usages("penguin-species", 1)] == names
    assert store.model_usages("penguin-species", 2) == []
    assert [s.stage for s in store.model_usages("encoder", 2)] == ["train"]
    assert DatasetRef("file:///data", "clean", DatasetKind.SOURCE) in store.datasets()
    assert len(store.dataset_usages("raw")) == 6
    kinds = [r.kind for r in store.records()]
    assert kinds == ["run_started", *["stage"] * 6]
    assert store.head_hash() == store.records()[-1].hash


def test_model_versions_auto_increment_per_name(store: Store) -> None:
    run = f.run_info()
    store.begin_run(run)

    def record(name: str, version: int = 0) -> int:
        sid = f.new_id()
        model = f.model_version(run.id, sid, name=name, version=version)
        result = store.record_stage(f.stage_result(run.id, stage_run_id=sid, model=model))
        assert result.model is not None
        return result.model.version

    assert [record("a"), record("a"), record("b"), record("a")] == [1, 2, 1, 3]
    assert record("a", version=10) == 10
    assert record("a") == 11
    assert record("b", version=5) == 5
    with pytest.raises(StoreError, match=r"b@5 is already recorded"):
        record("b", version=5)
    assert [(m.name, m.version) for m in store.models()] == [
        ("a", 1), ("a", 2), ("a", 3), ("a", 10), ("a", 11), ("b", 1), ("b", 5),
    ]  # fmt: skip
    assert store.model("a").version == 11
    assert store.verify().ok


def test_record_errors_are_clear(store: Store) -> None:
    with pytest.raises(StoreError, match="never begun"):
        store.record_stage(f.stage_result("no-such-run"))
    run = f.run_info()
    store.begin_run(run)
    with pytest.raises(StoreError, match="already recorded"):
        store.begin_run(run)
    result = store.record_stage(f.stage_result(run.id))
    with pytest.raises(StoreError, match="same id"):
        store.record_stage(result)
    with pytest.raises(StoreError, match="not recorded"):
        store.end_run("missing", RunStatus.COMPLETED, datetime.now(UTC))
    assert store.verify().ok
    assert len(store.stage_runs(run.id)) == 1


def test_reopen_and_default_location(store_url: str, backend: str) -> None:
    with open_store(store_url, signing_key="") as first:
        run = f.run_info()
        first.begin_run(run)
        first.record_stage(f.stage_result(run.id, status=Status.FAILED))
    with open_store(store_url, signing_key="", create=False) as again:
        assert again.stage_runs(run.id)[0].status is Status.FAILED
        assert again.verify().records == 2
    if backend == "sqlite":
        os.environ.pop("GOVERN_STORE", None)
        with open_store() as default:
            assert default.location.endswith(os.path.join(".govern", "govern.db"))


def test_model_refs_round_trip(store: Store) -> None:
    run = f.run_info()
    store.begin_run(run)
    result = f.stage_result(run.id, models_used=(ModelRef("a", 1), ModelRef("b", 2)))
    store.record_stage(result)
    assert store.stage_runs(run.id)[0].models_used == (ModelRef("a", 1), ModelRef("b", 2))
