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
    assert {d.parameter for d in model.training_datasets} == {"train", "test"}
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
