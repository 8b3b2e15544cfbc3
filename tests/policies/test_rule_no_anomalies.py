"""``no_anomalies``: unwaived failed ``stable:*`` checks fail ``govern check``."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from tests.monitoring.history import DATASET, record_days, shifted
from tests.policies.conftest import Result, pack, run_eval, statuses, write_pack
from tests.policies.test_rules import _verdict, assert_waivers

RULE = "- {id: stable, description: no anomalies, condition: no_anomalies}"


def _only_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[: len(frame) // 2]


def test_cold_start_passes_with_a_note_unless_history_is_required() -> None:
    record_days(3)  # min_history 5: every check not evaluated
    status, message = _verdict(run_eval(pack(RULE)), DATASET)
    assert status == "pass" and "not evaluated yet" in message and "0 evaluated" in message
    strict = (
        "- {id: stable, description: d, condition: no_anomalies, with: {require_history: true}}"
    )
    status, message = _verdict(run_eval(pack(strict)), DATASET)
    assert status == "fail" and "not evaluated" in message


def test_clean_history_passes() -> None:
    record_days(8)
    status, message = _verdict(run_eval(pack(RULE)), DATASET)
    assert status == "pass", message
    assert "no anomaly in" in message


def test_anomalies_fail_and_waivers_apply() -> None:
    record_days(8, shift_last=shifted)
    message = assert_waivers(RULE, "stable", DATASET)
    assert "stable:row_count" in message and "stable:null_fraction on column 'score'" in message
    assert "stage 'load', warn" in message


def test_checks_and_severity_narrow_what_counts() -> None:
    record_days(8, shift_last=_only_rows)  # only the volume moved
    assert _verdict(run_eval(pack(RULE)), DATASET)[0] == "fail"
    columns_only = (
        "- {id: stable, description: d, condition: no_anomalies, "
        "with: {checks: ['stable:null_fraction', 'amount:stable:*']}}"
    )
    assert _verdict(run_eval(pack(columns_only)), DATASET)[0] == "pass"
    errors_only = (
        "- {id: stable, description: d, condition: no_anomalies, with: {include_warn: false}}"
    )
    assert _verdict(run_eval(pack(errors_only)), DATASET)[0] == "pass"  # the gate warns


def test_datasets_without_stable_checks_are_not_judged() -> None:
    import govern

    @govern.stage()
    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    with govern.run("plain"):
        plain(pd.DataFrame({"a": [1, 2]}))
    assert "dataset:testproject:plain.plain.return" not in statuses(run_eval(pack(RULE)))


def test_govern_check_exits_1_on_an_anomaly(cli: Callable[..., Result]) -> None:
    record_days(8, shift_last=shifted)
    write_pack(pack(RULE))
    result = cli("check", "--policies", "policies")
    assert result.code == 1, result.out + result.err
    assert "stable" in result.out and DATASET in result.out
