"""``govern check`` and ``govern approve``: exit codes, recorded verdicts, sign-offs."""

from __future__ import annotations

import json
from collections.abc import Callable

from govern.store import open_store
from tests.policies import pipelines as p
from tests.policies.conftest import Result, future, pack, past, waiver, write_pack

QUARANTINE = """
- id: quarantine
  description: at most 10% quarantined
  severity: {severity}
  condition: quarantine_rate
  with: {{max_rate: 0.1}}
"""


def quarantine_pack(severity: str = "error", waivers: str = "") -> None:
    write_pack(pack(QUARANTINE.format(severity=severity), waivers=waivers))


def test_exit_0_when_policies_pass(cli: Callable[..., Result]) -> None:
    run = p.run_orders(bad=1)
    quarantine_pack()
    result = cli("check")
    assert result.code == 0, result.err
    assert f"runs evaluated: {run.id}" in result.out
    assert "govern check: passed -- 0 violation(s) at fail level error" in result.out


def test_exit_1_on_violations_with_a_readable_message(cli: Callable[..., Result]) -> None:
    p.run_orders(bad=5)
    quarantine_pack()
    result = cli("check")
    assert result.code == 1
    assert "FAIL   [error] quarantine  dataset:file:/data/orders.csv" in result.out
    assert (
        "too many rows quarantined: 5 of 20 row(s) quarantined by stage 'clean' (25.0%); "
        "at most 10.0% allowed  (policies/pack.yaml:3)"
    ) in result.out
    assert "govern check: FAILED -- 1 violation(s)" in result.out


def test_fail_on_sets_the_level(cli: Callable[..., Result]) -> None:
    p.run_orders(bad=5)
    quarantine_pack(severity="warn")
    result = cli("check")
    assert result.code == 0  # warnings allowed
    assert "WARN   [warn] quarantine" in result.out and "1 warning(s)" in result.out
    assert cli("check", "--fail-on", "warn").code == 1


def test_expired_waiver_is_reported_and_fails_at_warn(cli: Callable[..., Result]) -> None:
    p.run_orders(bad=1)  # passes: the waiver is not needed, but it expired
    quarantine_pack(waivers=waiver("quarantine", "dataset:file:/data/orders.csv", past()))
    result = cli("check")
    assert result.code == 0
    assert "EXPIRED waiver of quarantine for dataset:file:/data/orders.csv" in result.out
    assert "(policies/pack.yaml:9)" in result.out
    assert cli("check", "--fail-on", "warn").code == 1


def test_waived_violation_passes(cli: Callable[..., Result]) -> None:
    p.run_orders(bad=5)
    quarantine_pack(waivers=waiver("quarantine", "dataset:file:*orders.csv", future()))
    result = cli("check")
    assert result.code == 0
    assert "WAIVED [error] quarantine" in result.out
    assert "waived by dana@example.org until" in result.out


def test_exit_2_on_usage_errors(cli: Callable[..., Result]) -> None:
    p.run_orders()
    quarantine_pack()
    for args, message in (
        (("check", "--format", "xml"), "--format must be one of text, json, junit"),
        (("check", "--fail-on", "info"), "--fail-on must be error or warn"),
        (("check", "--run", "latest", "--latest"), "give --run RUN_ID or --latest, not both"),
        (("check", "--policies", "missing/"), "no such policy directory"),
    ):
        result = cli(*args)
        assert result.code == 2, args
        assert message in result.err


def test_exit_3_without_store_or_run(cli: Callable[..., Result]) -> None:
    quarantine_pack()
    result = cli("check")
    assert result.code == 3 and "no govern store at" in result.err
    p.run_orders()
    result = cli("check", "--run", "0000ffff")
    assert result.code == 3 and "no run '0000ffff'" in result.err
    open_store("empty.db").close()  # a store that exists but holds no run
    result = cli("check", "--store", "empty.db")
    assert result.code == 3 and "no runs are recorded yet" in result.err


def test_run_and_latest_select_what_is_judged(cli: Callable[..., Result]) -> None:
    first = p.run_orders(bad=5, pipeline="a")
    second = p.run_orders(bad=0, pipeline="b")
    quarantine_pack()
    result = cli("check", "--format", "json", "--no-record")
    assert result.code == 1
    assert set(json.loads(result.out)["runs"]) == {first.id, second.id}
    result = cli("check", "--latest", "--format", "json", "--no-record")
    assert result.code == 0 and json.loads(result.out)["runs"] == [second.id]
    result = cli("check", "--run", first.id[:13], "--format", "json", "--no-record")
    assert result.code == 1 and json.loads(result.out)["runs"] == [first.id]


def test_verdicts_are_recorded_in_the_agreed_shape(cli: Callable[..., Result]) -> None:
    bad = p.run_orders(bad=5, pipeline="a")
    good = p.run_orders(bad=0, pipeline="b")
    quarantine_pack(waivers=waiver("quarantine", "dataset:file:/data/b.csv", past()))
    assert cli("check").code == 1
    with open_store(create=False) as store:
        records = store.records(kind="policy_evaluation")
        assert store.verify().ok  # the verdicts joined the hash chain
    assert {r.run_id for r in records} == {bad.id, good.id}
    by_run = {r.run_id: r.data for r in records}
    data = by_run[bad.id]
    assert set(data) == {
        "evaluated_at",
        "policies",
        "fail_on",
        "passed",
        "verdicts",
        "expired_waivers",
    }
    assert data["policies"] == ["policies/pack.yaml"] and data["fail_on"] == "error"
    assert data["passed"] is False and by_run[good.id]["passed"] is True
    (verdict,) = [v for v in data["verdicts"] if v["status"] == "fail"]
    assert verdict == {
        "rule": "quarantine",
        "description": "at most 10% quarantined",
        "severity": "error",
        "target": "dataset:file:/data/a.csv",
        "status": "fail",
        "message": verdict["message"],
        "file": "policies/pack.yaml",
        "line": 3,
        "waiver": None,
    }
    (expired,) = data["expired_waivers"]
    assert expired == {
        "rule": "quarantine",
        "target": "dataset:file:/data/b.csv",
        "reason": "known issue, fix scheduled",
        "approver": "dana@example.org",
        "expires": past().isoformat(),
        "file": "policies/pack.yaml",
        "line": 9,
    }
    assert all(len(r.record_id) == 36 and r.record_id[14] == "7" for r in records)  # UUIDv7


def test_no_record_leaves_the_store_alone(cli: Callable[..., Result]) -> None:
    p.run_orders()
    quarantine_pack()
    with open_store(create=False) as store:
        before = store.head_hash()
    assert cli("check", "--no-record").code == 0
    with open_store(create=False) as store:
        assert store.head_hash() == before


def test_output_file(cli: Callable[..., Result]) -> None:
    p.run_orders(bad=5)
    quarantine_pack()
    result = cli("check", "--format", "json", "-o", "out/check.json")
    assert result.code == 1
    assert (
        result.out.startswith("govern check: FAILED")
        and "(written to out/check.json)" in result.out
    )
    with open("out/check.json", encoding="utf-8") as fh:
        document = json.load(fh)
    assert document["summary"]["violations"] == 1 and document["passed"] is False


def test_approve_records_a_sign_off(cli: Callable[..., Result]) -> None:
    p.run_orders(train=True)
    result = cli("approve", "churn@1", "--by", "ana@example.org", "--note", "reviewed metrics")
    assert result.code == 0, result.err
    assert "recorded sign-off of churn@1 by ana@example.org" in result.out
    with open_store(create=False) as store:
        (record,) = store.records(kind="approval")
        assert store.verify().ok
    assert record.record_id == "churn@1" and record.run_id is None
    assert set(record.data) == {"model", "version", "by", "note", "approved_at"}
    assert record.data["model"] == "churn" and record.data["version"] == 1
    assert record.data["note"] == "reviewed metrics"


def test_approve_errors(cli: Callable[..., Result]) -> None:
    result = cli("approve", "churn@1", "--by", "ana@example.org")
    assert result.code == 3 and "no govern store" in result.err
    p.run_orders(train=True)
    result = cli("approve", "churn", "--by", "ana@example.org")
    assert result.code == 2 and "is not MODEL@VERSION" in result.err
    result = cli("approve", "churn@7", "--by", "ana@example.org")
    assert result.code == 3 and "model 'churn' has no version 7; recorded: 1" in result.err
    result = cli("approve", "churn@1")
    assert result.code == 2 and "--by" in result.err
    result = cli("approve", "churn@1", "--by", " ")
    assert result.code == 2 and "--by needs the name" in result.err
