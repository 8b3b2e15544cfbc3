"""``govern drift``: per-column drift from the record, exit codes, thresholds, versions."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest
from scipy.stats import ks_2samp

from govern.cli import main
from govern.recording import close_stores
from tests.monitoring.history import DATASET, batch, record_days, shifted


@pytest.fixture(autouse=True)
def _close_runtime_stores() -> Iterator[None]:
    yield
    close_stores()


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_a_shift_crosses_thresholds_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    record_days(8, shift_last=shifted)
    code, out, _ = run(["drift", DATASET], capsys)
    assert code == 1
    assert f"rows {len(batch(6))} -> {len(shifted(batch(7)))}" in out and "CROSSED" in out
    assert "amount" in out and "psi" in out and "nulls" in out
    code, out, _ = run(["drift", DATASET, "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["node"] == DATASET
    assert set(data["crossed"]) >= {"rows", "amount:psi", "score:nulls"}
    columns = {c["column"]: c for c in data["columns"]}
    # the previous version against the shifted one, exactly as scipy sees the raw data
    # (400 rows: past KLL's k=200, so within twice both sketches' PMF rank error, 0.0165)
    before, after = batch(6)["amount"], shifted(batch(7))["amount"]
    exact = ks_2samp(before, after).statistic
    assert columns["amount"]["ks"] == pytest.approx(exact, abs=2 * (0.0165 + 0.0165))
    assert columns["score"]["null_fraction_after"] == pytest.approx(
        shifted(batch(7))["score"].isna().mean()
    )
    assert data["row_change"] == pytest.approx(len(shifted(batch(7))) / len(batch(6)) - 1)


def test_clean_versions_exit_0_and_windows_pool(capsys: pytest.CaptureFixture[str]) -> None:
    record_days(6)
    code, out, _ = run(["drift", DATASET], capsys)
    assert code == 0, out
    assert "no threshold crossed" in out
    code, out, _ = run(["drift", DATASET, "--window", "4", "-f", "json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["reference"].startswith("4 version(s) ")
    pooled = np.mean([len(batch(d)) for d in range(1, 5)])
    assert data["rows_before"] == pytest.approx(pooled)


def test_versions_by_prefix_relative_and_number(capsys: pytest.CaptureFixture[str]) -> None:
    record_days(6, shift_last=shifted)
    code, out, _ = run(["drift", DATASET, "--to", "latest~1", "-f", "json"], capsys)
    assert code == 0, out  # two clean versions
    first = json.loads(out)
    code, out, _ = run(["drift", DATASET, "--from", "#1", "--to", "#5", "-f", "json"], capsys)
    assert code == 0
    assert json.loads(out)["reference"] != first["reference"]
    version = first["current"]
    code, out, _ = run(["drift", DATASET, "--from", version[:6], "-f", "json"], capsys)
    assert code == 1 and json.loads(out)["reference"] == version


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["drift", "dataset:testproject:daily.load.retrun"], "did you mean " + DATASET),
        (["drift", DATASET, "--to", "ffffffff"], "no recorded version 'ffffffff'"),
        (["drift", DATASET, "--to", "latest~9"], "only 3 version(s) are recorded"),
        (["drift", DATASET, "--from", "#1", "--window", "2"], "not both"),
        (["drift", DATASET, "--window", "0"], "--window must be 1 or more"),
        (["drift", "model:penguins"], "drift is about a dataset"),
        (["drift", "dataset-only"], "dataset:NAMESPACE:NAME"),
        (["drift", DATASET, "--threshold", "pis=1"], "unknown drift threshold 'pis'"),
        (["drift", DATASET, "--threshold", "psi"], "NAME=VALUE"),
        (["drift", DATASET, "--threshold", "psi=lots"], "finite number >= 0"),
        (["drift", DATASET, "--format", "yaml"], "--format must be table or json"),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record_days(3)
    code, _, err = run(args, capsys)
    assert code == 2
    assert err.startswith("govern: error: ") and message in err, err


def test_thresholds_from_options_and_pyproject(capsys: pytest.CaptureFixture[str]) -> None:
    record_days(7, shift_last=shifted)
    loose = "psi=none,js=none,rows=none,nulls=none"
    assert run(["drift", DATASET, "-t", loose], capsys)[0] == 0
    code, out, _ = run(["drift", DATASET, "-t", loose, "-t", "ks=0.5", "-f", "json"], capsys)
    assert code == 1 and json.loads(out)["crossed"] == ["amount:ks"]
    with open("pyproject.toml", "a", encoding="utf-8") as handle:
        handle.write("\n[tool.govern.drift]\npsi = 100\nrows = 0.9\nnulls = 0.5\njs = 0.9\n")
    import govern.config

    govern.config.reset()
    code, out, _ = run(["drift", DATASET, "-f", "json"], capsys)
    assert code == 0, out
    assert json.loads(out)["thresholds"]["psi"] == 100
    assert run(["drift", DATASET, "-t", "psi=0.2"], capsys)[0] == 1  # options win
    with open("pyproject.toml", "a", encoding="utf-8") as handle:
        handle.write("schema = 'maybe'\n")
    govern.config.reset()
    code, _, err = run(["drift", DATASET], capsys)
    assert code == 2 and "[tool.govern.drift]" in err and "true or false" in err


def test_nothing_to_compare_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["drift", DATASET], capsys)
    assert code == 3 and "no govern store" in err
    record_days(1)
    code, _, err = run(["drift", DATASET], capsys)
    assert code == 3 and "is the first recorded" in err


def test_a_version_read_again_in_its_run_is_one_version() -> None:
    import pandas as pd

    import govern
    from govern.monitoring.recorded import sightings
    from govern.store import open_store

    watch = govern.Gate(govern.Stable(window=10, min_history=2, metrics=("row_count",)), "warn")

    @govern.stage(outputs=watch)
    def load(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    @govern.stage(inputs={"frame": watch})
    def use(frame: pd.DataFrame) -> int:
        return len(frame)

    for day in range(3):
        with govern.run("twice"):
            use(load(batch(day)))
    close_stores()
    with open_store(create=False) as store:
        usages = store.dataset_usages("twice.load.return", "testproject")
    history = sightings(usages, "testproject", "twice.load.return")
    assert [s.run_id for s in history] == sorted(
        {u.run_id for u in usages}, key=[u.run_id for u in usages].index
    )
    assert [s.summary.rows for s in history] == [len(batch(d)) for d in range(3)]
    # the output gate's and the next stage's input gate's checks, on the one version
    assert [len(s.checks) for s in history] == [2, 2, 2]
    assert {c.outcome for c in history[-1].checks} == {"passed"}


def test_a_summary_of_a_newer_format_is_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import sqlite3

    record_days(3)
    close_stores()
    # what a later govern would write: the summaries' format number raised in the record
    with sqlite3.connect(".govern/govern.db") as db:
        changed = db.execute(
            "UPDATE ledger SET body = replace(body, '\"format\":1,', '\"format\":99,') "
            "WHERE body LIKE '%\"format\":1,%'"
        ).rowcount
    assert changed == 3
    code, _, err = run(["drift", DATASET], capsys)
    assert code == 3 and "summary format 99 is newer than this govern reads" in err
