"""The example pipeline (the main job) on the real Palmer penguins data."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import govern
from tests.conftest import REPO_ROOT

PIPELINE = REPO_ROOT / "examples" / "penguins" / "pipeline.py"


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return runpy.run_path(str(PIPELINE), run_name="example")


def run_pipeline(example: dict[str, Any]) -> govern.Run:
    with govern.run("penguins") as run:
        raw = govern.read_csv(example["penguins_csv"]())
        parts = example["split"](example["features"](example["clean"](raw)))
        example["train"](parts["train"], parts["test"])
    return run


def test_pipeline_runs_and_quarantines_real_rows(example: dict[str, Any]) -> None:
    run = run_pipeline(example)
    assert run.status == "completed"
    assert [s.stage for s in run.stages] == ["clean", "features", "split", "train"]
    clean = run.stages[0]
    assert clean.status == "quarantined"
    source = next(d for d in clean.datasets if d.role == "input")
    assert source.ref.namespace == "file" and source.ref.name.endswith("penguins.csv")
    assert source.row_count == 344
    (record,) = clean.quarantine
    rejected = pd.read_parquet(record.path)
    output = next(d for d in clean.datasets if d.role == "output")
    assert output.row_count is not None
    assert output.row_count + len(rejected) == 344
    assert record.rows == len(rejected) == 11
    assert all(len(reasons) >= 1 for reasons in rejected["_govern_reasons"])
    assert set(rejected.columns) >= {"species", "sex", "_govern_reasons", "_govern_row"}
    assert rejected["sex"].isna().all()


def test_model_stage_records_a_model(example: dict[str, Any]) -> None:
    run = run_pipeline(example)
    train = run.stages[-1]
    assert train.model is not None
    model = train.model
    assert model.name == "penguin-species" and model.version >= 1
    assert model.framework == "sklearn"
    assert model.model_class == "sklearn.pipeline.Pipeline"
    assert model.metrics["accuracy"] > 0.9
    assert "sex=female" in model.slices
    assert {d.parameter for d in model.training_datasets} == {"train"}
    assert {d.parameter for d in model.evaluation_datasets} == {"test"}  # the held-out split
    assert model.card["license"] == "apache-2.0"
    assert model.artifact_fingerprint is not None and model.artifact_fingerprint.startswith(
        "sha256:"
    )
    assert dict(model.input_signature)["bill_ratio"] == "float64"


def test_main_prints_a_summary(example: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert example["main"]() == 0
    out = capsys.readouterr().out
    assert "clean     quarantined" in out
    assert "quarantined 11 row(s)" in out
    assert "model penguin-species@" in out
    assert "govern runs show " in out
    assert Path(".govern/govern.db").exists() or "postgresql" in govern.settings().store


def test_cli_shows_the_example_run_and_model(
    example: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from govern.cli import main

    run = run_pipeline(example)
    capsys.readouterr()
    assert main(["runs"]) == 0
    table = capsys.readouterr().out
    assert "penguins" in table and run.id[:8] in table
    assert main(["runs", "show", run.id]) == 0
    shown = capsys.readouterr().out
    assert "clean" in shown and "quarantined" in shown
    assert main(["models", "show", "penguin-species"]) == 0
    assert "sklearn.pipeline.Pipeline" in capsys.readouterr().out
    assert main(["runs", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert any(r["id"] == run.id for r in listed)
    assert main(["models", "--format", "json"]) == 0
    models = json.loads(capsys.readouterr().out)
    assert any(m["name"] == "penguin-species" for m in models)
    assert main(["verify"]) == 0
