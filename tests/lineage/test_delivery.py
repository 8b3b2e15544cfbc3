"""Delivery through the OpenLineage client's transports: durable, off the hot path, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import uuid
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


def test_repointing_a_transport_does_not_send_the_new_destination_the_old_backlog(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = Marquez()  # never started: its events stay owed
    use_http(monkeypatch, old.url)
    pipeline("for-the-old-one")
    shutdown(timeout=0.5)
    new = Marquez()
    new.start()
    use_http(monkeypatch, new.url)
    pipeline("for-the-new-one")
    flush()
    assert {e["job"]["name"] for e in new.received()} == {
        "for-the-new-one",
        "for-the-new-one.first",
        "for-the-new-one.second",
        "for-the-new-one.third",
    }
    capsys.readouterr()
    assert main(["lineage", "status", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)["transports"]
    by_destination = {t["destination"]: t for t in shown}
    # the old destination stays registered: owed its backlog and every record since
    assert by_destination[f"{old.url}/api/v1/lineage"]["pending"] == 16
    assert not by_destination[f"{old.url}/api/v1/lineage"]["configured"]
    assert by_destination[f"{new.url}/api/v1/lineage"]["delivered"] == 8
    # replay sends the new one nothing old unless asked to backfill
    assert main(["lineage", "replay"]) == 0
    assert len(new.received()) == 8
    assert main(["lineage", "replay", "--backfill"]) == 0
    assert len(new.received()) == 16
    # back to the old destination: what it is owed, kept for it, goes out
    old.start()
    use_http(monkeypatch, old.url)
    assert main(["lineage", "replay"]) == 0
    assert len(old.received()) == 16


def test_openlineage_disabled_means_nothing_is_owed_now_or_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Marquez()
    server.start()
    use_http(monkeypatch, server.url)
    pipeline("before")
    flush()
    monkeypatch.setenv("OPENLINEAGE_DISABLED", "true")
    govern.config.reset()
    pipeline("while-disabled")
    assert not delivery_threads()
    monkeypatch.delenv("OPENLINEAGE_DISABLED")
    govern.config.reset()
    pipeline("after")
    flush()
    with open_store() as store:
        (result,) = replay(store, current_config(), backfill=True)
    assert result.remaining == 0
    jobs = {e["job"]["name"].split(".")[0] for e in server.received()}
    assert jobs == {"before", "after"}
    assert len(server.received()) == 16


def test_a_process_exiting_with_events_owed_says_so_in_one_line(tmp_path: Path) -> None:
    dead = Marquez()  # nothing listens
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
        "GOVERN_STORE": str(tmp_path / "govern.db"),
        "OPENLINEAGE__TRANSPORT__TYPE": "http",
        "OPENLINEAGE__TRANSPORT__URL": dead.url,
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    lines = [line for line in done.stderr.splitlines() if line.startswith("govern:")]
    assert len(lines) == 1, done.stderr
    assert "4 lineage event(s) not delivered at exit (4 to 'http')" in lines[0]
    assert "govern lineage replay" in lines[0] and "Connection" in lines[0]


def test_an_attempt_in_flight_at_exit_is_waited_for_and_recorded(tmp_path: Path) -> None:
    # The exit flush ends while the receiver is still processing an event: abandoned
    # mid-send, it would stay leased with no answer recorded, and the next sender would
    # send the event the receiver already has again. The attempt is bounded (timeout),
    # so the exit waits for its answer.
    server = Marquez(delay=0.8)
    server.start()
    server.mode = "slow"
    code = textwrap.dedent(
        """
        import pandas as pd
        import govern

        @govern.stage()
        def step(df):
            return df

        with govern.run("exiting-mid-send"):
            step(pd.DataFrame({"a": [1]}))
        """
    )
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.govern.lineage]\ntimeout = 5.0\nflush_timeout = 0.2\n'
    )
    env = {
        **os.environ,
        "GOVERN_STORE": str(tmp_path / "govern.db"),
        "OPENLINEAGE__TRANSPORT__TYPE": "http",
        "OPENLINEAGE__TRANSPORT__URL": server.url,
    }
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        # the receiver finishes what it was processing, whether or not anyone waits
        wait_for(lambda: bool(server.received()), "the receiver to process the event")
        received = len(server.received())  # the sender is gone: nothing else comes
    finally:
        server.stop()
    with open_store(str(tmp_path / "govern.db")) as store:
        (owed,) = store.outbox.status()
    assert owed.delivered == received  # every event it has is recorded as delivered
    assert owed.inflight == 0  # and nothing is left leased: the rest is pending
    assert owed.pending == 4 - received


def test_replay_keeps_going_through_failures_with_backoff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Marquez()
    use_http(monkeypatch, server.url)
    for name in ("a", "b", "c"):
        pipeline(name)
    shutdown(timeout=0.5)
    server.start()
    answers = iter(["error", "up", "error", "error", "up"] * 20)

    def flaky(seconds: float) -> None:  # each wait flips the receiver, as a flaky backend
        server.mode = next(answers)

    server.mode = "error"
    with open_store() as store:
        (result,) = replay(store, current_config(), sleep=flaky)
    assert result.remaining == 0 and result.delivered == 24
    assert server.attempts > 24  # some attempts were answered 500 on the way
    keys = [(e["run"]["runId"], e["eventType"]) for e in server.received()]
    assert len(keys) == len(set(keys)) == 24


def test_replay_gives_up_after_its_attempts_and_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = Marquez()
    server.start()
    server.mode = "error"
    use_http(monkeypatch, server.url)
    pipeline("erroring")
    shutdown(timeout=0.5)
    before = server.attempts
    capsys.readouterr()
    assert main(["lineage", "replay", "--attempts", "3"]) == 1
    assert server.attempts - before == 3
    assert "500" in capsys.readouterr().out


def test_a_killed_replay_does_not_block_the_next_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = Marquez(delay=60.0)  # answers after a minute: the replay sits in its first send
    use_http(monkeypatch, server.url, timeout=30.0)
    pipeline("killed")  # not listening yet: the events stay owed
    shutdown(timeout=0.1)
    server.start()
    server.mode = "slow"
    env = {
        **os.environ,
        "GOVERN_STORE": govern.settings().store,
        "OPENLINEAGE__TRANSPORT__TYPE": "http",
        "OPENLINEAGE__TRANSPORT__URL": server.url,
        "OPENLINEAGE__TRANSPORT__TIMEOUT": "2",
    }
    replaying = subprocess.Popen(
        [sys.executable, "-m", "govern", "lineage", "replay"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: server.attempts > 0, "the replay's first send")
    replaying.kill()  # SIGKILL: its leases stay behind
    replaying.wait(30)
    with open_store() as store:
        assert any(t.inflight for t in store.outbox.status())
    server.mode = "up"
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TIMEOUT", "2")
    govern.config.reset()
    capsys.readouterr()
    assert main(["lineage", "replay"]) == 0  # it waits out the short lease and takes over
    assert "8 left" not in capsys.readouterr().out
    assert status("http").pending == 0 and status("http").inflight == 0


def test_a_run_inside_an_orchestrator_task_takes_its_run_as_parent(
    events_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.lineage.conftest import validate_event

    task_run, dag_run = str(uuid.uuid4()), str(uuid.uuid4())
    monkeypatch.setenv("OPENLINEAGE_PARENT_ID", f"airflow-ns/etl_dag.load/{task_run}")
    monkeypatch.setenv("OPENLINEAGE_ROOT_PARENT_JOB_NAMESPACE", "airflow-ns")
    monkeypatch.setenv("OPENLINEAGE_ROOT_PARENT_JOB_NAME", "etl_dag")
    monkeypatch.setenv("OPENLINEAGE_ROOT_PARENT_RUN_ID", dag_run)
    monkeypatch.setenv("OPENLINEAGE_NAMESPACE", "from-openlineage")
    govern.config.reset()
    run = pipeline("orchestrated")
    assert run.namespace == "from-openlineage"
    flush()
    events = read_jsonl(events_file)
    for event in events:
        validate_event(event)
    pipeline_start = next(
        e for e in events if e["job"]["name"] == "orchestrated" and e["eventType"] == "START"
    )
    parent = pipeline_start["run"]["facets"]["parent"]
    assert parent["run"]["runId"] == task_run
    assert (parent["job"]["namespace"], parent["job"]["name"]) == ("airflow-ns", "etl_dag.load")
    assert parent["root"]["run"]["runId"] == dag_run
    assert (parent["root"]["job"]["namespace"], parent["root"]["job"]["name"]) == (
        "airflow-ns",
        "etl_dag",
    )
    stage = next(e for e in events if e["job"]["name"] == "orchestrated.first")
    assert stage["job"]["namespace"] == "from-openlineage"
    assert stage["run"]["facets"]["parent"]["run"]["runId"] == run.id
    assert stage["run"]["facets"]["parent"]["root"]["run"]["runId"] == dag_run


def test_govern_namespace_wins_over_openlineage_namespace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENLINEAGE_NAMESPACE", "from-openlineage")
    govern.config.reset()
    assert govern.settings().namespace == "from-openlineage"
    monkeypatch.setenv("GOVERN_NAMESPACE", "from-govern")
    govern.config.reset()
    assert govern.settings().namespace == "from-govern"


def test_kafka_delivery_errors_are_shown_in_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("confluent_kafka")
    broker = Marquez()  # a free port: no broker answers there
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "kafka")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TOPIC", "lineage")
    monkeypatch.setenv(
        "OPENLINEAGE__TRANSPORT__CONFIG", json.dumps({"bootstrap.servers": broker.url[7:]})
    )
    govern.configure(lineage={"timeout": 1.0, "flush_timeout": 5.0})
    pipeline("to-kafka")
    wait_for(lambda: status("kafka").last_error is not None, "a kafka delivery error")
    shutdown(timeout=0.1)
    state = status("kafka")
    assert state.delivered == 0 and state.pending + state.inflight == 8
    assert "kafka did not take the event" in (state.last_error or "")
    capsys.readouterr()
    assert main(["lineage", "status"]) == 0
    assert "kafka did not take" in capsys.readouterr().out
