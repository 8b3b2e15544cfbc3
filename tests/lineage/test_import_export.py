"""``govern lineage import`` and ``export``: OpenLineage JSON lines in and out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import govern
from govern.cli import main
from govern.lineage.export import events as exported
from govern.lineage.importer import import_file
from govern.store import open_store
from tests.lineage.conftest import validate_event

BASE = {
    "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.20.0/integration/dbt",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
}


def run_event(kind: str, when: str, run_id: str = "0190a000-0000-7000-8000-00000000000a") -> Any:
    return {
        **BASE,
        "eventType": kind,
        "eventTime": when,
        "run": {"runId": run_id},
        "job": {"namespace": "dbt", "name": "shop.orders"},
        "inputs": [{"namespace": "postgres://db:5432", "name": "shop.raw.orders"}],
        "outputs": [{"namespace": "postgres://db:5432", "name": "shop.mart.orders"}],
    }


def write(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )
    return path


@govern.stage()
def step(df: pd.DataFrame) -> pd.DataFrame:
    return df


def test_import_adds_events_once(tmp_path: Path) -> None:
    job_event = {
        **BASE,
        "eventTime": "2024-05-01T10:00:00Z",
        "job": {"namespace": "dbt", "name": "shop.static"},
        "inputs": [],
        "outputs": [],
    }
    dataset_event = {
        **BASE,
        "eventTime": "2024-05-01T10:00:00Z",
        "dataset": {"namespace": "postgres://db:5432", "name": "shop.raw.orders"},
    }
    path = write(
        tmp_path / "dbt.jsonl",
        [
            run_event("START", "2024-05-01T10:00:00Z"),
            "",
            run_event("COMPLETE", "2024-05-01T10:05:00Z"),
            job_event,
            dataset_event,
        ],
    )
    with open_store() as store:
        first = import_file(store, path)
        again = import_file(store, path)
        assert (first.added, again.added, again.duplicates) == (4, 0, 4)
        assert store.verify().ok  # hash-chained, index rows checked like any record
        assert len(store.records(kind="openlineage_event")) == 4
        assert [e["eventType"] for e in exported(store) if "eventType" in e] == [
            "START",
            "COMPLETE",
        ]


def test_malformed_lines_are_rejected_with_their_numbers_and_the_rest_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing_run = run_event("START", "2024-05-01T10:00:00Z")
    del missing_run["run"]["runId"]
    bad_time = run_event("START", "yesterday")
    path = write(
        tmp_path / "mixed.jsonl",
        [
            run_event("START", "2024-05-01T10:00:00Z"),
            "{not json",
            missing_run,
            '{"eventTime": NaN}',
            bad_time,
            [1, 2],
        ],
    )
    with open_store() as store:
        result = import_file(store, path)
    assert result.added == 1
    assert [(i.line, i.reason.split(" (")[0]) for i in result.invalid] == [
        (2, "not valid JSON"),
        (3, "run.runId is missing"),
        (4, "not valid JSON"),
        (5, "eventTime 'yesterday' is not an ISO 8601 date-time"),
        (6, "an event is a JSON object, not list"),
    ]
    assert "NaN is not valid JSON" in result.invalid[2].reason
    with open_store() as store:
        assert len(store.records(kind="openlineage_event")) == 1

    assert main(["lineage", "import", str(path)]) == 2
    captured = capsys.readouterr()
    assert f"rejected {path}:2: not valid JSON" in captured.err
    assert "1 already imported" in captured.out and "5 invalid line(s) rejected" in captured.out
    assert main(["lineage", "import", str(path), "--skip-invalid"]) == 0
    assert f"rejected {path}:3: run.runId is missing" in capsys.readouterr().err
    assert main(["lineage", "import", str(tmp_path / "none.jsonl")]) == 2
    assert "cannot read it" in capsys.readouterr().err


def test_export_then_import_elsewhere_round_trips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with govern.run("exported"):
        step(pd.DataFrame({"a": [1, 2]}))
    out = tmp_path / "all.jsonl"
    assert main(["lineage", "export", "-o", str(out)]) == 0
    assert "wrote 4 event(s)" in capsys.readouterr().err
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [e["eventType"] for e in lines] == ["START", "START", "COMPLETE", "COMPLETE"]
    for event in lines:
        validate_event(event)
    assert main(["lineage", "export"]) == 0
    assert capsys.readouterr().out.splitlines() == out.read_text().splitlines()

    with open_store() as store:  # the same store: these are govern's own runs
        again = import_file(store, out)
        assert (again.added, again.own) == (0, 4)
    elsewhere = tmp_path / "other" / "govern.db"
    with open_store(str(elsewhere)) as other:
        moved = import_file(other, out)
        assert moved.added == 4 and other.verify().ok
        assert [json.loads(json.dumps(e)) for e in exported(other)] == lines
