"""Delivery through the OpenLineage client's transports: durable, off the hot path, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pytest

import govern
from govern.cli import main
from govern.errors import LineageWarning
from govern.lineage.config import LineageConfig, TransportSpec
from govern.lineage.delivery import Delivery, shutdown
from govern.lineage.export import events as exported
from govern.lineage.hook import current_config
from govern.lineage.replay import replay
from govern.store import open_store
from govern.types import RunStatus
from tests.conftest import wait_for
from tests.lineage.conftest import flush, read_jsonl
from tests.lineage.marquez import Marquez
from tests.store import factories as f

Numbers = pa.DataFrameSchema({"x": pa.Column(int, pa.Check.ge(0))})


@govern.stage(inputs={"df": Numbers}, outputs=Numbers)
def first(df: pd.DataFrame) -> pd.DataFrame:
    return df + 1


@govern.stage(inputs={"df": Numbers}, outputs=Numbers)
def second(df: pd.DataFrame) -> pd.DataFrame:
    return df * 2


@govern.stage(inputs={"df": Numbers}, outputs=Numbers)
def third(df: pd.DataFrame) -> pd.DataFrame:
    return df - 1


def pipeline(name: str) -> govern.Run:
    with govern.run(name) as run:
        third(second(first(pd.DataFrame({"x": [1, 2, 3]}))))
    assert run.status == "completed" and all(s.passed for s in run.stages)
    return run


def use_http(monkeypatch: pytest.MonkeyPatch, url: str, **options: Any) -> None:
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "http")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__URL", url)
    govern.configure(lineage={"timeout": 2.0, "flush_timeout": 5.0, **options})


def delivery_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("govern-lineage")]


def status(name: str) -> Any:
    """The outbox status of the configured transport called ``name``."""
    (spec,) = [s for s in current_config().transports if s.name == name]
    with open_store() as store:
        return next(t for t in store.outbox.status() if t.name == spec.key)


def root_run(event: dict[str, Any]) -> str:
    parent = event["run"]["facets"].get("parent")
    return str(parent["root"]["run"]["runId"] if parent else event["run"]["runId"])


def test_down_erroring_and_slow_backend_then_replay_delivers_each_event_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Marquez(delay=0.3)
    use_http(monkeypatch, server.url)
    runs = [pipeline("while-down")]  # nothing listens: connections are refused
    wait_for(lambda: status("http").last_error is not None, "a refused delivery")
    assert "Connection" in status("http").last_error
    server.start()
    server.mode = "error"  # 500 for every event
    runs.append(pipeline("while-erroring"))
    wait_for(lambda: server.attempts > 0, "an attempt answered 500")
    wait_for(lambda: "500" in (status("http").last_error or ""), "a 500 recorded")
    server.mode = "slow"  # answers, but each answer takes a while
    runs.append(pipeline("while-slow"))
    wait_for(lambda: len(server.received()) > 0, "a slow delivery")
    server.mode = "up"
    with open_store() as store:  # alongside the background worker: neither sends twice
        (result,) = replay(store, current_config())
    assert result.error is None
    shutdown(timeout=20.0)

    received = server.received()
    keys = [(e["run"]["runId"], e["eventType"]) for e in received]
    assert len(keys) == len(set(keys)), "an event arrived twice"
    with open_store() as store:
        expected = list(exported(store))
    assert sorted(keys) == sorted((e["run"]["runId"], e["eventType"]) for e in expected)
    assert len(keys) == 3 * (1 + 2 * 3 + 1)
    for run in runs:  # in the order of the record, per run
        arrived = [(e["job"]["name"], e["eventType"]) for e in received if root_run(e) == run.id]
        recorded = [(e["job"]["name"], e["eventType"]) for e in expected if root_run(e) == run.id]
        assert arrived == recorded
    assert server.attempts > len(received)  # the 500s were real attempts
    assert status("http").pending == 0 and status("http").delivered == len(keys)


def test_rejected_events_fail_then_replay_sends_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = Marquez()
    server.start()
    server.mode = "reject"  # 400: retrying cannot help, so the event is marked failed
    use_http(monkeypatch, server.url)
    pipeline("rejected")
    wait_for(lambda: status("http").failed == 1, "a failed event")
    assert "400" in (status("http").last_error or "")
    capsys.readouterr()
    assert main(["lineage", "status"]) == 0
    shown = capsys.readouterr().out
    assert "http" in shown and "400" in shown
    server.mode = "up"
    assert main(["lineage", "replay"]) == 0
    assert "left" in capsys.readouterr().out
    shutdown(timeout=10.0)
    assert len(server.received()) == 1 + 2 * 3 + 1
    assert status("http").failed == 0 and status("http").pending == 0


def test_an_unreachable_backend_leaves_events_pending_and_replay_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = Marquez()  # never started: a closed port
    use_http(monkeypatch, server.url)
    pipeline("nobody-listens")
    shutdown(timeout=1.0)
    wait_for(lambda: not delivery_threads(), "the delivery thread to stop")
    assert status("http").pending == 8
    capsys.readouterr()
    assert main(["lineage", "replay"]) == 1
    out = capsys.readouterr().out
    assert "delivered 0, 8 left" in out and "Connection" in out


def test_the_environment_is_read_never_written(monkeypatch: pytest.MonkeyPatch) -> None:
    server = Marquez()
    server.start()
    monkeypatch.setenv("OPENLINEAGE_URL", server.url)  # the client would alias it into os.environ
    monkeypatch.setenv("OPENLINEAGE_API_KEY", "key-123")
    govern.config.reset()
    before = dict(os.environ)
    pipeline("env")
    flush()
    assert dict(os.environ) == before
    assert len(server.received()) == 8
    assert {h.get("Authorization") for h in server.headers} == {"Bearer key-123"}


def test_no_configuration_keeps_events_in_the_store_only() -> None:
    run = pipeline("store-only")
    assert not delivery_threads()
    with open_store() as store:
        assert store.outbox.status() == []
        rebuilt = [e for e in exported(store) if root_run(e) == run.id]
    assert len(rebuilt) == 8


def test_events_reach_a_file_and_the_interpreter_exit_flushes(tmp_path: Path) -> None:
    path = tmp_path / "out" / "events.jsonl"
    code = textwrap.dedent(
        """
        import pandas as pd
        import govern

        @govern.stage()
        def step(df):
            return df

        with govern.run("exiting"):
            step(pd.DataFrame({"a": [1]}))
        """
    )
    env = {
        **os.environ,
        "OPENLINEAGE__TRANSPORT__TYPE": "file",
        "OPENLINEAGE__TRANSPORT__LOG_FILE_PATH": str(path),
        "OPENLINEAGE__TRANSPORT__APPEND": "true",
    }
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    assert [e["eventType"] for e in read_jsonl(path)] == ["START", "START", "COMPLETE", "COMPLETE"]


def test_a_composite_transport_is_delivered_per_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "composite")
    children = {
        name: {"type": "file", "log_file_path": str(path), "append": True}
        for name, path in (("left", a), ("right", b))
    }
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TRANSPORTS", json.dumps(children))
    govern.config.reset()
    pipeline("composite")
    flush()
    assert len(read_jsonl(a)) == len(read_jsonl(b)) == 8
    assert {status("left").delivered, status("right").delivered} == {8}


def test_a_configuration_that_cannot_work_warns_and_keeps_the_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__URL", "http://example.invalid")  # no type
    govern.config.reset()
    with pytest.warns(LineageWarning, match="no type"):
        run = pipeline("misconfigured")
    with open_store() as store:
        assert len([e for e in exported(store) if root_run(e) == run.id]) == 8


def test_a_new_transport_is_owed_from_its_first_run_and_backfill_sends_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline("before")  # nothing configured yet: the store only
    path = tmp_path / "events.jsonl"
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "file")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__LOG_FILE_PATH", str(path))
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__APPEND", "true")
    govern.config.reset()
    pipeline("after")
    flush()
    jobs = {e["job"]["name"] for e in read_jsonl(path)}
    assert jobs == {"after", "after.first", "after.second", "after.third"}
    with open_store() as store:
        (result,) = replay(store, current_config(), backfill=True)
    assert result.delivered == 8 and result.remaining == 0
    names = [e["job"]["name"] for e in read_jsonl(path)]
    assert names.count("before") == 2 and names.count("after") == 2
    with open_store() as store:  # replaying again sends nothing twice
        (again,) = replay(store, current_config(), backfill=True)
    assert again.delivered == 0 and len(read_jsonl(path)) == 16


def test_a_flush_during_a_pass_still_delivers_what_was_recorded_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker's pass looks for new records, then the run is recorded and the flush
    # begins before that pass ends: the flush must not take the pass's "nothing new" for
    # "drained" (it once did, and events recorded just before exit stayed pending).
    path = tmp_path / "events.jsonl"
    config = {"type": "file", "log_file_path": str(path), "append": True}
    spec = TransportSpec("file", "file", config)
    with open_store(str(tmp_path / "govern.db")) as store:
        looked, resume = threading.Event(), threading.Event()
        enqueue = store.outbox.enqueue

        def enqueue_then_pause(names: Sequence[str], *, now: float) -> int:
            added = enqueue(names, now=now)
            if not looked.is_set():
                looked.set()
                resume.wait(30)
            return added

        monkeypatch.setattr(store.outbox, "enqueue", enqueue_then_pause)
        delivery = Delivery(store, LineageConfig(transports=(spec,), flush_timeout=30.0))
        delivery.start(from_run=None)
        assert looked.wait(30)
        run = f.run_info()
        store.begin_run(run)
        store.record_stage(f.stage_result(run.id))
        store.end_run(run.id, RunStatus.COMPLETED, datetime.now(UTC))
        flushing = threading.Thread(target=delivery.flush)
        flushing.start()
        wait_for(lambda: delivery.deadline is not None, "the flush to begin")
        resume.set()
        flushing.join(60)
        assert [e["eventType"] for e in read_jsonl(path)] == [
            "START", "START", "COMPLETE", "COMPLETE",
        ]  # fmt: skip
        assert store.outbox.status()[0].pending == 0
