"""The parity comparison itself (main venv): equal records agree, any difference shows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.orchestrators import parity, tiny_pipeline


def test_two_plain_runs_record_the_same(tmp_path: Path) -> None:
    first = parity.plain_store(tmp_path / "a")
    second = parity.plain_store(tmp_path / "b")
    assert parity.compare(first, second) == []
    record = parity.record_of(first)
    (run,) = record["runs"]
    assert (run["name"], run["status"]) == (tiny_pipeline.PIPELINE, "completed")
    assert [s["stage"] for s in run["stages"]] == list(tiny_pipeline.STAGES)
    clean = run["stages"][1]
    assert clean["status"] == "quarantined"
    assert sum(rows for _, rows in clean["quarantine"]) == tiny_pipeline.QUARANTINED_ROWS
    assert ("passed" in str(run["stages"][0]["checks"])) and ("failed" in str(clean["checks"]))
    names = {name for edge in record["lineage"] for name in edge[1:]}
    assert f"file:{tiny_pipeline.SOURCE_URI}" in names
    assert ("child", f"{parity.NAMESPACE}:tiny", f"{parity.NAMESPACE}:tiny.clean") in record[
        "lineage"
    ]


def test_a_different_record_is_reported(tmp_path: Path) -> None:
    good = parity.plain_store(tmp_path / "a")
    broken = parity.plain_store(tmp_path / "b", broken=True)
    problems = parity.compare(good, broken)
    assert any("status" in p for p in problems) and any("stages" in p for p in problems)
    (run,) = parity.record_of(broken)["runs"]
    assert run["status"] == "failed" and [s["stage"] for s in run["stages"]] == ["load"]


def test_run_ids_and_times_are_ignored_but_not_fingerprints(tmp_path: Path) -> None:
    first = parity.plain_store(tmp_path / "a")
    second = parity.plain_store(tmp_path / "b")
    assert parity.compare(first, second) == []
    # other data: a dataset version changes, and the comparison says so
    original = tiny_pipeline.source_frame

    def shifted(*, broken: bool = False) -> object:
        frame = original(broken=broken)
        frame.loc[0, "amount"] = 11.0
        return frame

    tiny_pipeline.source_frame = shifted  # type: ignore[assignment]
    try:
        third = parity.plain_store(tmp_path / "c")
    finally:
        tiny_pipeline.source_frame = original
    assert any("datasets" in p for p in parity.compare(first, third))
    with sqlite3.connect(first) as conn:
        assert conn.execute("select count(*) from runs").fetchone()[0] == 1
