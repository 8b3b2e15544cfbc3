"""Bad clocks, locked stores, foreign databases, odd arguments and odd names: each gets a
clear answer in bounded time, and none can change a verdict."""

from __future__ import annotations

import json
import os
import sqlite3
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govern
import govern.config
from govern import recording
from govern.cli import main
from govern.errors import GateDefinitionError, GovernError, StoreError, StoreWarning
from govern.policies.context import RuleContext
from govern.policies.gather import select_runs
from govern.store import open_store
from govern.types import RunStatus, Status
from tests.store import attacker
from tests.store import factories as f

# -- clocks ---------------------------------------------------------------------------


def _run(store: Any, started: datetime, status: RunStatus, name: str = "penguins") -> str:
    run = f.run_info(name=name, started_at=started)
    store.begin_run(run)
    stage = f.stage_result(
        run.id,
        status=Status.PASSED if status is RunStatus.COMPLETED else Status.FAILED,
        started_at=started,
        ended_at=started + timedelta(seconds=5),
    )
    store.record_stage(stage)
    store.end_run(run.id, status, started + timedelta(seconds=10))
    return run.id


def test_a_clock_30_days_ahead_does_not_shadow_later_runs(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    with open_store(store_url, signing_key="") as store:
        first = _run(store, now - timedelta(hours=2), RunStatus.COMPLETED)
        ahead = _run(store, now + timedelta(days=30), RunStatus.COMPLETED)  # a VM's clock
        newest = _run(store, now, RunStatus.FAILED)
        assert store.run("latest").id == newest
        assert [r.id for r in store.runs()] == [newest, ahead, first]
        assert [r.id for r in store.runs(limit=1)] == [newest]
        ctx = RuleContext(store, [], now)
        assert [r.id for r in select_runs(ctx, None, False)] == [newest]
        assert [r.id for r in select_runs(ctx, None, True)] == [newest]
        anomalies = store.clock_anomalies([first, ahead, newest])
    assert list(anomalies) == [newest]
    assert "30.0 days before run" in anomalies[newest] and ahead[:12] in anomalies[newest]

    govern.config.configure(store=store_url)
    assert main(["runs", "show", "latest", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["run"]["id"] == newest
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    assert "clock anomaly" in out and newest[:12] in out and "clock?" in out
    assert main(["runs", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == [newest, ahead, first]
    assert listed[0]["clock_anomaly"] and listed[1]["clock_anomaly"] is None


def test_a_run_starting_before_its_predecessor_ended(store_url: str) -> None:
    now = datetime.now(UTC)
    with open_store(store_url, signing_key="") as store:
        first = _run(store, now, RunStatus.COMPLETED)  # ends at now + 10 s
        second = _run(store, now + timedelta(seconds=3), RunStatus.COMPLETED)
        assert "before run" in store.clock_anomalies([second])[second]
        # overlapping runs (the second begun while the first ran) are no anomaly
        later = now + timedelta(seconds=20)
        a, b = f.run_info(started_at=later), f.run_info(started_at=later + timedelta(seconds=1))
        store.begin_run(a)
        store.begin_run(b)
        store.end_run(a.id, RunStatus.COMPLETED, later + timedelta(seconds=30))
        assert store.clock_anomalies([first, a.id, b.id]) == {}


# -- a locked store under on_store_error = "warn" -------------------------------------


@govern.stage()
def step(df: pd.DataFrame) -> pd.DataFrame:
    return df


def test_a_locked_store_fails_fast_and_warns_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = str(tmp_path / "locked.db")
    cfg = govern.config.configure(store=url, on_store_error="warn")
    recording.close_stores()
    # the recorder's store, with a short lock timeout (the default is 30 s per attempt)
    store = open_store(url, signing_key="", timeout=0.3)
    recording._stores[(os.getpid(), cfg.store, None, "")] = store
    calls: list[str] = []
    real = store.record_stage

    def counted(result: Any) -> Any:
        calls.append(result.stage)
        return real(result)

    monkeypatch.setattr(store, "record_stage", counted)
    holder = sqlite3.connect(url, isolation_level=None)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with govern.run("locked") as run:
                holder.execute("BEGIN EXCLUSIVE")  # another process holds the lock
                for _ in range(5):
                    step(pd.DataFrame({"x": [1]}))
            holder.execute("ROLLBACK")
        store_warnings = [w for w in caught if issubclass(w.category, StoreWarning)]
        assert len(store_warnings) == 1, [str(w.message) for w in store_warnings]
        assert "the rest of this run is not recorded" in str(store_warnings[0].message)
        assert calls == ["step"]  # tried once, then skipped at once
        # the next run tries the store again
        with govern.run("unlocked") as second:
            step(pd.DataFrame({"x": [1]}))
        assert calls == ["step", "step"]
        assert store.run(second.id).status is RunStatus.COMPLETED
        assert [s.stage for s in store.stage_runs(run.id)] == []
    finally:
        holder.close()
        recording.close_stores()


# -- foreign databases, arguments, names ----------------------------------------------


def test_an_unrelated_sqlite_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()
    with pytest.raises(StoreError, match=r"not a govern store .* customers"):
        open_store(str(path), signing_key="")
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert tables == {"customers"}  # nothing added
    assert main(["runs", "--store", str(path)]) == 3
    assert "not a govern store" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["runs", "--limit", "1e23"], "--limit"),
        (["runs", "--limit", "100000000000000000000000"], "--limit must be between"),
        (["models", "show", "m@100000000000000000000000"], "is too large"),
        (["models", "show", "m@²"], "NAME@VERSION"),
        (
            ["runs", "--store", "postgresql://u:hunter2@[::1"],
            "store URL postgresql://... is not valid",
        ),
        (["verify", "--store", "postgresql://u:hunter2@h:99999999/db"], "port 99999999"),
        (["runs", "--store", "mysql://x/y"], "unsupported store URL scheme"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    args: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(tmp_path / "s.db")
    with open_store(url, signing_key="") as store:
        store.begin_run(f.run_info())
    govern.config.configure(store=url)
    assert main(args) == 2
    captured = capsys.readouterr()
    err = captured.err + captured.out
    assert says in err and "Traceback" not in err and "hunter2" not in err


def _exec(url: str, sql: str) -> None:
    db = attacker.engine(url)
    try:
        with db.begin() as conn:
            conn.execute(sa.text(sql))
    finally:
        db.dispose()


def test_verify_reports_a_non_ascii_prev_hash_as_tampering(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(store_url, signing_key="") as store:
        store.begin_run(f.run_info())
        store.begin_run(f.run_info())
    _exec(store_url, "UPDATE ledger SET prev_hash = 'ünïcödé' WHERE seq = 2")
    assert main(["verify", "--store", store_url]) == 1
    out = capsys.readouterr().out
    assert "record seq 2 (run_started " in out and "its prev_hash is not a hex hash" in out


def test_verify_reports_a_blob_body_as_tampering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(tmp_path / "s.db")
    with open_store(url, signing_key="") as store:
        store.begin_run(f.run_info())
        store.begin_run(f.run_info())
    with sqlite3.connect(url) as conn:
        conn.execute("UPDATE ledger SET body = CAST(body AS BLOB) WHERE seq = 1")
    conn.close()
    assert main(["verify", "--store", url]) == 1
    out = capsys.readouterr().out
    assert "record seq 1 (run_started " in out and "body is stored as bytes" in out


def test_one_rule_for_names_on_every_backend(store_url: str) -> None:
    with pytest.raises(GateDefinitionError, match="is 256 bytes of UTF-8"):
        govern.stage(name="s" * 256)(lambda df: df)
    with pytest.raises(GateDefinitionError, match="is 258 bytes"):
        govern.stage(name="é" * 129)(lambda df: df)
    with pytest.raises(GateDefinitionError, match="NUL"):
        govern.stage(name="a\x00b")(lambda df: df)
    with pytest.raises(GovernError, match=r"pipeline name .* 300 bytes"):
        govern.run("p" * 300)
    longest = "é" * 127 + "s"  # 255 bytes
    gated = govern.stage(name=longest)(lambda df: df)
    govern.config.configure(store=store_url)
    recording.close_stores()
    try:
        with govern.run("q" * 255) as run:
            gated(pd.DataFrame({"x": [1]}))
    finally:
        recording.close_stores()
    with open_store(store_url, create=False) as store:
        (stage,) = store.stage_runs(run.id)
        assert stage.stage == longest and store.run(run.id).name == "q" * 255


_ARG = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    command=st.sampled_from(["limit", "model", "store", "run", "checkpoint"]),
    value=_ARG | st.sampled_from(["1e23", "-1", "0", "9" * 30, "m@" + "9" * 30, "@", "m@",
                                  "postgresql://u:hunter2@[::1", "sqlite://", "sqlite:///:memory:",
                                  "postgresql://", "/", ".", "latest", "x" * 300]),
)  # fmt: skip
def test_fuzzed_arguments_never_crash(
    command: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(tmp_path / "fuzz.db")
    if not Path(url).exists():
        with open_store(url, signing_key="") as store:
            store.begin_run(f.run_info())
    govern.config.configure(store=url)
    args = {
        "limit": ["runs", "--limit", value],
        "model": ["models", "show", value],
        "store": ["runs", "--store", value],
        "run": ["runs", "show", value],
        "checkpoint": ["verify", "--checkpoint", value],
    }[command]
    code = main(args)
    captured = capsys.readouterr()
    assert code in (0, 1, 2, 3), (args, code)
    assert "Traceback" not in captured.err + captured.out
    if code:
        assert captured.err.startswith(("govern: error:", "Usage:")) or "Error" in captured.err
    if command == "store":
        assert "hunter2" not in captured.err + captured.out  # a password is never shown
